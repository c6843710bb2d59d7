/**
 * What one `-i` argument names: an inventory file, a directory of them (every file inside,
 * recursively, in lexical order, as Ansible reads it), or a bare comma list `host1,host2,`.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { isMap, parseDocument } from "yaml";
import { UserError } from "../errors.js";
import { readMaybeVaultedText } from "../vault/vaulted-file.js";
import { isAwsEc2Source, readAwsEc2Inventory } from "./aws-ec2.js";
import { parseIniInventory } from "./ini.js";
import type { InventoryData } from "./model.js";
import { expandHostPattern, HostPatternError } from "./ranges.js";
import { parseYamlInventory } from "./yaml.js";
import { ANSIBLE_YAML_OPTIONS } from "./yaml-file.js";

/** Names in an inventory directory that are not inventory files (Ansible's ignore lists). */
const IGNORED_NAMES = new Set(["group_vars", "host_vars", "vars_plugins"]);
const IGNORED_EXTENSIONS = [".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry"];
const YAML_EXTENSIONS = new Set([".yml", ".yaml", ".json"]);

/**
 * Reads one source into `inventory` and returns the directory whose group_vars/ and
 * host_vars/ belong to it (undefined for a comma list).
 */
export async function readSource(source: string, inventory: InventoryData): Promise<string | undefined> {
  const path = resolve(source);
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    if (source.includes(",")) {
      readHostList(source, inventory);
      return undefined;
    }
    throw new UserError(`inventory source '${source}' does not exist`, {
      location: { file: source },
      hint: "pass an inventory file, a directory of inventory files, or a comma-separated host list such as 'broker1,' (note the trailing comma)",
    });
  }
  if (info.isDirectory()) {
    for (const file of await inventoryFilesIn(path)) await readInventoryFile(file, inventory);
    return path;
  }
  await readInventoryFile(path, inventory);
  return dirname(path);
}

function readHostList(source: string, inventory: InventoryData): void {
  for (const entry of source.split(",").map((part) => part.trim()).filter((part) => part !== "")) {
    let expanded;
    try {
      expanded = expandHostPattern(entry);
    } catch (error) {
      if (!(error instanceof HostPatternError)) throw error;
      throw new UserError(`invalid host '${entry}' in host list: ${error.message}`, { location: { file: source } });
    }
    for (const name of expanded.names) {
      inventory.addHost(name, "ungrouped", { file: source });
      if (expanded.port !== undefined) inventory.setHostVar(name, "ansible_port", expanded.port, { file: source });
    }
  }
}

async function inventoryFilesIn(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith(".") || IGNORED_NAMES.has(name) || /^readme/i.test(name)) continue;
    if (IGNORED_EXTENSIONS.some((extension) => name.endsWith(extension))) continue;
    const path = join(dir, name);
    const info = await stat(path);
    if (info.isDirectory()) files.push(...(await inventoryFilesIn(path)));
    else if (info.isFile()) files.push(path);
  }
  return files;
}

async function readInventoryFile(file: string, inventory: InventoryData): Promise<void> {
  // a vault-encrypted inventory is read as Ansible reads it; only its secret-named vars are masked
  const { text } = await readMaybeVaultedText(file);
  if (isAwsEc2Source(file)) await readAwsEc2Inventory(text, file, inventory);
  else if (isYamlInventory(file, text)) parseYamlInventory(text, file, inventory);
  else parseIniInventory(text, file, inventory);
}

/**
 * .yml/.yaml/.json files are YAML; .ini files are INI; a file without a known extension
 * (like `hosts`) is YAML when it reads as a YAML mapping, as Ansible tries YAML first.
 */
function isYamlInventory(file: string, text: string): boolean {
  const extension = extname(basename(file)).toLowerCase();
  if (YAML_EXTENSIONS.has(extension)) return true;
  if (extension === ".ini") return false;
  const document = parseDocument(text, ANSIBLE_YAML_OPTIONS);
  return document.errors.length === 0 && isMap(document.contents);
}
