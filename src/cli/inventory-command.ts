/** `tsible inventory list|graph|add|remove`: show an inventory like ansible-inventory, and edit one file in place */
import { Command, InvalidArgumentError } from "commander";
import { addHostToInventory, removeHostFromInventory, type InventoryEditResult } from "../inventory/edit.js";
import { inventoryGraph, inventoryHost, inventoryList, readInventoryView } from "../inventory/list.js";
import { SecretMasker } from "../secrets.js";
import { loadAnsibleConfig } from "../config/ansible-cfg.js";
import { addVaultOptions, setUpVault, type VaultFlags } from "./vault-options.js";

export interface InventoryCommandOutput {
  /** the command's result (JSON, graph, diff, summary) */
  write: (text: string) => void;
  /** warnings, and commander's own messages (usage errors) */
  warn: (text: string) => void;
}

/** repeatable, with no default, so that requiredOption still notices a missing -i */
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function inventoryCommand(output: Partial<InventoryCommandOutput> = {}): Command {
  const io: InventoryCommandOutput = {
    write: output.write ?? ((text) => process.stdout.write(text)),
    warn: output.warn ?? ((text) => process.stderr.write(text)),
  };
  const commanderOutput = { writeOut: io.write, writeErr: io.warn };
  const command = new Command("inventory")
    .description("show an inventory (like ansible-inventory), or add and remove hosts in an inventory file")
    .configureOutput(commanderOutput);
  // subcommands added with addCommand inherit nothing: each throws (exitOverride) for the caller to map to an exit code
  for (const subcommand of [listCommand(io), graphCommand(io), addCommand(io), removeCommand(io)]) {
    command.addCommand(subcommand.exitOverride().configureOutput(commanderOutput));
  }
  return command;
}

function listCommand(io: InventoryCommandOutput): Command {
  return addVaultOptions(new Command("list"))
    .description("print the inventory as JSON, as ansible-inventory --list does (secrets masked)")
    .requiredOption("-i, --inventory <path>", "inventory file, directory or host list (repeatable)", collect)
    .option("--host <name>", "print only this host's variables")
    .option("--export", "each group's own vars on the group and each host's own vars, as ansible-inventory --export", false)
    .option("--show-secrets", "print secret-looking values instead of masking them", false)
    .action(async (flags: VaultFlags & { inventory: string[]; host?: string; export: boolean; showSecrets: boolean }) => {
      await setUpVault(flags, new SecretMasker(), { configuredPasswordFile: loadAnsibleConfig().vaultPasswordFile });
      const view = await readInventoryView(flags.inventory);
      const options = { showSecrets: flags.showSecrets, exported: flags.export };
      io.write(flags.host === undefined ? inventoryList(view, options) : inventoryHost(view, flags.host, options));
    });
}

function graphCommand(io: InventoryCommandOutput): Command {
  return addVaultOptions(new Command("graph"))
    .description("print the group tree, as ansible-inventory --graph does")
    .argument("[group]", "the group to start at", "all")
    .requiredOption("-i, --inventory <path>", "inventory file, directory or host list (repeatable)", collect)
    .option("--vars", "also print variables (secrets masked)", false)
    .option("--show-secrets", "print secret-looking values instead of masking them", false)
    .action(async (group: string, flags: VaultFlags & { inventory: string[]; vars: boolean; showSecrets: boolean }) => {
      await setUpVault(flags, new SecretMasker(), { configuredPasswordFile: loadAnsibleConfig().vaultPasswordFile });
      const view = await readInventoryView(flags.inventory);
      io.write(inventoryGraph(view, group, { vars: flags.vars, showSecrets: flags.showSecrets }));
    });
}

function addCommand(io: InventoryCommandOutput): Command {
  const command = new Command("add");
  return command
    .description("add a host to a group of one inventory file (INI or YAML), editing it in place; an existing entry gets the given vars")
    .argument("<host>", "the host: a DNS name or an IP address")
    .requiredOption("-g, --group <group>", "the group to put it in (created when missing)")
    .requiredOption("-i, --inventory <file>", "the inventory file to edit", collect)
    .option("--var <key=value>", "a host variable (repeatable)", parseVar, {})
    .option("--infra <name>", "the infra, to check mqtt_broker_host against mqtt.<infra>.<group>.<domain>")
    .option("-n, --dry-run", "print the diff, write nothing", false)
    .action(async (host: string, flags: { group: string; inventory: string[]; var: Record<string, string>; infra?: string; dryRun: boolean }) => {
      const file = oneFile(command, flags.inventory);
      const result = await addHostToInventory(file, host, flags.group, flags.var, { dryRun: flags.dryRun, infra: flags.infra });
      report(io, result, flags.dryRun, `${host} in [${flags.group}] of ${file}`);
    });
}

function removeCommand(io: InventoryCommandOutput): Command {
  const command = new Command("remove");
  return command
    .description("remove a host from one group, or from every group, of one inventory file, editing it in place")
    .argument("<host>", "the host: a DNS name or an IP address")
    .option("-g, --group <group>", "only from this group")
    .requiredOption("-i, --inventory <file>", "the inventory file to edit", collect)
    .option("-n, --dry-run", "print the diff, write nothing", false)
    .action(async (host: string, flags: { group?: string; inventory: string[]; dryRun: boolean }) => {
      const file = oneFile(command, flags.inventory);
      const result = await removeHostFromInventory(file, host, flags.group, { dryRun: flags.dryRun });
      const where = flags.group === undefined ? file : `[${flags.group}] of ${file}`;
      report(io, result, flags.dryRun, `${host} out of ${where}`);
    });
}

function report(io: InventoryCommandOutput, result: InventoryEditResult, dryRun: boolean, what: string): void {
  for (const warning of result.warnings) io.warn(`[WARNING]: ${warning}\n`);
  if (!result.changed) {
    io.write(`unchanged: ${what}\n`);
    return;
  }
  if (dryRun) io.write(result.diff);
  io.write(`${dryRun ? "would change" : "changed"}: ${what}\n`);
}

/** `--var key=value` into the map of vars; a word without '=' is an option error (exit 5) */
function parseVar(value: string, previous: Record<string, string>): Record<string, string> {
  const equals = value.indexOf("=");
  if (equals <= 0) throw new InvalidArgumentError(`'${value}' is not key=value`);
  return { ...previous, [value.slice(0, equals)]: value.slice(equals + 1) };
}

/** The one file an edit works on; several -i are an option error (exit 5), not a guess at which one. */
function oneFile(command: Command, files: string[]): string {
  const [file, ...rest] = files;
  if (file === undefined || rest.length > 0) command.error(`error: '${command.name()}' edits exactly one inventory file: give -i once`, { exitCode: 5 });
  return file as string;
}
