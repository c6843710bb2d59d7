/**
 * YAML -> typed Play/Task/Role objects, once, at the boundary. Keywords set on
 * a play, role, block or import are copied down onto every task below it
 * (when, tags, become, vars, ...), so the executor only ever looks at tasks.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { UserError, type SourceLocation } from "../errors.js";
import { parseAnsibleBool } from "../ansible-bool.js";
import type { Vars } from "../vars/vars.js";
import { parseKeyValueArgs, splitFreeFormArgs } from "./free-form.js";
import { BLOCK_KEYWORDS, INCLUDE_ACTIONS, LOOP_KEYWORDS, PLAY_KEYWORDS, TASK_KEYWORDS, UNSUPPORTED_KEYWORDS } from "./task-keys.js";
import type { Block, Include, Inheritable, LoopControl, LoopForm, Meta, Play, Playbook, Role, Task, TaskItem } from "./types.js";
import { checkTemplateDirs } from "./template-check.js";
import { loadYamlFile, locationOf } from "./yaml-source.js";

export interface LoadOptions {
  /** extra directories searched for roles, after `<playbook dir>/roles` */
  rolesPath?: string[];
  /** tells module names apart from typos; `freeForm` is the key a string argument goes into */
  lookupModule: (name: string) => { freeForm?: string | undefined } | undefined;
  /** every module name, for "did you mean" hints */
  moduleNames: () => string[];
  /**
   * Told which hosts the first play gathers facts from as soon as the playbook file is read,
   * before its roles and templates load, so logging in to them can start meanwhile
   */
  onFirstPlay?: (outline: PlayOutline) => void;
  /** ansible.cfg's remote_user, become and become_user: what a play that does not say gets */
  playDefaults?: PlayDefaults | undefined;
}

export interface PlayDefaults {
  remoteUser?: string | undefined;
  become?: boolean | undefined;
  becomeUser?: string | undefined;
}

/** What the first play's own mapping says about reaching its hosts, before any checking */
export interface PlayOutline {
  hosts: string;
  remoteUser: string | undefined;
  /** `become: true` written plainly on the play */
  become: boolean;
  becomeUser: string | undefined;
}

type Raw = Record<string, unknown>;

export async function loadPlaybook(file: string, options: LoadOptions): Promise<Playbook> {
  const absolute = path.resolve(file);
  const dir = path.dirname(absolute);
  const document = await loadYamlFile(absolute);
  const fileLocation = { file: absolute, line: 1 };
  if (!Array.isArray(document)) {
    throw new UserError("a playbook must be a list of plays", {
      location: locationOf(document, fileLocation),
      hint: "start each play with '- hosts: GROUP'",
    });
  }
  const outline = outlineOf(document[0], options.playDefaults);
  if (outline) options.onFirstPlay?.(outline);
  const loader = new Loader(options, dir);
  const plays: Play[] = [];
  for (const rawPlay of document) {
    plays.push(await loader.play(rawPlay, locationOf(rawPlay, fileLocation)));
  }
  // where findLocalFile looks for templates (play-runner.ts): each role's, the playbook's, the project's
  await checkTemplateDirs([
    ...plays.flatMap((play) => play.roles.map((role) => path.join(role.dir, "templates"))),
    path.join(dir, "templates"),
    path.join(dir, "..", "templates"),
  ]);
  return { file: absolute, dir, plays };
}

/** Only a play that certainly gathers facts (so logs in to every host) and says plainly where */
function outlineOf(raw: unknown, defaults: PlayDefaults = {}): PlayOutline | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const play = raw as Raw;
  if (play.gather_facts !== undefined && parseAnsibleBool(play.gather_facts) !== true) return undefined;
  if (play.hosts === undefined) return undefined;
  const hosts = hostPattern(play.hosts);
  if (hosts.includes("{{")) return undefined;
  const remoteUser = plainText(play.remote_user);
  const becomeUser = plainText(play.become_user);
  if (remoteUser === null || becomeUser === null) return undefined;
  const become = play.become === undefined ? defaults.become === true : parseAnsibleBool(play.become) === true;
  return { hosts, remoteUser: remoteUser ?? defaults.remoteUser, become, becomeUser: becomeUser ?? defaults.becomeUser };
}

/** `hosts:` as one pattern: a list is its patterns joined with ':' */
function hostPattern(hosts: unknown): string {
  return Array.isArray(hosts) ? hosts.map(String).join(":") : String(hosts);
}

/** a string without templating, undefined when absent, null for anything else */
function plainText(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === "string" && !value.includes("{{") ? value : null;
}

class Loader {
  constructor(
    private readonly options: LoadOptions,
    private readonly playbookDir: string,
  ) {}

  async play(raw: unknown, location: SourceLocation): Promise<Play> {
    const play = asMapping(raw, location, "a play");
    if ("import_playbook" in play) {
      throw new UserError("import_playbook is not supported", { location, hint: "run the playbooks one after another" });
    }
    rejectUnknownKeys(play, PLAY_KEYWORDS, location, "play");
    const hosts = play.hosts;
    if (hosts === undefined) throw new UserError("play has no 'hosts:'", { location, hint: "add 'hosts: GROUP' (or 'all')" });
    const vars = asVars(play.vars, location, "play vars");
    const inherited: Inheritable = {
      when: [],
      tags: asStringList(play.tags, location, "tags"),
      become: optionalBool(play.become, location, "become") ?? this.options.playDefaults?.become,
      becomeUser: optionalString(play.become_user, location, "become_user") ?? this.options.playDefaults?.becomeUser,
      vars: {},
      baseDir: this.playbookDir,
    };
    const roles: Role[] = [];
    for (const rawRole of asList(play.roles, location, "roles")) {
      roles.push(await this.role(rawRole, locationOf(rawRole, location), inherited));
    }
    return {
      name: optionalString(play.name, location, "name") ?? String(hosts),
      hosts: hostPattern(hosts),
      location,
      dir: this.playbookDir,
      become: inherited.become,
      becomeUser: inherited.becomeUser,
      remoteUser: optionalString(play.remote_user, location, "remote_user") ?? this.options.playDefaults?.remoteUser,
      gatherFacts: optionalBool(play.gather_facts, location, "gather_facts") ?? true,
      vars,
      varsFiles: asStringList(play.vars_files, location, "vars_files"),
      preTasks: await this.taskList(play.pre_tasks, location, inherited),
      roles,
      tasks: await this.taskList(play.tasks, location, inherited),
      postTasks: await this.taskList(play.post_tasks, location, inherited),
      handlers: await this.handlers(play.handlers, location, inherited),
      tags: inherited.tags,
    };
  }

  async role(raw: unknown, location: SourceLocation, outer: Inheritable): Promise<Role> {
    const spec = typeof raw === "string" ? { role: raw } : asMapping(raw, location, "a role");
    const name = optionalString(spec.role ?? spec.name, location, "role");
    if (!name) throw new UserError("role entry has no name", { location, hint: "write '- role: NAME' or '- NAME'" });
    const dir = this.findRole(name, location);
    const { role: _role, name: _name, tags, when, vars, become, become_user, ...params } = spec;
    const role: Role = {
      name,
      dir,
      defaults: await loadVarsDir(path.join(dir, "defaults")),
      vars: await loadVarsDir(path.join(dir, "vars")),
      params: { ...asVars(vars, location, "role vars"), ...params },
      tasks: [],
      handlers: [],
      when: asConditionList(when),
      tags: asStringList(tags, location, "tags"),
    };
    const inherited: Inheritable = {
      ...outer,
      when: [...outer.when, ...role.when],
      tags: union(outer.tags, role.tags),
      become: optionalBool(become, location, "become") ?? outer.become,
      becomeUser: optionalString(become_user, location, "become_user") ?? outer.becomeUser,
      role,
      baseDir: path.join(dir, "tasks"),
    };
    const tasksFile = findYamlFile(path.join(dir, "tasks"), "main");
    if (tasksFile) role.tasks = await this.taskFile(tasksFile, inherited);
    const handlersFile = findYamlFile(path.join(dir, "handlers"), "main");
    if (handlersFile) {
      const rawHandlers = await loadYamlFile(handlersFile);
      role.handlers = await this.handlers(rawHandlers, { file: handlersFile, line: 1 }, { ...inherited, when: [], baseDir: path.join(dir, "handlers") });
    }
    return role;
  }

  findRole(name: string, location: SourceLocation): string {
    const candidates = [
      path.join(this.playbookDir, "roles", name),
      ...(this.options.rolesPath ?? []).map((dir) => path.resolve(dir, name)),
      path.join(this.playbookDir, name),
    ];
    const found = candidates.find((dir) => existsSync(dir) && statSync(dir).isDirectory());
    if (!found) {
      throw new UserError(`role '${name}' not found`, {
        location,
        hint: `looked in ${candidates.join(", ")}; set --roles-path or TSIBLE_ROLES_PATH`,
      });
    }
    return found;
  }

  async taskFile(file: string, inherited: Inheritable): Promise<TaskItem[]> {
    const raw = await loadYamlFile(file);
    const location = { file, line: 1 };
    if (raw === null) return [];
    return this.taskList(raw, location, { ...inherited, baseDir: path.dirname(file) });
  }

  async taskList(raw: unknown, location: SourceLocation, inherited: Inheritable): Promise<TaskItem[]> {
    const items: TaskItem[] = [];
    for (const rawItem of asList(raw, location, "a task list")) {
      const itemLocation = locationOf(rawItem, location);
      items.push(...(await this.taskItem(rawItem, itemLocation, inherited)));
    }
    return items;
  }

  async handlers(raw: unknown, location: SourceLocation, inherited: Inheritable): Promise<Task[]> {
    const items = await this.taskList(raw, location, { ...inherited, when: [] });
    return items.map((item) => {
      if (item.kind !== "task") {
        throw new UserError("handlers must be plain tasks (no block, include or meta)", { location: item.location });
      }
      return item;
    });
  }

  /** One list entry: a task, a block, an include (dynamic), or the tasks of an import (static) */
  async taskItem(raw: unknown, location: SourceLocation, outer: Inheritable): Promise<TaskItem[]> {
    const entry = asMapping(raw, location, "a task");
    for (const [key, hint] of UNSUPPORTED_KEYWORDS) {
      if (key in entry) throw new UserError(`'${key}' is not supported by tsible`, { location, hint });
    }
    const own = this.inheritedFrom(entry, location, outer);
    if ("block" in entry) return [await this.block(entry, location, own, outer)];
    const includeKey = Object.keys(entry).find((key) => INCLUDE_ACTIONS.has(key));
    if (includeKey) return this.include(entry, includeKey, location, own);
    if ("meta" in entry) return [this.meta(entry, location, own)];
    return [this.task(entry, location, own)];
  }

  inheritedFrom(entry: Raw, location: SourceLocation, outer: Inheritable): Inheritable {
    return {
      ...outer,
      when: [...outer.when, ...asConditionList(entry.when)],
      tags: union(outer.tags, asStringList(entry.tags, location, "tags")),
      become: optionalBool(entry.become, location, "become") ?? outer.become,
      becomeUser: optionalString(entry.become_user, location, "become_user") ?? outer.becomeUser,
      vars: { ...outer.vars, ...asVars(entry.vars, location, "vars") },
      noLog: optionalBool(entry.no_log, location, "no_log") ?? outer.noLog,
      ignoreErrors: optionalBool(entry.ignore_errors, location, "ignore_errors") ?? outer.ignoreErrors,
      checkMode: optionalBool(entry.check_mode, location, "check_mode") ?? outer.checkMode,
    };
  }

  async block(entry: Raw, location: SourceLocation, own: Inheritable, outer: Inheritable): Promise<Block> {
    rejectUnknownKeys(entry, BLOCK_KEYWORDS, location, "block");
    const section = (key: string) => this.taskList(entry[key] ?? [], locationOf(entry[key], location), own);
    return {
      kind: "block",
      name: optionalString(entry.name, location, "name"),
      location,
      role: outer.role,
      baseDir: outer.baseDir,
      // the block's own keywords live on its tasks; the block keeps them for display only
      when: [],
      tags: own.tags,
      vars: {},
      block: await section("block"),
      rescue: await section("rescue"),
      always: await section("always"),
    };
  }

  async include(entry: Raw, key: string, location: SourceLocation, own: Inheritable): Promise<TaskItem[]> {
    const isImport = key.endsWith("import_tasks");
    const rawFile = entry[key];
    const file = typeof rawFile === "string" ? rawFile : optionalString((rawFile as Raw | null)?.file, location, "file");
    if (!file) throw new UserError(`${key} needs a file name`, { location, hint: `write '${key}: FILE.yml'` });
    const allowed = new Set(["name", "when", "tags", "vars", "become", "become_user", "loop", "with_items", "loop_control", "no_log", "ignore_errors", key]);
    rejectUnknownKeys(entry, allowed, location, key);
    if (isImport) {
      if (file.includes("{{")) {
        throw new UserError("import_tasks is resolved before the run and cannot use variables in its file name", {
          location,
          hint: "use include_tasks for a file name computed from variables",
        });
      }
      return this.taskFile(this.resolveTaskFile(file, own.baseDir, location), own);
    }
    const include: Include = {
      kind: "include",
      name: optionalString(entry.name, location, "name"),
      file,
      location,
      // when, tags, become, vars, ... as inherited and set on the include itself
      ...own,
      loop: entry.loop ?? entry.with_items,
      loopVar: loopVarOf(entry, location),
    };
    return [include];
  }

  /** Loads a dynamically included file at run time, with what the include statement passes down */
  async loadInclude(include: Include, file: string, extraVars: Vars): Promise<TaskItem[]> {
    const inherited: Inheritable = {
      when: [],
      tags: include.tags,
      become: include.become,
      becomeUser: include.becomeUser,
      vars: { ...include.vars, ...extraVars },
      noLog: include.noLog,
      ignoreErrors: include.ignoreErrors,
      role: include.role,
      baseDir: include.baseDir,
    };
    return this.taskFile(this.resolveTaskFile(file, include.baseDir, include.location), inherited);
  }

  resolveTaskFile(file: string, baseDir: string, location: SourceLocation): string {
    const candidates = path.isAbsolute(file)
      ? [file]
      : [path.resolve(baseDir, file), path.resolve(this.playbookDir, file), path.resolve(this.playbookDir, "tasks", file)];
    const found = candidates.find((candidate) => existsSync(candidate));
    if (!found) throw new UserError(`task file '${file}' not found`, { location, hint: `looked in ${candidates.join(", ")}` });
    return found;
  }

  meta(entry: Raw, location: SourceLocation, own: Inheritable): Meta {
    const action = entry.meta;
    const actions = ["flush_handlers", "noop", "end_play", "end_host", "clear_facts", "reset_connection"] as const;
    const known = actions.find((candidate) => candidate === action);
    if (!known) throw new UserError(`unknown meta action '${String(action)}'`, { location, hint: `use one of ${actions.join(", ")}` });
    return {
      kind: "meta",
      action: known,
      name: optionalString(entry.name, location, "name"),
      location,
      role: own.role,
      baseDir: own.baseDir,
      when: own.when,
      tags: own.tags,
    };
  }

  task(entry: Raw, location: SourceLocation, own: Inheritable): Task {
    const otherLoop = Object.keys(entry).find((key) => key.startsWith("with_") && !LOOP_KEYWORDS.has(key));
    if (otherLoop) {
      throw new UserError(`'${otherLoop}' is not supported by tsible`, {
        location,
        hint: `use loop: with a list, or one of ${[...LOOP_KEYWORDS.keys()].join(", ")}`,
      });
    }
    const moduleKeys = Object.keys(entry).filter((key) => !TASK_KEYWORDS.has(key));
    if (moduleKeys.length === 0) {
      throw new UserError(`task${entry.name ? ` "${String(entry.name)}"` : ""} has no module`, {
        location,
        hint: "add one module key, e.g. 'copy:', 'template:', 'service:'",
      });
    }
    if (moduleKeys.length > 1) {
      const unknown = moduleKeys.filter((key) => !this.options.lookupModule(key));
      throw new UserError(
        unknown.length > 0 && unknown.length < moduleKeys.length
          ? `unknown task keyword '${unknown.join("', '")}'`
          : `task has several module keys: ${moduleKeys.join(", ")}`,
        { location, hint: "a task runs exactly one module; split it into several tasks" },
      );
    }
    const moduleName = moduleKeys[0] as string;
    const module = this.options.lookupModule(moduleName);
    if (!module) {
      throw new UserError(`unknown module '${moduleName}'`, {
        location,
        hint: suggest(moduleName, this.options.moduleNames()),
      });
    }
    const rawArgs = entry[moduleName];
    let args: unknown = rawArgs ?? {};
    if (typeof rawArgs === "string") {
      try {
        args = module.freeForm ? splitFreeFormArgs(rawArgs, module.freeForm) : parseKeyValueArgs(rawArgs, location);
      } catch (error) {
        // the task's line is known here, not where the words are split
        if (error instanceof UserError && error.location === undefined) throw new UserError(error.message, { location, hint: error.hint });
        throw error;
      }
    }
    if (entry.args !== undefined) args = { ...(args as Raw), ...asMapping(entry.args, location, "args") };
    const loop = loopOf(entry, location);
    return {
      kind: "task",
      name: optionalString(entry.name, location, "name"),
      module: moduleName,
      args,
      location,
      ...own,
      loop: loop?.terms,
      loopForm: loop?.form ?? "list",
      loopVar: loopVarOf(entry, location),
      loopControl: this.loopControlOf(entry.loop_control, location, own),
      register: optionalString(entry.register, location, "register"),
      notify: asStringList(entry.notify, location, "notify"),
      listen: asStringList(entry.listen, location, "listen"),
      changedWhen: entry.changed_when === undefined ? undefined : asConditionList(entry.changed_when),
      failedWhen: entry.failed_when === undefined ? undefined : asConditionList(entry.failed_when),
      until: entry.until === undefined ? undefined : asConditionList(entry.until),
      retries: optionalNumber(entry.retries, location, "retries") ?? 3,
      delaySeconds: optionalNumber(entry.delay, location, "delay") ?? 5,
    };
  }

  loopControlOf(raw: unknown, location: SourceLocation, own: Inheritable): LoopControl {
    const control = raw === undefined || raw === null ? {} : asMapping(raw, location, "loop_control");
    rejectUnknownKeys(control, LOOP_CONTROL_KEYWORDS, location, "loop_control");
    // Ansible's ansible_search_path: the role's directory, then the playbook's; an included file's directory first
    const searchPaths = union(own.role ? [own.role.dir] : own.baseDir === this.playbookDir ? [] : [own.baseDir], [this.playbookDir]);
    return {
      indexVar: optionalString(control.index_var, location, "loop_control.index_var"),
      label: optionalString(control.label, location, "loop_control.label"),
      extended: optionalBool(control.extended, location, "loop_control.extended") ?? false,
      pauseSeconds: optionalNumber(control.pause, location, "loop_control.pause") ?? 0,
      searchPaths,
    };
  }
}

const LOOP_CONTROL_KEYWORDS = new Set(["loop_var", "index_var", "label", "extended", "extended_allitems", "pause"]);

/** The task's one loop keyword and what it was given */
function loopOf(entry: Raw, location: SourceLocation): { form: LoopForm; terms: unknown } | undefined {
  const keys = Object.keys(entry).filter((key) => LOOP_KEYWORDS.has(key));
  if (keys.length > 1) throw new UserError(`a task has one loop, this one has ${keys.join(" and ")}`, { location, hint: "split the task in two" });
  const [key] = keys;
  if (key === undefined) return undefined;
  return { form: LOOP_KEYWORDS.get(key) ?? "list", terms: entry[key] };
}

/** The loader used for `include_tasks` at run time */
export function createIncludeLoader(playbookDir: string, options: LoadOptions) {
  const loader = new Loader(options, playbookDir);
  return (include: Include, file: string, extraVars: Vars) => loader.loadInclude(include, file, extraVars);
}

function loopVarOf(entry: Raw, location: SourceLocation, loopControl: unknown = entry.loop_control): string {
  if (loopControl === undefined || loopControl === null) return "item";
  const control = asMapping(loopControl, location, "loop_control");
  return optionalString(control.loop_var, location, "loop_control.loop_var") ?? "item";
}

export async function loadVarsDir(dir: string): Promise<Vars> {
  const file = findYamlFile(dir, "main");
  if (!file) return {};
  const raw = await loadYamlFile(file);
  return asVars(raw, { file, line: 1 }, "variables file");
}

export function findYamlFile(dir: string, base: string): string | undefined {
  return [".yml", ".yaml", ""].map((ext) => path.join(dir, base + ext)).find((file) => existsSync(file) && statSync(file).isFile());
}

function rejectUnknownKeys(entry: Raw, allowed: Set<string>, location: SourceLocation, what: string): void {
  for (const key of Object.keys(entry)) {
    if (!allowed.has(key)) {
      throw new UserError(`unknown ${what} keyword '${key}'`, { location, hint: suggest(key, [...allowed]) });
    }
  }
}

function suggest(name: string, known: string[]): string {
  const close = known.filter((candidate) => editDistance(candidate, name) <= 2);
  return close.length > 0 ? `did you mean ${close.map((c) => `'${c}'`).join(" or ")}?` : `known: ${known.join(", ")}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

export function asMapping(value: unknown, location: SourceLocation, what: string): Raw {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Raw;
  throw new UserError(`${what} must be a mapping (key: value), got ${describe(value)}`, { location: locationOf(value, location) });
}

function asList(value: unknown, location: SourceLocation, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  throw new UserError(`${what} must be a list, got ${describe(value)}`, { location: locationOf(value, location), hint: "start each entry with '- '" });
}

function asVars(value: unknown, location: SourceLocation, what: string): Vars {
  if (value === undefined || value === null) return {};
  return asMapping(value, location, what);
}

function asStringList(value: unknown, location: SourceLocation, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value.split(",").map((part) => part.trim()).filter(Boolean);
  if (Array.isArray(value)) return value.map(String);
  throw new UserError(`${what} must be a string or a list of strings`, { location });
}

function asConditionList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function optionalString(value: unknown, location: SourceLocation, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" || typeof value === "number") return String(value);
  throw new UserError(`${what} must be a string, got ${describe(value)}`, { location });
}

function optionalBool(value: unknown, location: SourceLocation, what: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  const bool = parseAnsibleBool(value);
  if (bool !== undefined) return bool;
  throw new UserError(`${what} must be true or false, got ${describe(value)}`, { location });
}

function optionalNumber(value: unknown, location: SourceLocation, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === "number" ? value : Number(value);
  if (Number.isFinite(number)) return number;
  throw new UserError(`${what} must be a number, got ${describe(value)}`, { location });
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} '${String(value)}'`;
}
