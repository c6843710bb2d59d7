#!/usr/bin/env node
/** The `tsible` command. User mistakes and host failures print as one clear message (no stack trace) with ansible-playbook's exit codes. */
import { Command, CommanderError } from "commander";
import { EXIT_CODE_BY_ERROR_KIND, ExitCode } from "../executor/index.js";
import { isTsibleError } from "../errors.js";
import { convertCommand } from "./convert-command.js";
import { inventoryCommand } from "./inventory-command.js";
import { playCommand } from "./play-command.js";
import { runMain } from "./run-main.js";
import { vaultCommand } from "./vault-command.js";

async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command("tsible")
    .description("provision hosts over SSH from Ansible-style playbooks and inventories")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program.addCommand(playCommand((code) => (exitCode = code)).exitOverride());
  program.addCommand(inventoryCommand().exitOverride());
  program.addCommand(convertCommand((code) => (exitCode = code)).exitOverride());
  program.addCommand(vaultCommand().exitOverride());
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0
      return error.exitCode === 0 ? 0 : ExitCode.badOptions;
    }
    if (isTsibleError(error)) {
      process.stderr.write(`ERROR! ${error.format()}\n`);
      return EXIT_CODE_BY_ERROR_KIND[error.kind];
    }
    throw error;
  }
}

runMain("tsible", () => main(process.argv), ExitCode.error);
