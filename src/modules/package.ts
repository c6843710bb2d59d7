/**
 * The `package` module, and `apt`, `dnf`, `yum` which are the same module with
 * the manager fixed. They are separate modules rather than aliases because a
 * plan cannot see which name the task used.
 *
 * Proven for real on the test fleet: apt on Debian hosts (local apt
 * repository, test/e2e/modules-system.test.ts), dnf and yum on the centos and
 * amzn hosts (local rpm repository, test/e2e/modules-systemd-rpm.test.ts).
 *
 * update_cache follows Ansible: with cache_valid_time the lists are refreshed
 * when older than that many seconds (apt only), and that refresh is a change;
 * without it, the lists are refreshed right before something is installed or
 * upgraded, so a run where every package is already in place stays "ok"; with
 * no package names, update_cache alone refreshes (and reports changed) every time.
 * So `state: latest` + `update_cache` without cache_valid_time compares against
 * the lists as they are; give cache_valid_time to have them refreshed first.
 */
import * as z from "zod";
import { UserError } from "../errors.js";
import type { CommandResult } from "../connection/types.js";
import type { Facts } from "../facts/types.js";
import { ansibleBool, nameList, nonNegativeInt } from "./system-args.js";
import { apt } from "./package-apt.js";
import { dnf, yum } from "./package-rpm.js";
import type { PackageCommand, PackageManager, PackageManagerName, PackageStatus } from "./package-managers.js";
import { defineModule, ModuleFailure, type Change, type Module, type ModuleContext, type Plan } from "./types.js";
import { commandFailure } from "./host/task-host.js";

const MANAGERS: Record<PackageManagerName, PackageManager> = { apt, dnf, yum };

export interface PackageRequest {
  name: string;
  /** apt pin from "name=version" */
  version?: string | undefined;
}

export interface PackageArgs {
  packages: PackageRequest[];
  state: "present" | "absent" | "latest";
  updateCache: boolean;
  cacheValidTime?: number | undefined;
  use: "auto" | PackageManagerName;
  purge: boolean;
}

/** A name never starting with "-", so no name can pass as an option to apt-get, dnf or yum */
const PACKAGE_NAME = /^[A-Za-z0-9_][^\s]*$/;
const packageNames = nameList.refine((names) => names.every((name) => PACKAGE_NAME.test(name)), {
  message: "package names start with a letter, digit or _ and contain no spaces",
});

const STATE_SYNONYMS = { present: "present", installed: "present", absent: "absent", removed: "absent", latest: "latest" } as const;

export const packageArgs = z
  .strictObject({
    name: packageNames.optional(),
    pkg: packageNames.optional(),
    state: z.enum(["present", "installed", "absent", "removed", "latest"]).default("present"),
    update_cache: ansibleBool.optional(),
    cache_valid_time: nonNegativeInt.optional(),
    use: z.enum(["auto", "apt", "dnf", "yum"]).default("auto"),
    purge: ansibleBool.default(false),
  })
  .refine((args) => (args.name?.length ?? 0) + (args.pkg?.length ?? 0) > 0 || args.update_cache === true || args.cache_valid_time !== undefined, {
    message: "name is required (a package name or a list of them), unless the task only sets update_cache",
  })
  .transform(
    (args): PackageArgs => ({
      packages: [...(args.name ?? []), ...(args.pkg ?? [])].map(parsePackageSpec),
      state: STATE_SYNONYMS[args.state],
      // as in Ansible since 2.4, setting cache_valid_time implies update_cache
      updateCache: args.update_cache ?? args.cache_valid_time !== undefined,
      cacheValidTime: args.cache_valid_time,
      use: args.use,
      purge: args.purge,
    }),
  );

/** "hello=2.10-3" pins a version (apt syntax); "hello" takes whatever the manager picks */
export function parsePackageSpec(spec: string): PackageRequest {
  const at = spec.indexOf("=");
  if (at <= 0) return { name: spec };
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}

function formatSpec(request: PackageRequest): string {
  return request.version === undefined ? request.name : `${request.name}=${request.version}`;
}

function chooseManager(facts: Facts, use: PackageArgs["use"], host: string): PackageManager {
  const name = use === "auto" ? facts.pkg_mgr : use;
  if (name === "unknown") {
    throw new ModuleFailure(
      `no supported package manager found on ${host} (os_family ${facts.os_family}, distribution ${facts.distribution}): tsible knows apt, dnf and yum; set use: to pick one`,
    );
  }
  return MANAGERS[name];
}

/** EPEL carries mosquitto for the RedHat family; say so where the failure happens */
export function notFoundMessage(spec: string, facts: Pick<Facts, "os_family" | "distribution">): string {
  let message = `No package matching '${spec}' is available`;
  if (facts.os_family === "RedHat" && spec.startsWith("mosquitto")) {
    message +=
      facts.distribution === "amzn"
        ? ". mosquitto is not in Amazon Linux's base repositories: enable EPEL first (Amazon Linux 2: `amazon-linux-extras install epel`)"
        : ". mosquitto is in EPEL, not in the base repositories: install the epel-release package first";
  }
  return message;
}

interface PackageWork {
  install: { spec: string; label: string }[];
  upgrade: { name: string; from: string; to: string }[];
  remove: string[];
  purge: string[];
  /** requested packages the repositories do not offer (now) */
  unavailable: string[];
}

/** Compare what is asked with what the probe found; pure, so unit-tested without a host */
export function decidePackageWork(args: Pick<PackageArgs, "packages" | "state" | "purge">, statuses: Map<string, PackageStatus>): PackageWork {
  const work: PackageWork = { install: [], upgrade: [], remove: [], purge: [], unavailable: [] };
  for (const request of args.packages) {
    const status = statuses.get(request.name) ?? { name: request.name, versions: [] };
    if (args.state === "absent") {
      if (status.installed !== undefined) (args.purge ? work.purge : work.remove).push(request.name);
      else if (args.purge && status.configFilesOnly) work.purge.push(request.name);
      continue;
    }
    if (request.version !== undefined) {
      if (status.installed === request.version) continue;
      if (status.versions.includes(request.version)) work.install.push({ spec: formatSpec(request), label: `${request.name} ${request.version}` });
      else work.unavailable.push(formatSpec(request));
      continue;
    }
    if (status.installed === undefined) {
      if (status.candidate === undefined) work.unavailable.push(request.name);
      else work.install.push({ spec: request.name, label: `${request.name} ${status.candidate}` });
      continue;
    }
    if (args.state === "latest" && status.candidate !== undefined && status.candidate !== status.installed) {
      work.upgrade.push({ name: request.name, from: status.installed, to: status.candidate });
    }
  }
  return work;
}

/** Decide whether to refresh the package lists (see the note at the top of this file) */
export function shouldRefreshCache(options: {
  updateCache: boolean;
  cacheValidTime: number | undefined;
  cacheAgeSeconds: number | undefined;
  hasPackages: boolean;
  packageWork: boolean;
}): boolean {
  if (!options.updateCache) return false;
  if (options.cacheValidTime !== undefined && options.cacheAgeSeconds !== undefined) {
    return options.cacheAgeSeconds > options.cacheValidTime;
  }
  return !options.hasPackages || options.packageWork;
}

async function planPackages(ctx: ModuleContext, args: PackageArgs, fixed: PackageManagerName | undefined): Promise<Plan> {
  const facts = await ctx.facts();
  const manager = fixed ? MANAGERS[fixed] : chooseManager(facts, args.use, ctx.host.name);
  const pinned = args.packages.find((request) => request.version !== undefined);
  if (pinned && manager.name !== "apt") {
    throw new UserError(`'${formatSpec(pinned)}': name=version pins are apt syntax`, {
      hint: `for ${manager.name}, write the version into the name: ${pinned.name}-${pinned.version ?? ""}`,
    });
  }
  if (pinned && args.state === "latest") {
    throw new UserError(`'${formatSpec(pinned)}': a pinned version and state latest contradict each other`, {
      hint: "use state: present with a pin, or drop the version",
    });
  }

  const run = (command: PackageCommand): Promise<CommandResult> => ctx.host.run(command.argv, { env: command.env });
  const runOrFail = async (command: PackageCommand, hint = ""): Promise<Record<string, unknown>> => {
    const result = await run(command);
    if (result.exitCode !== 0) throw commandFailure(`'${command.argv.join(" ")}'`, result, { hint: hint.trim() || undefined, data: { cmd: command.argv } });
    return { rc: result.exitCode, stdout: result.stdout, stderr: result.stderr, stdout_lines: lines(result.stdout), stderr_lines: lines(result.stderr) };
  };

  const names = args.packages.map((request) => request.name);
  const probe = await manager.probe(run, {
    names,
    state: args.state,
    pinned: args.packages.some((request) => request.version !== undefined),
    wantCacheAge: args.updateCache && args.cacheValidTime !== undefined && manager.name === "apt",
  });
  const work = decidePackageWork(args, probe.packages);
  const refresh = shouldRefreshCache({
    updateCache: args.updateCache,
    cacheValidTime: manager.name === "apt" ? args.cacheValidTime : undefined,
    cacheAgeSeconds: probe.cacheAgeSeconds,
    hasPackages: names.length > 0,
    packageWork: work.install.length + work.upgrade.length + work.unavailable.length > 0,
  });
  // a refresh may bring a package the current lists lack: then apt/dnf itself decides, at apply time
  const firstUnavailable = work.unavailable[0];
  if (firstUnavailable !== undefined && !refresh) {
    throw new ModuleFailure(notFoundMessage(firstUnavailable, facts), { packages_unavailable: work.unavailable });
  }
  const hint = facts.os_family === "RedHat" && names.some((name) => name.startsWith("mosquitto")) ? `\n${notFoundMessage("mosquitto", facts)} (if that is what failed)` : "";

  const changes: Change[] = [];
  if (refresh) {
    changes.push({
      description: "update package cache",
      apply: async () => {
        for (const command of manager.updateCache()) await runOrFail(command);
        return { cache_updated: true };
      },
    });
  }
  const install = [...work.install.map((item) => item.spec), ...work.unavailable];
  if (install.length > 0) {
    const labels = [...work.install.map((item) => item.label), ...work.unavailable];
    changes.push({ description: `install ${labels.join(", ")}`, apply: () => runOrFail(manager.install(install), hint) });
  }
  if (work.upgrade.length > 0) {
    const labels = work.upgrade.map((item) => `${item.name} ${item.from} -> ${item.to}`);
    changes.push({ description: `upgrade ${labels.join(", ")}`, apply: () => runOrFail(manager.upgrade(work.upgrade.map((item) => item.name))) });
  }
  if (work.remove.length > 0) {
    changes.push({ description: `remove ${work.remove.join(", ")}`, apply: () => runOrFail(manager.remove(work.remove, false)) });
  }
  if (work.purge.length > 0) {
    changes.push({ description: `purge ${work.purge.join(", ")}`, apply: () => runOrFail(manager.remove(work.purge, true)) });
  }
  // apt registers whether it refreshed its lists (the refresh's change sets it true)
  return { changes, result: { package_manager: manager.name, ...(manager.name === "apt" ? { cache_updated: false } : {}) } };
}

/** Ansible's stdout_lines: the output split at line ends, none for no output */
function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\r?\n$/, "").split(/\r?\n/);
}

function makePackageModule(name: string, fixed?: PackageManagerName): Module<PackageArgs> {
  return defineModule({
    name,
    args: packageArgs,
    plan: (ctx, args) => planPackages(ctx, args, fixed),
  });
}

export const packageModule = makePackageModule("package");
export const aptModule = makePackageModule("apt", "apt");
export const dnfModule = makePackageModule("dnf", "dnf");
export const yumModule = makePackageModule("yum", "yum");
