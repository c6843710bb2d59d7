/**
 * A real ModuleContext for module tests, and `runModule`, which runs a module
 * the way the executor does: parse the arguments with the module's schema,
 * plan, then apply every change unless in check mode. Also the hosts the
 * module e2e tests run against (`ModuleTestHost`): each gives a connection for
 * the modules and, separately, a way to look at the host out-of-band, so a
 * test checks what really happened, not what the connection under test says.
 */
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { openConnection } from "../../src/connection/open.js";
import { quoteArgv } from "../../src/connection/quote.js";
import type { BecomeOptions, Connection } from "../../src/connection/types.js";
import { UserError } from "../../src/errors.js";
import { gatherFacts } from "../../src/facts/gather.js";
import type { Facts } from "../../src/facts/types.js";
import { ModuleFailure, type Change, type Module, type ModuleContext } from "../../src/modules/types.js";
import { bindTaskHost } from "../../src/modules/host/task-host.js";
import { renderText } from "../../src/vars/template.js";
import { expect } from "vitest";
import type { Fleet, FleetHost } from "../fleet/fleet.js";
import { useFleet } from "../fleet/use-fleet.js";

type EvaluateConditions = (conditions: readonly string[], vars: Record<string, unknown>, source: { file: string }) => boolean;

// conditions.ts is written by another engineer; modules under test here do not evaluate conditions
const conditions: { evaluateConditions?: EvaluateConditions } = await import("../../src/vars/conditions.js").catch(() => ({}));

export interface ModuleContextOptions {
  conn: Connection;
  check?: boolean;
  become?: BecomeOptions;
  vars?: Record<string, unknown>;
  templatesDir?: string;
  filesDir?: string;
  /** receives ctx.log lines */
  log?: (line: string) => void;
}

export function makeModuleContext(options: ModuleContextOptions): ModuleContext {
  let facts: Promise<Facts> | undefined;
  const vars = options.vars ?? {};
  const dirs = { templates: options.templatesDir, files: options.filesDir };
  return {
    host: bindTaskHost(options.conn.hostName, options.conn, options.become),
    facts: () => (facts ??= gatherFacts(options.conn)),
    check: options.check ?? false,
    vars,
    renderTemplate: (text, sourceName, textOptions) => renderText(text, vars, { file: sourceName }, textOptions),
    evaluate: (condition) => {
      if (!conditions.evaluateConditions) throw new Error("src/vars/conditions.ts is not available yet");
      return conditions.evaluateConditions([condition], vars, { file: "test" });
    },
    findLocalFile: async (kind, name) => {
      const dir = dirs[kind];
      const candidate = name.startsWith("/") ? name : dir === undefined ? undefined : join(dir, name);
      if (candidate !== undefined) {
        try {
          await access(candidate);
          return candidate;
        } catch {
          // reported below
        }
      }
      throw new UserError(`could not find ${kind} file "${name}"`, { hint: `searched ${dir ?? "no directory"}` });
    },
    log: options.log ?? (() => {}),
  };
}

export interface ModuleRun {
  changed: boolean;
  /** plan.result merged with what each applied change returned */
  result: Record<string, unknown>;
  changes: Change[];
  /** set when the module cannot predict its effect (command, shell) */
  unpredictable?: string | undefined;
}

export async function runModule<Args>(module: Module<Args>, ctx: ModuleContext, rawArgs: unknown): Promise<ModuleRun> {
  const args = module.args.parse(rawArgs);
  const plan = await module.plan(ctx, args);
  const result: Record<string, unknown> = { ...(plan.result ?? {}) };
  if (!ctx.check) {
    for (const change of plan.changes) Object.assign(result, (await change.apply()) ?? {});
  }
  return { changed: plan.changes.length > 0, result, changes: plan.changes, unpredictable: plan.unpredictable };
}

/** A context with check mode switched on or off, same everything else */
export function withCheck(ctx: ModuleContext, check: boolean): ModuleContext {
  return { ...ctx, check };
}

// ---------------------------------------------------------------- hosts for module e2e tests

export interface ModuleTestHost {
  /** "local" or the fleet host's name */
  name: string;
  conn: Connection;
  become?: BecomeOptions | undefined;
  /** an empty directory on the host for this test file */
  dir: string;
  /** run a script on the host as root, out-of-band; rejects on a non-zero exit */
  sh(script: string, ...args: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function localTestHost(): Promise<ModuleTestHost> {
  const dir = await mkdtemp(join(tmpdir(), "tsible-modules-"));
  const conn = await openConnection({ name: "local", type: "local", address: "localhost", hostKeyChecking: "off" });
  return {
    name: "local",
    conn,
    dir,
    async sh(script, ...args) {
      const result = await execa("sh", ["-c", script, "sh", ...args], { reject: false });
      if (result.exitCode !== 0) throw new Error(`verification script failed (${result.exitCode}): ${result.stderr}`);
      return result.stdout;
    },
    async close() {
      await conn.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** "mode owner group" of a path, as the host sees it */
export async function attributesOf(host: ModuleTestHost, path: string): Promise<string> {
  return host.sh(`stat -c '%a %U %G' -- "$1"`, path);
}

/** Every entry under the test directory, to prove nothing (temp files) was left behind */
export async function listing(host: ModuleTestHost, dir = host.dir): Promise<string[]> {
  const out = await host.sh(`cd -- "$1" && find . -mindepth 1 | sort`, dir);
  return out === "" ? [] : out.split("\n");
}

/**
 * A fleet host over SSH (the shared e2e fleet, host 1: other stories use 0 and
 * the last), logged in as `deploy` and becoming root with sudo, so every module
 * runs the way a real playbook with `become: true` does.
 */
export async function fleetTestHost(): Promise<ModuleTestHost> {
  const fleet = useFleet();
  const target = fleet.host(Math.min(1, fleet.hosts.length - 1));
  const sh = async (script: string, ...args: string[]): Promise<string> => {
    const result = await fleet.sshRun(target, quoteArgv(["sh", "-c", script, "sh", ...args]));
    if (result.exitCode !== 0) throw new Error(`verification script failed on ${target.name} (${result.exitCode}): ${result.stderr}`);
    return result.stdout.replace(/\n$/, "");
  };
  const dir = await sh("mktemp -d /tmp/tsible-modules-XXXXXX");
  const conn = await openFleetConnection(fleet, target, "deploy");
  return {
    name: target.name,
    conn,
    become: { user: "root" },
    dir,
    sh,
    async close() {
      await conn.close();
      await sh(`rm -rf -- "$1"`, dir);
    },
  };
}

/** tsible's own SSH connection to a fleet host, as one of its users, checking the fleet's host keys */
export function openFleetConnection(fleet: Fleet, target: FleetHost, user: string, name = target.name): Promise<Connection> {
  return openConnection({
    name,
    type: "ssh",
    address: target.address,
    port: target.port,
    user,
    privateKeyFile: fleet.keyFile,
    hostKeyChecking: "strict",
    knownHostsFile: fleet.knownHostsFile,
    sshConfigFile: "",
  });
}

/** The ModuleFailure a module run must end with */
export async function failureOf(promise: Promise<unknown>): Promise<ModuleFailure> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ModuleFailure);
  return error as ModuleFailure;
}
