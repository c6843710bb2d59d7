/**
 * The engine's story on fresh hosts: a playbook converges three hosts, a
 * second run changes nothing, check mode after a variable change predicts
 * exactly what the real run then changes (and changes nothing itself), and
 * every file ends with the expected bytes, owner and mode.
 */
import { mkdtemp, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetCredentials, startFleet, type Fleet } from "../fleet/fleet.js";
import { changedTasks, parseJson, tsible } from "./helpers/run-tsible.js";

const playbook = path.resolve("test/fixtures/engine/site.yml");
let fleet: Fleet;
let inventory: string;

// a fleet of its own: other e2e files leave packages and users behind on the shared one
const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 50;

beforeAll(async () => {
  fleet = await startFleet({ count: 3, id: fleetId });
  const dir = await mkdtemp(path.join(tmpdir(), "tsible-engine-"));
  const [web1, web2, db1] = fleet.hosts;
  const line = (host: typeof web1, user?: string) =>
    `${host!.name} ansible_host=${host!.address}${user ? ` ansible_user=${user}` : ""} ansible_ssh_private_key_file=${fleet.keyFile}`;
  inventory = path.join(dir, "hosts");
  await writeFile(
    inventory,
    [
      "# the engine test's inventory: two web hosts log in as the play's remote_user (deploy, sudo without",
      "# password), the db host as ops (sudo with one)",
      "[web]",
      line(web1),
      line(web2),
      "",
      "[db]",
      line(db1, "ops"),
      "",
      "[fleet:children]",
      "web",
      "db",
      "",
    ].join("\n"),
  );
  await mkdir(path.join(dir, "host_vars"));
  await writeFile(path.join(dir, "host_vars", `${db1!.name}.yml`), `ansible_become_password: ${fleetCredentials.opsSudoPassword}\n`);
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
});

const play = (...extra: string[]) =>
  tsible(["play", playbook, "-i", inventory, "--known-hosts", fleet.knownHostsFile, "--host-key-checking", "strict", "--json", ...extra]);

async function remote(host: string, command: string): Promise<string> {
  const result = await fleet.sshRun(host, command);
  if (result.exitCode !== 0) throw new Error(`${command} on ${host} failed: ${result.stderr}`);
  return result.stdout;
}

describe("a playbook run against real hosts", () => {
  it("converges every host on the first run", async () => {
    const run = await play();
    const document = parseJson(run);
    expect(run.exitCode, run.stderr).toBe(0);
    for (const host of fleet.hosts) {
      const stats = document.stats[host.name];
      expect(stats?.failures).toBe(0);
      expect(stats?.unreachable).toBe(0);
      expect(stats?.changed).toBeGreaterThan(5);
      // the block's failing command is rescued on every host
      expect(stats?.rescued).toBe(1);
    }
  });

  it("changes nothing on the second run", async () => {
    const run = await play();
    const document = parseJson(run);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(changedTasks(document)).toEqual([]);
    for (const host of fleet.hosts) expect(document.stats[host.name]?.changed).toBe(0);
  });

  it("predicts in check mode exactly what the real run then changes", async () => {
    const change = ["-e", "demo_port=1884", "-e", '{"demo_users": ["alice", "bob", "carol"]}'];
    const confBefore = await remote(fleet.hosts[0]!.name, "sha256sum /etc/mosquitto/conf.d/demo.conf /opt/demo/users");

    const check = await play("--check", "--diff", ...change);
    const predicted = parseJson(check);
    expect(check.exitCode, check.stderr).toBe(0);
    const predictedChanges = changedTasks(predicted);
    for (const host of fleet.hosts) {
      expect(predictedChanges).toContain(`broker : Broker listener config @ ${host.name}`);
      expect(predictedChanges).toContain(`broker : restart mosquitto @ ${host.name}`);
      expect(predictedChanges).toContain(`Users of the application, one per line @ ${host.name}`);
    }
    // check mode left the host alone
    expect(await remote(fleet.hosts[0]!.name, "sha256sum /etc/mosquitto/conf.d/demo.conf /opt/demo/users")).toBe(confBefore);

    // the diff shows the right lines
    const templateTask = predicted.plays[0]!.tasks.find((task) => task.task.name === "broker : Broker listener config")!;
    const diff = templateTask.hosts[fleet.hosts[0]!.name]!.diff[0]!;
    expect(diff.before_header).toBe("/etc/mosquitto/conf.d/demo.conf");
    expect(diff.before).toContain("listener 1883\n");
    expect(diff.after).toContain("listener 1884\n");
    expect(diff.after.replace("listener 1884", "listener 1883")).toBe(diff.before);

    const real = await play(...change);
    expect(real.exitCode, real.stderr).toBe(0);
    expect(changedTasks(parseJson(real))).toEqual(predictedChanges);

    const again = await play(...change);
    expect(changedTasks(parseJson(again))).toEqual([]);
  });

  it("leaves every file with the expected bytes, owner and mode", async () => {
    for (const host of fleet.hosts) {
      const conf = await remote(host.name, "cat /etc/mosquitto/conf.d/demo.conf; stat -c '%U:%G %a' /etc/mosquitto/conf.d/demo.conf");
      expect(conf).toBe(
        [
          `# Managed by tsible for ${host.name}: edits here are overwritten.`,
          "listener 1884",
          "allow_anonymous true",
          "log_type error",
          "# topic sensors/#",
          "# topic devices/+/state",
          "root:mosquitto 640\n",
        ].join("\n"),
      );
      expect(await remote(host.name, "cat /opt/demo/users; stat -c '%U:%G %a' /opt/demo/users /opt/demo")).toBe(
        "alice\nbob\ncarol\ndemo:demo 640\ndemo:demo 750\n",
      );
      expect(await remote(host.name, "cat /opt/demo/greeting; stat -c '%a' /opt/demo/greeting")).toBe(`hello from ${host.name}\n644\n`);
      expect(await remote(host.name, "getent passwd demo | cut -d: -f7; dpkg-query -W -f='${Status}' hello")).toBe(
        "/bin/sh\ninstall ok installed",
      );
      const isWeb = host !== fleet.hosts[2];
      const page = await fleet.sshRun(host.name, "cat /opt/demo/index.html");
      expect(page.exitCode === 0).toBe(isWeb);
      // the restarted broker listens on the new port
      const roundTrip = await remote(
        host.name,
        "(mosquitto_sub -p 1884 -t t/1 -C 1 -W 10 > /tmp/sub.out &) ; sleep 1; mosquitto_pub -p 1884 -t t/1 -m ping; sleep 1; cat /tmp/sub.out",
      );
      expect(roundTrip.trim()).toBe("ping");
    }
  });
});
