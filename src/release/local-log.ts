/**
 * The controller's side: a state directory beside the inventories
 * (`<inventories>/../.smcrelease/`) holding the infra locks and releases.jsonl,
 * one line per release applied. Beside the inventories rather than in $HOME so
 * that everyone releasing from one checkout shares the lock and the log.
 */
import { appendFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { recordLine, type HostResult, type ReleaseBase } from "./record.js";

export const STATE_DIR_NAME = ".smcrelease";

export function defaultStateDir(inventoriesDir: string): string {
  return path.join(path.dirname(path.resolve(inventoriesDir)), STATE_DIR_NAME);
}

export function localLogFile(stateDir: string): string {
  return path.join(stateDir, "releases.jsonl");
}

export interface LocalLogLine extends ReleaseBase {
  /** ok only when every host is */
  result: HostResult;
  exitCode: number;
  hosts: Record<string, { result: HostResult; changed: number; recorded: boolean }>;
}

export async function appendLocalLog(stateDir: string, line: LocalLogLine): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  // one write(2) of a whole line with O_APPEND: lines of concurrent writers never interleave
  await appendFile(localLogFile(stateDir), recordLine(line), { mode: 0o644 });
}
