/**
 * Inline vaulted values in YAML (`password: !vault |` followed by vault text), as Ansible
 * writes them with `ansible-vault encrypt_string`. The node keeps the vault text as its value,
 * so a file edited in place (tsible inventory add) is written back unchanged; the plain value
 * exists only when the document is turned into values, decrypted with the active keyring.
 */
import { Scalar, visit, type Document, type Node, type ScalarTag } from "yaml";
import type { SourceLocation } from "../errors.js";
import { activeVaultKeyring } from "./keyring.js";

/** while set, vault values read as their vault text (comparing two versions of a file needs no password) */
let asVaultText = false;

/** Runs `read` with every !vault value read as its vault text, not decrypted */
export function readingVaultText<T>(read: () => T): T {
  const before = asVaultText;
  asVaultText = true;
  try {
    return read();
  } finally {
    asVaultText = before;
  }
}

export class VaultScalar extends Scalar<string> {
  /** set after parsing, for messages: where the value was written */
  location: SourceLocation = { file: "YAML" };
  #plaintext: string | undefined;

  /** the decrypted value (handed to the secret masker the first time) */
  override toJSON(): string {
    if (asVaultText) return this.value;
    if (this.#plaintext === undefined) {
      const keyring = activeVaultKeyring();
      this.#plaintext = keyring.decryptText(this.value, this.location, "the !vault value");
      keyring.reveal(this.#plaintext);
    }
    return this.#plaintext;
  }
}

export const VAULT_TAG: ScalarTag = {
  tag: "!vault",
  default: false,
  resolve: (text: string) => new VaultScalar(text),
};

/** Give each `!vault` value of a parsed document its file:line (a no-op for documents without one) */
export function locateVaultedValues(text: string, document: Document, locate: (node: Node) => SourceLocation): void {
  if (!text.includes("!vault")) return;
  visit(document, {
    Scalar(_key, node) {
      if (node instanceof VaultScalar) node.location = locate(node);
    },
  });
}
