/**
 * Who holds a release lock: the same JSON in the controller's lock file and in
 * the host's lock file, so a refusal can name the person, process and machine.
 */
import os from "node:os";
import * as z from "zod";

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

/** How long a lock may be held before anyone may take it over (smcrelease --lock-timeout) */
export const DEFAULT_LOCK_TIMEOUT_MS = 6 * 3600_000;

export interface StaleRule {
  /** this controller's name: only its own processes can be seen */
  hostname?: string;
  timeoutMs?: number;
  now?: Date;
}

/**
 * Why a holder is provably gone, or undefined when it may still be running: its process, on this
 * controller, is gone; or it has held the lock past the timeout (a release on another controller,
 * whose process cannot be seen from here, killed or cut off there).
 */
export function staleReason(holder: LockHolder, rule: StaleRule = {}): string | undefined {
  if (holder.hostname === (rule.hostname ?? os.hostname()) && !pidAlive(holder.pid)) return "its process is no longer running";
  const timeoutMs = rule.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const heldMs = (rule.now ?? new Date()).getTime() - Date.parse(holder.since);
  if (Number.isFinite(heldMs) && heldMs > timeoutMs) return `it has held the lock for ${formatHours(heldMs)}, past the lock timeout of ${formatHours(timeoutMs)}`;
  return undefined;
}

/** When a holder that keeps its lock may be taken over, for a refusal's message */
export function takeoverTime(holder: LockHolder, timeoutMs: number = DEFAULT_LOCK_TIMEOUT_MS): string {
  const at = new Date(Date.parse(holder.since) + timeoutMs);
  return Number.isFinite(at.getTime()) ? `${at.toISOString()} (the lock timeout, ${formatHours(timeoutMs)}, --lock-timeout)` : "never (its start time is unreadable)";
}

function formatHours(ms: number): string {
  const hours = ms / 3600_000;
  return hours >= 1 ? `${Number(hours.toFixed(1))} h` : `${Math.round(ms / 60_000)} min`;
}
