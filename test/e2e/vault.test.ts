/**
 * A team whose inventory keeps its passwords in ansible-vault: the broker's password in a
 * vault-encrypted group_vars file (ansible-vault encrypt) and a reader's password inline as
 * `!vault` under another vault id (ansible-vault encrypt_string --vault-id prod@...). smcrelease
 * deploys with both passwords and pub/sub works with the decrypted passwords; no decrypted value
 * is printed; a wrong password fails with one message before any host is contacted.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFleet, type Fleet } from "../fleet/fleet.js";
import { tsibleBin } from "./helpers/run-tsible.js";

const smcreleaseBin = fileURLToPath(new URL("../../dist/bin/smcrelease.js", import.meta.url));
const playbooksDir = path.resolve("playbooks");
const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 75;
const broker = "mqtt.vaulted.test.example.com";
const secrets = { smc: "vaulted smc pass & 'q'", reader: "inline reader pass", token: "plain-named-token-value" };

let fleet: Fleet;
let dir: string;
const outputs: string[] = [];

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function run(bin: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const result = await execa("node", [bin, ...args], {
    cwd: dir,
    env: { NO_COLOR: "1", TSIBLE_KNOWN_HOSTS: fleet.knownHostsFile, ...env },
    reject: false,
    stdin: "ignore",
    timeout: 600_000,
  });
  const outcome = { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  outputs.push(outcome.stdout, outcome.stderr);
  return outcome;
}
const smcrelease = (...args: string[]) => run(smcreleaseBin, [...args, "--playbooks", playbooksDir]);
const explain = (outcome: Run) => `exit ${outcome.exitCode}\n${outcome.stdout.slice(-3000)}\n${outcome.stderr}`;

async function ansibleVault(args: string[]): Promise<string> {
  return String((await execa("ansible-vault", args, { cwd: dir, stdin: "ignore" })).stdout);
}

beforeAll(async () => {
  fleet = await startFleet({ count: 1, id: fleetId });
  dir = await mkdtemp(path.join(tmpdir(), "vaulted-team-"));
  const infra = path.join(dir, "inventories", "vaulted");
  await mkdir(path.join(infra, "group_vars", "all"), { recursive: true });
  await mkdir(path.join(infra, "host_vars"), { recursive: true });
  await writeFile(path.join(dir, "pw"), "team password\n");
  await writeFile(path.join(dir, "pw-prod"), "prod password\n");
  await writeFile(path.join(dir, "wrong"), "not the password\n");
  const address = fleet.hosts[0]!.address;
  await writeFile(
    path.join(infra, "hosts"),
    `[mqtt]\n${broker} ansible_host=${address} ansible_user=deploy ansible_ssh_private_key_file=${fleet.keyFile} mqtt_broker_host=${broker}\n`,
  );
  await writeFile(
    path.join(infra, "group_vars", "all", "vars.yml"),
    [
      "mqtt_broker_port: 20200",
      "mqtt_username: smc",
      'mqtt_password: "{{ vault_mqtt_password }}"',
      "mqtt_config_dir: /var/lib/dgcsdev/mosquitto/conf",
      "mqtt_data_dir: /var/lib/dgcsdev/mosquitto/data",
      "mqtt_users:",
      '  - { name: reader, password: "{{ vault_reader_password }}" }',
      "mqtt_acl:",
      '  - { user: smc, topic: "#", access: readwrite }',
      '  - { user: reader, topic: "sensors/#", access: read }',
      "",
    ].join("\n"),
  );
  const vaultFile = path.join(infra, "group_vars", "all", "vault.yml");
  await writeFile(vaultFile, `vault_mqtt_password: ${JSON.stringify(secrets.smc)}\n`);
  await ansibleVault(["encrypt", "--vault-password-file", "pw", vaultFile]);
  const inline = await ansibleVault(["encrypt_string", "--vault-id", "prod@pw-prod", "--name", "vault_reader_password", secrets.reader]);
  await writeFile(path.join(infra, "host_vars", `${broker}.yml`), `${inline}\n`);
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("a vaulted inventory", () => {
  it("smcrelease deploys with the vault passwords; the decrypted passwords work on the broker and are never printed", async () => {
    const release = await smcrelease("vaulted", "1.0.0", "mosquitto.yml", "--yes", "--vault-password-file", "pw", "--vault-id", "prod@pw-prod");
    expect(release.exitCode, explain(release)).toBe(0);
    const pubSub = await fleet.sshRun(
      fleet.hosts[0]!,
      `mosquitto_sub -h 127.0.0.1 -p 20200 -u reader -P '${secrets.reader}' -t sensors/x -C 1 -W 10 & sleep 2; ` +
        `mosquitto_pub -h 127.0.0.1 -p 20200 -u smc -P "vaulted smc pass & 'q'" -t sensors/x -m vaulted-hello; wait`,
    );
    expect(pubSub.stdout.trim(), pubSub.stderr).toBe("vaulted-hello");
    // the vault password file named by the environment works too
    const status = await run(smcreleaseBin, ["vaulted", "--status", "--vault-id", "prod@pw-prod"], { TSIBLE_VAULT_PASSWORD_FILE: path.join(dir, "pw") });
    expect(status.exitCode, explain(status)).toBe(0);
    expect(status.stdout).toMatch(/1\.0\.0/);
  });

  it("a wrong or missing vault password is one error naming the file, before any host is contacted", async () => {
    const before = (await fleet.sshRun(fleet.hosts[0]!, "cat /var/lib/tsible/release.json")).stdout;
    const wrong = await smcrelease("vaulted", "1.0.1", "mosquitto.yml", "--yes", "--vault-password-file", "wrong", "--vault-id", "prod@pw-prod");
    expect(wrong.exitCode).toBe(4);
    expect(wrong.stderr).toMatch(/vault\.yml: cannot decrypt the file: no vault password given opens it \(tried prod from pw-prod, default from wrong\)/);
    expect(wrong.stdout).not.toContain("DRY RUN");
    expect(wrong.stderr).not.toContain("    at ");
    const missing = await smcrelease("vaulted", "1.0.1", "mosquitto.yml", "--yes");
    expect(missing.exitCode).toBe(4);
    expect(missing.stderr).toContain("is vault-encrypted and no vault password was given");
    expect(missing.stderr).toContain("--ask-vault-pass, --vault-password-file FILE or --vault-id LABEL@FILE");
    expect((await fleet.sshRun(fleet.hosts[0]!, "cat /var/lib/tsible/release.json")).stdout).toBe(before);
  });

  it("tsible play reads vaulted vars_files and -e @file, and masks their values in text and JSON output", async () => {
    await writeFile(path.join(dir, "secrets.yml"), `innocent_value: ${JSON.stringify(secrets.token)}\n`);
    await ansibleVault(["encrypt", "--vault-password-file", "pw", "secrets.yml"]);
    await writeFile(path.join(dir, "extra.yml"), "extra_value: extra-secret-value\n");
    await ansibleVault(["encrypt", "--vault-id", "prod@pw-prod", "extra.yml"]);
    await writeFile(
      path.join(dir, "show.yml"),
      [
        "- hosts: mqtt",
        "  gather_facts: false",
        "  vars_files: [secrets.yml]",
        "  tasks:",
        "    - debug: { msg: 'token {{ innocent_value }} and {{ extra_value }}' }",
        "    - assert: { that: ['innocent_value == \"plain-named-token-value\"', 'extra_value == \"extra-secret-value\"'] }",
        "",
      ].join("\n"),
    );
    const inventory = path.join("inventories", "vaulted", "hosts");
    const common = ["play", "show.yml", "-i", inventory, "-e", "@extra.yml", "--vault-password-file", "pw", "--vault-id", "prod@pw-prod", "--known-hosts", fleet.knownHostsFile];
    const text = await run(tsibleBin, common);
    expect(text.exitCode, explain(text)).toBe(0);
    expect(text.stdout).toContain("token ******** and ********");
    const json = await run(tsibleBin, [...common, "--json"]);
    expect(json.exitCode, explain(json)).toBe(0);
    expect(JSON.parse(json.stdout)).toBeTruthy();
  });

  it("ansible.cfg in the team's directory gives the inventory, remote_user, private_key_file, become and host_key_checking", async () => {
    const team = path.join(dir, "cfg-team");
    await mkdir(team);
    await writeFile(
      path.join(team, "ansible.cfg"),
      ["[defaults]", "inventory = hosts", "remote_user = deploy", `private_key_file = ${fleet.keyFile}`, "host_key_checking = False", "timeout = 20", "", "[privilege_escalation]", "become = True", ""].join("\n"),
    );
    await writeFile(path.join(team, "hosts"), `[mqtt]\nbroker ansible_host=${fleet.hosts[0]!.address}\n`);
    await writeFile(
      path.join(team, "site.yml"),
      [
        "- hosts: mqtt",
        "  gather_facts: false",
        "  tasks:",
        "    - { command: id -un, register: as_become }",
        "    - { command: id -un, become: false, register: as_login }",
        "    - assert: { that: ['as_become.stdout == \"root\"', 'as_login.stdout == \"deploy\"'] }",
        "",
      ].join("\n"),
    );
    // HOME is the directory: no ~/.ansible.cfg or known_hosts of this machine takes part
    const result = await execa("node", [tsibleBin, "play", "site.yml"], { cwd: team, reject: false, stdin: "ignore", env: { NO_COLOR: "1", HOME: team } });
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(String(result.stdout)).toMatch(/broker\s*: ok=3/);
  });

  it("no output of any run shows a decrypted value", () => {
    for (const output of outputs) {
      for (const value of [...Object.values(secrets), "extra-secret-value", "team password", "prod password"]) expect(output).not.toContain(value);
    }
  });
});
