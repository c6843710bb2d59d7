/**
 * Secrets never reach an output: the broker playbook and smcrelease run with known passwords
 * (one a prefix of another, one full of regex metacharacters, a bridge password, a sudo password)
 * in every output mode (human, -v, --diff, --check, --json, failures and their messages,
 * smcrelease's dry run, release, status and the files it keeps under .smcrelease/, `tsible
 * inventory list`), and every byte they print or write on the controller is searched for them.
 */
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetCredentials, startFleet, type Fleet } from "../fleet/fleet.js";
import { tsible } from "../e2e/helpers/run-tsible.js";
import { recordCase } from "./record.js";

const smcreleaseBin = fileURLToPath(new URL("../../dist/bin/smcrelease.js", import.meta.url));
const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 37;
const secrets = {
  smc: "Tr1cky-pass",
  // a prefix of the next one: masking one must not leave the other's tail readable
  reader: "shared-prefix-secret",
  writer: "shared-prefix-secret-plus",
  regex: "p.a*s+s?(x)[y]{2}^$|\\d",
  bridge: "bridge pass & 'quoted' \"too\"",
  changed: "the-new-smc-pass",
  wrongSudo: "wrong-sudo-attempt-77",
};

let fleet: Fleet;
let dir: string;
/** what every command printed, by the mode that printed it */
const outputs: { mode: string; text: string }[] = [];

async function writeInventory(smcPassword: string, bridgePassword: string): Promise<void> {
  const infra = path.join(dir, "inventories", "acme");
  await mkdir(path.join(infra, "group_vars"), { recursive: true });
  await mkdir(path.join(infra, "host_vars"), { recursive: true });
  const [cloud, edge] = fleet.hosts;
  await writeFile(
    path.join(infra, "hosts"),
    [
      "[mqtt]",
      `mqtt.acme.test.example.com ansible_host=${cloud!.address} ansible_user=ops ansible_become_password=${fleetCredentials.opsSudoPassword} ansible_ssh_private_key_file=${fleet.keyFile}`,
      `mqtt2.acme.test.example.com ansible_host=${edge!.address} ansible_user=deploy ansible_ssh_private_key_file=${fleet.keyFile}`,
      "",
    ].join("\n"),
  );
  await writeFile(
    path.join(infra, "group_vars", "all.yml"),
    [
      `mqtt_password: ${JSON.stringify(smcPassword)}`,
      "mqtt_users:",
      `  - { name: reader, password: ${JSON.stringify(secrets.reader)} }`,
      `  - { name: writer, password: ${JSON.stringify(secrets.writer)} }`,
      `  - { name: odd, password: ${JSON.stringify(secrets.regex)} }`,
      `  - { name: bridge, password: ${JSON.stringify(secrets.bridge)} }`,
      "",
    ].join("\n"),
  );
  await writeFile(
    path.join(infra, "host_vars", "mqtt2.acme.test.example.com.yml"),
    [
      "mqtt_bridges:",
      "  - name: cloud",
      `    address: "${cloud!.address}:20200"`,
      "    remote_clientid: edge-1",
      "    remote_username: bridge",
      `    remote_password: ${JSON.stringify(bridgePassword)}`,
      "    topics:",
      '      - { pattern: "up/#", direction: out, qos: 1, local_prefix: "", remote_prefix: "edge/" }',
      "",
    ].join("\n"),
  );
}

const inventory = () => path.join(dir, "inventories", "acme");
const playbook = path.resolve("playbooks/mosquitto.yml");

async function play(mode: string, ...args: string[]) {
  const run = await tsible(["play", playbook, "-i", inventory(), "--known-hosts", fleet.knownHostsFile, ...args]);
  outputs.push({ mode, text: `${run.stdout}\n${run.stderr}` });
  return run;
}

async function smcrelease(mode: string, ...args: string[]) {
  const result = await execa("node", [smcreleaseBin, ...args, "--playbooks", path.resolve("playbooks")], {
    cwd: dir,
    env: { NO_COLOR: "1", TSIBLE_KNOWN_HOSTS: fleet.knownHostsFile },
    reject: false,
    stdin: "ignore",
    timeout: 600_000,
  });
  outputs.push({ mode, text: `${result.stdout}\n${result.stderr}` });
  return result;
}

/** Every file under a directory, as text */
async function filesUnder(root: string): Promise<{ file: string; text: string }[]> {
  const found: { file: string; text: string }[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    found.push({ file, text: await readFile(file, "utf8") });
  }
  return found;
}

beforeAll(async () => {
  fleet = await startFleet({ count: 2, id: fleetId });
  dir = await mkdtemp(path.join(tmpdir(), "tsible-faults-secrets-"));
  await writeInventory(secrets.smc, secrets.bridge);
  const git = (...args: string[]) => execa("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: dir });
  await writeFile(path.join(dir, ".gitignore"), ".smcrelease/\nwrong-sudo/\n");
  await git("init", "-q");
  await git("add", ".");
  await git("commit", "-q", "-m", "infra acme");
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("secrets in every output", () => {
  it("never appear, in any mode, failure or file", async () => {
    // a first deploy, verbose with diffs: every file is new, every command is logged
    const first = await play("first deploy, -v --diff", "-v", "--diff");
    expect(first.exitCode).toBe(0);
    // the places a secret would show are there, masked: the bridge's line and the sudo'd commands
    expect(first.stdout).toMatch(/^\+remote_password \S/m);
    expect(first.stdout).toMatch(/sudo /);
    await writeInventory(secrets.changed, secrets.bridge);
    expect((await play("--check --diff after a password change", "--check", "--diff")).exitCode).toBe(0);
    expect((await play("--json --diff, the change applied", "--json", "--diff")).exitCode).toBe(0);
    expect((await play("second run, -v", "-v")).exitCode).toBe(0);
    // failures: a bridge whose password the cloud refuses (mqtt_check reports it), a wrong sudo password
    await writeInventory(secrets.changed, `${secrets.bridge} but wrong`);
    expect((await play("a failing bridge check, -v --diff", "-v", "--diff")).exitCode).toBe(2);
    expect((await play("a failing bridge check, --json", "--json")).exitCode).toBe(2);
    await writeInventory(secrets.changed, secrets.bridge);
    const wrongSudo = path.join(dir, "wrong-sudo");
    await mkdir(path.join(wrongSudo, "group_vars"), { recursive: true });
    await writeFile(path.join(wrongSudo, "group_vars", "all.yml"), await readFile(path.join(inventory(), "group_vars", "all.yml")));
    await writeFile(path.join(wrongSudo, "hosts"), `[mqtt]\nmqtt.acme.test.example.com ansible_host=${fleet.hosts[0]!.address} ansible_user=ops ansible_become_password=${secrets.wrongSudo} ansible_ssh_private_key_file=${fleet.keyFile}\n`);
    const refused = await tsible(["play", playbook, "-i", wrongSudo, "--known-hosts", fleet.knownHostsFile, "-v"]);
    outputs.push({ mode: "a wrong sudo password, -v", text: `${refused.stdout}\n${refused.stderr}` });
    expect(refused.exitCode).not.toBe(0);
    // smcrelease: dry run, release, status, and the controller's own records
    expect((await smcrelease("smcrelease --check", "acme", "1.0.0", "mosquitto.yml", "--check")).exitCode).toBe(0);
    expect((await smcrelease("smcrelease --yes", "acme", "1.0.0", "mosquitto.yml", "--yes")).exitCode).toBe(0);
    expect((await smcrelease("smcrelease --status --json", "acme", "--status", "--json")).exitCode).toBe(0);
    const listed = await tsible(["inventory", "list", "-i", inventory()]);
    outputs.push({ mode: "tsible inventory list", text: listed.stdout + listed.stderr });
    for (const { file, text } of await filesUnder(path.join(dir, ".smcrelease"))) outputs.push({ mode: `file ${path.relative(dir, file)}`, text });

    const leaks: string[] = [];
    for (const [name, secret] of Object.entries(secrets)) {
      // as written, and as a JSON string would escape it
      const forms = [...new Set([secret, JSON.stringify(secret).slice(1, -1)])];
      for (const { mode, text } of outputs) {
        for (const form of forms) if (text.includes(form)) leaks.push(`${name} in ${mode}`);
      }
    }
    const modes = outputs.map((output) => output.mode);
    recordCase({
      promise: "secrets",
      case: `${Object.keys(secrets).length} passwords searched in ${outputs.length} outputs (${[...new Set(modes.map((mode) => mode.replace(/^file .*/, "files under .smcrelease/")))].join("; ")})`,
      held: leaks.length === 0,
      detail: leaks.length === 0 ? `${outputs.reduce((sum, output) => sum + output.text.length, 0)} bytes searched, 0 occurrences` : leaks.join(", "),
    });
    expect(leaks).toEqual([]);
  });
});
