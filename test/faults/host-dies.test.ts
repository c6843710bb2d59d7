/**
 * A host dies mid-run: every process of one host is killed (a power cut: `fleet.sh kill`) at a
 * random moment of playbooks/mosquitto.yml on a fleet. The run must go on for the others, report
 * the dead host unreachable, print its recap (or its JSON document), and exit 3; once the host is
 * booted again, a re-run converges it, and no managed file on it was ever half-written.
 *
 * The first defect this guards against: the run exited 0 with no recap and no JSON at all.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetScript, startFleet, type Fleet } from "../fleet/fleet.js";
import { parseJson, tsible, tsibleBin, type JsonDocument } from "../e2e/helpers/run-tsible.js";
import { cases, random, seed, tryCase } from "./record.js";

const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 30;
const hostCount = cases(6, 20);
const rounds = cases(2, 10);
const playbook = path.resolve("playbooks/mosquitto.yml");
const managedFiles = [
  "/etc/mosquitto/mosquitto.conf",
  "/var/lib/dgcsdev/mosquitto/conf/acl",
  "/var/lib/dgcsdev/mosquitto/conf/passwd",
  "/var/lib/dgcsdev/mosquitto/conf/conf.d/tsible-bridges.conf",
];
const taskCount = 12;

let fleet: Fleet;
let dir: string;

async function writeInventory(round: number): Promise<void> {
  await writeFile(
    path.join(dir, "hosts"),
    ["[mqtt]", ...fleet.hosts.map((host) => `${host.name} ansible_host=${host.address} ansible_user=deploy ansible_ssh_private_key_file=${fleet.keyFile}`), ""].join("\n"),
  );
  await mkdir(path.join(dir, "group_vars"), { recursive: true });
  // every round changes the port and a password: every host has files to write and a broker to restart
  await writeFile(
    path.join(dir, "group_vars", "all.yml"),
    [`mqtt_broker_port: ${20200 + round}`, `mqtt_password: "round ${round} pass"`, "mqtt_users:", `  - { name: reader, password: "reader ${round}" }`, ""].join("\n"),
  );
}

/** sha256 of each managed file on a host ("-" when absent), and any temp file a write left behind */
async function fileState(host: string): Promise<{ sums: string[]; leftovers: string }> {
  const result = await fleet.sshRun(
    host,
    `for f in ${managedFiles.join(" ")}; do if [ -e "$f" ]; then sha256sum < "$f" | cut -d' ' -f1; else echo -; fi; done
echo @@
find /etc/mosquitto /var/lib/dgcsdev -name '.tsible-tmp.*' 2>/dev/null`,
  );
  const [sums = "", leftovers = ""] = result.stdout.split("@@\n");
  return { sums: sums.trim().split("\n"), leftovers: leftovers.trim() };
}

const play = (...extra: string[]) => tsible(["play", playbook, "-i", path.join(dir, "hosts"), "--known-hosts", fleet.knownHostsFile, "-f", "10", ...extra]);

/**
 * Runs the playbook and kills `victim` when the run reaches a moment: the start of its N-th task
 * (human output, read as it streams) or a delay in ms (--json, which prints only at the end).
 */
async function playAndKill(victim: string, json: boolean, moment: { task: number } | { afterMs: number }) {
  const args = ["play", playbook, "-i", path.join(dir, "hosts"), "--known-hosts", fleet.knownHostsFile, "-f", "10", ...(json ? ["--json"] : [])];
  const child = execa("node", [tsibleBin, ...args], { env: { NO_COLOR: "1" }, reject: false, stdin: "ignore", timeout: 600_000 });
  let killed: Promise<unknown> | undefined;
  const kill = () => (killed ??= execa(fleetScript, ["kill", victim], { env: { TSIBLE_FLEET_ID: String(fleet.id), TSIBLE_FLEET_DIR: fleet.dir } }));
  if ("task" in moment) {
    let tasksSeen = 0;
    child.stdout?.on("data", (chunk: Buffer) => {
      tasksSeen += (chunk.toString().match(/^TASK \[/gm) ?? []).length;
      if (tasksSeen >= moment.task) void kill();
    });
  } else {
    setTimeout(() => void kill(), moment.afterMs);
  }
  const result = await child;
  await kill();
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, timedOut: result.timedOut };
}

beforeAll(async () => {
  fleet = await startFleet({ count: hostCount, id: fleetId });
  dir = await mkdtemp(path.join(tmpdir(), "tsible-faults-dies-"));
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("a host dies mid-run", () => {
  it(`is reported unreachable, the others converge, and a re-run after it is back converges it (${rounds} rounds, seed ${seed})`, async () => {
    const pick = random();
    for (let round = 1; round <= rounds; round++) {
      await writeInventory(round);
      const victim = fleet.hosts[Math.floor(pick() * fleet.hosts.length)]!.name;
      const json = round % 2 === 0;
      const moment = json ? { afterMs: 500 + Math.floor(pick() * 5000) } : { task: 1 + Math.floor(pick() * taskCount) };
      const momentText = "task" in moment ? `at the start of task ${moment.task}` : `${moment.afterMs} ms in`;
      await tryCase("host-dies", `${hostCount} hosts, ${json ? "--json" : "human output"}: one host killed ${momentText}`, async () => {
        const before = await fileState(victim);
        const run = await playAndKill(victim, json, moment);
        expect(run.timedOut, "the run ended by itself").toBe(false);
        const others = fleet.hosts.map((host) => host.name).filter((name) => name !== victim);
        let document: JsonDocument | undefined;
        if (json) {
          document = parseJson(run);
          // the host may have finished the play before it died: then it is simply ok
          const stats = document.stats[victim];
          expect(stats, "the dead host is in the JSON stats").toBeDefined();
          for (const name of others) expect(document.stats[name], name).toMatchObject({ failures: 0, unreachable: 0 });
          expect(run.exitCode).toBe(stats!.unreachable > 0 ? 3 : 0);
        } else {
          expect(run.stdout).toContain("PLAY RECAP");
          const recap = new RegExp(`^${victim}\\s*: ok=\\d+\\s+changed=\\d+\\s+unreachable=(\\d+)\\s+failed=0`, "m").exec(run.stdout);
          expect(recap, `${victim}'s recap line`).not.toBeNull();
          for (const name of others) expect(run.stdout).toMatch(new RegExp(`^${name}\\s*: ok=\\d+\\s+changed=\\d+\\s+unreachable=0\\s+failed=0`, "m"));
          expect(run.exitCode).toBe(Number(recap![1]) > 0 ? 3 : 0);
        }
        for (const name of others) {
          expect((await fleet.sshRun(name, "grep -c '^listener " + (20200 + round) + "' /etc/mosquitto/mosquitto.conf")).stdout.trim(), name).toBe("1");
        }

        await execa(fleetScript, ["boot", victim], { env: { TSIBLE_FLEET_ID: String(fleet.id), TSIBLE_FLEET_DIR: fleet.dir } });
        const afterKill = await fileState(victim);
        const rerun = await play("--json");
        expect(rerun.exitCode, rerun.stdout.slice(-2000)).toBe(0);
        const again = await play("--json");
        expect(parseJson(again).stats[victim]?.changed, "a third run changes nothing").toBe(0);
        const converged = await fileState(victim);
        managedFiles.forEach((file, index) => {
          const seen = afterKill.sums[index];
          expect([before.sums[index], converged.sums[index]], `${file} after the kill is the old or the new file`).toContain(seen);
        });
        const unreachable = json ? (document?.stats[victim]?.unreachable ?? 0) > 0 : run.exitCode === 3;
        const notes = [unreachable ? "reported unreachable" : "had finished before it died"];
        if (afterKill.leftovers) notes.push(`a temp file was left beside a managed file: ${afterKill.leftovers.split("\n").join(", ")}`);
        return notes.join("; ");
      });
    }
  }, rounds * 150_000);

  it("closes the connection of a host that died before the run's end without hanging (regression: exit 0, no recap)", async () => {
    // one host, killed while a long task runs on it: the run must end with exit 3 and its recap
    await writeInventory(99);
    const victim = fleet.hosts[0]!.name;
    const sleeper = path.join(dir, "sleep.yml");
    await writeFile(sleeper, `- hosts: ${victim}\n  tasks:\n    - name: a long command\n      command: sleep 30\n`);
    const child = execa("node", [tsibleBin, "play", sleeper, "-i", path.join(dir, "hosts"), "--known-hosts", fleet.knownHostsFile], {
      env: { NO_COLOR: "1" },
      reject: false,
      stdin: "ignore",
      timeout: 120_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await execa(fleetScript, ["kill", victim], { env: { TSIBLE_FLEET_ID: String(fleet.id), TSIBLE_FLEET_DIR: fleet.dir } });
    const run = await child;
    await tryCase("host-dies", "one host killed during a 30 s command: the run ends, prints its recap and exits 3", async () => {
      expect(run.timedOut).toBe(false);
      expect(run.stdout).toContain("PLAY RECAP");
      expect(run.stdout).toMatch(new RegExp(`^${victim}\\s*: ok=\\d+\\s+changed=0\\s+unreachable=1`, "m"));
      expect(run.exitCode).toBe(3);
    });
    await execa(fleetScript, ["boot", victim], { env: { TSIBLE_FLEET_ID: String(fleet.id), TSIBLE_FLEET_DIR: fleet.dir } });
  });
});
