/** `tsible play`: flags in, a run out; the exit code is ansible-playbook's */
import { Command, InvalidArgumentError, Option } from "commander";
import { runPlaybookFile } from "../executor/index.js";
import { JsonReporter } from "../output/json.js";
import { HumanReporter } from "../output/human.js";
import { SecretMasker } from "../secrets.js";
import { describeConfig, loadAnsibleConfig } from "../config/ansible-cfg.js";
import { parseExtraVars } from "./extra-vars.js";
import { addVaultOptions, setUpVault, type VaultFlags } from "./vault-options.js";

const collect = (value: string, previous: string[]) => [...previous, value];
const splitTags = (values: string[]) => values.flatMap((value) => value.split(",")).map((tag) => tag.trim()).filter(Boolean);

export function playCommand(setExitCode: (code: number) => void): Command {
  return addVaultOptions(new Command("play"))
    .description("run a playbook against an inventory (like ansible-playbook)")
    .argument("<playbook>", "playbook file")
    .option("-i, --inventory <path>", "inventory file, directory or host list (repeatable)", collect, [])
    .option("-l, --limit <pattern>", "only hosts matching this pattern")
    .option("-t, --tags <tags>", "only tasks with these tags (comma separated, repeatable)", collect, [])
    .option("--skip-tags <tags>", "skip tasks with these tags (comma separated, repeatable)", collect, [])
    .option("-e, --extra-vars <vars>", "key=value, JSON/YAML, or @file (repeatable)", collect, [])
    .addOption(new Option("-f, --forks <n>", "hosts worked on at once (default 5, or ansible.cfg's forks)").argParser(parsePositiveInt))
    .option("-C, --check", "report what would change without changing anything", false)
    .option("-D, --diff", "show unified diffs of changed files", false)
    .option("--json", "print one JSON document (Ansible's json callback shape) instead of text", false)
    .option("-v, --verbose", "more output: -v shows remote commands (secrets masked)", (_value: string, total: number) => total + 1, 0)
    .option("--roles-path <dirs>", "extra role directories, ':'-separated (also TSIBLE_ROLES_PATH)")
    .addOption(
      new Option("--host-key-checking <policy>", "what to do with unknown host keys; a changed key is always refused")
        .choices(["strict", "accept-new", "off"])
        .env("TSIBLE_HOST_KEY_CHECKING"),
    )
    .option("--known-hosts <file>", "known_hosts file to check host keys against (default ~/.ssh/known_hosts)")
    .action(async (playbook: string, flags: PlayFlags) => {
      const config = loadAnsibleConfig();
      if (flags.verbose > 0) process.stderr.write(describeConfig(config));
      const inventories = flags.inventory.length > 0 ? flags.inventory : (config.inventory ?? ["inventory"]);
      const masker = new SecretMasker();
      // passwords are read (and asked for) before anything else: a wrong one fails before any host is contacted
      await setUpVault(flags, masker, { configuredPasswordFile: config.vaultPasswordFile });
      const write = (text: string) => process.stdout.write(text);
      const reporter = flags.json
        ? new JsonReporter(write, masker)
        : new HumanReporter({
            write,
            masker,
            color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
            diff: flags.diff,
            check: flags.check,
            verbosity: flags.verbose,
          });
      const rolesPathText = flags.rolesPath ?? process.env.TSIBLE_ROLES_PATH ?? process.env.ANSIBLE_ROLES_PATH;
      const rolesPath = rolesPathText === undefined ? (config.rolesPath ?? []) : rolesPathText.split(":").filter(Boolean);
      const outcome = await runPlaybookFile({
        playbook,
        inventories,
        limit: flags.limit,
        tags: splitTags(flags.tags),
        skipTags: splitTags(flags.skipTags),
        extraVars: await parseExtraVars(flags.extraVars, process.cwd()),
        forks: flags.forks ?? config.forks ?? 5,
        check: flags.check,
        diff: flags.diff,
        verbosity: flags.verbose,
        rolesPath,
        reporter,
        masker,
        connection: {
          hostKeyPolicy: flags.hostKeyChecking ?? (config.hostKeyChecking === false ? "off" : undefined),
          knownHostsFile: flags.knownHosts,
          connectTimeoutMs: config.timeoutSeconds === undefined ? undefined : config.timeoutSeconds * 1000,
          privateKeyFile: config.privateKeyFile,
        },
        playDefaults: { remoteUser: config.remoteUser, become: config.become, becomeUser: config.becomeUser },
      });
      setExitCode(outcome.exitCode);
    });
}

interface PlayFlags extends VaultFlags {
  inventory: string[];
  limit?: string;
  tags: string[];
  skipTags: string[];
  extraVars: string[];
  forks?: number;
  check: boolean;
  diff: boolean;
  json: boolean;
  verbose: number;
  rolesPath?: string;
  hostKeyChecking?: "strict" | "accept-new" | "off";
  knownHosts?: string;
}

function parsePositiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  return number;
}
