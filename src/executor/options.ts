/** Everything a run is told from outside: the run context, passed explicitly (no global state) */
import type { Inventory } from "../inventory/index.js";
import type { Include, TaskItem } from "../playbook/types.js";
import type { SecretMasker } from "../secrets.js";
import type { Vars } from "../vars/vars.js";
import type { Reporter } from "./reporter.js";

export interface ExecutorOptions {
  inventory: Inventory;
  /** -l PATTERN */
  limit?: string | undefined;
  tags: string[];
  skipTags: string[];
  extraVars: Vars;
  forks: number;
  check: boolean;
  diff: boolean;
  verbosity: number;
  reporter: Reporter;
  masker: SecretMasker;
  /** loads an include_tasks file when it runs */
  loadInclude: (include: Include, file: string, extraVars: Vars) => Promise<TaskItem[]>;
  /** overrides for how hosts are reached (tests point at their own known_hosts) */
  connection?: {
    hostKeyPolicy?: "strict" | "accept-new" | "off" | undefined;
    knownHostsFile?: string | undefined;
    connectTimeoutMs?: number | undefined;
    /** ansible.cfg's private_key_file: the key of hosts whose variables name none */
    privateKeyFile?: string | undefined;
  };
}
