/**
 * Ansible's YAML inventory format: top-level keys are groups (usually `all`), and each
 * group may have `hosts: {name: {vars}}`, `vars: {...}` and `children: {group: {...}}`,
 * nested to any depth. Host names may hold ranges (`web[01:10]`) and a `:port`.
 */
import { isMap, isScalar, type Node, type Pair, type YAMLMap } from "yaml";
import { UserError } from "../errors.js";
import type { InventoryData } from "./model.js";
import { parseYamlFile, toValue, type YamlFile } from "./yaml-file.js";

const HINT = "see the YAML section of docs/inventory.md";

export function parseYamlInventory(text: string, file: string, inventory: InventoryData): void {
  const yaml = parseYamlFile(text, file);
  const root = yaml.document.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) {
    throw new UserError("the YAML inventory is empty", { location: { file }, hint: "start it with 'all:' and list hosts under 'hosts:'" });
  }
  if (!isMap(root)) {
    throw new UserError("a YAML inventory must be a mapping of group names", { location: yaml.locate(root), hint: HINT });
  }
  if (root.has("plugin")) {
    throw new UserError("inventory plugin configuration files are not supported", {
      location: yaml.locate(root),
      hint: "the one plugin tsible reads is aws_ec2, from a file named *.aws_ec2.yml; list other hosts in a static INI or YAML inventory",
    });
  }
  for (const pair of pairsOf(root)) parseGroup(yaml, inventory, pair);
}

/** Reads one `group: {hosts, vars, children}` entry and returns the group's name. */
function parseGroup(yaml: YamlFile, inventory: InventoryData, pair: Pair<unknown, unknown>): string {
  const name = keyName(yaml, pair);
  const location = yaml.locate(pair.key as Node);
  inventory.addGroup(name, location);
  const body = pair.value;
  if (body === null || (isScalar(body) && body.value === null)) return name;
  if (!isMap(body)) {
    throw new UserError(`group '${name}' must be a mapping with hosts, vars or children`, { location, hint: HINT });
  }
  for (const section of pairsOf(body)) {
    const key = keyName(yaml, section);
    const entries = sectionEntries(yaml, name, key, section);
    if (key === "hosts") {
      for (const entry of entries) parseHost(yaml, inventory, name, entry);
    } else if (key === "vars") {
      for (const entry of entries) {
        inventory.setGroupVar(name, keyName(yaml, entry), toValue(yaml, entry.value), yaml.locate(entry.key as Node));
      }
    } else if (key === "children") {
      for (const entry of entries) {
        const child = parseGroup(yaml, inventory, entry);
        inventory.addChild(name, child, yaml.locate(entry.key as Node));
      }
    } else {
      throw new UserError(`unexpected key '${key}' in group '${name}'`, {
        location: yaml.locate(section.key as Node),
        hint: "a group holds only 'hosts', 'vars' and 'children' (is it a typo, or a group that belongs under 'children'?)",
      });
    }
  }
  return name;
}

function parseHost(yaml: YamlFile, inventory: InventoryData, group: string, entry: Pair<unknown, unknown>): void {
  const pattern = keyName(yaml, entry);
  const location = yaml.locate(entry.key as Node);
  const value = toValue(yaml, entry.value);
  if (value !== null && value !== undefined && !isPlainObject(value)) {
    throw new UserError(`host '${pattern}' must map to its variables (or to nothing)`, {
      location,
      hint: `write '${pattern}:' alone, or '${pattern}:' followed by indented 'key: value' lines`,
    });
  }
  inventory.addHostPattern(pattern, group, Object.entries(value ?? {}), location, HINT);
}

/** The entries of hosts/vars/children; a bare string is one entry with no value, as in Ansible. */
function sectionEntries(yaml: YamlFile, group: string, key: string, section: Pair<unknown, unknown>): Pair<unknown, unknown>[] {
  const value = section.value;
  if (value === null || (isScalar(value) && value.value === null)) return [];
  if (isScalar(value) && typeof value.value === "string" && key !== "vars") {
    return [{ key: value, value: null } as Pair<unknown, unknown>];
  }
  if (!isMap(value)) {
    throw new UserError(`'${key}' of group '${group}' must be a mapping`, {
      location: yaml.locate(section.key as Node),
      hint: key === "hosts" ? "write hosts as 'name:' keys, not as a '- name' list" : HINT,
    });
  }
  return pairsOf(value);
}

function pairsOf(map: YAMLMap): Pair<unknown, unknown>[] {
  return map.items as Pair<unknown, unknown>[];
}

function keyName(yaml: YamlFile, pair: Pair<unknown, unknown>): string {
  const key = pair.key;
  if (isScalar(key) && (typeof key.value === "string" || typeof key.value === "number")) return String(key.value);
  throw new UserError("expected a plain name as key", { location: yaml.locate(key as Node), hint: HINT });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
