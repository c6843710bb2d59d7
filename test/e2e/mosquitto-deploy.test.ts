/**
 * The mosquitto story on fresh hosts, with an inventory written the way an infra's is:
 * a cloud broker and a Pi broker bridged to it, a standard user, two extra users and a bridge
 * user, ACL rules. Everything is checked with the real mosquitto clients on the hosts.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFleet, type Fleet } from "../fleet/fleet.js";
import { canLogIn, delivery as deliveryOnFleet } from "./helpers/mqtt-clients.js";
import { changedTasks, parseJson, tsible } from "./helpers/run-tsible.js";

const playbook = path.resolve("playbooks/mosquitto.yml");
const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 60;
const port = 20200;
const passwords = {
  smc: "smc pass 1",
  reader: "reader-pass",
  writer: "writer-pass",
  bridge: `bridge pass & 'q' "x"`,
};

let fleet: Fleet;
let dir: string;

async function writeInventory(overrides: { smcPassword?: string } = {}): Promise<void> {
  const [cloud, pi] = fleet.hosts;
  const key = fleet.keyFile;
  await writeFile(
    path.join(dir, "hosts"),
    [
      "# infra 'acme': one cloud broker, one Raspberry Pi broker bridged to it",
      "[mqtt]",
      `mqtt.acme.test.example.com ansible_host=${cloud!.address} ansible_user=deploy ansible_ssh_private_key_file=${key}`,
      "",
      "[pi]",
      `pi-01 ansible_host=${pi!.address} ansible_user=deploy ansible_ssh_private_key_file=${key}`,
      "",
      "[mqtt:children]",
      "pi",
      "",
    ].join("\n"),
  );
  await mkdir(path.join(dir, "group_vars"), { recursive: true });
  await mkdir(path.join(dir, "host_vars"), { recursive: true });
  await writeFile(
    path.join(dir, "group_vars", "all.yml"),
    [
      `mqtt_broker_port: ${port}`,
      "mqtt_username: smc",
      `mqtt_password: ${JSON.stringify(overrides.smcPassword ?? passwords.smc)}`,
      "mqtt_config_dir: /var/lib/dgcsdev/mosquitto/conf",
      "mqtt_data_dir: /var/lib/dgcsdev/mosquitto/data",
      "mqtt_users:",
      `  - { name: reader, password: ${JSON.stringify(passwords.reader)} }`,
      `  - { name: writer, password: ${JSON.stringify(passwords.writer)} }`,
      `  - { name: bridge, password: ${JSON.stringify(passwords.bridge)} }`,
      "mqtt_acl:",
      '  - { user: smc, topic: "#", access: readwrite }',
      '  - { user: reader, topic: "sensors/#", access: read }',
      '  - { user: writer, topic: "sensors/+/temp", access: write }',
      '  - { user: bridge, topic: "devices/#", access: readwrite }',
      "",
    ].join("\n"),
  );
  await writeFile(
    path.join(dir, "host_vars", "pi-01.yml"),
    [
      "mqtt_bridges:",
      "  - name: cloud",
      `    address: "${cloud!.address}:${port}"`,
      "    remote_clientid: pi-01",
      "    remote_username: bridge",
      `    remote_password: ${JSON.stringify(passwords.bridge)}`,
      "    cleansession: true",
      "    topics:",
      '      - { pattern: "test1/+", direction: out, qos: 1, local_prefix: "", remote_prefix: "devices/pi-01/" }',
      "",
    ].join("\n"),
  );
}

beforeAll(async () => {
  fleet = await startFleet({ count: 2, id: fleetId });
  dir = await mkdtemp(path.join(tmpdir(), "tsible-acme-"));
  await writeInventory();
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
});

const play = (...extra: string[]) =>
  tsible(["play", playbook, "-i", path.join(dir, "hosts"), "--known-hosts", fleet.knownHostsFile, "--json", ...extra]);

/** mosquitto_sub on one host, mosquitto_pub on another (or the same), what the subscriber got */
function delivery(options: {
  subHost: string;
  sub: { user?: string; password?: string; topic: string; broker?: string };
  pubHost: string;
  pub: { user: string; password: string; topic: string; broker?: string };
  message: string;
  waitSeconds?: number;
}): Promise<string> {
  return deliveryOnFleet(fleet, { ...options, sub: { ...options.sub, port }, pub: { ...options.pub, port } });
}

function login(host: string, user: string | undefined, password: string | undefined): Promise<{ ok: boolean }> {
  return canLogIn(fleet, host, { user, password, port }).then((ok) => ({ ok }));
}

const cloud = () => fleet.hosts[0]!.name;
const pi = () => fleet.hosts[1]!.name;

describe("deploying the infra's brokers with playbooks/mosquitto.yml", () => {
  it("converges both brokers, and its own check proves logins, ACL delivery and the bridge", async () => {
    const run = await play();
    const document = parseJson(run);
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    for (const host of ["mqtt.acme.test.example.com", "pi-01"]) {
      expect(document.stats[host]?.failures).toBe(0);
      expect(document.stats[host]?.changed).toBeGreaterThan(0);
    }
    const check = document.plays[0]!.tasks.find((task) => task.task.name === "mosquitto : Logins, ACL delivery and bridges work")!;
    expect(check.hosts["pi-01"]?.failed).toBe(false);
    // no password reaches the output
    for (const password of Object.values(passwords)) expect(run.stdout).not.toContain(password);
  });

  it("lets the real clients log in with their passwords and refuses anonymous and wrong ones", async () => {
    for (const [user, password] of Object.entries(passwords)) expect((await login(cloud(), user, password)).ok).toBe(true);
    expect((await login(cloud(), "reader", "wrong")).ok).toBe(false);
    expect((await login(cloud(), undefined, undefined)).ok).toBe(false);
  });

  it("delivers as the ACL allows and not otherwise", async () => {
    const allowed = await delivery({
      subHost: cloud(), sub: { user: "reader", password: passwords.reader, topic: "sensors/#" },
      pubHost: cloud(), pub: { user: "writer", password: passwords.writer, topic: "sensors/kitchen/temp" },
      message: "21.5",
    });
    expect(allowed).toBe("sensors/kitchen/temp 21.5");
    const forbidden = await delivery({
      subHost: cloud(), sub: { user: "reader", password: passwords.reader, topic: "private/#" },
      pubHost: cloud(), pub: { user: "smc", password: passwords.smc, topic: "private/secret" },
      message: "nope", waitSeconds: 4,
    });
    expect(forbidden).toBe("");
  });

  it("carries a message published on the Pi to the cloud broker under devices/<id>/", async () => {
    const bridged = await delivery({
      subHost: cloud(), sub: { user: "smc", password: passwords.smc, topic: "devices/#" },
      pubHost: pi(), pub: { user: "smc", password: passwords.smc, topic: "test1/door" },
      message: "open",
    });
    expect(bridged).toBe("devices/pi-01/test1/door open");
  });

  it("changes nothing on a second run", async () => {
    const run = await play();
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(changedTasks(parseJson(run))).toEqual([]);
  });

  it("changes only the password file when one password changes, and reloads the broker in place", async () => {
    const pidBefore = (await fleet.sshRun(cloud(), "pgrep -x mosquitto")).stdout.trim();
    await writeInventory({ smcPassword: "smc pass 2" });
    const check = await play("--check");
    const predicted = changedTasks(parseJson(check));
    expect(predicted).toEqual([
      "mosquitto : Broker configuration, users, ACL and bridges @ mqtt.acme.test.example.com",
      "mosquitto : Broker configuration, users, ACL and bridges @ pi-01",
    ]);
    const run = await play();
    const document = parseJson(run);
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(changedTasks(document)).toEqual(predicted);
    const task = document.plays[0]!.tasks.find((t) => t.task.name === "mosquitto : Broker configuration, users, ACL and bridges")!;
    const changes = task.hosts["mqtt.acme.test.example.com"]!.changes ?? [];
    expect(changes.some((change) => /passwd/.test(change))).toBe(true);
    expect(changes.some((change) => /reload/i.test(change))).toBe(true);
    expect(changes.some((change) => /mosquitto\.conf|acl|bridges/.test(change))).toBe(false);
    expect((await fleet.sshRun(cloud(), "pgrep -x mosquitto")).stdout.trim()).toBe(pidBefore);
    expect((await login(cloud(), "smc", passwords.smc)).ok).toBe(false);
    expect((await login(cloud(), "smc", "smc pass 2")).ok).toBe(true);
  });

  it("keeps the broker running on its previous config when a new one breaks it", async () => {
    const confBefore = (await fleet.sshRun(cloud(), "sha256sum /etc/mosquitto/mosquitto.conf")).stdout;
    // an address the host does not have: the broker cannot bind its listener
    const run = await play("-e", "mqtt_listen_address=10.213.250.250", "-l", "mqtt.acme.test.example.com");
    expect(run.exitCode).toBe(2);
    const document = parseJson(run);
    const task = document.plays[0]!.tasks.find((t) => t.task.name === "mosquitto : Broker configuration, users, ACL and bridges")!;
    const failure = task.hosts["mqtt.acme.test.example.com"]!;
    expect(failure.failed).toBe(true);
    expect(failure.msg).toMatch(/roll/i);
    expect(failure.msg).toMatch(/Cannot assign requested address|Error/);
    expect((await fleet.sshRun(cloud(), "sha256sum /etc/mosquitto/mosquitto.conf")).stdout).toBe(confBefore);
    expect((await login(cloud(), "smc", "smc pass 2")).ok).toBe(true);
  });
});
