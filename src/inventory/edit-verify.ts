/**
 * Proves an inventory edit did what it says and nothing else, by reading the file before
 * and after: only the one host's membership and variables may differ. A mismatch is a bug
 * in tsible's editing (the file is then not written), except for a variable that another
 * line sets again later, which the user must sort out.
 */
import { isDeepStrictEqual } from "node:util";
import { UserError } from "../errors.js";
import type { Vars } from "../vars/vars.js";
import { parseIniInventory } from "./ini.js";
import { describeOrigin, InventoryData } from "./model.js";
import { parseYamlInventory } from "./yaml.js";

export type InventoryFormat = "ini" | "yaml";

export function readInventoryText(text: string, file: string, format: InventoryFormat): InventoryData {
  const data = new InventoryData();
  if (format === "yaml") parseYamlInventory(text, file, data);
  else parseIniInventory(text, file, data);
  return data;
}

export interface ExpectedChange {
  file: string;
  host: string;
  /** add: the host is in this group afterwards; remove: no longer in it (undefined: in no group) */
  group: string | undefined;
  action: "add" | "remove";
  /** add: the variables it must have afterwards, typed as the reader types them */
  vars: Vars;
}

export function verifyEdit(before: InventoryData, after: InventoryData, change: ExpectedChange): void {
  const { host } = change;
  for (const [name, entry] of before.hosts) {
    if (name === host) continue;
    const now = after.hosts.get(name);
    if (!now || !isDeepStrictEqual(now.vars, entry.vars) || !isDeepStrictEqual([...now.groups], [...entry.groups])) {
      throw bug(change, `host '${name}' changed`);
    }
  }
  for (const [name, group] of after.groups) {
    const old = before.groups.get(name);
    if (!old) {
      if (change.action === "add" && name === change.group) continue;
      throw bug(change, `group '${name}' appeared`);
    }
    const others = (hosts: Set<string>) => [...hosts].filter((each) => each !== host);
    // a new group is also a new child of the group it was created under
    const newGroup = change.action === "add" && change.group !== undefined && !before.groups.has(change.group) ? change.group : undefined;
    const children = (set: Set<string>) => new Set([...set].filter((each) => each !== newGroup));
    if (
      !isDeepStrictEqual(group.vars, old.vars) ||
      !isDeepStrictEqual(children(group.children), children(old.children)) ||
      !isDeepStrictEqual(others(group.hosts), others(old.hosts))
    ) {
      throw bug(change, `group '${name}' changed`);
    }
  }
  if (after.groups.size < before.groups.size) throw bug(change, "a group disappeared");
  if (change.action === "remove") {
    const groups = after.hosts.get(host)?.groups ?? new Set<string>();
    if (change.group === undefined ? groups.size > 0 : groups.has(change.group)) throw bug(change, `'${host}' is still listed`);
    return;
  }
  verifyAddedHost(before, after, change);
}

function verifyAddedHost(before: InventoryData, after: InventoryData, change: ExpectedChange): void {
  const entry = after.hosts.get(change.host);
  if (!entry || change.group === undefined || !entry.groups.has(change.group)) throw bug(change, `'${change.host}' is not in '${change.group ?? ""}'`);
  for (const [key, value] of Object.entries(change.vars)) {
    if (isDeepStrictEqual(entry.vars[key], value)) continue;
    throw new UserError(`'${key}' of host '${change.host}' is set again at ${describeOrigin(entry.origins[key])}, which overrides the value tsible would write`, {
      location: entry.origins[key] ?? { file: change.file },
      hint: "change or remove that setting first, then run the command again",
    });
  }
  const old = before.hosts.get(change.host)?.vars ?? {};
  for (const [key, value] of Object.entries(entry.vars)) {
    if (!(key in change.vars) && !isDeepStrictEqual(old[key], value)) throw bug(change, `variable '${key}' of '${change.host}' changed`);
  }
}

function bug(change: ExpectedChange, what: string): Error {
  return new Error(`bug: editing ${change.file} for '${change.host}' would change more than asked (${what}); the file was not written`);
}
