/**
 * The vault format against Ansible's own code: with the same salt, tsible's encryption is the
 * same bytes as ansible-core's VaultLib (Debian's ansible-core, run through python3), and each
 * opens the other's. The salt is random in real use; fixing it is what makes bytes comparable.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { decryptEnvelope, encryptToVault, isVaulted, parseEnvelope, VaultFormatError } from "../../../src/vault/envelope.js";

const ANSIBLE_ENCRYPT = `
import sys, json
from ansible.parsing.vault import VaultLib, VaultSecret
request = json.loads(sys.stdin.read())
vault = VaultLib([])
for case in request:
    secret = VaultSecret(case["password"].encode())
    text = vault.encrypt(bytes.fromhex(case["plaintext"]), secret=secret, vault_id=case["id"], salt=bytes.fromhex(case["salt"]))
    print(text.decode().replace("\\n", "|"))
`;

const ANSIBLE_DECRYPT = `
import sys, json
from ansible.parsing.vault import VaultLib, VaultSecret
request = json.loads(sys.stdin.read())
for case in request:
    vault = VaultLib([(case["id"], VaultSecret(case["password"].encode()))])
    print(vault.decrypt(case["text"].encode()).hex())
`;

function python(script: string, input: unknown): string[] {
  // Debian's python3, where ansible-core is installed (not a python3 that may come first in PATH)
  return execFileSync("/usr/bin/python3", ["-c", script], { input: JSON.stringify(input), encoding: "utf8" }).trim().split("\n");
}

const cases = [
  { plaintext: Buffer.from("mqtt_password: s3cret\n"), password: "hunter2", id: "default" },
  { plaintext: Buffer.from(""), password: "p", id: "default" },
  { plaintext: Buffer.from("exactly sixteen!"), password: "pass word with spaces", id: "prod" },
  { plaintext: Buffer.from("ünïcödé ☃ and a long line ".repeat(20)), password: "Ω-password", id: "team_a" },
  { plaintext: Buffer.from([0, 1, 2, 255, 254, 10, 13]), password: "binary", id: "default" },
];

describe("ansible-vault's format", () => {
  it("encrypts to the same bytes as ansible-core given the same salt (1.1, and 1.2 with a vault id)", () => {
    const salts = cases.map((_, index) => Buffer.alloc(32, index + 7));
    const ansible = python(
      ANSIBLE_ENCRYPT,
      cases.map((c, index) => ({ plaintext: c.plaintext.toString("hex"), password: c.password, id: c.id, salt: salts[index]!.toString("hex") })),
    ).map((line) => line.replaceAll("|", "\n"));
    cases.forEach((c, index) => {
      const ours = encryptToVault(c.plaintext, Buffer.from(c.password), c.id, salts[index]);
      expect(ours).toBe(ansible[index]);
    });
    expect(ansible[0]!.split("\n")[0]).toBe("$ANSIBLE_VAULT;1.1;AES256");
    expect(ansible[2]!.split("\n")[0]).toBe("$ANSIBLE_VAULT;1.2;AES256;prod");
  });

  it("opens what ansible-core encrypts, and ansible-core opens what tsible encrypts (random salts)", () => {
    const ours = cases.map((c) => encryptToVault(c.plaintext, Buffer.from(c.password), c.id));
    const opened = python(ANSIBLE_DECRYPT, cases.map((c, index) => ({ text: ours[index], password: c.password, id: c.id })));
    cases.forEach((c, index) => expect(opened[index] ?? "").toBe(c.plaintext.toString("hex")));
    for (const text of ours) {
      expect(isVaulted(text)).toBe(true);
      // every body line is 80 characters but the last, and the text ends in a newline
      const lines = text.split("\n");
      expect(lines.at(-1)).toBe("");
      for (const line of lines.slice(1, -2)) expect(line).toHaveLength(80);
    }
    const theirs = python(ANSIBLE_ENCRYPT, cases.map((c) => ({ plaintext: c.plaintext.toString("hex"), password: c.password, id: c.id, salt: "ab".repeat(32) })));
    cases.forEach((c, index) => {
      const plaintext = decryptEnvelope(parseEnvelope(theirs[index]!.replaceAll("|", "\n")), Buffer.from(c.password));
      expect(plaintext?.toString("hex")).toBe(c.plaintext.toString("hex"));
    });
  });

  it("tells a wrong password (undefined) from data that is not vault text (an error)", () => {
    const text = encryptToVault(Buffer.from("x: 1\n"), Buffer.from("right"));
    expect(decryptEnvelope(parseEnvelope(text), Buffer.from("wrong"))).toBeUndefined();
    // one changed ciphertext byte fails the HMAC, as in Ansible
    const envelope = parseEnvelope(text);
    envelope.ciphertext[0] = envelope.ciphertext[0]! ^ 1;
    expect(decryptEnvelope(envelope, Buffer.from("right"))).toBeUndefined();
    expect(() => parseEnvelope("$ANSIBLE_VAULT;1.1;AES256\nnot hex\n")).toThrow(VaultFormatError);
    expect(() => parseEnvelope("$ANSIBLE_VAULT;1.1;AES128\n00\n")).toThrow(/AES128/);
    expect(() => parseEnvelope("$ANSIBLE_VAULT\n00\n")).toThrow(VaultFormatError);
    expect(isVaulted("x: $ANSIBLE_VAULT")).toBe(false);
  });
});
