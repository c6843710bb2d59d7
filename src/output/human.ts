/**
 * Output for people, shaped like ansible-playbook's: play and task headers,
 * one line per host, unified diffs with --diff, a recap at the end. Every line
 * passes through the secret masker on its way out.
 */
import type { Reporter, PlayInfo, TaskInfo } from "../executor/reporter.js";
import type { HostStats, TaskResult } from "../executor/results.js";
import type { SecretMasker } from "../secrets.js";
import { palette, type Palette } from "./colors.js";
import { unifiedDiff } from "./diff.js";

export interface HumanReporterOptions {
  write: (text: string) => void;
  masker: SecretMasker;
  color: boolean;
  diff: boolean;
  check: boolean;
  verbosity: number;
}

export class HumanReporter implements Reporter {
  private readonly colors: Palette;

  constructor(private readonly options: HumanReporterOptions) {
    this.colors = palette(options.color);
  }

  private line(text: string): void {
    this.options.write(`${this.options.masker.mask(text)}\n`);
  }

  private banner(title: string): void {
    this.line("");
    this.line(this.colors.header(`${title} ${"*".repeat(Math.max(3, 78 - title.length))}`));
  }

  playStart(play: PlayInfo): void {
    this.banner(`PLAY [${play.name}]${this.options.check ? " (check mode)" : ""}`);
  }

  taskStart(task: TaskInfo): void {
    this.banner(`${task.handler ? "RUNNING HANDLER" : "TASK"} [${task.name}]`);
    if (this.options.verbosity > 0) this.line(this.colors.dim(`task path: ${task.where}`));
  }

  hostResult(host: string, _task: TaskInfo, result: TaskResult): void {
    if (result.items) {
      for (const item of result.items) this.resultLine(host, item, ` => (item=${item.label ?? describeItem(item.item)})`);
      if (result.failed || result.status === "unreachable") this.resultLine(host, { ...result, items: undefined }, "");
      return;
    }
    this.resultLine(host, result, "");
  }

  private resultLine(host: string, result: TaskResult, suffix: string): void {
    const c = this.colors;
    const detail = result.msg && !result.censored ? ` => ${result.msg}` : "";
    switch (result.status) {
      case "ok":
        this.line(c.ok(`ok: [${host}]${suffix}${detail}`));
        break;
      case "changed":
        this.line(c.changed(`changed: [${host}]${suffix}`));
        if (this.options.check || this.options.verbosity > 0) {
          for (const change of result.changes) this.line(c.changed(`    ${this.options.check ? "would " : ""}${change}`));
        }
        break;
      case "skipped":
        this.line(c.skipped(`skipping: [${host}]${suffix}${this.options.verbosity > 0 || result.msg?.startsWith("skipped in check mode") ? detail : ""}`));
        break;
      case "unreachable":
        this.line(c.failed(`fatal: [${host}]: UNREACHABLE! => ${result.msg ?? ""}`));
        break;
      case "failed":
        if (result.ignored) {
          this.line(c.failed(`failed: [${host}]${suffix}${detail}`));
          this.line(c.skipped("...ignoring"));
        } else {
          this.line(c.failed(`fatal: [${host}]: FAILED!${suffix}${detail}`));
        }
        this.showOutput(result);
        break;
    }
    if (this.options.diff && !result.censored) {
      for (const diff of result.diff) this.options.write(this.options.masker.mask(unifiedDiff(diff)));
    }
  }

  /** a failed command's output is what the user needs to see */
  private showOutput(result: TaskResult): void {
    if (result.censored) return;
    for (const key of ["stderr", "stdout"]) {
      const value = result.data[key];
      if (typeof value === "string" && value.trim() !== "") {
        this.line(this.colors.failed(`  ${key}: ${value.trimEnd().split("\n").join("\n    ")}`));
      }
    }
    if (this.options.verbosity > 0 && typeof result.data.exception === "string") this.line(result.data.exception);
  }

  warn(message: string): void {
    this.line(this.colors.changed(`[WARNING]: ${message}`));
  }

  verbose(host: string, line: string): void {
    this.line(this.colors.dim(`<${host}> ${line}`));
  }

  end(stats: Record<string, HostStats>): void {
    const c = this.colors;
    this.banner("PLAY RECAP");
    const width = Math.max(0, ...Object.keys(stats).map((name) => name.length));
    for (const [host, s] of Object.entries(stats)) {
      const name = s.failures > 0 || s.unreachable > 0 ? c.failed(host.padEnd(width)) : s.changed > 0 ? c.changed(host.padEnd(width)) : c.ok(host.padEnd(width));
      this.line(
        `${name} : ok=${s.ok}  changed=${s.changed}  unreachable=${s.unreachable}  failed=${s.failures}  ` +
          `skipped=${s.skipped}  rescued=${s.rescued}  ignored=${s.ignored}`,
      );
    }
  }
}

function describeItem(item: unknown): string {
  if (item !== null && typeof item === "object") {
    const named = (item as Record<string, unknown>).name;
    return typeof named === "string" ? named : JSON.stringify(item);
  }
  return String(item);
}
