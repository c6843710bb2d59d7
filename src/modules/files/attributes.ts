/**
 * Owner, group and mode of a path: how they differ from what a task wants,
 * the words the report uses for that ("mode 0644 -> 0600"), and the commands
 * that change them. Shared by the file modules and mosquitto_broker.
 */
import type { Change } from "../types.js";
import { ModuleFailure } from "../module-failure.js";
import type { FileAttributes, TaskHost } from "../host/task-host.js";
import type { ProbedPath } from "../host/path-probe.js";

type ProbedAttributes = Pick<ProbedPath, "owner" | "group" | "uid" | "gid" | "mode">;

/** A wanted owner or group is a name or a numeric id */
function sameOwner(wanted: string, name: string | undefined, id: number | undefined): boolean {
  return /^\d+$/.test(wanted) ? Number(wanted) === id : wanted === name;
}

export function ownerDiffers(probe: ProbedAttributes, wanted: FileAttributes): boolean {
  return wanted.owner !== undefined && !sameOwner(wanted.owner, probe.owner, probe.uid);
}

export function groupDiffers(probe: ProbedAttributes, wanted: FileAttributes): boolean {
  return wanted.group !== undefined && !sameOwner(wanted.group, probe.group, probe.gid);
}

/** "owner root -> mosquitto", "mode 0644 -> 0640": what differs from the wanted attributes */
export function attributeDelta(probe: ProbedAttributes, wanted: FileAttributes): string[] {
  const parts: string[] = [];
  if (ownerDiffers(probe, wanted)) parts.push(`owner ${probe.owner} -> ${wanted.owner}`);
  if (groupDiffers(probe, wanted)) parts.push(`group ${probe.group} -> ${wanted.group}`);
  if (wanted.mode !== undefined && wanted.mode !== probe.mode) parts.push(`mode ${probe.mode} -> ${wanted.mode}`);
  return parts;
}

/** "owner mosquitto", "mode 0600": the attributes a new file is created with */
export function newAttributes(wanted: FileAttributes): string[] {
  const parts: string[] = [];
  if (wanted.owner !== undefined) parts.push(`owner ${wanted.owner}`);
  if (wanted.group !== undefined) parts.push(`group ${wanted.group}`);
  if (wanted.mode !== undefined) parts.push(`mode ${wanted.mode}`);
  return parts;
}

/** "create /etc/x (and its parent directories)" */
export function describeCreate(what: string, probe: Pick<ProbedPath, "parentIsDirectory">): string {
  return `create ${what}${probe.parentIsDirectory ? "" : " (and its parent directories)"}`;
}

/** Fail (in check mode too) when the requested owner or group does not exist on the host */
export function assertAttributesKnown(probe: Pick<ProbedPath, "unknownOwner" | "unknownGroup" | "path">, wanted: FileAttributes): void {
  if (probe.unknownOwner) throw new ModuleFailure(`user "${wanted.owner}" does not exist on the host (the owner wanted for ${probe.path})`);
  if (probe.unknownGroup) throw new ModuleFailure(`group "${wanted.group}" does not exist on the host (the group wanted for ${probe.path})`);
}

/**
 * The owner/group/mode changes an existing path needs, one Change each, so the
 * report says "mode 0644 -> 0600". Links get owner/group only (chown -h); Linux
 * has no link modes.
 */
export function planAttributeChanges(host: TaskHost, probe: ProbedPath, wanted: FileAttributes): Change[] {
  const changes: Change[] = [];
  const path = probe.realPath;
  const noFollow = probe.kind === "link" ? ["-h"] : [];
  const change = (description: string, argv: string[]): Change => ({
    description,
    apply: async () => {
      await host.runChecked(argv, { what: argv.filter((word) => word !== "--").join(" ") });
    },
  });
  if (wanted.owner !== undefined && ownerDiffers(probe, wanted)) {
    changes.push(change(`owner of ${path}: ${probe.owner} -> ${wanted.owner}`, ["chown", ...noFollow, "--", wanted.owner, path]));
  }
  if (wanted.group !== undefined && groupDiffers(probe, wanted)) {
    changes.push(change(`group of ${path}: ${probe.group} -> ${wanted.group}`, ["chgrp", ...noFollow, "--", wanted.group, path]));
  }
  if (wanted.mode !== undefined && probe.kind !== "link" && wanted.mode !== probe.mode) {
    changes.push(change(`mode of ${path}: ${probe.mode} -> ${wanted.mode}`, ["chmod", "--", wanted.mode, path]));
  }
  return changes;
}
