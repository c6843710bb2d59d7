/**
 * The module contract. A module is `{ name, args, plan }`: `plan` only reads
 * the host and returns the changes it would make; the executor reports them in
 * check mode and applies them otherwise. `changed` is "the plan was not empty",
 * so check mode and the real run agree by construction.
 */
import type { ZodType } from "zod";
import type { Facts } from "../facts/types.js";
import type { TextOptions } from "../vars/template.js";
import type { TaskHost } from "./host/task-host.js";

export interface FileDiff {
  /** the file the diff is about (shown as the diff's header) */
  path: string;
  /** "" for a file that does not exist yet */
  before: string;
  /** "" for a file that will be removed */
  after: string;
}

export interface Change {
  /** what this change does, for a human: "write /etc/mosquitto/mosquitto.conf" */
  description: string;
  diff?: FileDiff | undefined;
  /** make the change; returned fields are merged into the task's result (stdout, rc, ...) */
  apply(): Promise<Record<string, unknown> | void>;
}

export interface Plan {
  /** empty means "ok, nothing to change" */
  changes: Change[];
  /** result fields known from probing alone (msg, stat, ansible_facts for set_fact) */
  result?: Record<string, unknown> | undefined;
  /**
   * Set by modules that cannot know their effect without acting (command,
   * shell): in check mode the task is reported skipped with this reason,
   * unless the task says `check_mode: false`.
   */
  unpredictable?: string | undefined;
}

export { ModuleFailure } from "./module-failure.js";

export interface ModuleContext {
  /** the host, bound to this task: commands run with the task's become, failures fail the task */
  readonly host: TaskHost;
  /** facts, gathered on first use and cached per host */
  facts(): Promise<Facts>;
  readonly check: boolean;
  /** the task's variables, already resolved (for template rendering) */
  readonly vars: Readonly<Record<string, unknown>>;
  /** render a template file's text with the task's variables (options: what its values may not hold) */
  renderTemplate(text: string, sourceName: string, options?: TextOptions): string;
  /** evaluate an Ansible-style condition ("x is defined and y == 1") */
  evaluate(condition: string): boolean;
  /** local path of a `src:` file, searched in the role's and the playbook's templates/ or files/ */
  findLocalFile(kind: "templates" | "files", name: string): Promise<string>;
  /** verbose log line (-v); secrets are masked by the caller's logger */
  log(message: string): void;
}

export interface Module<Args = unknown> {
  name: string;
  /** other names this module answers to (apt, yum, dnf for package) */
  aliases?: readonly string[] | undefined;
  /** validates the task's (already templated) arguments */
  args: ZodType<Args>;
  /** the key that a free-form string argument goes into: `command: ls -l` -> { cmd: "ls -l" } */
  freeForm?: string | undefined;
  plan(ctx: ModuleContext, args: Args): Promise<Plan>;
}

/** Identity helper that keeps a module's argument type checked against its plan */
export function defineModule<Args>(module: Module<Args>): Module<Args> {
  return module;
}
