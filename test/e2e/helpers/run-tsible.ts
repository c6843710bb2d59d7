/** Runs the built `tsible` CLI the way a user does, and reads its --json document. */
import { fileURLToPath } from "node:url";
import { execa } from "execa";

export const tsibleBin = fileURLToPath(new URL("../../../dist/bin/tsible.js", import.meta.url));

export interface TsibleRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function tsible(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<TsibleRun> {
  const result = await execa("node", [tsibleBin, ...args], {
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    reject: false,
    stdin: "ignore",
    timeout: 600_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface JsonHostResult {
  changed: boolean;
  failed: boolean;
  skipped?: boolean;
  unreachable?: boolean;
  msg?: string;
  changes?: string[];
  diff: { before_header: string; before: string; after: string }[];
}

export interface JsonDocument {
  plays: { play: { name: string }; tasks: { task: { name: string; handler: boolean }; hosts: Record<string, JsonHostResult> }[] }[];
  stats: Record<string, { ok: number; changed: number; failures: number; unreachable: number; skipped: number; rescued: number; ignored: number }>;
}

export function parseJson(run: TsibleRun): JsonDocument {
  try {
    return JSON.parse(run.stdout) as JsonDocument;
  } catch {
    throw new Error(`tsible did not print JSON (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  }
}

/** "task name @ host" for every task result that changed (a failed command, which Ansible also marks changed, is a failure instead) */
export function changedTasks(document: JsonDocument): string[] {
  return document.plays
    .flatMap((play) => play.tasks)
    .flatMap((task) => Object.entries(task.hosts).filter(([, result]) => result.changed && !result.failed).map(([host]) => `${task.task.name} @ ${host}`))
    .sort();
}
