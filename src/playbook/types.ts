/**
 * A playbook as typed objects. The loader turns YAML into these once, with the
 * file and line of every play and task, so every later error can point at its
 * source.
 */
import type { SourceLocation } from "../errors.js";
import type { Vars } from "../vars/vars.js";

/** What a task or block inherits from where it was written */
export interface Origin {
  location: SourceLocation;
  /** the role the item belongs to, if any */
  role?: Role | undefined;
  /** directory that relative include paths resolve from */
  baseDir: string;
}

/** Keywords a task takes from the play, role, block or import around it, merged with its own */
export interface Inheritable extends Omit<Origin, "location"> {
  when: unknown[];
  tags: string[];
  become?: boolean | undefined;
  becomeUser?: string | undefined;
  vars: Vars;
  noLog?: boolean | undefined;
  ignoreErrors?: boolean | undefined;
  checkMode?: boolean | undefined;
}

interface Common extends Origin, Inheritable {
  name?: string | undefined;
}

export interface Task extends Common {
  kind: "task";
  /** module name as written (`apt`, `ansible.builtin.copy`) */
  module: string;
  /** mapping, free-form string, or null */
  args: unknown;
  loop?: unknown;
  /** which keyword gave `loop`: `loop`/`with_list`, or a `with_<lookup>` whose items the executor computes */
  loopForm: LoopForm;
  loopVar: string;
  loopControl: LoopControl;
  register?: string | undefined;
  notify: string[];
  /** handler aliases (`listen:`) */
  listen: string[];
  changedWhen?: unknown[] | undefined;
  failedWhen?: unknown[] | undefined;
  until?: unknown[] | undefined;
  retries: number;
  delaySeconds: number;
}

/** Ansible's loop keywords: `loop` (and `with_list`) take the list as it is, each `with_X` runs lookup X on its terms */
export type LoopForm = "list" | "items" | "together" | "dict" | "subelements" | "sequence" | "fileglob" | "first_found" | "nested";

/** `loop_control` beyond `loop_var` */
export interface LoopControl {
  /** variable holding the item's 0-based index, also registered per item */
  indexVar?: string | undefined;
  /** what the output shows for each item instead of the whole item (templated per item) */
  label?: string | undefined;
  /** `ansible_loop` with every field (allitems, previtem, nextitem, revindex, ...) */
  extended: boolean;
  /** seconds to wait between items */
  pauseSeconds: number;
  /** directories `with_fileglob` and `with_first_found` search, each also with its files/ (the role's, then the playbook's) */
  searchPaths: string[];
}

export interface Block extends Common {
  kind: "block";
  block: TaskItem[];
  rescue: TaskItem[];
  always: TaskItem[];
}

/** `import_tasks` is resolved while loading; `include_tasks` when it runs, per host */
export interface Include extends Common {
  kind: "include";
  file: string;
  loop?: unknown;
  loopVar: string;
}

export interface Meta extends Origin {
  kind: "meta";
  action: "flush_handlers" | "noop" | "end_play" | "end_host" | "clear_facts" | "reset_connection";
  name?: string | undefined;
  when: unknown[];
  tags: string[];
}

export type TaskItem = Task | Block | Include | Meta;

export interface Role {
  name: string;
  dir: string;
  defaults: Vars;
  vars: Vars;
  /** parameters given where the role is used */
  params: Vars;
  tasks: TaskItem[];
  handlers: Task[];
  when: unknown[];
  tags: string[];
}

export interface Play {
  name: string;
  hosts: string;
  location: SourceLocation;
  /** directory of the playbook file */
  dir: string;
  become?: boolean | undefined;
  becomeUser?: string | undefined;
  remoteUser?: string | undefined;
  gatherFacts: boolean;
  vars: Vars;
  varsFiles: string[];
  preTasks: TaskItem[];
  roles: Role[];
  tasks: TaskItem[];
  postTasks: TaskItem[];
  handlers: Task[];
  tags: string[];
}

export interface Playbook {
  file: string;
  dir: string;
  plays: Play[];
}
