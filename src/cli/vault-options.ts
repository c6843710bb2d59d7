/** The vault flags every command that reads YAML takes, and the keyring they make */
import type { Command } from "commander";
import type { SecretMasker } from "../secrets.js";
import { useVaultKeyring, VaultKeyring } from "../vault/keyring.js";
import { loadVaultPasswords } from "../vault/password-sources.js";
import { hiddenPrompt } from "./prompt.js";

export interface VaultFlags {
  vaultId: string[];
  vaultPasswordFile: string[];
  askVaultPass: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function addVaultOptions(command: Command): Command {
  return command
    .option("--vault-id <label@source>", "a vault password with its id: SOURCE is a file, a script printing it, or 'prompt' (repeatable)", collect, [])
    .option("--vault-password-file <file>", "a file holding the vault password, or a script printing it (repeatable; also TSIBLE_VAULT_PASSWORD_FILE)", collect, [])
    .option("--ask-vault-pass", "ask for the vault password", false);
}

/** The password file named by the environment (TSIBLE_, or ANSIBLE_ as Ansible reads it) or ansible.cfg */
export function defaultVaultPasswordFile(configured?: string): string | undefined {
  return process.env["TSIBLE_VAULT_PASSWORD_FILE"] || process.env["ANSIBLE_VAULT_PASSWORD_FILE"] || configured || undefined;
}

export interface VaultSetup {
  /** ansible.cfg's vault_password_file, used when the environment names none */
  configuredPasswordFile?: string | undefined;
  /** a new password is being chosen: the prompt asks twice */
  confirmNew?: boolean;
  /** only these sources, without the environment's default (rekey's new password) */
  noDefaultFile?: boolean;
}

/**
 * Reads the passwords the flags name and makes the keyring the process decrypts with; every
 * password and every value it decrypts is masked in output from then on.
 */
export async function setUpVault(flags: VaultFlags, masker: SecretMasker, setup: VaultSetup = {}): Promise<VaultKeyring> {
  const keyring = await vaultKeyring(flags, masker, setup);
  useVaultKeyring(keyring);
  return keyring;
}

export async function vaultKeyring(flags: VaultFlags, masker: SecretMasker, setup: VaultSetup = {}): Promise<VaultKeyring> {
  const defaultFile = setup.noDefaultFile ? undefined : defaultVaultPasswordFile(setup.configuredPasswordFile);
  const prompt = hiddenPrompt();
  try {
    const passwords = await loadVaultPasswords({
      vaultIds: flags.vaultId,
      passwordFiles: [...flags.vaultPasswordFile, ...(defaultFile === undefined ? [] : [defaultFile])],
      askVaultPass: flags.askVaultPass,
      confirmNew: setup.confirmNew,
      prompt: (question) => prompt.ask(question),
    });
    for (const { password } of passwords) masker.add(password, { force: true });
    const keyring = new VaultKeyring(passwords);
    keyring.maskIn(masker);
    return keyring;
  } finally {
    prompt.close();
  }
}
