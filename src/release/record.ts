/**
 * What a release records: who released which version of which playbook to which
 * infra, when, from where, and from which commit of the inventory repository.
 */
import os from "node:os";
import * as z from "zod";
import { releaseUser } from "./holder.js";

export interface GitState {
  commit: string;
  /** uncommitted or untracked changes in the work tree: the release is not reproducible from the commit alone */
  dirty: boolean;
}

export const hostResultSchema = z.enum(["ok", "failed", "unreachable"]);
export type HostResult = z.infer<typeof hostResultSchema>;

export const releaseRecordSchema = z.object({
  infra: z.string(),
  version: z.string(),
  playbook: z.string(),
  time: z.string(),
  user: z.string(),
  sudoUser: z.string().optional(),
  controller: z.string(),
  git: z.object({ commit: z.string(), dirty: z.boolean() }).nullable(),
  /** this host's outcome (host records), or the whole release's (local log) */
  result: hostResultSchema,
  host: z.string().optional(),
  /** tasks that changed on the host */
  changed: z.number().int().optional(),
});

export type ReleaseRecord = z.infer<typeof releaseRecordSchema>;

/** The parts of a record that are the same on every host */
export type ReleaseBase = Omit<ReleaseRecord, "result" | "host" | "changed">;

/** The commit of the git work tree holding `dir`, or null when it is not in one (or git is missing) */
export async function gitState(dir: string): Promise<GitState | null> {
  // loaded on first use: execa is a large part of the bundle
  const { execa } = await import("execa");
  const git = (args: string[]) => execa("git", ["-C", dir, ...args], { reject: false, stdin: "ignore" });
  const head = await git(["rev-parse", "--verify", "HEAD"]).catch(() => undefined);
  if (!head || head.exitCode !== 0) return null;
  const status = await git(["status", "--porcelain"]);
  return { commit: head.stdout.trim(), dirty: status.exitCode !== 0 || status.stdout.trim() !== "" };
}

export async function releaseBase(options: {
  infra: string;
  version: string;
  playbook: string;
  inventoryDir: string;
  now?: Date;
  env?: NodeJS.ProcessEnv;
}): Promise<ReleaseBase> {
  return {
    infra: options.infra,
    version: options.version,
    playbook: options.playbook,
    time: (options.now ?? new Date()).toISOString(),
    ...releaseUser(options.env),
    controller: os.hostname(),
    git: await gitState(options.inventoryDir),
  };
}

export function hostRecord(base: ReleaseBase, host: string, changed: number): ReleaseRecord {
  return { ...base, result: "ok", host, changed };
}

/** One JSON line, newline-terminated */
export function recordLine(record: object): string {
  return `${JSON.stringify(record)}\n`;
}
