/**
 * The release's dry run, compact: per host, only the tasks that would change
 * (with their change descriptions and unified diffs) or that failed. Nothing is
 * printed until the run ends, so hosts are not interleaved. Masked line by line.
 */
import type { PlayInfo, Reporter, TaskInfo } from "../executor/reporter.js";
import type { HostStats, TaskResult } from "../executor/results.js";
import { palette, type Palette } from "../output/colors.js";
import { unifiedDiff } from "../output/diff.js";
import type { SecretMasker } from "../secrets.js";

export interface HostPlan {
  /** tasks that would change, in run order */
  changes: { task: string; descriptions: string[]; diffs: string[] }[];
  failures: { task: string; message: string }[];
  /** tasks check mode cannot predict (command/shell): the real run may do more */
  unpredicted: string[];
}

export interface DryRunSummary {
  hosts: Map<string, HostPlan>;
  stats: Record<string, HostStats>;
}

export class DryRunReporter implements Reporter {
  private readonly plans = new Map<string, HostPlan>();
  private readonly warnings: string[] = [];
  private readonly colors: Palette;
  summary: DryRunSummary | undefined;

  constructor(private readonly options: { write: (text: string) => void; masker: SecretMasker; color: boolean }) {
    this.colors = palette(options.color);
  }

  playStart(play: PlayInfo): void {
    for (const host of play.hosts) this.plan(host);
  }

  taskStart(): void {}

  hostResult(host: string, task: TaskInfo, result: TaskResult): void {
    const plan = this.plan(host);
    if (result.status === "failed" && !result.ignored) {
      plan.failures.push({ task: task.name, message: result.censored ? "(output hidden by no_log)" : (result.msg ?? "failed") });
    } else if (result.status === "unreachable") {
      plan.failures.push({ task: task.name, message: `UNREACHABLE: ${result.msg ?? ""}` });
    } else if (result.changed) {
      plan.changes.push({
        task: task.name,
        descriptions: result.censored ? ["(details hidden by no_log)"] : result.changes,
        diffs: result.censored ? [] : result.diff.map(unifiedDiff),
      });
    } else if (result.skipped && result.msg?.startsWith("skipped in check mode")) {
      plan.unpredicted.push(task.name);
    }
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  verbose(): void {}

  end(stats: Record<string, HostStats>): void {
    for (const host of Object.keys(stats)) this.plan(host);
    this.summary = { hosts: this.plans, stats };
    const c = this.colors;
    for (const warning of this.warnings) this.line(c.changed(`[WARNING]: ${warning}`));
    for (const [host, plan] of this.plans) {
      const s = stats[host];
      if (plan.failures.length > 0 || (s && (s.failures > 0 || s.unreachable > 0))) {
        this.line(c.failed(`${host}: FAILED in the dry run`));
      } else if (plan.changes.length === 0) {
        this.line(c.ok(`${host}: nothing to change`));
      } else {
        this.line(c.changed(`${host}: ${plan.changes.length} task${plan.changes.length === 1 ? "" : "s"} would change`));
      }
      for (const change of plan.changes) {
        this.line(c.changed(`  ~ ${change.task}`));
        for (const description of change.descriptions) this.line(`      ${description}`);
        for (const diff of change.diffs) {
          for (const line of diff.trimEnd().split("\n")) this.line(`      ${colorDiffLine(c, line)}`);
        }
      }
      for (const failure of plan.failures) this.line(c.failed(`  ! ${failure.task}: ${failure.message}`));
      for (const task of plan.unpredicted) this.line(c.skipped(`  ? ${task}: not predicted (skipped in check mode)`));
    }
  }

  private plan(host: string): HostPlan {
    let plan = this.plans.get(host);
    if (!plan) {
      plan = { changes: [], failures: [], unpredicted: [] };
      this.plans.set(host, plan);
    }
    return plan;
  }

  private line(text: string): void {
    this.options.write(`${this.options.masker.mask(text)}\n`);
  }
}

function colorDiffLine(c: Palette, line: string): string {
  if (line.startsWith("+") && !line.startsWith("+++")) return c.ok(line);
  if (line.startsWith("-") && !line.startsWith("---")) return c.failed(line);
  return line;
}

/** Hosts whose dry run shows changes */
export function hostsWithChanges(summary: DryRunSummary): string[] {
  return [...summary.hosts].filter(([, plan]) => plan.changes.length > 0).map(([host]) => host);
}
