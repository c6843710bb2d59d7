/** Loads the inventory and a playbook from files, then runs it: what `tsible play` and `smcrelease` call */
import path from "node:path";
import { loadInventory } from "../inventory/index.js";
import { findModule, moduleNames } from "../module-registry.js";
import { createIncludeLoader, loadPlaybook, type LoadOptions, type PlayDefaults } from "../playbook/load.js";
import type { Playbook } from "../playbook/types.js";
import { HostPool } from "./host-pool.js";
import type { SecretMasker } from "../secrets.js";
import type { Vars } from "../vars/vars.js";
import type { ExecutorOptions } from "./options.js";
import type { Reporter } from "./reporter.js";
import { openVaultedVarsFiles, runPlaybook, type RunOutcome } from "./run-playbook.js";

export interface PlayRequest {
  playbook: string;
  inventories: string[];
  limit?: string | undefined;
  tags?: string[];
  skipTags?: string[];
  extraVars?: Vars;
  forks?: number;
  check?: boolean;
  diff?: boolean;
  verbosity?: number;
  rolesPath?: string[];
  reporter: Reporter;
  masker: SecretMasker;
  connection?: ExecutorOptions["connection"];
  /** ansible.cfg's defaults for plays that do not set remote_user, become or become_user */
  playDefaults?: PlayDefaults | undefined;
}

export function playbookLoadOptions(rolesPath: string[] = [], playDefaults?: PlayDefaults): LoadOptions {
  return { rolesPath, lookupModule: findModule, moduleNames, playDefaults };
}

export async function runPlaybookFile(request: PlayRequest): Promise<RunOutcome> {
  const inventory = await loadInventory(request.inventories, { playbookDir: path.dirname(path.resolve(request.playbook)) });
  const options: Omit<ExecutorOptions, "loadInclude"> = {
    inventory,
    limit: request.limit,
    tags: request.tags ?? [],
    skipTags: request.skipTags ?? [],
    extraVars: request.extraVars ?? {},
    forks: request.forks ?? 5,
    check: request.check ?? false,
    diff: request.diff ?? false,
    verbosity: request.verbosity ?? 0,
    reporter: request.reporter,
    masker: request.masker,
    connection: request.connection,
  };
  const hosts = new HostPool(options);
  const loadOptions = playbookLoadOptions(request.rolesPath, request.playDefaults);
  let playbook: Playbook;
  try {
    playbook = await loadPlaybook(request.playbook, { ...loadOptions, onFirstPlay: (play) => hosts.logInEarly(play) });
    await openVaultedVarsFiles(playbook);
  } catch (error) {
    await hosts.close();
    throw error;
  }
  return runPlaybook(playbook, { ...options, loadInclude: createIncludeLoader(playbook.dir, loadOptions) }, hosts);
}

export type { RunOutcome } from "./run-playbook.js";
export { openVaultedVarsFiles } from "./run-playbook.js";
export type { Reporter } from "./reporter.js";
export { EXIT_CODE_BY_ERROR_KIND, ExitCode } from "./results.js";
