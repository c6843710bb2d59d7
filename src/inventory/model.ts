/**
 * The mutable inventory that the INI and YAML readers fill in, source after source.
 * It keeps hosts and groups in order of first appearance, each variable with the place it
 * was set (for error messages), and refuses a group that would become its own ancestor.
 */
import { formatLocation, UserError, type SourceLocation } from "../errors.js";
import type { Vars } from "../vars/vars.js";
import { expandHostPattern, HostPatternError } from "./ranges.js";

export type VarOrigins = Record<string, SourceLocation>;

export interface HostEntry {
  name: string;
  /** groups the host is listed in directly, in order of appearance */
  groups: Set<string>;
  vars: Vars;
  origins: VarOrigins;
}

export interface GroupEntry {
  name: string;
  /** hosts listed directly in this group */
  hosts: Set<string>;
  children: Set<string>;
  parents: Set<string>;
  vars: Vars;
  origins: VarOrigins;
  /** where the group was first seen, for error messages */
  location: SourceLocation | undefined;
}

export class InventoryData {
  readonly hosts = new Map<string, HostEntry>();
  readonly groups = new Map<string, GroupEntry>();

  constructor() {
    this.addGroup("all");
    this.addGroup("ungrouped");
  }

  addGroup(name: string, location?: SourceLocation): GroupEntry {
    const existing = this.groups.get(name);
    if (existing) return existing;
    const group: GroupEntry = {
      name,
      hosts: new Set(),
      children: new Set(),
      parents: new Set(),
      vars: {},
      origins: {},
      location,
    };
    this.groups.set(name, group);
    return group;
  }

  /** Adds the host (once) and lists it in `group`. */
  /** Adds every host a pattern names (`web[01:03]`, `broker:2222`) to the group, with its vars */
  addHostPattern(pattern: string, group: string, vars: Iterable<readonly [string, unknown]>, location: SourceLocation, hint: string): void {
    let expanded;
    try {
      expanded = expandHostPattern(pattern);
    } catch (error) {
      if (!(error instanceof HostPatternError)) throw error;
      throw new UserError(`invalid host '${pattern}': ${error.message}`, { location, hint });
    }
    const hostVars = [...vars];
    for (const name of expanded.names) {
      this.addHost(name, group, location);
      if (expanded.port !== undefined) this.setHostVar(name, "ansible_port", expanded.port, location);
      for (const [key, value] of hostVars) this.setHostVar(name, key, value, location);
    }
  }

  addHost(name: string, group: string, location: SourceLocation): HostEntry {
    let host = this.hosts.get(name);
    if (!host) {
      host = { name, groups: new Set(), vars: {}, origins: {} };
      this.hosts.set(name, host);
    }
    host.groups.add(group);
    this.addGroup(group, location).hosts.add(name);
    return host;
  }

  setHostVar(name: string, key: string, value: unknown, location: SourceLocation): void {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`bug: variable for unknown host ${name}`);
    host.vars[key] = value;
    host.origins[key] = location;
  }

  setGroupVar(name: string, key: string, value: unknown, location: SourceLocation): void {
    const group = this.addGroup(name, location);
    group.vars[key] = value;
    group.origins[key] = location;
  }

  addChild(parent: string, child: string, location: SourceLocation): void {
    if (child === "all") {
      throw new UserError(`group 'all' cannot be a child of '${parent}': every group is already inside 'all'`, {
        location,
        hint: `remove 'all' from the children of '${parent}'`,
      });
    }
    const path = this.pathBetween(child, parent);
    if (path) {
      throw new UserError(`making '${child}' a child of '${parent}' creates a loop: ${[...path, child].join(" -> ")}`, {
        location,
        hint: "a group cannot be its own ancestor; remove one of these children entries",
      });
    }
    this.addGroup(parent, location).children.add(child);
    this.addGroup(child, location).parents.add(parent);
  }

  /** The chain of children from `from` down to `to`, if `to` is a descendant of (or is) `from`. */
  private pathBetween(from: string, to: string): string[] | undefined {
    if (from === to) return [from];
    for (const child of this.groups.get(from)?.children ?? []) {
      const rest = this.pathBetween(child, to);
      if (rest) return [from, ...rest];
    }
    return undefined;
  }
}

export function describeOrigin(location: SourceLocation | undefined): string {
  return location ? formatLocation(location) : "the inventory";
}
