#!/usr/bin/env node
/**
 * `smcrelease`: the team's weekly release of a playbook to one infra, and what
 * every host of an infra was last released with. Flags in, src/release out.
 *
 *   smcrelease <infra> <version> <playbook> [--check] [--yes] [-l PATTERN] [-e k=v]...
 *   smcrelease <infra> --status
 */
import { createInterface } from "node:readline/promises";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { isTsibleError } from "../errors.js";
import { ReleaseError, ReleaseExit, releaseExitFor } from "../release/exit-codes.js";
import type { ReleaseIo } from "../release/options.js";
import { runRelease } from "../release/release.js";
import { runStatus } from "../release/status.js";
import { parseExtraVars } from "./extra-vars.js";
import { DEFAULT_LOCK_TIMEOUT_MS } from "../release/holder.js";
import { runMain } from "./run-main.js";
import { SecretMasker } from "../secrets.js";
import { loadAnsibleConfig } from "../config/ansible-cfg.js";
import { addVaultOptions, setUpVault, type VaultFlags } from "./vault-options.js";

/** --wait without a number */
const DEFAULT_WAIT_SECONDS = 600;

interface Flags extends VaultFlags {
  status: boolean;
  check: boolean;
  yes: boolean;
  limit?: string;
  extraVars: string[];
  inventories: string;
  playbooks: string;
  stateDir?: string;
  forks: number;
  wait?: number | true;
  lockTimeout: number;
  json: boolean;
  verbose: number;
  hostKeyChecking?: "strict" | "accept-new" | "off";
  knownHosts?: string;
  registerAws: boolean;
  awsGroup: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function positiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  return number;
}

function seconds(value: string): number {
  const number = Number(value);
  if (!(number >= 0) || !Number.isFinite(number)) throw new InvalidArgumentError(`'${value}' is not a number of seconds`);
  return number;
}

function hours(value: string): number {
  const number = Number(value);
  if (!(number > 0) || !Number.isFinite(number)) throw new InvalidArgumentError(`'${value}' is not a number of hours above 0`);
  return number;
}

function terminalIo(): ReleaseIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    interactive: Boolean(process.stdin.isTTY),
    ask: async (question) => {
      const prompt = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await prompt.question(question);
      } finally {
        prompt.close();
      }
    },
  };
}

async function main(argv: string[]): Promise<number> {
  let exitCode: number = ReleaseExit.ok;
  const program = addVaultOptions(new Command("smcrelease"))
    .description("release a playbook to an infra: dry run with diffs, confirm, apply, record the version on every host")
    .argument("<infra>", "the infra: a directory of the inventories directory")
    .argument("[version]", "the release's semantic version, e.g. 1.1.0")
    .argument("[playbook]", "the playbook in the playbooks directory (mosquitto, mosquitto.yml and _mosquitto.yml all work)")
    .option("--status", "show the release every host is at, and exit", false)
    .option("-C, --check", "dry run only: show what would change, change nothing", false)
    .option("-y, --yes", "apply without asking (needed when there is no terminal)", false)
    .option("-l, --limit <pattern>", "only hosts matching this pattern")
    .option("-e, --extra-vars <vars>", "key=value, JSON/YAML, or @file (repeatable)", collect, [])
    .option("--inventories <dir>", "directory of infra inventories", "inventories")
    .option("--playbooks <dir>", "directory of playbooks", "playbooks")
    .addOption(new Option("--state-dir <dir>", "controller locks and release log (default <inventories>/../.smcrelease)").env("SMCRELEASE_STATE_DIR"))
    .addOption(new Option("-f, --forks <n>", "hosts worked on at once").default(5).argParser(positiveInt))
    .addOption(new Option("--wait [seconds]", `wait for another release's lock (default ${DEFAULT_WAIT_SECONDS} s)`).argParser(seconds))
    .addOption(
      new Option("--lock-timeout <hours>", "a lock held this long is taken over, from any controller (a dead process on this one is taken over at once)")
        .default(DEFAULT_LOCK_TIMEOUT_MS / 3600_000)
        .argParser(hours),
    )
    .option("--json", "with --status: print one JSON document", false)
    .option("--register-aws", "also list the released hosts in <inventories>/aws/hosts (edited in place)", false)
    .option("--aws-group <group>", "the group of inventories/aws/hosts they go in", "mqtt")
    .option("-v, --verbose", "more output while applying", (_value: string, total: number) => total + 1, 0)
    .addOption(
      new Option("--host-key-checking <policy>", "what to do with unknown host keys; a changed key is always refused")
        .choices(["strict", "accept-new", "off"])
        .env("TSIBLE_HOST_KEY_CHECKING"),
    )
    .addOption(new Option("--known-hosts <file>", "known_hosts file (default ~/.ssh/known_hosts)").env("TSIBLE_KNOWN_HOSTS"))
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .action(async (infra: string, version: string | undefined, playbook: string | undefined, flags: Flags) => {
      const connection = { hostKeyPolicy: flags.hostKeyChecking, knownHostsFile: flags.knownHosts };
      const masker = new SecretMasker();
      await setUpVault(flags, masker, { configuredPasswordFile: loadAnsibleConfig().vaultPasswordFile });
      const extraVars = await parseExtraVars(flags.extraVars, process.cwd());
      if (flags.status) {
        if (version !== undefined || flags.check || flags.yes) {
          throw new ReleaseError("--status takes only the infra", ReleaseExit.badOptions, { hint: `smcrelease ${infra} --status` });
        }
        exitCode = await runStatus({ infra, limit: flags.limit, extraVars, inventoriesDir: flags.inventories, json: flags.json, connection }, terminalIo());
        return;
      }
      if (version === undefined || playbook === undefined) {
        throw new ReleaseError("a release needs the infra, the version and the playbook", ReleaseExit.badOptions, {
          hint: `smcrelease ${infra} 1.1.0 mosquitto.yml   (or smcrelease ${infra} --status)`,
        });
      }
      if (flags.json) throw new ReleaseError("--json goes with --status only", ReleaseExit.badOptions);
      exitCode = await runRelease(
        {
          infra,
          version,
          playbook,
          check: flags.check,
          yes: flags.yes,
          limit: flags.limit,
          extraVars,
          forks: flags.forks,
          verbosity: flags.verbose,
          inventoriesDir: flags.inventories,
          playbooksDir: flags.playbooks,
          stateDir: flags.stateDir,
          waitMs: (flags.wait === true ? DEFAULT_WAIT_SECONDS : (flags.wait ?? 0)) * 1000,
          lockTimeoutMs: flags.lockTimeout * 3600_000,
          connection,
          registerAws: flags.registerAws ? { group: flags.awsGroup } : undefined,
        },
        terminalIo(),
      );
    });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ReleaseExit.ok : ReleaseExit.badOptions;
    if (isTsibleError(error)) {
      process.stderr.write(`ERROR! ${error.format()}\n`);
      return releaseExitFor(error);
    }
    throw error;
  }
}

runMain("smcrelease", () => main(process.argv), 1);
