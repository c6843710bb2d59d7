/**
 * One release, the way the team runs it every week:
 *   lock the infra (here, then on every host) -> dry run with diffs -> ask ->
 *   apply -> record the release on each host that succeeded and in the local log
 *   -> unlock (on every exit path, Ctrl-C included).
 * `--check` stops after the dry run and takes no lock: it writes nothing anywhere.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { openVaultedVarsFiles, playbookLoadOptions, runPlaybookFile } from "../executor/index.js";
import type { HostStats } from "../executor/results.js";
import { loadInventory, type Inventory } from "../inventory/index.js";
import { HumanReporter } from "../output/human.js";
import { loadPlaybook } from "../playbook/load.js";
import { activeVaultKeyring } from "../vault/keyring.js";
import { SecretMasker } from "../secrets.js";
import { checkBrokerHosts } from "./broker-hosts.js";
import { acquireControllerLock, controllerLockFile } from "./controller-lock.js";
import { DryRunReporter, hostsWithChanges } from "./dry-run-reporter.js";
import { ReleaseError, ReleaseExit } from "./exit-codes.js";
import { currentHolder, describeHolder, parseHolder, type LockHolder } from "./holder.js";
import { acquireHostLock, readHostLock, releaseHostLock } from "./host-lock.js";
import { writeHostRecord } from "./host-record.js";
import { checkAwsInventory, registerInAws, type AwsRegistration } from "./register-aws.js";
import type { HostTarget } from "./host-target.js";
import { closeHosts, openHosts, type OpenedHost } from "./hosts.js";
import { InterruptGuard } from "./interrupt.js";
import { appendLocalLog, defaultStateDir, type LocalLogLine } from "./local-log.js";
import { locateInfra, locatePlaybook } from "./locate.js";
import type { ReleaseIo, ReleaseRequest } from "./options.js";
import { hostRecord, releaseBase, type HostResult } from "./record.js";
import { releaseHosts } from "./select-hosts.js";
import { checkVersion } from "./version.js";

interface Prepared {
  /** broker names that do not follow the team's convention */
  warnings: string[];
  version: string;
  inventoryDir: string;
  playbookFile: string;
  playbookName: string;
  inventory: Inventory;
  hosts: string[];
  masker: SecretMasker;
  stateDir: string;
}

export async function runRelease(request: ReleaseRequest, io: ReleaseIo): Promise<number> {
  const prepared = await prepare(request);
  const { version, playbookName, hosts } = prepared;
  const what = `release ${version} of ${playbookName} to ${plural(hosts.length, "host")} of infra ${request.infra}`;
  io.out(`smcrelease: ${what}${request.check ? " (dry run only)" : ""}: ${hosts.join(", ")}\n`);
  for (const warning of prepared.warnings) io.err(`[WARNING]: ${warning}\n`);

  if (request.registerAws) checkAwsInventory(request.inventoriesDir);
  if (request.check) {
    await warnAboutRunningRelease(request, prepared, io);
    io.out(`\nDRY RUN (nothing is changed)\n`);
    const dryRun = await dryRunOf(request, prepared, io);
    if (dryRun.exitCode !== ReleaseExit.ok) io.err(`\nthe dry run failed: see above\n`);
    else if (request.registerAws) await registerInAws(awsRegistration(request, prepared, prepared.hosts, true), io);
    return dryRun.exitCode;
  }

  const guard = new InterruptGuard((text) => io.err(text));
  const holder = currentHolder(request.infra, version);
  let opened: OpenedHost[] = [];
  try {
    const acquiring = acquireControllerLock(prepared.stateDir, holder, {
      waitMs: request.waitMs,
      lockTimeoutMs: request.lockTimeoutMs,
      warn: (message) => io.err(`[WARNING]: ${message}\n`),
    });
    // registered before the lock is ours: an interrupt while it is being taken gives it back too
    guard.add(async () => (await acquiring.catch(() => undefined))?.release());
    await acquiring;

    opened = await openHosts(hosts, { inventory: prepared.inventory, extraVars: request.extraVars, masker: prepared.masker, connection: request.connection });
    guard.add(() => closeHosts(opened));
    const unreachable = opened.filter((host) => host.error);
    if (unreachable.length > 0) {
      for (const host of unreachable) io.err(prepared.masker.mask(`${host.name}: UNREACHABLE: ${host.error?.message ?? ""}\n`));
      io.err(`nothing was changed: every host of a release must be reachable (leave a host out with -l '!name')\n`);
      return ReleaseExit.hostUnreachable;
    }
    const targets = new Map(opened.flatMap((host) => (host.target ? [[host.name, host.target] as const] : [])));
    await lockHosts([...targets.values()], holder, request, io, guard);

    io.out(`\nDRY RUN (nothing is changed yet)\n`);
    const dryRun = await dryRunOf(request, prepared, io);
    if (dryRun.exitCode !== ReleaseExit.ok) {
      io.err(`\nthe dry run failed: nothing was changed\n`);
      return dryRun.exitCode;
    }
    const changing = hostsWithChanges(dryRun.reporter.summary ?? { hosts: new Map(), stats: {} });
    if (changing.length === 0) {
      io.out(`\nNothing to change: the hosts already match this release. Applying it still verifies the brokers and records ${version} on each host.\n`);
    }

    if (!(await confirmed(request, io, what))) return ReleaseExit.refused;

    io.out(`\nAPPLYING ${what}\n`);
    const run = await runPlaybookFile({
      ...playRequest(request, prepared),
      check: false,
      diff: false,
      reporter: new HumanReporter({ write: io.out, masker: prepared.masker, color: io.color, diff: false, check: false, verbosity: request.verbosity }),
    });
    const exitCode = await record(request, prepared, targets, run.stats, run.exitCode, io);
    if (request.registerAws) {
      const succeeded = prepared.hosts.filter((name) => hostResult(run.stats[name]) === "ok");
      await registerInAws(awsRegistration(request, prepared, succeeded, false), io);
    }
    return exitCode;
  } finally {
    await guard.runAll();
    guard.dispose();
  }
}

async function prepare(request: ReleaseRequest): Promise<Prepared> {
  const version = checkVersion(request.version);
  const inventoryDir = await locateInfra(request.inventoriesDir, request.infra);
  const playbookFile = await locatePlaybook(request.playbooksDir, request.playbook);
  const masker = new SecretMasker();
  activeVaultKeyring().maskIn(masker);
  const inventory = await loadInventory([inventoryDir], { playbookDir: path.dirname(playbookFile) });
  masker.addFromVars(inventory.allHostVars());
  masker.addFromVars(request.extraVars);
  const playbook = await loadPlaybook(playbookFile, playbookLoadOptions());
  await openVaultedVarsFiles(playbook);
  for (const play of playbook.plays) masker.addFromVars(play.vars);
  const hosts = releaseHosts(playbook, inventory, request.limit);
  const warnings = checkBrokerHosts(inventory, hosts, request.infra, request.extraVars);
  return {
    warnings,
    version,
    inventoryDir,
    playbookFile,
    playbookName: path.basename(playbookFile),
    inventory,
    hosts,
    masker,
    stateDir: request.stateDir ?? defaultStateDir(request.inventoriesDir),
  };
}

function playRequest(request: ReleaseRequest, prepared: Prepared) {
  return {
    playbook: prepared.playbookFile,
    inventories: [prepared.inventoryDir],
    limit: request.limit,
    extraVars: request.extraVars,
    forks: request.forks,
    verbosity: request.verbosity,
    masker: prepared.masker,
    connection: { hostKeyPolicy: request.connection.hostKeyPolicy, knownHostsFile: request.connection.knownHostsFile },
  };
}

async function dryRunOf(request: ReleaseRequest, prepared: Prepared, io: ReleaseIo): Promise<{ exitCode: number; reporter: DryRunReporter }> {
  const reporter = new DryRunReporter({ write: io.out, masker: prepared.masker, color: io.color });
  const outcome = await runPlaybookFile({ ...playRequest(request, prepared), verbosity: 0, check: true, diff: true, reporter });
  return { exitCode: outcome.exitCode, reporter };
}

/** Every host's lock, or none: a refusal on one host gives back the locks taken on the others */
async function lockHosts(targets: HostTarget[], holder: LockHolder, request: ReleaseRequest, io: ReleaseIo, guard: InterruptGuard): Promise<void> {
  const attempts = new Map<HostTarget, Promise<void>>();
  const stop = new AbortController();
  // An interrupt can land while a lock is being taken, the host creating it after a release made
  // only of the locks known so far: stop new attempts, let the running ones end, then give back
  // every lock that may be ours (the release script removes only a lock that holds our holder).
  guard.add(async () => {
    stop.abort();
    // a host that stopped answering does not hold the exit up for long
    await Promise.race([Promise.allSettled(attempts.values()), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    await Promise.all([...attempts.keys()].map((target) => releaseHostLock(target, holder)));
  });
  const options = { waitMs: request.waitMs, lockTimeoutMs: request.lockTimeoutMs, signal: stop.signal, warn: (message: string) => io.err(`[WARNING]: ${message}\n`) };
  for (const target of targets) attempts.set(target, acquireHostLock(target, holder, options));
  const results = await Promise.allSettled(attempts.values());
  const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
  // a lock held by someone else says more than a host that broke off meanwhile
  const refusal = failures.find((error) => error instanceof ReleaseError) ?? failures[0];
  if (refusal === undefined) return;
  if (refusal instanceof ReleaseError) throw refusal;
  throw new ReleaseError(`cannot lock the hosts: ${refusal instanceof Error ? refusal.message : String(refusal)}`, ReleaseExit.hostUnreachable, {
    hint: "nothing was changed; check that every host is reachable",
  });
}

async function confirmed(request: ReleaseRequest, io: ReleaseIo, what: string): Promise<boolean> {
  if (request.yes) return true;
  if (!io.interactive) {
    io.err(`\nrefusing to apply without confirmation: no terminal to ask on. Nothing was changed; pass --yes to apply ${what}.\n`);
    return false;
  }
  const answer = (await io.ask(`\nApply ${what}? [y/N] `)).trim().toLowerCase();
  if (answer === "y" || answer === "yes") return true;
  io.err(`not applied: nothing was changed\n`);
  return false;
}

function hostResult(stats: HostStats | undefined): HostResult {
  if (!stats) return "unreachable";
  if (stats.failures > 0) return "failed";
  if (stats.unreachable > 0) return "unreachable";
  return "ok";
}

function awsRegistration(request: ReleaseRequest, prepared: Prepared, hosts: readonly string[], dryRun: boolean): AwsRegistration {
  return {
    inventoriesDir: request.inventoriesDir,
    infra: request.infra,
    group: request.registerAws?.group ?? "mqtt",
    hosts,
    inventory: prepared.inventory,
    masker: prepared.masker,
    dryRun,
  };
}

/** The release is recorded on each host that succeeded, then in the local log with every host's outcome */
async function record(
  request: ReleaseRequest,
  prepared: Prepared,
  targets: Map<string, HostTarget>,
  stats: Record<string, HostStats>,
  runExitCode: number,
  io: ReleaseIo,
): Promise<number> {
  const base = await releaseBase({ infra: request.infra, version: prepared.version, playbook: prepared.playbookName, inventoryDir: prepared.inventoryDir });
  let exitCode = runExitCode;
  const outcomes = await Promise.all(
    prepared.hosts.map(async (name) => {
      const result = hostResult(stats[name]);
      const changed = stats[name]?.changed ?? 0;
      const target = targets.get(name);
      let recorded = false;
      if (result === "ok" && target) {
        try {
          await writeHostRecord(target, hostRecord(base, name, changed));
          recorded = true;
        } catch (error) {
          io.err(prepared.masker.mask(`${name}: applied, but the release could not be recorded: ${error instanceof Error ? error.message : String(error)}\n`));
          exitCode = exitCode === ReleaseExit.ok ? ReleaseExit.hostFailed : exitCode;
        }
      }
      return [name, { result, changed, recorded }] as const;
    }),
  );
  // in inventory order, whatever order the hosts answered in
  const hosts: LocalLogLine["hosts"] = Object.fromEntries(outcomes);
  const results = Object.values(hosts).map((host) => host.result);
  const overall: HostResult = results.includes("failed") ? "failed" : results.includes("unreachable") ? "unreachable" : "ok";
  await appendLocalLog(prepared.stateDir, { ...base, result: overall, exitCode, hosts });
  const recordedOn = Object.entries(hosts).filter(([, host]) => host.recorded).map(([name]) => name);
  io.out(`\nrelease ${prepared.version} recorded on ${recordedOn.length > 0 ? recordedOn.join(", ") : "no host"}\n`);
  const notRecorded = Object.entries(hosts).filter(([, host]) => !host.recorded);
  for (const [name, host] of notRecorded) io.err(`${name}: ${host.result === "ok" ? "not recorded" : host.result}: ${name} is not at release ${prepared.version}\n`);
  return exitCode;
}

/** A dry run during someone's release shows a half-applied state: say so */
async function warnAboutRunningRelease(request: ReleaseRequest, prepared: Prepared, io: ReleaseIo): Promise<void> {
  const file = controllerLockFile(prepared.stateDir, request.infra);
  const text = await readFile(file, "utf8").catch(() => undefined);
  const holder = text === undefined ? undefined : parseHolder(text);
  if (holder) io.err(`[WARNING]: a release of ${request.infra} is in progress by ${describeHolder(holder)}: this dry run may show its half-applied state\n`);
  const opened = await openHosts(prepared.hosts, { inventory: prepared.inventory, extraVars: request.extraVars, masker: prepared.masker, connection: request.connection });
  try {
    await Promise.all(
      opened.map(async (host) => {
        if (!host.target) return;
        const lock = await readHostLock(host.target).catch(() => undefined);
        if (lock) io.err(`[WARNING]: ${host.name} is being released by ${lock === "unreadable" ? "an unknown holder" : describeHolder(lock)}\n`);
      }),
    );
  } finally {
    await closeHosts(opened);
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
