/**
 * What `tsible inventory list` and `graph` print, in ansible-inventory's shapes:
 * `--list` JSON (keys sorted, 4-space indent, each group's own hosts and children, every
 * host's merged vars under _meta.hostvars), `--host` JSON, and the `--graph` tree.
 * Unlike ansible-inventory, secret-looking variables are masked unless asked otherwise.
 */
import { isSecretName, MASK, SecretMasker } from "../secrets.js";
import { activeVaultKeyring } from "../vault/keyring.js";
import { UserError } from "../errors.js";
import type { Vars } from "../vars/vars.js";
import { Inventory } from "./inventory.js";
import { loadInventorySources } from "./load.js";
import type { InventoryData } from "./model.js";
import { loadVarsFiles } from "./vars-files.js";

export interface InventoryView {
  /** merged variables, as a play sees them */
  inventory: Inventory;
  /** each group's own hosts and children, implicit groups settled */
  structure: InventoryData;
  /** each host's own variables: inventory file, then host_vars/ (for --export) */
  ownHostVars: Map<string, Vars>;
}

export interface RenderOptions {
  /** print secret-looking values as they are */
  showSecrets?: boolean;
}

export async function readInventoryView(sources: string[]): Promise<InventoryView> {
  // the Inventory answers with transitive membership; the listing needs each group's own (data)
  const { inventory, data: structure, baseDirs } = await loadInventorySources(sources);
  const ownHostVars = new Map<string, Vars>();
  for (const host of structure.hosts.values()) {
    let vars: Vars = { ...host.vars };
    for (const dir of baseDirs) for (const file of await loadVarsFiles(dir, "host_vars", host.name)) vars = { ...vars, ...file.vars };
    ownHostVars.set(host.name, vars);
  }
  return { inventory, structure, ownHostVars };
}

/** `ansible-inventory --list` (with `exported`: `--export`, each group's vars on the group and each host's own vars). */
export function inventoryList(view: InventoryView, options: RenderOptions & { exported?: boolean } = {}): string {
  const secrets = secretMasker(view, options);
  const result: Record<string, unknown> = {};
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const group = view.structure.groups.get(name);
    if (!group) return;
    const entry: Record<string, unknown> = {};
    if (name !== "all" && group.hosts.size > 0) entry["hosts"] = [...group.hosts];
    if (group.children.size > 0) entry["children"] = [...group.children];
    const vars = view.inventory.group(name)?.vars ?? {};
    if (options.exported && Object.keys(vars).length > 0) entry["vars"] = secrets(vars);
    if (Object.keys(entry).length > 0) result[name] = entry;
    for (const child of group.children) {
      if (seen.has(child)) continue;
      seen.add(child);
      visit(child);
    }
  };
  visit("all");
  const hostvars: Record<string, unknown> = {};
  for (const host of view.inventory.hosts()) {
    const vars = options.exported ? (view.ownHostVars.get(host.name) ?? {}) : host.vars;
    if (Object.keys(vars).length > 0) hostvars[host.name] = secrets(vars);
  }
  result["_meta"] = { hostvars };
  return `${pythonJson(result)}\n`;
}

/** `ansible-inventory --host NAME`: the host's merged variables. */
export function inventoryHost(view: InventoryView, name: string, options: RenderOptions = {}): string {
  const host = view.inventory.host(name);
  if (!host) {
    throw new UserError(`host '${name}' is not in the inventory`, { hint: "run 'tsible inventory graph' to see the hosts it holds" });
  }
  return `${pythonJson(secretMasker(view, options)(host.vars))}\n`;
}

/** `ansible-inventory --graph [GROUP] [--vars]` */
export function inventoryGraph(view: InventoryView, group = "all", options: RenderOptions & { vars?: boolean } = {}): string {
  if (!view.structure.groups.has(group)) {
    throw new UserError(`group '${group}' is not in the inventory`, { hint: "the graph starts at a group name, such as 'all' or 'mqtt'" });
  }
  const secrets = secretMasker(view, options);
  const lines: string[] = [];
  const name = (text: string, depth: number) => (depth === 0 ? text : `${"  |".repeat(depth)}--${text}`);
  const showVars = (vars: Vars, depth: number) => {
    const masked = secrets(vars);
    for (const key of Object.keys(masked).sort()) lines.push(name(`{${key} = ${pythonStr(masked[key])}}`, depth));
  };
  const visit = (groupName: string, depth: number): void => {
    const entry = view.structure.groups.get(groupName);
    if (!entry) return;
    lines.push(name(`@${groupName}:`, depth));
    for (const child of entry.children) visit(child, depth + 1);
    if (groupName !== "all") {
      for (const host of entry.hosts) {
        lines.push(name(host, depth + 1));
        if (options.vars) showVars(view.inventory.host(host)?.vars ?? {}, depth + 2);
      }
    }
    if (options.vars) showVars(view.inventory.group(groupName)?.vars ?? {}, depth + 1);
  };
  visit(group, 0);
  return `${lines.join("\n")}\n`;
}

/**
 * Masks the value of every secret-looking variable, and every other value that contains
 * one of those secrets (a URL with a password in it), across the whole inventory.
 */
function secretMasker(view: InventoryView, options: RenderOptions): (vars: Vars) => Vars {
  if (options.showSecrets) return (vars) => vars;
  const masker = new SecretMasker();
  for (const host of view.inventory.hosts()) masker.addFromVars(host.vars);
  for (const group of view.inventory.groups()) masker.addFromVars(group.vars);
  for (const vars of view.ownHostVars.values()) masker.addFromVars(vars);
  activeVaultKeyring().maskIn(masker);
  return (vars) => masker.maskDeep(maskSecretKeys(vars) as Vars);
}

function maskSecretKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecretKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key,
      isSecretName(key) && (item === null || typeof item !== "object") ? MASK : maskSecretKeys(item),
    ]),
  );
}

/** JSON as Python's json.dumps(sort_keys=True, indent=4) prints it. */
function pythonJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 4);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, item]) => [key, sortKeys(item)]));
}

/** A value as Python's str() prints it, as ansible-inventory --graph --vars shows values. */
function pythonStr(value: unknown): string {
  return typeof value === "string" ? value : pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    return `${quote}${value.replace(/\\/g, "\\\\").replace(new RegExp(quote, "g"), `\\${quote}`).replace(/\n/g, "\\n")}${quote}`;
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>).map(([key, item]) => `${pythonRepr(key)}: ${pythonRepr(item)}`).join(", ")}}`;
  }
  return String(value);
}
