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
  loopVar: string;
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
