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
  /** loop_control.label rendered for this item: what output shows instead of the item */
  label?: string | undefined;
  /** registered with the item's result: the item under the loop variable's name, ansible_loop_var, and index_var and ansible_loop when asked for */
  loopFields?: Record<string, unknown> | undefined;
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

/** Why a task whose `when` is false is skipped; Ansible registers it as `skip_reason`, with no msg */
export const CONDITION_FALSE = "Conditional result was False";

/**
 * The value `register` stores, in Ansible's shape: the module's fields with
 * changed, failed and msg; a skipped task's skip_reason; a loop's `results`,
 * each with its item (under the loop variable's name) and `ansible_loop_var`. tsible adds `skipped: false` to
 * what ran (Ansible leaves it out), which no test on the result can tell apart.
 */
export function registeredValue(result: TaskResult): Record<string, unknown> {
  const value: Record<string, unknown> = {
    ...result.data,
    changed: result.changed,
    failed: result.failed,
    skipped: result.skipped,
  };
  if (result.msg !== undefined && !(result.skipped && result.msg === CONDITION_FALSE)) value.msg = result.msg;
  if (result.skipped && !result.items) {
    value.skip_reason = result.msg ?? CONDITION_FALSE;
  }
  // Ansible's skipped result says nothing of failing
  if (result.skipped && !result.failed) delete value.failed;
  if (result.items) value.results = result.items.map((item) => ({ ...registeredValue(item), ...(item.loopFields ?? { item: item.item }) }));
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
