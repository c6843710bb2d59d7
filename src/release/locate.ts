/**
 * Where an infra's inventory and a playbook live in the team's layout:
 * `inventories/<infra>/` (hosts + group_vars/ + host_vars/) and `playbooks/<name>.yml`.
 * Unknown names are refused with the list of the ones that exist.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { ReleaseError, ReleaseExit } from "./exit-codes.js";

const INFRA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

async function isDirectory(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isDirectory() ?? false;
}

async function isFile(file: string): Promise<boolean> {
  // stat follows symlinks: `_mosquitto.yml -> mosquitto.yml` counts as a file
  return (await stat(file).catch(() => undefined))?.isFile() ?? false;
}

async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [])).filter((name) => !name.startsWith(".")).sort();
}

function listOrNone(names: string[]): string {
  return names.length > 0 ? names.join(", ") : "(none)";
}

/** The infra's inventory directory: pass it whole as the inventory source */
export async function locateInfra(inventoriesDir: string, infra: string): Promise<string> {
  const root = path.resolve(inventoriesDir);
  if (!(await isDirectory(root))) {
    throw new ReleaseError(`inventories directory ${root} does not exist`, ReleaseExit.badInput, {
      hint: "run smcrelease from the directory holding inventories/ and playbooks/, or pass --inventories DIR",
    });
  }
  const known: string[] = [];
  for (const name of await entries(root)) if (await isDirectory(path.join(root, name))) known.push(name);
  // a name with '/' or '..' would leave inventories/: refuse it like an unknown infra
  if (INFRA_NAME.test(infra) && known.includes(infra)) return path.join(root, infra);
  throw new ReleaseError(`unknown infra '${infra}': there is no ${path.join(root, infra)}/`, ReleaseExit.badInput, {
    hint: `infras in ${root}: ${listOrNone(known)}`,
  });
}

/** The names tried for a playbook, in order: as given, with/without a leading '_', with/without '.yml' */
export function playbookCandidates(name: string): string[] {
  const stems = new Set<string>();
  const bare = name.replace(/\.ya?ml$/, "");
  for (const stem of [bare, bare.startsWith("_") ? bare.slice(1) : `_${bare}`]) stems.add(stem);
  const names = [name];
  for (const stem of stems) names.push(`${stem}.yml`, `${stem}.yaml`, stem);
  return [...new Set(names)];
}

export async function locatePlaybook(playbooksDir: string, name: string): Promise<string> {
  const root = path.resolve(playbooksDir);
  if (!(await isDirectory(root))) {
    throw new ReleaseError(`playbooks directory ${root} does not exist`, ReleaseExit.badInput, {
      hint: "run smcrelease from the directory holding inventories/ and playbooks/, or pass --playbooks DIR",
    });
  }
  if (!name.includes("/") && !name.includes("\\")) {
    for (const candidate of playbookCandidates(name)) {
      const file = path.join(root, candidate);
      if (await isFile(file)) return file;
    }
  }
  const known: string[] = [];
  for (const entry of await entries(root)) {
    if (/\.ya?ml$/.test(entry) && (await isFile(path.join(root, entry)))) known.push(entry);
  }
  throw new ReleaseError(`unknown playbook '${name}' in ${root}`, ReleaseExit.badInput, {
    hint: `playbooks there: ${listOrNone(known)}`,
  });
}
