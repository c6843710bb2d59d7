/** Facts as the variables playbooks know from Ansible: `ansible_facts.*` and `ansible_*` */
import type { Facts } from "./types.js";

const TOP_LEVEL: ReadonlyArray<keyof Facts> = [
  "os_family",
  "distribution",
  "distribution_version",
  "distribution_major_version",
  "architecture",
  "pkg_mgr",
  "service_mgr",
  "hostname",
];

export function factsToVars(facts: Facts): Record<string, unknown> {
  const vars: Record<string, unknown> = { ansible_facts: { ...facts } };
  for (const key of TOP_LEVEL) vars[`ansible_${key}`] = facts[key];
  return vars;
}
