/**
 * `tsible vault` against Debian's ansible-vault, both ways, on the built command: files one
 * encrypts the other opens (1.1, and 1.2 with a vault id), encrypt_string's YAML read by Ansible,
 * rekey, edit through $EDITOR, password scripts, the prompt, and a wrong password.
 */
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { beforeEach, describe, expect, it } from "vitest";
import { project } from "../../helpers/project.js";

const tsibleBin = fileURLToPath(new URL("../../../dist/bin/tsible.js", import.meta.url));
const plaintext = "mqtt_password: 'smc pass & \"quotes\"'\nmqtt_users:\n  - { name: reader, password: r3ader }\n";

let dir: string;
const at = (name: string) => path.join(dir, name);

async function tsible(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const result = await execa("node", [tsibleBin, ...args], { cwd: dir, reject: false, input: options.input ?? "", env: { NO_COLOR: "1", ...options.env } });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

async function ansibleVault(args: string[]) {
  const result = await execa("ansible-vault", args, { cwd: dir, reject: false, stdin: "ignore", env: { ANSIBLE_NOCOLOR: "1" } });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

beforeEach(async () => {
  dir = await project({}, "tsible-vault-");
  await writeFile(at("pw"), "correct horse battery\n");
  await writeFile(at("pw2"), "new staple\n");
  await writeFile(at("wrong"), "wrong\n");
});

describe("tsible vault and ansible-vault read each other's files", () => {
  it("ansible-vault encrypts, tsible decrypts and views; and the reverse; with and without a vault id", async () => {
    await writeFile(at("a.yml"), plaintext);
    expect((await ansibleVault(["encrypt", "--vault-password-file", "pw", "a.yml"])).exitCode).toBe(0);
    expect(await tsible(["vault", "view", "a.yml", "--vault-password-file", "pw"])).toMatchObject({ exitCode: 0, stdout: plaintext.trimEnd() });
    expect((await tsible(["vault", "decrypt", "a.yml", "--vault-password-file", "pw"])).exitCode).toBe(0);
    expect(await readFile(at("a.yml"), "utf8")).toBe(plaintext);
    expect((await stat(at("a.yml"))).mode & 0o777).toBe(0o600);

    expect((await tsible(["vault", "encrypt", "a.yml", "--vault-id", "prod@pw"])).exitCode).toBe(0);
    const encrypted = await readFile(at("a.yml"), "utf8");
    expect(encrypted.split("\n")[0]).toBe("$ANSIBLE_VAULT;1.2;AES256;prod");
    expect((await stat(at("a.yml"))).mode & 0o777).toBe(0o600);
    expect(await ansibleVault(["view", "--vault-id", "prod@pw", "a.yml"])).toMatchObject({ exitCode: 0, stdout: plaintext.trimEnd() });
    expect((await ansibleVault(["decrypt", "--vault-id", "prod@pw", "a.yml"])).exitCode).toBe(0);
    expect(await readFile(at("a.yml"), "utf8")).toBe(plaintext);

    // ansible-vault with a vault id, opened by tsible with the password given under another id (Ansible tries them all)
    expect((await ansibleVault(["encrypt", "--vault-id", "team@pw", "a.yml"])).exitCode).toBe(0);
    expect((await readFile(at("a.yml"), "utf8")).split("\n")[0]).toBe("$ANSIBLE_VAULT;1.2;AES256;team");
    expect(await tsible(["vault", "view", "a.yml", "--vault-id", "other@wrong", "--vault-password-file", "pw"])).toMatchObject({ exitCode: 0, stdout: plaintext.trimEnd() });
  });

  it("encrypt_string: Ansible reads tsible's !vault values, and tsible reads Ansible's", async () => {
    const ours = await tsible(["vault", "encrypt_string", "--vault-password-file", "pw", "--name", "broker_password", "s3cret pass & 'q'"]);
    expect(ours.exitCode, ours.stderr).toBe(0);
    expect(ours.stdout).toMatch(/^broker_password: !vault \|\n {10}\$ANSIBLE_VAULT;1\.1;AES256\n( {10}[0-9a-f]{80}\n)+ {10}[0-9a-f]+$/);
    await writeFile(at("ours.yml"), `${ours.stdout}\n`);
    const read = await execa("ansible", ["localhost", "-m", "debug", "-a", "var=broker_password", "-e", "@ours.yml", "--vault-password-file", "pw"], {
      cwd: dir,
      reject: false,
      env: { ANSIBLE_NOCOLOR: "1", ANSIBLE_LOCALHOST_WARNING: "0", ANSIBLE_INVENTORY_UNPARSED_WARNING: "0" },
    });
    expect(String(read.stdout), String(read.stderr)).toContain(`"broker_password": "s3cret pass & 'q'"`);

    const theirs = await ansibleVault(["encrypt_string", "--vault-password-file", "pw", "--name", "broker_password", "their secret"]);
    expect(theirs.exitCode).toBe(0);
    await writeFile(at("hosts"), "broker ansible_host=10.213.0.9\n");
    await writeFile(at("group_vars.yml"), "");
    await writeFile(at("hosts"), "[mqtt]\nbroker ansible_host=10.213.0.9\n");
    await execa("mkdir", ["-p", at("host_vars")]);
    await writeFile(at("host_vars/broker.yml"), `plain: visible\n${theirs.stdout}\n`);
    const shown = await tsible(["inventory", "list", "-i", "hosts", "--host", "broker", "--vault-password-file", "pw", "--show-secrets"]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ broker_password: "their secret", plain: "visible" });
    // without --show-secrets a decrypted value is masked, whatever its name
    await writeFile(at("host_vars/broker.yml"), `plain: visible\n${theirs.stdout.replace("broker_password", "innocent_name")}\n`);
    const masked = await tsible(["inventory", "list", "-i", "hosts", "--host", "broker", "--vault-password-file", "pw"]);
    expect(JSON.parse(masked.stdout)).toMatchObject({ innocent_name: "********", plain: "visible" });
  });

  it("rekey: the new password opens the file for ansible-vault, the old one no longer does, the mode stays", async () => {
    await writeFile(at("a.yml"), plaintext);
    await ansibleVault(["encrypt", "--vault-password-file", "pw", "a.yml"]);
    await chmod(at("a.yml"), 0o640);
    const rekey = await tsible(["vault", "rekey", "a.yml", "--vault-password-file", "pw", "--new-vault-password-file", "pw2"]);
    expect(rekey.exitCode, rekey.stderr).toBe(0);
    expect((await stat(at("a.yml"))).mode & 0o777).toBe(0o640);
    expect(await ansibleVault(["view", "--vault-password-file", "pw2", "a.yml"])).toMatchObject({ exitCode: 0, stdout: plaintext.trimEnd() });
    expect((await ansibleVault(["view", "--vault-password-file", "pw", "a.yml"])).exitCode).not.toBe(0);
  });

  it("edit: $EDITOR changes the plaintext, the file is encrypted again (same vault id); an unchanged edit writes nothing", async () => {
    await writeFile(at("a.yml"), plaintext);
    await ansibleVault(["encrypt", "--vault-id", "prod@pw", "a.yml"]);
    await writeFile(at("append.sh"), "#!/bin/sh\necho 'added: line' >> \"$1\"\n");
    await chmod(at("append.sh"), 0o755);
    expect((await tsible(["vault", "edit", "a.yml", "--vault-id", "prod@pw"], { env: { EDITOR: at("append.sh") } })).exitCode).toBe(0);
    expect((await readFile(at("a.yml"), "utf8")).split("\n")[0]).toBe("$ANSIBLE_VAULT;1.2;AES256;prod");
    expect((await ansibleVault(["view", "--vault-id", "prod@pw", "a.yml"])).stdout).toBe(`${plaintext}added: line`);
    const before = await readFile(at("a.yml"));
    expect((await tsible(["vault", "edit", "a.yml", "--vault-id", "prod@pw"], { env: { EDITOR: "true" } })).exitCode).toBe(0);
    expect((await readFile(at("a.yml"))).equals(before)).toBe(true);
  });

  it("passwords from a script, a -client script (given the vault id), the prompt (stdin) and TSIBLE_VAULT_PASSWORD_FILE", async () => {
    await writeFile(at("a.yml"), plaintext);
    await ansibleVault(["encrypt", "--vault-password-file", "pw", "a.yml"]);
    await writeFile(at("pass.sh"), "#!/bin/sh\nprintf 'correct horse battery\\r\\n'\n");
    await writeFile(at("vault-client.sh"), '#!/bin/sh\n[ "$1 $2" = "--vault-id prod" ] && echo "correct horse battery" && exit 0\nexit 2\n');
    await chmod(at("pass.sh"), 0o755);
    await chmod(at("vault-client.sh"), 0o755);
    expect((await tsible(["vault", "view", "a.yml", "--vault-password-file", "pass.sh"])).exitCode).toBe(0);
    expect((await tsible(["vault", "view", "a.yml", "--vault-id", "prod@vault-client.sh"])).exitCode).toBe(0);
    const unknownId = await tsible(["vault", "view", "a.yml", "--vault-id", "dev@vault-client.sh"]);
    expect(unknownId.exitCode).toBe(4);
    expect(unknownId.stderr).toContain("has no password for vault id 'dev'");
    expect(await tsible(["vault", "view", "a.yml", "--ask-vault-pass"], { input: "correct horse battery\n" })).toMatchObject({ exitCode: 0, stdout: plaintext.trimEnd() });
    expect((await tsible(["vault", "view", "a.yml"], { env: { TSIBLE_VAULT_PASSWORD_FILE: at("pw") } })).exitCode).toBe(0);
  });

  it("a wrong password is one clear error and leaves the file as it was", async () => {
    await writeFile(at("a.yml"), plaintext);
    await ansibleVault(["encrypt", "--vault-password-file", "pw", "a.yml"]);
    const before = await readFile(at("a.yml"));
    for (const command of ["decrypt", "view", "rekey"]) {
      const run = await tsible(["vault", command, "a.yml", "--vault-password-file", "wrong", "--new-vault-password-file", "pw2"].slice(0, command === "rekey" ? 7 : 5));
      expect(run.exitCode).toBe(4);
      expect(run.stderr.trim().split("\n")[0]).toBe(`ERROR! a.yml: cannot decrypt the file: no vault password given opens it (tried default from wrong)`);
      expect(run.stderr).not.toContain("    at ");
      expect((await readFile(at("a.yml"))).equals(before)).toBe(true);
    }
    const missing = await tsible(["vault", "view", "a.yml", "--vault-password-file", "nope"]);
    expect(missing.stderr).toContain(`the vault password file ${at("nope")} was not found`);
  });
});
