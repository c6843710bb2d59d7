/**
 * Access that must be refused: a wrong sudo password, a missing one, a user without sudo, and a
 * host whose host keys were regenerated. Each run of playbooks/mosquitto.yml ends with a message
 * that says what to do, and nothing on the host changed (every file the role or a release could
 * write is hashed before and after).
 */
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetCredentials, fleetScript, sshClientOptions, startFleet, type Fleet } from "../fleet/fleet.js";
import { tsible } from "../e2e/helpers/run-tsible.js";
import { tryCase } from "./record.js";

const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 38;
let fleet: Fleet;
let dir: string;

const host = () => fleet.hosts[0]!;

const FINGERPRINT =
  "find /etc/mosquitto /var/lib/dgcsdev /var/lib/tsible /run/mosquitto -xdev 2>/dev/null | sort | while read -r f; do if [ -f \"$f\" ]; then sha256sum \"$f\"; else stat -c '%n %U %G %a' \"$f\"; fi; done; dpkg-query -W -f='${Status}\\n' mosquitto";

/** Everything the broker role or a release could change, hashed */
async function fingerprint(): Promise<string> {
  return (await fleet.sshRun(host(), FINGERPRINT)).stdout;
}

/** The same through an ssh client that accepts any host key (for a host whose keys changed) */
async function fingerprintAnyKey(): Promise<string> {
  const anyKey = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"];
  const result = await execa("ssh", [...anyKey, ...sshClientOptions(fleet), `root@${host().address}`, FINGERPRINT], { stdin: "ignore" });
  return result.stdout;
}

async function play(connectionVars: string, knownHosts = fleet.knownHostsFile) {
  const inventory = path.join(dir, `hosts-${Math.random().toString(36).slice(2)}`);
  await writeFile(inventory, `[mqtt]\nb1 ansible_host=${host().address} ${connectionVars}\n`);
  await mkdir(path.join(dir, "group_vars"), { recursive: true });
  return tsible(["play", path.resolve("playbooks/mosquitto.yml"), "-i", inventory, "--known-hosts", knownHosts]);
}

beforeAll(async () => {
  fleet = await startFleet({ count: 1, id: fleetId });
  dir = await mkdtemp(path.join(tmpdir(), "tsible-faults-access-"));
  await mkdir(path.join(dir, "group_vars"), { recursive: true });
  await writeFile(path.join(dir, "group_vars", "all.yml"), "mqtt_password: access-pass\n");
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("access that must be refused", () => {
  const key = () => `ansible_ssh_private_key_file=${fleet.keyFile}`;
  const cases: { name: string; vars: () => string; exitCode: number; message: RegExp }[] = [
    { name: "a wrong sudo password", vars: () => `ansible_user=ops ansible_become_password=not-the-password ${key()}`, exitCode: 2, message: /incorrect sudo password; the command did not run\. Fix ansible_become_password/ },
    { name: "no sudo password for a user whose sudo needs one", vars: () => `ansible_user=ops ${key()}`, exitCode: 2, message: /sudo needs a password; the command did not run\. Set ansible_become_password/ },
    { name: "a user who may not use sudo", vars: () => `ansible_user=pwuser ansible_password=${fleetCredentials.pwuserPassword} ansible_become_password=${fleetCredentials.pwuserPassword}`, exitCode: 2, message: /pwuser may not use sudo|incorrect sudo password|sudo needs a password/ },
  ];

  for (const item of cases) {
    it(`refuses ${item.name}, saying what to do, and changes nothing`, async () => {
      await tryCase("refused-access", item.name, async () => {
        const before = await fingerprint();
        const run = await play(item.vars());
        expect(run.exitCode, run.stdout.slice(-1500)).toBe(item.exitCode);
        expect(run.stdout).toMatch(item.message);
        expect(await fingerprint()).toBe(before);
        return run.stdout.match(item.message)?.[0];
      });
    });
  }

  it("refuses a host whose host keys were regenerated, saying what to do, and changes nothing", async () => {
    await tryCase("refused-access", "a host whose host keys were regenerated", async () => {
      // regenerate: power off, drop the host keys from its disk, boot (new keys are made at boot)
      const env = { TSIBLE_FLEET_ID: String(fleet.id), TSIBLE_FLEET_DIR: fleet.dir };
      await execa(fleetScript, ["kill", host().name], { env });
      await execa("sh", ["-c", 'rm -f "$1"/etc/ssh/ssh_host_*', "sh", path.join(fleet.dir, "hosts", host().name, "upper")]);
      await execa(fleetScript, ["boot", host().name], { env });
      const before = await fingerprintAnyKey();
      const known = await readFile(fleet.knownHostsFile, "utf8");
      const run = await play(`ansible_user=deploy ${key()}`);
      expect(run.exitCode, run.stdout.slice(-1500)).toBe(3);
      expect(run.stdout).toMatch(/host key .*(changed|does not match)/i);
      expect(run.stdout).toMatch(/known_hosts/);
      // nothing learned: the old key is still the one on record
      expect(await readFile(fleet.knownHostsFile, "utf8")).toBe(known);
      // the system client refuses it too (strict checking), and the host is as it was
      const check = await fleet.sshRun(host(), "true");
      expect(check.exitCode).toBe(255);
      expect(await fingerprintAnyKey()).toBe(before);
      return run.stdout.split("\n").find((line) => /host key/i.test(line))?.trim();
    });
  });
});
