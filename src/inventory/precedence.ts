/**
 * Ansible's variable precedence inside the inventory, lowest first:
 *   all: inventory file < group_vars/ by the inventory < group_vars/ by the playbook
 *   other groups: inventory file < group_vars/ by the inventory < group_vars/ by the playbook
 *   host: inventory file < host_vars/ by the inventory < host_vars/ by the playbook
 * Groups apply parents before children (by depth), then by ansible_group_priority, then by
 * name; a later value replaces an earlier one (no deep merge, Ansible's default).
 */
import type { SourceLocation } from "../errors.js";
import type { Vars } from "../vars/vars.js";
import type { GroupEntry, VarOrigins } from "./model.js";
import type { VarsFile } from "./vars-files.js";

/** group_vars/ and host_vars/ of one directory, by group or host name. */
export interface VarsDir {
  groupVars: Map<string, VarsFile[]>;
  hostVars: Map<string, VarsFile[]>;
}

export interface VarsLayers {
  /** directories beside the inventory sources, in source order */
  inventoryDirs: VarsDir[];
  playbookDir: VarsDir | undefined;
}

interface Layer {
  vars: Vars;
  origin: (key: string) => SourceLocation | undefined;
}

export interface MergedVars {
  vars: Vars;
  origins: VarOrigins;
}

/** A host's inventory variables. `groups` are its groups except `all`, in precedence order. */
export function mergeHostVars(
  all: GroupEntry,
  groups: GroupEntry[],
  host: { name: string; vars: Vars; origins: VarOrigins },
  dirs: VarsLayers,
): MergedVars {
  const byDirs = (pick: (dir: VarsDir) => VarsFile[] | undefined): Layer[] =>
    [...dirs.inventoryDirs, ...(dirs.playbookDir ? [dirs.playbookDir] : [])].flatMap((dir) => fileLayers(pick(dir)));
  const groupFiles = (group: GroupEntry) => (dir: VarsDir) => dir.groupVars.get(group.name);
  const layers: Layer[] = [
    entryLayer(all),
    ...byDirs(groupFiles(all)),
    ...groups.map(entryLayer),
    // every group's files from one directory before the next directory's, as Ansible loops
    ...byDirs((dir) => groups.flatMap((group) => groupFiles(group)(dir) ?? [])),
    entryLayer(host),
    ...byDirs((dir) => dir.hostVars.get(host.name)),
  ];
  return merge(layers);
}

/** A group's own variables: inventory file < group_vars/ by the inventory < by the playbook. */
export function mergeGroupVars(group: GroupEntry, dirs: VarsLayers): MergedVars {
  const files = [...dirs.inventoryDirs, ...(dirs.playbookDir ? [dirs.playbookDir] : [])].flatMap((dir) =>
    fileLayers(dir.groupVars.get(group.name)),
  );
  return merge([entryLayer(group), ...files]);
}

/** Parents before children, then ansible_group_priority, then name. */
export function compareGroups(depth: (group: GroupEntry) => number): (a: GroupEntry, b: GroupEntry) => number {
  return (a, b) => depth(a) - depth(b) || priority(a) - priority(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function priority(group: GroupEntry): number {
  const value = Number(group.vars["ansible_group_priority"] ?? 1);
  return Number.isFinite(value) ? value : 1;
}

function entryLayer(entry: { vars: Vars; origins: VarOrigins }): Layer {
  return { vars: entry.vars, origin: (key) => entry.origins[key] };
}

function fileLayers(files: VarsFile[] | undefined): Layer[] {
  return (files ?? []).map((file) => ({ vars: file.vars, origin: () => ({ file: file.file }) }));
}

function merge(layers: Layer[]): MergedVars {
  const vars: Vars = {};
  const origins: VarOrigins = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.vars)) {
      vars[key] = value;
      const origin = layer.origin(key);
      if (origin) origins[key] = origin;
    }
  }
  return { vars, origins };
}
