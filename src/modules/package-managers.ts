/**
 * What the `package` module needs from a package manager: one read-only probe
 * and the command lines that install, upgrade, remove and refresh. apt lives in
 * package-apt.ts, dnf and yum in package-rpm.ts.
 */
import type { CommandResult } from "../connection/types.js";

export type PackageManagerName = "apt" | "dnf" | "yum";

/** A command to run for a change; env is passed as `env K=V` by the connection */
export interface PackageCommand {
  argv: string[];
  env?: Record<string, string> | undefined;
}

/** Runs one command on the host (with the task's become settings) */
export type RunCommand = (command: PackageCommand) => Promise<CommandResult>;

export interface PackageStatus {
  name: string;
  /** the installed version; undefined when not installed */
  installed?: string | undefined;
  /**
   * The version the manager would install now: apt's candidate, or the newest
   * version dnf/yum list as available (which, for an installed package, is
   * only ever newer). Undefined when the repositories offer nothing.
   */
  candidate?: string | undefined;
  /** every version the repositories offer (apt only; used to check `name=version` pins) */
  versions: string[];
  /** apt: removed, but its configuration files are still there (purge has work to do) */
  configFilesOnly?: boolean | undefined;
}

export interface ProbeRequest {
  names: string[];
  /** "latest" needs candidates for installed packages too; "present" only for missing ones */
  state: "present" | "absent" | "latest";
  /** apt: also read the age of the package lists */
  wantCacheAge: boolean;
  /** some name asks for a version (`name=1.2`): its offered versions are needed even when installed */
  pinned?: boolean | undefined;
}

export interface ProbeResult {
  packages: Map<string, PackageStatus>;
  /** seconds since the package lists were last refreshed (apt only, when asked) */
  cacheAgeSeconds?: number | undefined;
}

export interface PackageManager {
  readonly name: PackageManagerName;
  probe(run: RunCommand, request: ProbeRequest): Promise<ProbeResult>;
  /** "name=version" for apt; other managers refuse pins (checked by the module) */
  install(specs: readonly string[]): PackageCommand;
  upgrade(names: readonly string[]): PackageCommand;
  remove(names: readonly string[], purge: boolean): PackageCommand;
  /** refresh the package lists; several commands run one after another */
  updateCache(): PackageCommand[];
}

/** Split a probe's output into the sections its script marks with "@@name" lines; a section marked again goes on */
export function splitSections(stdout: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stdout.split("\n")) {
    const marker = /^@@(\S+)$/.exec(line);
    if (marker?.[1] !== undefined) {
      current = sections.get(marker[1]) ?? [];
      sections.set(marker[1], current);
    } else if (current) {
      current.push(line);
    }
  }
  return sections;
}
