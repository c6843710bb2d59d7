/**
 * Runs a loaded playbook against the inventory: one HostState per host for the
 * whole run (one connection, facts gathered once), plays one after another,
 * and the exit code ansible-playbook would give.
 */
import { UserError } from "../errors.js";
import type { Play, Playbook, TaskItem } from "../playbook/types.js";
import { loadYamlFile } from "../playbook/yaml-source.js";
import type { Vars } from "../vars/vars.js";
import { renderString } from "../vars/template.js";
import path from "node:path";
import { readFile } from "node:fs/promises";
import { isVaulted } from "../vault/envelope.js";
import type { HostState } from "./host-state.js";
import { HostPool } from "./host-pool.js";
import type { ExecutorOptions } from "./options.js";
import { PlayRunner } from "./play-runner.js";
import { ExitCode, type HostStats } from "./results.js";

export interface RunOutcome {
  exitCode: number;
  stats: Record<string, HostStats>;
}

/**
 * `hosts` may come in with logins already under way (runPlaybookFile starts them while the
 * playbook loads); the run closes them all, whatever happens
 */
export async function runPlaybook(playbook: Playbook, options: ExecutorOptions, hosts = new HostPool(options)): Promise<RunOutcome> {
  try {
    await runPlays(playbook, options, hosts);
  } finally {
    await hosts.close();
  }
  const states = [...hosts.known().values()];
  const stats = Object.fromEntries(states.map((state) => [state.name, state.stats]));
  options.reporter.end(stats);
  return { exitCode: exitCodeOf(states), stats };
}

async function runPlays(playbook: Playbook, options: ExecutorOptions, pool: HostPool): Promise<void> {
  for (const play of playbook.plays) checkHandlersExist(play);
  const { inventory, masker } = options;
  masker.addFromVars(inventory.allHostVars());
  masker.addFromVars(options.extraVars);
  for (const play of playbook.plays) masker.addFromVars(play.vars);

  const hostvars = buildHostvars(options, pool);
  const limited = options.limit ? new Set(inventory.selectHosts(options.limit)) : undefined;
  if (limited && limited.size === 0) options.reporter.warn(`no hosts matched the limit '${options.limit}'`);

  for (const play of playbook.plays) {
    const names = inventory.selectHosts(play.hosts).filter((name) => !limited || limited.has(name));
    const hosts = names.map((name) => pool.get(name)).filter((host) => !host.failed && !host.unreachable);
    if (hosts.length === 0) {
      options.reporter.warn(`play "${play.name}": no hosts matched '${play.hosts}'${options.limit ? ` with limit '${options.limit}'` : ""}`);
      continue;
    }
    for (const host of hosts) {
      host.endedPlay = false;
      host.remoteUser = play.remoteUser;
    }
    const varsFiles = await loadVarsFiles(play, hosts, options);
    await new PlayRunner(play, hosts, options, varsFiles, hostvars).run();
  }
}

/** `hostvars[name]` gives that host's inventory vars, facts and set_facts as they are when read */
function buildHostvars(options: ExecutorOptions, pool: HostPool): Record<string, unknown> {
  const hostvars: Record<string, unknown> = {};
  for (const host of options.inventory.hosts()) {
    Object.defineProperty(hostvars, host.name, {
      enumerable: true,
      get: () => {
        const state = pool.known().get(host.name);
        return { ...options.inventory.hostVars(host.name), ...state?.factVars, ...state?.hostFacts };
      },
    });
  }
  return hostvars;
}

/**
 * The vars_files whose names are plain and that are vault-encrypted, opened now: a wrong vault
 * password then fails the run before any play starts (templated names are opened per play).
 */
export async function openVaultedVarsFiles(playbook: Playbook): Promise<void> {
  for (const play of playbook.plays) {
    for (const entry of play.varsFiles.filter((name) => !name.includes("{{"))) {
      const file = path.resolve(play.dir, entry);
      const head = await readFile(file, { encoding: "latin1" }).catch(() => "");
      if (isVaulted(head)) await loadYamlFile(file);
    }
  }
}

/** vars_files names may use inventory variables, so they are resolved per host */
async function loadVarsFiles(play: Play, hosts: HostState[], options: ExecutorOptions): Promise<Map<string, Vars>> {
  const byHost = new Map<string, Vars>();
  const cache = new Map<string, Vars>();
  for (const host of hosts) {
    const vars: Vars = {};
    for (const entry of play.varsFiles) {
      const base = { ...options.inventory.hostVars(host.name), ...play.vars, ...options.extraVars };
      const name = String(renderString(entry, base, { file: play.location.file, line: play.location.line }));
      const file = path.resolve(play.dir, name);
      let loaded = cache.get(file);
      if (!loaded) {
        const raw = await loadYamlFile(file);
        if (raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
          throw new UserError(`vars file must be a mapping of variables`, { location: { file, line: 1 } });
        }
        loaded = (raw ?? {}) as Vars;
        options.masker.addFromVars(loaded);
        cache.set(file, loaded);
      }
      Object.assign(vars, loaded);
    }
    byHost.set(host.name, vars);
  }
  return byHost;
}

/** A notify naming no handler is a mistake best caught before anything runs */
function checkHandlersExist(play: Play): void {
  const handlers = [...play.roles.flatMap((role) => role.handlers), ...play.handlers];
  const known = new Set(handlers.flatMap((handler) => [handler.name, ...handler.listen]).filter(Boolean));
  const visit = (items: readonly TaskItem[]): void => {
    for (const item of items) {
      if (item.kind === "task") {
        for (const name of item.notify) {
          if (!name.includes("{{") && !known.has(name)) {
            throw new UserError(`task notifies handler '${name}', which is not defined`, {
              location: item.location,
              hint: known.size > 0 ? `handlers of this play: ${[...known].join(", ")}` : "add it under 'handlers:' of the play or the role's handlers/main.yml",
            });
          }
        }
      } else if (item.kind === "block") {
        visit(item.block);
        visit(item.rescue);
        visit(item.always);
      }
    }
  };
  visit([...play.preTasks, ...play.roles.flatMap((role) => role.tasks), ...play.tasks, ...play.postTasks, ...handlers]);
}

function exitCodeOf(hosts: HostState[]): number {
  if (hosts.some((host) => host.failed)) return ExitCode.hostFailed;
  if (hosts.some((host) => host.unreachable)) return ExitCode.hostUnreachable;
  return ExitCode.ok;
}
