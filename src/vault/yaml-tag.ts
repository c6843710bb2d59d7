/**
 * Inline vaulted values in YAML (`password: !vault |` followed by vault text), as Ansible
 * writes them with `ansible-vault encrypt_string`. The node keeps the vault text as its value,
 * so a file edited in place (tsible inventory add) is written back unchanged; the plain value
 * exists only when the document is turned into values, decrypted with the active keyring.
 */
import { Scalar, visit, type Document, type Node, type ScalarTag } from "yaml";
import type { SourceLocation } from "../errors.js";
import { activeVaultKeyring } from "./keyring.js";

export class VaultScalar extends Scalar<string> {
  /** set after parsing, for messages: where the value was written */
  location: SourceLocation = { file: "YAML" };
  #plaintext: string | undefined;

  /** the decrypted value (handed to the secret masker the first time) */
  override toJSON(): string {
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
