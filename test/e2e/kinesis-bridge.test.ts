/**
 * playbooks/kinesis-bridge.yml on a fresh host: the broker plus the MQTT-to-Kinesis bridge,
 * whose code the host clones with the git module from a `git daemon` on the controller, bound
 * to the fleet bridge's address (traffic stays inside the fleet subnet). The bridge runs with
 * kinesis_bridge_mode=log_only: each message becomes the put_record request it would send,
 * appended to a file. NO Kinesis endpoint, real or fake, is called in this test.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quoteWord } from "../../src/connection/quote.js";
import { startFleet, type Fleet } from "../fleet/fleet.js";
import { changedTasks, parseJson, tsible } from "./helpers/run-tsible.js";

const playbook = path.resolve("playbooks/kinesis-bridge.yml");
const fixture = path.resolve("test/fixtures/kinesis-bridge");
const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 70;
const daemonPort = 19000 + fleetId;
const brokerPort = 20200;
const password = "kinesis smc pass & 'q'";
const outputFile = "/var/lib/kinesis-bridge/records.jsonl";
const git = (cwd: string, ...args: string[]) => execa("git", ["-c", "user.name=tsible-test", "-c", "user.email=test@tsible.invalid", ...args], { cwd });

let fleet: Fleet;
let dir: string;
let work: string;
let daemon: ResultPromise | undefined;

beforeAll(async () => {
  fleet = await startFleet({ count: 1, id: fleetId });
  dir = await mkdtemp(path.join(tmpdir(), "tsible-kinesis-"));

  // the bridge's code: a working repo made from the fixture, pushed to a bare repo that git daemon serves
  work = path.join(dir, "work");
  await cp(fixture, work, { recursive: true });
  await git(work, "init", "--quiet", "-b", "main");
  await git(work, "add", "-A");
  await git(work, "commit", "--quiet", "-m", "MQTT-to-Kinesis bridge");
  await mkdir(path.join(dir, "serve"));
  await git(dir, "clone", "--quiet", "--bare", work, path.join(dir, "serve", "kinesis-bridge.git"));
  await git(work, "remote", "add", "origin", path.join(dir, "serve", "kinesis-bridge.git"));
  daemon = execa("git", ["daemon", "--reuseaddr", `--listen=${fleet.bridgeAddress}`, `--port=${daemonPort}`, "--export-all", `--base-path=${path.join(dir, "serve")}`], {
    reject: false,
    stdin: "ignore",
  });
  const url = repoUrl();
  for (let tries = 0; ; tries++) {
    const probe = await execa("git", ["ls-remote", url], { reject: false });
    if (probe.exitCode === 0) break;
    if (tries > 50) throw new Error(`git daemon did not answer at ${url}: ${probe.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const host = fleet.hosts[0]!;
  await writeFile(
    path.join(dir, "hosts"),
    [
      "[kinesis_bridge]",
      `${host.name} ansible_host=${host.address} ansible_user=deploy ansible_ssh_private_key_file=${fleet.keyFile}`,
      "",
    ].join("\n"),
  );
  await mkdir(path.join(dir, "group_vars"));
  await writeFile(
    path.join(dir, "group_vars", "all.yml"),
    [
      `mqtt_broker_port: ${brokerPort}`,
      `mqtt_password: ${JSON.stringify(password)}`,
      `kinesis_bridge_repo: ${repoUrl()}`,
      "kinesis_stream_name: Foo",
      "kinesis_region: ap-northeast-1",
      'kinesis_topic_filter: "censors/+"',
      "kinesis_bridge_mode: log_only",
      "",
    ].join("\n"),
  );
}, 900_000);

afterAll(async () => {
  daemon?.kill();
  await daemon;
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function repoUrl(): string {
  return `git://${fleet.bridgeAddress}:${daemonPort}/kinesis-bridge.git`;
}

const play = (...extra: string[]) =>
  tsible(["play", playbook, "-i", path.join(dir, "hosts"), "--known-hosts", fleet.knownHostsFile, "--json", ...extra]);

async function remote(command: string): Promise<string> {
  const result = await fleet.sshRun(fleet.hosts[0]!, command);
  if (result.exitCode !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  return result.stdout;
}

const bridgePid = async (): Promise<string> => (await remote("pgrep -u kinesis-bridge -f 'bridge.py --config' || true")).trim();

/** publish on the host's broker, wait until the bridge wrote a record for it, return that record */
async function publishAndRead(topic: string, message: string): Promise<Record<string, string>> {
  const pub = ["mosquitto_pub", "-p", String(brokerPort), "-u", "smc", "-P", password, "-t", topic, "-m", message, "-q", "1"];
  await remote(pub.map(quoteWord).join(" "));
  for (let tries = 0; tries < 50; tries++) {
    const lines = (await remote(`cat ${outputFile} 2>/dev/null || true`)).split("\n").filter((line) => line !== "");
    const record = lines.map((line) => JSON.parse(line) as Record<string, string>).find((entry) => entry.PartitionKey === topic);
    if (record) return record;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no record for ${topic} in ${outputFile}; bridge log:\n${await remote("tail -n 20 /var/log/kinesis-bridge/kinesis-bridge.log")}`);
}

describe("the MQTT-to-Kinesis bridge playbook", () => {
  it("installs the broker and the bridge, and the bridge runs as its own user", async () => {
    const run = await play();
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(password);
    const document = parseJson(run);
    expect(changedTasks(document)).toContain(`kinesis_bridge : The bridge's code @ ${fleet.hosts[0]!.name}`);

    expect(await bridgePid()).toMatch(/^\d+$/);
    expect(await remote("git --version; python3 -c 'import boto3, paho.mqtt; print(\"imports ok\")'")).toMatch(/^git version .*\nimports ok\n$/);
    const head = (await git(work, "rev-parse", "HEAD")).stdout.trim();
    expect((await remote("git -C /opt/kinesis-bridge rev-parse HEAD")).trim()).toBe(head);
    expect(await remote("stat -c '%U:%G %a' /etc/kinesis-bridge/bridge.conf /etc/init.d/kinesis-bridge; getent passwd kinesis-bridge | cut -d: -f6,7")).toBe(
      "kinesis-bridge:kinesis-bridge 600\nroot:root 755\n/var/lib/kinesis-bridge:/usr/sbin/nologin\n",
    );
    expect(await remote("cat /etc/kinesis-bridge/bridge.conf")).toBe(
      [
        `# Managed by tsible for ${fleet.hosts[0]!.name}: local edits are overwritten.`,
        "# The MQTT-to-Kinesis bridge: which broker and topics it reads, which stream it writes.",
        "[mqtt]",
        "host = 127.0.0.1",
        `port = ${brokerPort}`,
        "username = smc",
        `password = ${password}`,
        `client_id = kinesis-bridge-${fleet.hosts[0]!.name}`,
        "topic_filter = censors/+",
        "qos = 1",
        "",
        "[kinesis]",
        "stream_name = Foo",
        "region = ap-northeast-1",
        "endpoint_url = ",
        "",
        "[bridge]",
        "mode = log_only",
        `output_file = ${outputFile}`,
        "log_file = /var/log/kinesis-bridge/kinesis-bridge.log",
        "",
      ].join("\n"),
    );
    // no systemd here: the init script is installed, the unit is not
    expect(await remote("ls /etc/systemd/system/kinesis-bridge.service 2>&1 || true")).toContain("No such file");
  });

  it("puts a message published to the broker into the stream's records (log_only: no AWS call)", async () => {
    const record = await publishAndRead("censors/humidity", "78.9");
    // the seed runbook's own example: "78.9" is NzguOQ== in Kinesis
    expect(record).toEqual({ StreamName: "Foo", PartitionKey: "censors/humidity", Data: "NzguOQ==" });
  });

  it("changes nothing on the second run", async () => {
    const pid = await bridgePid();
    const run = await play();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(changedTasks(parseJson(run))).toEqual([]);
    expect(await bridgePid()).toBe(pid);
  });

  it("predicts a stream name change in check mode, then restarts the bridge onto the new stream", async () => {
    const host = fleet.hosts[0]!.name;
    const pid = await bridgePid();
    const change = ["-e", "kinesis_stream_name=Bar"];
    const check = await play("--check", "--diff", ...change);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).not.toContain(password);
    const predicted = changedTasks(parseJson(check));
    expect(predicted).toEqual([
      `kinesis_bridge : Bridge configuration (holds the broker password) @ ${host}`,
      `kinesis_bridge : restart kinesis-bridge @ ${host}`,
    ]);
    expect(await remote("grep stream_name /etc/kinesis-bridge/bridge.conf")).toBe("stream_name = Foo\n");
    expect(await bridgePid()).toBe(pid);

    const real = await play(...change);
    expect(real.exitCode, real.stderr).toBe(0);
    expect(changedTasks(parseJson(real))).toEqual(predicted);
    const restarted = await bridgePid();
    expect(restarted).toMatch(/^\d+$/);
    expect(restarted).not.toBe(pid);
    expect(await publishAndRead("censors/temperature", "21.5")).toEqual({ StreamName: "Bar", PartitionKey: "censors/temperature", Data: "MjEuNQ==" });

    expect(changedTasks(parseJson(await play(...change)))).toEqual([]);
  });

  it("updates the code to a new commit and restarts, as check mode predicted", async () => {
    const host = fleet.hosts[0]!.name;
    const change = ["-e", "kinesis_stream_name=Bar"];
    await writeFile(path.join(work, "CHANGELOG"), "1.1: nothing but a new commit\n");
    await git(work, "add", "CHANGELOG");
    await git(work, "commit", "--quiet", "-m", "1.1");
    await git(work, "push", "--quiet", "origin", "main");
    const head = (await git(work, "rev-parse", "HEAD")).stdout.trim();
    const pid = await bridgePid();

    const predicted = changedTasks(parseJson(await play("--check", ...change)));
    expect(predicted).toEqual([`kinesis_bridge : The bridge's code @ ${host}`, `kinesis_bridge : restart kinesis-bridge @ ${host}`]);
    expect((await remote("git -C /opt/kinesis-bridge rev-parse HEAD")).trim()).not.toBe(head);

    const real = await play(...change);
    expect(real.exitCode, real.stderr).toBe(0);
    expect(changedTasks(parseJson(real))).toEqual(predicted);
    expect((await remote("git -C /opt/kinesis-bridge rev-parse HEAD")).trim()).toBe(head);
    expect(await bridgePid()).not.toBe(pid);
  });

  it("picks the systemd unit instead of the init script when ansible_service_mgr is systemd (check mode only)", async () => {
    // the fleet has no systemd: override the fact and let check mode show what would be written
    const host = fleet.hosts[0]!.name;
    const check = await play("--check", "--diff", "-e", "kinesis_stream_name=Bar", "-e", "ansible_service_mgr=systemd");
    expect(check.exitCode, check.stderr).toBe(0);
    const predicted = parseJson(check);
    expect(changedTasks(predicted)).toEqual([`kinesis_bridge : restart kinesis-bridge @ ${host}`, `kinesis_bridge : systemd unit @ ${host}`]);
    const unitTask = predicted.plays[0]!.tasks.find((task) => task.task.name === "kinesis_bridge : systemd unit")!;
    const diff = unitTask.hosts[host]!.diff[0]!;
    expect(diff.before_header).toBe("/etc/systemd/system/kinesis-bridge.service");
    expect(diff.after).toBe(
      [
        `# Managed by tsible for ${host}: local edits are overwritten.`,
        "[Unit]",
        "Description=MQTT-to-Kinesis bridge (configured in /etc/kinesis-bridge/bridge.conf)",
        "After=network-online.target mosquitto.service",
        "Wants=network-online.target",
        "",
        "[Service]",
        "User=kinesis-bridge",
        "Group=kinesis-bridge",
        "WorkingDirectory=/var/lib/kinesis-bridge",
        "ExecStart=/usr/bin/python3 /opt/kinesis-bridge/bridge.py --config /etc/kinesis-bridge/bridge.conf",
        "Restart=on-failure",
        "RestartSec=5",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n"),
    );
    const initTask = predicted.plays[0]!.tasks.find((task) => task.task.name === "kinesis_bridge : Init script (sysvinit, or no init system)")!;
    expect(initTask.hosts[host]!.skipped).toBe(true);
  });
});
