/**
 * Variable precedence: a documented subset of Ansible's 22 levels, lowest first.
 * Each later layer replaces (does not deep-merge) keys of the earlier ones.
 *
 *  1. role defaults (roles/x/defaults/main.yml; the running role's last)
 *  2. inventory vars: group vars (parents before children) < host vars,
 *     file < group_vars/ host_vars/ next to the inventory < next to the playbook
 *  3. facts gathered from the host (ansible_facts, ansible_os_family, ...)
 *  4. play vars
 *  5. play vars_files
 *  6. role vars (roles/x/vars/main.yml)
 *  7. role parameters (`- role: x` with `vars:` or keys)
 *  8. block vars < task vars (include_tasks vars count as task vars)
 *  9. set_fact and registered results
 * 10. extra vars (-e), always win
 * Magic variables (inventory_hostname, group_names, groups, hostvars,
 * playbook_dir, role_path, ansible_check_mode, ...) are set last and are not
 * meant to be overridden.
 */

import type { Vars } from "./vars.js";

export interface VarLayers {
  roleDefaults: Vars;
  inventory: Vars;
  facts: Vars;
  playVars: Vars;
  varsFiles: Vars;
  roleVars: Vars;
  roleParams: Vars;
  taskVars: Vars;
  hostFacts: Vars;
  extraVars: Vars;
  magic: Vars;
}

export const PRECEDENCE_ORDER: readonly (keyof VarLayers)[] = [
  "roleDefaults",
  "inventory",
  "facts",
  "playVars",
  "varsFiles",
  "roleVars",
  "roleParams",
  "taskVars",
  "hostFacts",
  "extraVars",
  "magic",
];

export function mergeVarLayers(layers: VarLayers): Vars {
  const merged: Vars = {};
  for (const name of PRECEDENCE_ORDER) Object.assign(merged, layers[name]);
  return merged;
}
