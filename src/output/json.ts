/**
 * `--json`: one document on stdout at the end, shaped like Ansible's json
 * stdout callback (plays[].tasks[].hosts.<host>, stats.<host>). Masked whole.
 */
import type { Reporter, PlayInfo, TaskInfo } from "../executor/reporter.js";
import type { HostStats, TaskResult } from "../executor/results.js";
import type { SecretMasker } from "../secrets.js";

interface JsonTask {
  task: { name: string; path: string; handler: boolean };
  hosts: Record<string, Record<string, unknown>>;
}

interface JsonPlay {
  play: { name: string; hosts: string[] };
  tasks: JsonTask[];
}

export class JsonReporter implements Reporter {
  private readonly plays: JsonPlay[] = [];
  private readonly warnings: string[] = [];

  constructor(
    private readonly write: (text: string) => void,
    private readonly masker: SecretMasker,
  ) {}

  playStart(play: PlayInfo): void {
    this.plays.push({ play: { name: play.name, hosts: play.hosts }, tasks: [] });
  }

  taskStart(task: TaskInfo): void {
    this.currentPlay().tasks.push({ task: { name: task.name, path: task.where, handler: task.handler }, hosts: {} });
  }

  hostResult(host: string, _task: TaskInfo, result: TaskResult): void {
    const tasks = this.currentPlay().tasks;
    const current = tasks[tasks.length - 1];
    if (current) current.hosts[host] = toJson(result);
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  verbose(): void {
    // -v lines have no place in a machine-readable document
  }

  end(stats: Record<string, HostStats>): void {
    const document = { plays: this.plays, stats, warnings: this.warnings };
    this.write(`${JSON.stringify(this.masker.maskDeep(document), null, 2)}\n`);
  }

  private currentPlay(): JsonPlay {
    let play = this.plays[this.plays.length - 1];
    if (!play) {
      play = { play: { name: "", hosts: [] }, tasks: [] };
      this.plays.push(play);
    }
    return play;
  }
}

function toJson(result: TaskResult): Record<string, unknown> {
  const out: Record<string, unknown> = result.censored ? {} : { ...result.data };
  out.changed = result.changed;
  out.failed = result.failed;
  if (result.skipped) out.skipped = true;
  if (result.status === "unreachable") out.unreachable = true;
  if (result.ignored) out.ignored = true;
  if (result.msg !== undefined) out.msg = result.msg;
  if (result.changes.length > 0) out.changes = result.changes;
  out.diff = result.censored
    ? []
    : result.diff.map((diff) => ({ before_header: diff.path, after_header: diff.path, before: diff.before, after: diff.after }));
  if (result.items) out.results = result.items.map((item) => ({ ...toJson(item), ...(item.loopFields ?? { item: item.item }) }));
  if ("item" in result && result.item !== undefined) out.item = result.item;
  return out;
}
