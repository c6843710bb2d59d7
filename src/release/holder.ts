/**
 * Who holds a release lock: the same JSON in the controller's lock file and in
 * the host's lock file, so a refusal can name the person, process and machine.
 */
import os from "node:os";
import { z } from "zod";

export const lockHolderSchema = z.object({
  user: z.string(),
  pid: z.number().int(),
  hostname: z.string(),
  since: z.string(),
  version: z.string(),
  infra: z.string().optional(),
});

export type LockHolder = z.infer<typeof lockHolderSchema>;

/** The user who runs the release: the login name, and who they were before sudo */
export function releaseUser(env: NodeJS.ProcessEnv = process.env): { user: string; sudoUser?: string } {
  const user = os.userInfo().username;
  const sudoUser = env.SUDO_USER;
  return sudoUser && sudoUser !== user ? { user, sudoUser } : { user };
}

/** "alice (sudo as root)" style: the person first */
export function describeUser(user: { user: string; sudoUser?: string | undefined }): string {
  return user.sudoUser ? `${user.sudoUser} (as ${user.user})` : user.user;
}

export function currentHolder(infra: string, version: string, now: Date = new Date()): LockHolder {
  return { user: describeUser(releaseUser()), pid: process.pid, hostname: os.hostname(), since: now.toISOString(), version, infra };
}

export function describeHolder(holder: LockHolder): string {
  return `${holder.user} (pid ${holder.pid} on ${holder.hostname}, releasing ${holder.version}, since ${holder.since})`;
}

/** A lock's text as a holder; undefined when it is not one (empty, half-written, foreign) */
export function parseHolder(text: string): LockHolder | undefined {
  try {
    const parsed = lockHolderSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs on this machine (EPERM: it runs, as someone else) */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A holder that cannot be running any more: it was on this machine and its process is gone */
export function isStale(holder: LockHolder, hostname: string = os.hostname()): boolean {
  return holder.hostname === hostname && !pidAlive(holder.pid);
}
