import type { LoopForm } from "./types.js";

/** The keywords a task, block or play may carry; any other key of a task is its module. */
/** Ansible's loop keywords and the loop form each gives (src/executor/loop-items.ts computes the items) */
export const LOOP_KEYWORDS = new Map<string, LoopForm>([
  ["loop", "list"], ["with_list", "list"], ["with_items", "items"], ["with_together", "together"], ["with_dict", "dict"],
  ["with_subelements", "subelements"], ["with_sequence", "sequence"], ["with_fileglob", "fileglob"],
  ["with_first_found", "first_found"], ["with_nested", "nested"],
]);

export const TASK_KEYWORDS = new Set([
  ...LOOP_KEYWORDS.keys(),
  "name", "when", "loop_control", "register", "notify", "listen", "tags",
  "become", "become_user", "ignore_errors", "changed_when", "failed_when", "no_log", "vars", "check_mode",
  "args", "until", "retries", "delay",
]);

export const BLOCK_KEYWORDS = new Set([
  "name", "block", "rescue", "always", "when", "tags", "become", "become_user", "vars", "no_log", "ignore_errors",
  "check_mode",
]);

export const INCLUDE_ACTIONS = new Set(["include_tasks", "import_tasks", "ansible.builtin.include_tasks", "ansible.builtin.import_tasks"]);

export const PLAY_KEYWORDS = new Set([
  "name", "hosts", "become", "become_user", "remote_user", "gather_facts", "vars", "vars_files", "pre_tasks", "roles",
  "tasks", "post_tasks", "handlers", "tags",
]);

/** Keywords Ansible has that tsible does not implement: refused loudly rather than ignored */
export const UNSUPPORTED_KEYWORDS = new Map<string, string>([
  ["delegate_to", "run the task in a play that targets that host instead"],
  ["local_action", "use a play with hosts: localhost and ansible_connection=local"],
  ["run_once", "limit the play with -l or a dedicated play"],
  ["async", "not supported"],
  ["poll", "not supported"],
  ["environment", "pass variables on the command line of a shell task instead"],
  ["serial", "run with -l to roll out in batches"],
  ["strategy", "only the linear strategy is implemented"],
]);
