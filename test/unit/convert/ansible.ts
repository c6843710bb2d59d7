/** Running Debian's ansible-core on the convert fixtures, and the variables it gives their host */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";

export const fixtures = resolve("test/fixtures/convert");

interface InventoryHosts {
  all: { vars: Record<string, unknown>; children: Record<string, { hosts: Record<string, Record<string, unknown>> }> };
}

/** the variables Ansible gives broker1 from inventory.yml (with groups, hostvars, group_names), as tsible's play runner would */
export function inventoryVars(): Record<string, unknown> {
  const inventory = parseYaml(readFileSync(join(fixtures, "inventory.yml"), "utf8")) as InventoryHosts;
  const groups: Record<string, string[]> = { all: [], ungrouped: [] };
  const hostvars: Record<string, Record<string, unknown>> = {};
  for (const [group, { hosts }] of Object.entries(inventory.all.children)) {
    groups[group] = Object.keys(hosts);
    for (const [host, vars] of Object.entries(hosts)) {
      groups.all?.push(host);
      hostvars[host] = { ...inventory.all.vars, ...vars, inventory_hostname: host };
    }
  }
  const groupNames = Object.keys(inventory.all.children).filter((group) => groups[group]?.includes("broker1"));
  return { ...hostvars.broker1, groups, hostvars, group_names: groupNames };
}

/** runs one play on broker1 (a local connection) with these tasks; fails the test with Ansible's output when it fails */
export function runAnsiblePlay(workDir: string, play: Record<string, unknown>): void {
  const playbook = join(workDir, "play.yml");
  writeFileSync(playbook, JSON.stringify([{ hosts: "broker1", gather_facts: false, ...play }]));
  try {
    execFileSync("ansible-playbook", ["-i", join(fixtures, "inventory.yml"), playbook], {
      env: { ...process.env, ANSIBLE_NOCOLOR: "1", ANSIBLE_RETRY_FILES_ENABLED: "0", ANSIBLE_LOCAL_TEMP: join(workDir, "ansible-tmp") },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 300_000,
    });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString("utf8") ?? "";
    throw new Error(`ansible-playbook failed:\n${output.slice(-3000)}`);
  }
}
