/**
 * Vaulted values inside YAML: inline `!vault` in playbooks, vars files and YAML inventories, and
 * files encrypted whole; decrypted with the active keyring, handed to the masker, errors at the
 * value's file:line; and an inventory edited in place keeps its vault text byte for byte.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { addHostToInventory } from "../../../src/inventory/edit.js";
import { loadInventory } from "../../../src/inventory/index.js";
import { loadYamlFile, parseYaml } from "../../../src/playbook/yaml-source.js";
import { Secret, SecretMasker } from "../../../src/secrets.js";
import { encryptToVault } from "../../../src/vault/envelope.js";
import { useVaultKeyring, VaultKeyring } from "../../../src/vault/keyring.js";
import { project } from "../../helpers/project.js";

/** `!vault |` and the vault text, its lines indented by `indent` spaces */
const inline = (value: string, password: string, id?: string, indent = 4) =>
  `!vault |\n${encryptToVault(Buffer.from(value), Buffer.from(password), id).trimEnd().split("\n").map((line) => `${" ".repeat(indent)}${line}`).join("\n")}`;

function keyring(...passwords: Array<[string, string]>): { keyring: VaultKeyring; masker: SecretMasker } {
  const masker = new SecretMasker();
  const ring = new VaultKeyring(passwords.map(([id, password]) => ({ id, password: new Secret(password), source: "test" })));
  ring.maskIn(masker);
  useVaultKeyring(ring);
  return { keyring: ring, masker };
}

afterEach(() => useVaultKeyring(new VaultKeyring()));

describe("vaulted values in YAML", () => {
  it("a playbook's inline !vault value is its plaintext, masked from then on", () => {
    const { masker } = keyring(["default", "pw"]);
    const text = `- hosts: all\n  vars:\n    api_key: ${inline("k3y-value", "pw", undefined, 6)}\n    plain: text\n  tasks: []\n`;
    expect(parseYaml(text, "site.yml")).toEqual([{ hosts: "all", vars: { api_key: "k3y-value", plain: "text" }, tasks: [] }]);
    expect(masker.mask("got k3y-value")).toBe("got ********");
  });

  it("a value under another vault id is opened by the password with that id", () => {
    keyring(["default", "wrong"], ["prod", "prod-pw"]);
    expect(parseYaml(`x: ${inline("prod value", "prod-pw", "prod")}\n`, "v.yml")).toEqual({ x: "prod value" });
  });

  it("no password, or a wrong one, is a UserError at the value's line", () => {
    const text = `a: 1\nb: ${inline("v", "pw")}\n`;
    useVaultKeyring(new VaultKeyring());
    expect(() => parseYaml(text, "v.yml")).toThrow(/the !vault value is vault-encrypted and no vault password was given/);
    keyring(["default", "nope"]);
    let error: unknown;
    try {
      parseYaml(text, "v.yml");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).format()).toMatch(/^v\.yml:2:\d+: cannot decrypt the !vault value: no vault password given opens it \(tried default from test\)/);
  });

  it("a file encrypted whole is read, and every value in it is a secret", async () => {
    const { masker } = keyring(["default", "pw"]);
    const dir = await project({});
    const file = path.join(dir, "vars.yml");
    await writeFile(file, encryptToVault(Buffer.from("db_host: db.internal\nport_pin: 4321\n"), Buffer.from("pw")));
    expect(await loadYamlFile(file)).toEqual({ db_host: "db.internal", port_pin: 4321 });
    expect(masker.mask("db.internal:4321")).toBe("********:********");
  });

  it("YAML inventories and group_vars: inline and whole-file vault, values masked", async () => {
    const { masker } = keyring(["default", "pw"]);
    const dir = await project({
      "hosts.yml": `all:\n  hosts:\n    broker1:\n      broker_token: ${inline("tok-from-inventory", "pw", undefined, 8)}\n`,
    });
    await mkdir(path.join(dir, "group_vars"));
    await writeFile(path.join(dir, "group_vars", "all.yml"), encryptToVault(Buffer.from("group_secret: from-group-vars\n"), Buffer.from("pw")));
    const inventory = await loadInventory([path.join(dir, "hosts.yml")]);
    expect(inventory.hostVars("broker1")).toMatchObject({ broker_token: "tok-from-inventory", group_secret: "from-group-vars" });
    expect(masker.mask("tok-from-inventory from-group-vars")).toBe("******** ********");
  });

  it("tsible inventory add keeps a YAML inventory's vault text byte for byte (nothing is decrypted to edit)", async () => {
    useVaultKeyring(new VaultKeyring());
    const vaulted = inline("secret", "pw", undefined, 12);
    const original = `all:\n  children:\n    mqtt:\n      hosts:\n        broker1:\n          broker_token: ${vaulted}\n`;
    const dir = await project({ "hosts.yml": original });
    const file = path.join(dir, "hosts.yml");
    const result = await addHostToInventory(file, "broker2", "mqtt", {});
    expect(result.changed).toBe(true);
    const edited = await readFile(file, "utf8");
    expect(edited.startsWith(original.trimEnd())).toBe(true);
    expect(edited).toContain("broker2");
  });
});
