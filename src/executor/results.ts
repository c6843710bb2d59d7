/** What running a task on a host produced, and the per-host counts of a run */
import type { ErrorKind } from "../errors.js";
import type { FileDiff } from "../modules/types.js";

export type TaskStatus = "ok" | "changed" | "failed" | "skipped" | "unreachable";

export interface TaskResult {
  status: TaskStatus;
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  msg?: string | undefined;
  /** what changed or would change, for a human */
  changes: string[];
  diff: FileDiff[];
  /** failed, but the task said ignore_errors */
  ignored?: boolean | undefined;
  /** the result of each loop item, in order */
  items?: TaskResult[] | undefined;
  /** the loop item this result is about */
  item?: unknown;
  /** module fields (rc, stdout, stat, ...): what `register` stores */
  data: Record<string, unknown>;
  /** the task had no_log: show nothing of its data */
  censored?: boolean | undefined;
}

export interface HostStats {
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, failures: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };
}

/** The value `register` stores: Ansible's shape (changed, failed, skipped, msg, results for loops, module fields) */
export function registeredValue(result: TaskResult): Record<string, unknown> {
  const value: Record<string, unknown> = {
    ...result.data,
    changed: result.changed,
    failed: result.failed,
    skipped: result.skipped,
  };
  if (result.msg !== undefined) value.msg = result.msg;
  if (result.items) value.results = result.items.map((item) => ({ ...registeredValue(item), item: item.item }));
  return value;
}

/** ansible-playbook's exit codes */
export const ExitCode = {
  ok: 0,
  error: 1,
  hostFailed: 2,
  hostUnreachable: 3,
  parseError: 4,
  badOptions: 5,
} as const;

/** The exit code of a run that an error ended before its recap, by the error's kind */
export const EXIT_CODE_BY_ERROR_KIND: Readonly<Record<ErrorKind, number>> = {
  user: ExitCode.parseError,
  failed: ExitCode.hostFailed,
  unreachable: ExitCode.hostUnreachable,
};
