/**
 * loadInventory: reads every `-i` source in order, then the group_vars/ and host_vars/
 * beside each source and beside the playbook, and builds the Inventory.
 */
import { resolve } from "node:path";
import { Inventory } from "./inventory.js";
import { InventoryData } from "./model.js";
import { IMPLICIT_LOCALHOSTS } from "./patterns.js";
import type { VarsDir } from "./precedence.js";
import { readSource } from "./sources.js";
import { loadVarsFiles, type VarsFile } from "./vars-files.js";

export interface LoadInventoryOptions {
  /** the playbook's directory: its group_vars/ and host_vars/ override the inventory's */
  playbookDir?: string;
}

export async function loadInventory(sources: string[], options: LoadInventoryOptions = {}): Promise<Inventory> {
  return (await loadInventorySources(sources, options)).inventory;
}

export interface LoadedInventory {
  inventory: Inventory;
  /** what the sources say, each group with its own hosts and children (implicit groups settled) */
  data: InventoryData;
  /** the directories whose group_vars/ and host_vars/ belong to the sources */
  baseDirs: string[];
}

/** The inventory and what it was built from, each source read once (an EC2 source is an API query) */
export async function loadInventorySources(sources: string[], options: LoadInventoryOptions = {}): Promise<LoadedInventory> {
  const data = new InventoryData();
  const baseDirs: string[] = [];
  for (const source of sources) {
    const baseDir = await readSource(source, data);
    if (baseDir !== undefined && !baseDirs.includes(baseDir)) baseDirs.push(baseDir);
  }
  // the groups every host will be in are known only after all sources are read
  const groupNames = [...data.groups.keys()];
  const hostNames = [...data.hosts.keys(), ...IMPLICIT_LOCALHOSTS.filter((name) => !data.hosts.has(name))];
  const readDir = (dir: string) => readVarsDir(dir, groupNames, hostNames);
  const inventory = new Inventory(data, {
    inventoryDirs: await Promise.all(baseDirs.map(readDir)),
    playbookDir: options.playbookDir === undefined ? undefined : await readDir(resolve(options.playbookDir)),
  });
  return { inventory, data, baseDirs };
}

async function readVarsDir(dir: string, groupNames: string[], hostNames: string[]): Promise<VarsDir> {
  const read = async (kind: "group_vars" | "host_vars", names: string[]): Promise<Map<string, VarsFile[]>> => {
    const entries = await Promise.all(names.map(async (name) => [name, await loadVarsFiles(dir, kind, name)] as const));
    return new Map(entries.filter(([, files]) => files.length > 0));
  };
  return { groupVars: await read("group_vars", groupNames), hostVars: await read("host_vars", hostNames) };
}
