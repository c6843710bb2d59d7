/**
 * The vault passwords of a run, and decryption with them as Ansible does it: a password whose
 * vault id the data names is tried first, then every other one. Every value a vault opens is
 * handed to the run's SecretMaskers (maskIn), so decrypted values are masked in all output.
 *
 * YAML is read in many places (inventories, vars files, playbooks, `-e @file`); like Ansible's
 * one DataLoader, they all use the keyring the command set with useVaultKeyring().
 */
import { UserError, type SourceLocation } from "../errors.js";
import type { Secret } from "../secrets.js";
import { DEFAULT_VAULT_ID, decryptEnvelope, encryptToVault, parseEnvelope, VaultFormatError } from "./envelope.js";

export interface VaultPassword {
  /** the vault id: `default` unless given as `--vault-id LABEL@SOURCE` */
  id: string;
  password: Secret;
  /** where it came from (a file, a script, the prompt), for messages */
  source: string;
}

export interface DecryptedVault {
  plaintext: Buffer;
  /** the id of the password that opened it, and the id in the header (which may differ) */
  passwordId: string;
  headerId: string | undefined;
}

export class VaultKeyring {
  readonly passwords: readonly VaultPassword[];
  /** every value a vault opened so far */
  readonly #revealed = new Set<string>();
  readonly #maskers: Array<{ add(value: string): void }> = [];

  constructor(passwords: readonly VaultPassword[] = []) {
    this.passwords = passwords;
  }

  /** `masker` masks every value opened so far and from now on */
  maskIn(masker: { add(value: string): void }): void {
    for (const value of this.#revealed) masker.add(value);
    this.#maskers.push(masker);
  }

  /** Decrypt vault text found at `location` ("what" names it in messages: "file", "the !vault value") */
  decrypt(text: string, location: SourceLocation, what = "the file"): DecryptedVault {
    let envelope;
    try {
      envelope = parseEnvelope(text);
    } catch (error) {
      if (!(error instanceof VaultFormatError)) throw error;
      throw new UserError(`${what} is not valid ansible-vault data: ${error.message}`, {
        location,
        hint: "was it cut short or edited by hand? encrypt the plaintext again with 'tsible vault encrypt' (or ansible-vault)",
      });
    }
    if (this.passwords.length === 0) {
      throw new UserError(`${what} is vault-encrypted and no vault password was given`, {
        location,
        hint: "pass --ask-vault-pass, --vault-password-file FILE or --vault-id LABEL@FILE (or set TSIBLE_VAULT_PASSWORD_FILE)",
      });
    }
    const headerId = envelope.vaultId;
    // the id in the header only picks which password to try first (it is not signed)
    const ordered = [...this.passwords].sort((a, b) => Number(b.id === headerId) - Number(a.id === headerId));
    for (const candidate of ordered) {
      const plaintext = decryptEnvelope(envelope, Buffer.from(candidate.password.reveal(), "utf8"));
      if (plaintext !== undefined) return { plaintext, passwordId: candidate.id, headerId };
    }
    const tried = this.passwords.map((password) => `${password.id} from ${password.source}`).join(", ");
    const named = headerId === undefined ? "" : ` It names vault id '${headerId}'.`;
    throw new UserError(`cannot decrypt ${what}: no vault password given opens it (tried ${tried})`, {
      location,
      hint: `check the password (a wrong password and a file encrypted with another one look the same).${named}`,
    });
  }

  /** Decrypt to UTF-8 text (YAML), refusing bytes that are not */
  decryptText(text: string, location: SourceLocation, what?: string): string {
    const { plaintext } = this.decrypt(text, location, what);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
    } catch {
      throw new UserError(`${what ?? "the file"} decrypts to bytes that are not UTF-8 text`, { location, hint: "a vaulted vars file must hold UTF-8 YAML" });
    }
  }

  /** Hand every string inside `value` (a decrypted value or vars file) to the masker */
  reveal(value: unknown, depth = 0): void {
    if (typeof value === "string" || typeof value === "number") {
      this.#revealed.add(String(value));
      for (const masker of this.#maskers) masker.add(String(value));
    }
    else if (depth < 32 && Array.isArray(value)) for (const item of value) this.reveal(item, depth + 1);
    else if (depth < 32 && value !== null && typeof value === "object") for (const item of Object.values(value)) this.reveal(item, depth + 1);
  }

  /**
   * The password to encrypt with (Ansible's rule): the one of `encryptId` when given, else the
   * only one; several without --encrypt-vault-id is a mistake.
   */
  encryptingPassword(encryptId?: string): VaultPassword {
    if (encryptId !== undefined) {
      const match = this.passwords.find((password) => password.id === encryptId);
      if (!match) {
        throw new UserError(`no vault password has the id '${encryptId}' given to --encrypt-vault-id`, {
          hint: `the ids given are: ${this.passwords.map((password) => password.id).join(", ") || "none"}`,
        });
      }
      return match;
    }
    const [only, ...others] = this.passwords;
    if (!only) throw new UserError("a vault password is needed", { hint: "pass --ask-vault-pass, --vault-password-file FILE or --vault-id LABEL@FILE" });
    if (others.length > 0) {
      throw new UserError(`several vault passwords were given (${this.passwords.map((password) => password.id).join(", ")}): which one encrypts?`, {
        hint: "name it with --encrypt-vault-id ID",
      });
    }
    return only;
  }

  encrypt(plaintext: Buffer, password: VaultPassword): string {
    return encryptToVault(plaintext, Buffer.from(password.password.reveal(), "utf8"), password.id);
  }
}

let active = new VaultKeyring();

/** The keyring every YAML reader of this process decrypts with (set once by the command) */
export function useVaultKeyring(keyring: VaultKeyring): void {
  active = keyring;
}

export function activeVaultKeyring(): VaultKeyring {
  return active;
}

export { DEFAULT_VAULT_ID };
