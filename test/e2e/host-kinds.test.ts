/**
 * The broker story on every kind of host the team owns, in one fleet and one inventory, each run
 * of playbooks/mosquitto.yml covering all of them at once as a release does: a stock Debian 12
 * container without init, Debian 12 and Ubuntu 22.04 booted by systemd, CentOS Stream 9 (dnf,
 * EPEL) and Amazon Linux 2023 (dnf) booted by systemd, and an armhf Raspberry Pi under qemu-user.
 * Every host starts without mosquitto, as its distribution ships it (nothing patched for tsible:
 * test/fleet/README.md), and is checked with the real mosquitto clients over the system ssh client.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "../../src/connection/types.js";
import { gatherFacts } from "../../src/facts/gather.js";
import { startFleet, type Fleet, type FleetHost, type HostKind } from "../fleet/fleet.js";
import { openFleetConnection } from "../helpers/module-context.js";
import { canLogIn, delivery } from "./helpers/mqtt-clients.js";
import { changedTasks, parseJson, tsible, type JsonDocument } from "./helpers/run-tsible.js";

const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 40;
const kinds: HostKind[] = ["noinit", "systemd", "ubuntu", "centos", "amzn", "pi"];
const brokerTask = "mosquitto : Broker configuration, users, ACL and bridges";
const passwords = { smc: "smc pass 1", reader: "reader-pass", writer: "writer-pass" };

/** What each kind's facts must say */
const expectedFacts: Record<HostKind, Record<string, string>> = {
  debian: { os_family: "Debian", distribution: "debian", distribution_version: "12", distribution_major_version: "12", architecture: "x86_64", pkg_mgr: "apt", service_mgr: "none" },
  noinit: { os_family: "Debian", distribution: "debian", distribution_version: "12", distribution_major_version: "12", architecture: "x86_64", pkg_mgr: "apt", service_mgr: "none" },
  systemd: { os_family: "Debian", distribution: "debian", distribution_version: "12", distribution_major_version: "12", architecture: "x86_64", pkg_mgr: "apt", service_mgr: "systemd" },
  ubuntu: { os_family: "Debian", distribution: "ubuntu", distribution_version: "22.04", distribution_major_version: "22", architecture: "x86_64", pkg_mgr: "apt", service_mgr: "systemd" },
  centos: { os_family: "RedHat", distribution: "centos", distribution_version: "9", distribution_major_version: "9", architecture: "x86_64", pkg_mgr: "dnf", service_mgr: "systemd" },
  amzn: { os_family: "RedHat", distribution: "amzn", distribution_version: "2023", distribution_major_version: "2023", architecture: "x86_64", pkg_mgr: "dnf", service_mgr: "systemd" },
  pi: { os_family: "Debian", distribution: "raspbian", distribution_version: "12", distribution_major_version: "12", architecture: "armv7l", pkg_mgr: "apt", service_mgr: "none" },
};

let fleet: Fleet;
let dir: string;
let port = 20200;
const opened: Connection[] = [];

/** The inventory host of each kind is named after its kind */
const hostOf = (kind: HostKind): FleetHost => fleet.hosts.find((host) => host.kind === kind)!;

async function writeInventory(vars: { readerPassword?: string } = {}): Promise<void> {
  const line = (kind: HostKind) =>
    `${kind} ansible_host=${hostOf(kind).address} ansible_user=deploy ansible_ssh_private_key_file=${fleet.keyFile}`;
  await writeFile(
    path.join(dir, "hosts"),
    [
      "# one broker per kind of host; the Pi is also bridged to the cloud broker by pi-bridge.yml",
      "[mqtt]",
      ...kinds.filter((kind) => kind !== "pi").map(line),
      "",
      "[pi]",
      line("pi"),
      "",
      "[mqtt:children]",
      "pi",
      "",
    ].join("\n"),
  );
  await mkdir(path.join(dir, "group_vars"), { recursive: true });
  await writeFile(
    path.join(dir, "group_vars", "all.yml"),
    [
      `mqtt_broker_port: ${port}`,
      `mqtt_password: ${JSON.stringify(passwords.smc)}`,
      "mqtt_users:",
      `  - { name: reader, password: ${JSON.stringify(vars.readerPassword ?? passwords.reader)} }`,
      `  - { name: writer, password: ${JSON.stringify(passwords.writer)} }`,
      "mqtt_acl:",
      '  - { user: smc, topic: "#", access: readwrite }',
      '  - { user: reader, topic: "sensors/#", access: read }',
      '  - { user: writer, topic: "sensors/+/temp", access: write }',
      "# pi-bridge.yml: the Pi bridges to the Debian systemd host's broker",
      `cloud_broker_host: ${hostOf("systemd").address}`,
      `cloud_broker_port: ${port}`,
      "cloud_username: smc",
      `cloud_password: ${JSON.stringify(passwords.smc)}`,
      "device_id: pi-07",
      "",
    ].join("\n"),
  );
}

const play = (playbook: string, ...extra: string[]) =>
  tsible(["play", path.resolve("playbooks", playbook), "-i", path.join(dir, "hosts"), "--known-hosts", fleet.knownHostsFile, "-f", "10", "--json", ...extra]);

function taskResults(document: JsonDocument, name: string): Record<string, { changed: boolean; failed: boolean; skipped?: boolean; msg?: string; changes?: string[] }> {
  return document.plays.flatMap((p) => p.tasks).find((task) => task.task.name === name)?.hosts ?? {};
}

/** The broker's pid as the host sees it; under systemd also MainPID, which must be the same process */
async function brokerPid(kind: HostKind): Promise<string> {
  const pid = (await fleet.sshRun(hostOf(kind), "pgrep -x mosquitto")).stdout.trim();
  if (expectedFacts[kind].service_mgr === "systemd") {
    expect((await fleet.sshRun(hostOf(kind), "systemctl show -p MainPID --value mosquitto")).stdout.trim()).toBe(pid);
  }
  return pid;
}

const brokerPids = async (): Promise<Record<string, string>> =>
  Object.fromEntries(await Promise.all(kinds.map(async (kind) => [kind, await brokerPid(kind)] as const)));

const login = (kind: HostKind, user?: string, password?: string) => canLogIn(fleet, hostOf(kind).name, { user, password, port });

beforeAll(async () => {
  fleet = await startFleet({ kinds, id: fleetId });
  dir = await mkdtemp(path.join(tmpdir(), "tsible-kinds-"));
  await writeInventory();
}, 1_800_000);

afterAll(async () => {
  await Promise.all(opened.map((conn) => conn.close()));
  await fleet?.stop();
});

describe("every kind of host, one inventory", () => {
  it("reports the right facts for each kind", async () => {
    for (const kind of kinds) {
      const conn = await openFleetConnection(fleet, hostOf(kind), "deploy");
      opened.push(conn);
      expect(await gatherFacts(conn), kind).toMatchObject(expectedFacts[kind]);
    }
  });

  it("starts with no mosquitto on any host", async () => {
    for (const kind of kinds) expect((await fleet.sshRun(hostOf(kind), "command -v mosquitto")).exitCode, kind).not.toBe(0);
  });

  it("converges every host from its bare package state in one run (EPEL only where it is needed)", async () => {
    const run = await play("mosquitto.yml");
    const document = parseJson(run);
    expect(run.exitCode, run.stdout.slice(-4000)).toBe(0);
    for (const kind of kinds) {
      expect(document.stats[kind], kind).toMatchObject({ failures: 0, unreachable: 0 });
      expect(document.stats[kind]?.changed, kind).toBeGreaterThan(0);
    }
    const epel = taskResults(document, "mosquitto : EPEL, where CentOS and RHEL keep mosquitto");
    expect(epel["centos"]?.changed).toBe(true);
    for (const kind of kinds.filter((k) => k !== "centos")) expect(epel[kind]?.skipped, kind).toBe(true);
    const install = taskResults(document, "mosquitto : Mosquitto and its clients");
    for (const kind of kinds) expect(install[kind]?.changed, kind).toBe(true);
    const check = taskResults(document, "mosquitto : Logins, ACL delivery and bridges work");
    for (const kind of kinds) expect(check[kind]?.failed, kind).toBe(false);
    for (const password of Object.values(passwords)) expect(run.stdout).not.toContain(password);
  });

  it("runs each broker under the host's own service manager, started at boot", async () => {
    for (const kind of kinds) {
      const host = hostOf(kind);
      if (expectedFacts[kind].service_mgr === "systemd") {
        expect((await fleet.sshRun(host, "systemctl is-active mosquitto; systemctl is-enabled mosquitto")).stdout, kind).toBe("active\nenabled\n");
      } else {
        expect((await fleet.sshRun(host, "/etc/init.d/mosquitto status")).exitCode, kind).toBe(0);
        expect((await fleet.sshRun(host, "ls /etc/rc2.d")).stdout, kind).toMatch(/S\d\dmosquitto/);
      }
    }
  });

  it("lets users log in with their passwords, refuses anonymous and wrong ones, and delivers as the ACL allows", async () => {
    await Promise.all(
      kinds.map(async (kind) => {
        expect(await login(kind, "smc", passwords.smc), kind).toBe(true);
        expect(await login(kind, "reader", "wrong"), kind).toBe(false);
        expect(await login(kind), kind).toBe(false);
        const host = hostOf(kind).name;
        const allowed = await delivery(fleet, {
          subHost: host, sub: { user: "reader", password: passwords.reader, topic: "sensors/#", port },
          pubHost: host, pub: { user: "writer", password: passwords.writer, topic: "sensors/kitchen/temp", port },
          message: `21.5 on ${kind}`,
        });
        expect(allowed, kind).toBe(`sensors/kitchen/temp 21.5 on ${kind}`);
        const forbidden = await delivery(fleet, {
          subHost: host, sub: { user: "reader", password: passwords.reader, topic: "private/#", port },
          pubHost: host, pub: { user: "smc", password: passwords.smc, topic: "private/secret", port },
          message: "nope", waitSeconds: 4,
        });
        expect(forbidden, kind).toBe("");
      }),
    );
  });

  it("changes nothing on a second run", async () => {
    const run = await play("mosquitto.yml");
    expect(run.exitCode, run.stdout.slice(-4000)).toBe(0);
    expect(changedTasks(parseJson(run))).toEqual([]);
  });

  it("reloads every broker in place for a new password: check predicts exactly the run, the pid stays", async () => {
    const before = await brokerPids();
    await writeInventory({ readerPassword: "reader pass 2" });
    const check = await play("mosquitto.yml", "--check", "--diff");
    expect(check.exitCode, check.stdout.slice(-4000)).toBe(0);
    const predicted = changedTasks(parseJson(check));
    expect(predicted).toEqual(kinds.map((kind) => `${brokerTask} @ ${kind}`).sort());

    const run = await play("mosquitto.yml");
    const document = parseJson(run);
    expect(run.exitCode, run.stdout.slice(-4000)).toBe(0);
    expect(changedTasks(document)).toEqual(predicted);
    for (const kind of kinds) {
      const changes = taskResults(document, brokerTask)[kind]?.changes ?? [];
      expect(changes.some((change) => /reload/i.test(change)), `${kind}: ${changes.join("; ")}`).toBe(true);
    }
    expect(await brokerPids()).toEqual(before);
    for (const kind of kinds) {
      expect(await login(kind, "reader", passwords.reader), kind).toBe(false);
      expect(await login(kind, "reader", "reader pass 2"), kind).toBe(true);
    }
  });

  it("restarts every broker for a config change (a new port): check shows the diff and predicts exactly the run", async () => {
    const before = await brokerPids();
    port = 20201;
    await writeInventory({ readerPassword: "reader pass 2" });
    const check = await play("mosquitto.yml", "--check", "--diff");
    const checkDocument = parseJson(check);
    expect(check.exitCode, check.stdout.slice(-4000)).toBe(0);
    const predicted = changedTasks(checkDocument);
    expect(predicted).toEqual(kinds.map((kind) => `${brokerTask} @ ${kind}`).sort());
    const diff = taskResults(checkDocument, brokerTask)["centos"] as unknown as { diff: { before: string; after: string }[] };
    expect(diff.diff.map((d) => d.before).join("")).toContain("listener 20200");
    expect(diff.diff.map((d) => d.after).join("")).toContain("listener 20201");

    const run = await play("mosquitto.yml");
    expect(run.exitCode, run.stdout.slice(-4000)).toBe(0);
    expect(changedTasks(parseJson(run))).toEqual(predicted);
    const after = await brokerPids();
    for (const kind of kinds) {
      expect(after[kind], kind).not.toBe(before[kind]);
      expect(await login(kind, "smc", passwords.smc), kind).toBe(true);
    }
  });

  it("rolls a broken config back on every kind: the run fails, the files are as before, the broker answers", async () => {
    const configs = async () =>
      Promise.all(kinds.map(async (kind) => (await fleet.sshRun(hostOf(kind), "sha256sum /etc/mosquitto/mosquitto.conf")).stdout));
    const before = await configs();
    // an address no host has: no broker can bind its listener
    const run = await play("mosquitto.yml", "-e", "mqtt_listen_address=10.213.250.250");
    expect(run.exitCode).toBe(2);
    const results = taskResults(parseJson(run), brokerTask);
    for (const kind of kinds) {
      expect(results[kind]?.failed, kind).toBe(true);
      expect(results[kind]?.msg, kind).toMatch(/rolled back/);
      expect(results[kind]?.msg, kind).toMatch(/Cannot assign requested address|Error/);
    }
    expect(await configs()).toEqual(before);
    for (const kind of kinds) expect(await login(kind, "smc", passwords.smc), kind).toBe(true);
  });

  it("bridges the Pi to the cloud broker with pi-bridge.yml: a message published on the Pi arrives there", async () => {
    const run = await play("pi-bridge.yml");
    expect(run.exitCode, run.stdout.slice(-4000)).toBe(0);
    const cloud = hostOf("systemd").name;
    const bridged = await delivery(fleet, {
      subHost: cloud, sub: { user: "smc", password: passwords.smc, topic: "devices/#", port },
      pubHost: hostOf("pi").name, pub: { user: "smc", password: passwords.smc, topic: "test1/door", port },
      message: "open",
    });
    expect(bridged).toBe("devices/pi-07/test1/door open");
    expect((await fleet.sshRun(hostOf("pi"), "uname -m")).stdout.trim()).toBe("armv7l");
  });
});
