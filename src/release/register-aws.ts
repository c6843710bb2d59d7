/**
 * `--register-aws`: the runbook's step of listing every AWS broker in
 * `inventories/aws/hosts` for later maintenance, done as part of the release.
 * The file is edited in place; every other line stays as it was.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { addHostToInventory } from "../inventory/edit.js";
import type { Inventory } from "../inventory/index.js";
import type { SecretMasker } from "../secrets.js";
import { ReleaseError, ReleaseExit } from "./exit-codes.js";
import type { ReleaseIo } from "./options.js";

export interface AwsRegistration {
  inventoriesDir: string;
  infra: string;
  group: string;
  hosts: readonly string[];
  inventory: Inventory;
  masker: SecretMasker;
  dryRun: boolean;
}

export function awsInventoryFile(inventoriesDir: string): string {
  return path.join(inventoriesDir, "aws", "hosts");
}

/** Fails before anything runs when the AWS inventory is missing */
export function checkAwsInventory(inventoriesDir: string): void {
  const file = awsInventoryFile(inventoriesDir);
  if (!existsSync(file)) {
    throw new ReleaseError(`--register-aws: there is no AWS inventory at ${file}`, ReleaseExit.badInput, {
      hint: "create it (an empty file is fine) or leave out --register-aws",
    });
  }
}

export async function registerInAws(registration: AwsRegistration, io: ReleaseIo): Promise<void> {
  const file = awsInventoryFile(registration.inventoriesDir);
  for (const host of registration.hosts) {
    const address = registration.inventory.hostVars(host).ansible_host;
    const vars: Record<string, string> = typeof address === "string" ? { ansible_host: address } : {};
    vars.infra = registration.infra;
    const result = await addHostToInventory(file, host, registration.group, vars, { dryRun: registration.dryRun, infra: registration.infra });
    for (const warning of result.warnings) io.err(`[WARNING]: ${warning}\n`);
    if (!result.changed) {
      io.out(`${host} is already registered in ${file}\n`);
      continue;
    }
    io.out(`${registration.dryRun ? "would register" : "registered"} ${host} in ${file} (group ${registration.group})\n`);
    io.out(registration.masker.mask(result.diff));
  }
}
