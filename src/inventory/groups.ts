/**
 * The implicit groups, settled once every source is read, as Ansible's reconcile step:
 * a group with no parent is a child of `all`; a host in no group but `all` is in
 * `ungrouped`, and a host that is in another group is not.
 */
import type { Vars } from "../vars/vars.js";
import type { HostEntry, InventoryData, VarOrigins } from "./model.js";

export function finishGroups(data: InventoryData): void {
  for (const group of data.groups.values()) {
    if (group.name !== "all" && group.parents.size === 0) data.addChild("all", group.name, { file: "(implicit)" });
  }
  const ungrouped = data.groups.get("ungrouped");
  if (!ungrouped) return;
  for (const host of data.hosts.values()) {
    const named = [...host.groups].filter((group) => group !== "all" && group !== "ungrouped");
    if (named.length > 0) {
      host.groups.delete("ungrouped");
      ungrouped.hosts.delete(host.name);
    } else {
      host.groups.add("ungrouped");
      ungrouped.hosts.add(host.name);
    }
  }
}

/** Each group's depth: 0 for `all`, else one more than its deepest parent. */
export function groupDepths(data: InventoryData): Map<string, number> {
  const depths = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    const parents = [...(data.groups.get(name)?.parents ?? [])];
    const depth = parents.length === 0 ? 0 : Math.max(...parents.map(depthOf)) + 1;
    depths.set(name, depth);
    return depth;
  };
  for (const name of data.groups.keys()) depthOf(name);
  return depths;
}

/** The inventory entry of Ansible's implicit local host. */
export function connectionLocal(name: string): Pick<HostEntry, "name" | "vars" | "origins"> {
  const vars: Vars = { ansible_connection: "local" };
  const origins: VarOrigins = {};
  return { name, vars, origins };
}
