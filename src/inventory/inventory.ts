/**
 * The finished, read-only inventory: hosts and groups in inventory order, each host's
 * merged variables (precedence applied), magic variables, and host patterns.
 */
import { connectionLocal, finishGroups, groupDepths } from "./groups.js";
import { typeConnectionVars } from "./connection-vars.js";
import type { GroupEntry, InventoryData } from "./model.js";
import { IMPLICIT_LOCALHOSTS, selectHosts } from "./patterns.js";
import { compareGroups, mergeGroupVars, mergeHostVars, type VarsLayers } from "./precedence.js";

export interface InventoryHost {
  name: string;
  /** every group it belongs to, including ancestors and 'all' */
  groups: string[];
  /** merged inventory vars, precedence applied, without magic vars */
  vars: Record<string, unknown>;
}

export interface InventoryGroup {
  name: string;
  /** all hosts, including those of child groups, in inventory order */
  hosts: string[];
  children: string[];
  parents: string[];
  /** the group's own vars: inventory file < group_vars/ by the inventory < by the playbook */
  vars: Record<string, unknown>;
}

const IP_ADDRESS = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

export class Inventory {
  private readonly hostsByName = new Map<string, InventoryHost>();
  private readonly groupsByName = new Map<string, InventoryGroup>();
  private readonly data: InventoryData;
  private readonly layers: VarsLayers;

  constructor(data: InventoryData, layers: VarsLayers) {
    this.data = data;
    this.layers = layers;
    finishGroups(data);
    const depth = groupDepths(data);
    const byPrecedence = compareGroups((group) => depth.get(group.name) ?? 0);
    const all = data.groups.get("all");
    if (!all) throw new Error("bug: inventory without 'all'");

    for (const group of data.groups.values()) {
      this.groupsByName.set(group.name, {
        name: group.name,
        hosts: [],
        children: [...group.children],
        parents: [...group.parents],
        vars: mergeGroupVars(group, layers).vars,
      });
    }
    for (const host of data.hosts.values()) {
      const groups = [...ancestorsOf(data, host.groups)].map((name) => data.groups.get(name)).filter(isGroup);
      groups.sort(byPrecedence);
      const merged = mergeHostVars(all, groups.filter((group) => group.name !== "all"), host, layers);
      this.hostsByName.set(host.name, {
        name: host.name,
        groups: groups.map((group) => group.name),
        vars: typeConnectionVars(host.name, merged.vars, merged.origins),
      });
      for (const group of groups) this.groupsByName.get(group.name)?.hosts.push(host.name);
    }
  }

  /** Hosts in inventory order (order of first appearance). */
  hosts(): InventoryHost[] {
    return [...this.hostsByName.values()];
  }

  /** An inventory host; also `localhost` (and 127.0.0.1, ::1) when the inventory lacks it, as Ansible's implicit local host. */
  host(name: string): InventoryHost | undefined {
    return this.hostsByName.get(name) ?? this.implicitLocalhost(name);
  }

  groups(): InventoryGroup[] {
    return [...this.groupsByName.values()];
  }

  group(name: string): InventoryGroup | undefined {
    return this.groupsByName.get(name);
  }

  /** Hosts matching a pattern, in inventory order; [] when none match (the caller warns). */
  selectHosts(pattern: string): string[] {
    return selectHosts(pattern, {
      hostNames: [...this.hostsByName.keys()],
      groupNames: [...this.groupsByName.keys()],
      hostsOf: (group) => this.groupsByName.get(group)?.hosts ?? [],
    });
  }

  /** Merged inventory vars plus inventory_hostname, inventory_hostname_short, group_names and groups. */
  hostVars(name: string): Record<string, unknown> {
    const host = this.host(name);
    if (!host) return {};
    return {
      ...host.vars,
      inventory_hostname: host.name,
      inventory_hostname_short: IP_ADDRESS.test(host.name) ? host.name : (host.name.split(".")[0] ?? host.name),
      group_names: host.groups.filter((group) => group !== "all").sort(),
      groups: Object.fromEntries(this.groups().map((group) => [group.name, [...group.hosts]])),
    };
  }

  /** hostVars() of every inventory host, by name (for the executor's `hostvars`). */
  allHostVars(): Record<string, Record<string, unknown>> {
    return Object.fromEntries([...this.hostsByName.keys()].map((name) => [name, this.hostVars(name)]));
  }

  /**
   * Ansible answers `localhost` without an inventory entry: a local connection, in no
   * group, with the vars of 'all' and its own host_vars/.
   */
  private implicitLocalhost(name: string): InventoryHost | undefined {
    if (!IMPLICIT_LOCALHOSTS.includes(name)) return undefined;
    const all = this.data.groups.get("all");
    if (!all) return undefined;
    const merged = mergeHostVars(all, [], connectionLocal(name), this.layers);
    return { name, groups: [], vars: typeConnectionVars(name, merged.vars, merged.origins) };
  }
}

/** The groups given and all their ancestors, always including 'all'. */
function ancestorsOf(data: InventoryData, groups: Iterable<string>): Set<string> {
  const found = new Set<string>();
  const visit = (name: string): void => {
    if (found.has(name)) return;
    found.add(name);
    for (const parent of data.groups.get(name)?.parents ?? []) visit(parent);
  };
  for (const name of groups) visit(name);
  return found.add("all");
}

function isGroup(group: GroupEntry | undefined): group is GroupEntry {
  return group !== undefined;
}
