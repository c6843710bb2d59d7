/**
 * The linear strategy, as in Ansible: each task runs on every active host (at
 * most `forks` at once) before the next task starts; a host that fails leaves
 * the play; blocks rescue and always; handlers run once, at a flush.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { becomeToStartEarly, resolveBecome } from "../connection/spec.js";
import { UserError, formatLocation } from "../errors.js";
import type { Include, Meta, Play, Task, TaskItem } from "../playbook/types.js";
import { evaluateConditions } from "../vars/conditions.js";
import { mergeVarLayers } from "../vars/precedence.js";
import type { Vars } from "../vars/vars.js";
import { createScope, renderDeep, renderString } from "../vars/template.js";
import type { HostState } from "./host-state.js";
import { mapWithLimit } from "../map-with-limit.js";
import type { TaskInfo } from "./reporter.js";
import { registeredValue, type TaskResult } from "./results.js";
import { OMIT, errorResult, runTaskOnHost, type TaskEnvironment } from "./run-task.js";
import type { ExecutorOptions } from "./options.js";
import { isSelected } from "./tags.js";

export class PlayRunner {
  private readonly roleDefaults: Vars;

  constructor(
    private readonly play: Play,
    private readonly hosts: HostState[],
    private readonly options: ExecutorOptions,
    private readonly varsFiles: Map<string, Vars>,
    private readonly hostvars: Record<string, unknown>,
  ) {
    // every role's defaults are visible to the whole play, as in Ansible
    this.roleDefaults = Object.assign({}, ...play.roles.map((role) => role.defaults));
  }

  async run(): Promise<void> {
    const play = this.play;
    this.options.reporter.playStart({ name: play.name, hosts: this.hosts.map((host) => host.name) });
    if (play.gatherFacts) await this.gatherFacts();
    await this.runItems(play.preTasks, this.hosts);
    await this.flushHandlers();
    for (const role of play.roles) await this.runItems(role.tasks, this.hosts);
    await this.runItems(play.tasks, this.hosts);
    await this.flushHandlers();
    await this.runItems(play.postTasks, this.hosts);
    await this.flushHandlers();
  }

  private async gatherFacts(): Promise<void> {
    const info: TaskInfo = { name: "Gathering Facts", where: formatLocation(this.play.location), handler: false };
    this.options.reporter.taskStart(info);
    await this.forEachHost(this.active(this.hosts), info, async (host) => {
      try {
        this.startBecomeSession(host);
        await host.facts();
        return { status: "ok", changed: false, failed: false, skipped: false, changes: [], diff: [], data: {} };
      } catch (error) {
        return errorResult(error);
      }
    });
  }

  /**
   * A play that becomes will need its become shell on every host: start it (sudo's own
   * start-up) while the facts are gathered, instead of after, unless it needs a password or
   * templating (connection/spec.ts becomeToStartEarly), so a guess costs nothing but an idle shell
   */
  private startBecomeSession(host: HostState): void {
    if (!this.play.become) return;
    const become = becomeToStartEarly(this.play.becomeUser, this.varsFor(host, {}, undefined));
    if (become !== undefined) host.prepareShell(become);
  }

  private active(hosts: HostState[]): HostState[] {
    return hosts.filter((host) => host.active);
  }

  async runItems(items: readonly TaskItem[], hosts: HostState[]): Promise<void> {
    for (const item of items) {
      const active = this.active(hosts);
      if (active.length === 0) return;
      if (item.kind === "task") await this.runTask(item, active, false);
      else if (item.kind === "block") await this.runBlock(item.block, item.rescue, item.always, active);
      else if (item.kind === "include") await this.runInclude(item, active);
      else await this.runMeta(item, active);
    }
  }

  private async runBlock(block: TaskItem[], rescue: TaskItem[], always: TaskItem[], hosts: HostState[]): Promise<void> {
    const failuresBefore = new Map(hosts.map((host) => [host, host.stats.failures]));
    await this.runItems(block, hosts);
    const failedInBlock = hosts.filter((host) => host.failed && !host.unreachable);
    if (rescue.length > 0 && failedInBlock.length > 0) {
      // a rescued failure is not a failure: Ansible counts it as rescued instead
      for (const host of failedInBlock) {
        host.failed = false;
        host.stats.failures = failuresBefore.get(host) ?? host.stats.failures;
        host.stats.rescued += 1;
      }
      await this.runItems(rescue, failedInBlock);
    }
    if (always.length > 0) {
      const stillFailed = hosts.filter((host) => host.failed && !host.unreachable);
      for (const host of stillFailed) host.failed = false;
      await this.runItems(always, hosts);
      for (const host of stillFailed) host.failed = true;
    }
  }

  private async runInclude(include: Include, hosts: HostState[]): Promise<void> {
    if (!isSelected(include.tags, this.options)) return;
    // each host may include a different file (or the same file with other loop items)
    const groups = new Map<string, { file: string; vars: Vars; hosts: HostState[] }>();
    const source = { file: include.location.file, line: include.location.line, task: include.name ?? "include_tasks" };
    const info = this.taskInfo(include.name ?? `include_tasks ${include.file}`, include.location, false);
    for (const host of hosts) {
      try {
        // one scope per host, as for a task: the file name of every item reuses what `when` rendered
        const scope = createScope(this.varsFor(host, include.vars, include.role));
        if (!evaluateConditions(include.when, scope, source)) continue;
        const items: unknown = include.loop === undefined ? [undefined] : renderDeep(include.loop, scope, source);
        if (!Array.isArray(items)) throw new UserError("loop must be a list", { location: include.location });
        for (const item of items) {
          const itemVars = include.loop === undefined ? {} : { [include.loopVar]: item };
          const file = String(renderString(include.file, scope.layer(itemVars), source));
          const key = JSON.stringify([file, itemVars]);
          const group = groups.get(key) ?? { file, vars: itemVars, hosts: [] as HostState[] };
          group.hosts.push(host);
          groups.set(key, group);
        }
      } catch (error) {
        this.options.reporter.taskStart(info);
        this.record(host, info, errorResult(error), undefined);
      }
    }
    for (const group of groups.values()) {
      let items: TaskItem[];
      try {
        items = await this.options.loadInclude(include, group.file, group.vars);
      } catch (error) {
        this.options.reporter.taskStart(info);
        for (const host of group.hosts) this.record(host, info, errorResult(error), undefined);
        continue;
      }
      await this.runItems(items, group.hosts);
    }
  }

  private async runMeta(meta: Meta, hosts: HostState[]): Promise<void> {
    if (!isSelected(meta.tags, this.options) && meta.action !== "flush_handlers") return;
    const source = { file: meta.location.file, line: meta.location.line, task: `meta: ${meta.action}` };
    const applies = (host: HostState) => evaluateConditions(meta.when, this.varsFor(host, {}, meta.role), source);
    switch (meta.action) {
      case "flush_handlers":
        await this.flushHandlers();
        return;
      case "end_play":
        if (hosts.some(applies)) for (const host of this.hosts) host.endedPlay = true;
        return;
      case "end_host":
        for (const host of hosts) if (applies(host)) host.endedPlay = true;
        return;
      case "clear_facts":
        for (const host of hosts) if (applies(host)) host.clearFacts();
        return;
      case "reset_connection":
        // the next task logs in again: a group the login user was just added to counts from then on
        await Promise.all(hosts.filter(applies).map((host) => host.close()));
        return;
      case "noop":
        return;
    }
  }

  async flushHandlers(): Promise<void> {
    const handlers = [...this.play.roles.flatMap((role) => role.handlers), ...this.play.handlers];
    for (const handler of handlers) {
      const names = [handler.name, ...handler.listen].filter((name): name is string => name !== undefined);
      const notified = this.active(this.hosts).filter((host) => names.some((name) => host.notified.has(name)));
      if (notified.length === 0) continue;
      await this.runTask(handler, notified, true);
    }
    for (const host of this.hosts) host.notified.clear();
  }

  async runTask(task: Task, hosts: HostState[], handler: boolean): Promise<void> {
    if (!handler && !isSelected(task.tags, this.options)) return;
    const info = this.taskInfo(this.displayName(task), task.location, handler);
    this.options.reporter.taskStart(info);
    const env: TaskEnvironment = {
      check: this.options.check,
      displayName: info.name,
      varsFor: (host) => this.varsFor(host, task.vars, task.role),
      become: (_host, vars) =>
        resolveBecome({ task: { become: task.become, becomeUser: task.becomeUser }, play: { become: this.play.become, becomeUser: this.play.becomeUser }, vars }),
      findLocalFile: (kind, name) => this.findLocalFile(task, kind, name),
      log: (host, line) => {
        if (this.options.verbosity > 0 && !task.noLog) this.options.reporter.verbose(host.name, this.options.masker.mask(line));
      },
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
    await this.forEachHost(hosts, info, (host) => runTaskOnHost(task, host, env), task);
  }

  private async forEachHost(
    hosts: HostState[],
    info: TaskInfo,
    work: (host: HostState) => Promise<TaskResult>,
    task?: Task,
  ): Promise<void> {
    await mapWithLimit(hosts, this.options.forks, async (host) => {
      const result = await work(host);
      this.record(host, info, result, task);
    });
  }

  /** Updates the host's state and counts from a result, then reports it */
  private record(host: HostState, info: TaskInfo, result: TaskResult, task: Task | undefined): void {
    let shown = result;
    if (result.status === "unreachable") {
      host.unreachable = true;
      host.stats.unreachable += 1;
    } else if (result.failed) {
      if (task?.ignoreErrors) {
        // Ansible's recap counts an ignored failure as ok too (and changed, when it changed)
        host.stats.ignored += 1;
        host.stats.ok += 1;
        if (result.changed) host.stats.changed += 1;
        shown = { ...result, ignored: true };
      } else {
        host.failed = true;
        host.stats.failures += 1;
      }
    } else if (result.skipped) {
      host.stats.skipped += 1;
    } else {
      host.stats.ok += 1;
      if (result.changed) host.stats.changed += 1;
    }
    if (task?.register) host.hostFacts[task.register] = registeredValue(result);
    const facts = result.data.ansible_facts;
    if (!result.failed && facts !== null && typeof facts === "object") Object.assign(host.hostFacts, facts);
    if (task && result.changed && !result.failed) {
      for (const name of task.notify) host.notified.add(this.renderHandlerName(name, host, task));
    }
    if (task?.noLog) shown = censor(shown);
    this.options.reporter.hostResult(host.name, info, shown);
  }

  private renderHandlerName(name: string, host: HostState, task: Task): string {
    if (!name.includes("{{")) return name;
    return String(renderString(name, this.varsFor(host, task.vars, task.role), { file: task.location.file, line: task.location.line }));
  }

  varsFor(host: HostState, taskVars: Vars, role: Task["role"]): Vars {
    const play = this.play;
    return mergeVarLayers({
      roleDefaults: role ? { ...this.roleDefaults, ...role.defaults } : this.roleDefaults,
      inventory: this.options.inventory.hostVars(host.name),
      facts: host.factVars,
      playVars: play.vars,
      varsFiles: this.varsFiles.get(host.name) ?? {},
      roleVars: role?.vars ?? {},
      roleParams: role?.params ?? {},
      taskVars,
      hostFacts: host.hostFacts,
      extraVars: this.options.extraVars,
      magic: {
        hostvars: this.hostvars,
        playbook_dir: play.dir,
        role_path: role?.dir,
        role_name: role?.name,
        ansible_check_mode: this.options.check,
        ansible_diff_mode: this.options.diff,
        ansible_play_hosts: this.active(this.hosts).map((h) => h.name),
        ansible_play_hosts_all: this.hosts.map((h) => h.name),
        ansible_play_name: play.name,
        ansible_run_tags: this.options.tags.length > 0 ? [...this.options.tags] : ["all"],
        ansible_skip_tags: [...this.options.skipTags],
        omit: OMIT,
      },
    });
  }

  private async findLocalFile(task: Task, kind: "templates" | "files", name: string): Promise<string> {
    if (path.isAbsolute(name)) {
      if (existsSync(name)) return name;
      throw new UserError(`${kind === "templates" ? "template" : "file"} '${name}' not found`, { location: task.location });
    }
    const dirs = [
      ...(task.role ? [path.join(task.role.dir, kind), task.role.dir] : []),
      path.join(this.play.dir, kind),
      // the project layout keeps templates/ and files/ beside playbooks/
      path.join(this.play.dir, "..", kind),
      task.baseDir,
      this.play.dir,
    ];
    const found = dirs.map((dir) => path.resolve(dir, name)).find((candidate) => existsSync(candidate));
    if (found) return found;
    throw new UserError(`${kind === "templates" ? "template" : "file"} '${name}' not found`, {
      location: task.location,
      hint: `looked in ${[...new Set(dirs)].join(", ")}`,
    });
  }

  private displayName(task: Task): string {
    let name = task.name ?? task.module;
    if (name.includes("{{")) {
      try {
        name = String(renderString(name, { ...this.play.vars, ...this.options.extraVars }, { file: task.location.file }));
      } catch {
        // names that need host variables are shown as written, like Ansible does
      }
    }
    return task.role ? `${task.role.name} : ${name}` : name;
  }

  private taskInfo(name: string, location: { file: string; line?: number | undefined }, handler: boolean): TaskInfo {
    return { name, where: formatLocation(location), handler };
  }
}

function censor(result: TaskResult): TaskResult {
  const hidden = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";
  return { ...result, msg: hidden, diff: [], data: {}, censored: true, items: result.items?.map(censor) };
}


