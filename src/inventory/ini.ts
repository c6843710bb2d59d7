/**
 * Ansible's INI inventory format: `[group]`, `[group:children]`, `[group:vars]`, host
 * lines with inline `key=value` variables, host ranges, `host:port`, `#`/`;` comments.
 * Hosts before the first section go into `ungrouped`.
 */
import { UserError, type SourceLocation } from "../errors.js";
import { parseUnmistakableBool } from "../ansible-bool.js";
import type { InventoryData } from "./model.js";
import { parsePythonLiteral } from "./python-literal.js";
import { shlexSplit, ShlexError } from "./shlex.js";

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:[#;].*)?$/;
const HINT = "see the INI section of docs/inventory.md";

/** Variables whose value is a string whatever it looks like (a password `1234` stays "1234"). */
const STRING_VARS = new Set([
  "ansible_host",
  "ansible_user",
  "ansible_password",
  "ansible_become_user",
  "ansible_become_password",
  "ansible_become_method",
  "ansible_ssh_private_key_file",
  "ansible_connection",
]);

type State = "hosts" | "children" | "vars";

export function parseIniInventory(text: string, file: string, inventory: InventoryData): void {
  let group = "ungrouped";
  let state: State = "hosts";
  // groups referenced before (or without) a [name] / [name:children] section, as Ansible checks
  const undeclaredVars = new Map<string, SourceLocation>();
  const undeclaredChildren = new Map<string, { location: SourceLocation; parent: string }>();

  text.split(/\r?\n/).forEach((rawLine, index) => {
    const location = { file, line: index + 1 };
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;

    const section = SECTION.exec(line);
    if (section) {
      group = section[1] ?? "";
      const kind = section[2] ?? "hosts";
      if (kind !== "hosts" && kind !== "children" && kind !== "vars") {
        throw new UserError(`section [${group}:${kind}] has unknown type '${kind}'`, {
          location,
          hint: "a section is [group], [group:children] or [group:vars]",
        });
      }
      state = kind;
      if (!inventory.groups.has(group) && state === "vars" && !undeclaredChildren.has(group)) {
        undeclaredVars.set(group, location);
      }
      inventory.addGroup(group, location);
      if (state !== "vars") {
        undeclaredVars.delete(group);
        undeclaredChildren.delete(group);
      }
      return;
    }
    if (line.startsWith("[") && line.endsWith("]")) {
      throw new UserError(`invalid section header '${line}'`, {
        location,
        hint: "write [group], [group:children] or [group:vars] with no spaces inside the brackets",
      });
    }

    if (state === "hosts") parseHostLine(line, group, location, inventory);
    else if (state === "vars") {
      const [key, value] = splitAssignment(line, location);
      inventory.setGroupVar(group, key, iniValue(key, value), location);
    } else {
      const child = GROUP_NAME.exec(line)?.[1];
      if (child === undefined) {
        throw new UserError(`expected a group name in [${group}:children], got '${line}'`, { location, hint: HINT });
      }
      if (!inventory.groups.has(child) && !undeclaredChildren.has(child)) {
        undeclaredChildren.set(child, { location, parent: group });
      }
      inventory.addChild(group, child, location);
    }
  });

  const [varsGroup, varsLocation] = [...undeclaredVars][0] ?? [];
  if (varsGroup !== undefined) {
    throw new UserError(`section [${varsGroup}:vars] is for a group that is never defined`, {
      location: varsLocation,
      hint: `add a [${varsGroup}] section listing its hosts (or a [${varsGroup}:children] section), or fix the group name`,
    });
  }
  const [child, reference] = [...undeclaredChildren][0] ?? [];
  if (child !== undefined && reference !== undefined) {
    throw new UserError(`section [${reference.parent}:children] includes undefined group '${child}'`, {
      location: reference.location,
      hint: `add a [${child}] section listing its hosts (it may be empty), or fix the group name`,
    });
  }
}

function parseHostLine(line: string, group: string, location: SourceLocation, inventory: InventoryData): void {
  let words: string[];
  try {
    words = shlexSplit(line);
  } catch (error) {
    if (!(error instanceof ShlexError)) throw error;
    throw new UserError(`cannot read host line '${line}': ${error.message}`, { location, hint: "close the quote" });
  }
  const [pattern, ...assignments] = words;
  if (pattern === undefined) return; // only a trailing comment
  const vars: Array<[string, unknown]> = assignments.map((word) => {
    const equals = word.indexOf("=");
    if (equals <= 0) {
      throw new UserError(`expected key=value after host '${pattern}', got '${word}'`, {
        location,
        hint: "quote a value that contains spaces: key=\"two words\"",
      });
    }
    const key = word.slice(0, equals);
    return [key, iniValue(key, word.slice(equals + 1))];
  });

  inventory.addHostPattern(pattern, group, vars, location, HINT);
}

function splitAssignment(line: string, location: SourceLocation): [string, string] {
  const equals = line.indexOf("=");
  const key = line.slice(0, equals).trim();
  if (equals < 0 || key === "") {
    throw new UserError(`expected key=value, got '${line}'`, { location, hint: "a [group:vars] section holds one key=value per line" });
  }
  return [key, line.slice(equals + 1).trim()];
}

/**
 * Types an INI value as Ansible does (a Python literal, else the text itself), and also
 * reads true/false/yes/no in any case as booleans: Ansible reads them so wherever it takes
 * them as flags (`ansible_become=yes`, `when: flag`), and tsible's conditions are typed.
 */
export function iniValue(key: string, text: string): unknown {
  const literal = parsePythonLiteral(text);
  if (STRING_VARS.has(key)) return typeof literal?.value === "string" ? literal.value : text;
  const bool = parseUnmistakableBool(text);
  if (bool !== undefined) return bool;
  return literal ? literal.value : text;
}
