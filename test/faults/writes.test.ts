/**
 * Writes that cannot complete: the host's disk is full (a small tmpfs over the broker's config
 * directory), and an upload whose connection drops half-way. The write fails, saying which file
 * on which host, and the previous file is intact; once the fault is gone, the next run converges.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "../../src/connection/types.js";
import { startFleet, type Fleet } from "../fleet/fleet.js";
import { openFleetConnection } from "../helpers/module-context.js";
import { parseJson, tsible } from "../e2e/helpers/run-tsible.js";
import { cases, tryCase } from "./record.js";

const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 39;
const confDir = "/var/lib/dgcsdev/mosquitto/conf";
const brokerTask = "mosquitto : Broker configuration, users, ACL and bridges";
let fleet: Fleet;
let dir: string;

const host = () => fleet.hosts[0]!;
const root = (command: string) => fleet.sshRun(host(), command);

async function writeVars(readerTopic: string): Promise<void> {
  await mkdir(path.join(dir, "group_vars"), { recursive: true });
  await writeFile(
    path.join(dir, "group_vars", "all.yml"),
    ["mqtt_password: full-pass", "mqtt_users:", "  - { name: reader, password: reader-pass }", "mqtt_acl:", '  - { user: smc, topic: "#", access: readwrite }', `  - { user: reader, topic: ${JSON.stringify(readerTopic)}, access: read }`, ""].join("\n"),
  );
}

const play = () => tsible(["play", path.resolve("playbooks/mosquitto.yml"), "-i", path.join(dir, "hosts"), "--known-hosts", fleet.knownHostsFile, "--json"]);

beforeAll(async () => {
  fleet = await startFleet({ count: 1, id: fleetId });
  dir = await mkdtemp(path.join(tmpdir(), "tsible-faults-writes-"));
  await writeFile(path.join(dir, "hosts"), `[mqtt]\nb1 ansible_host=${host().address} ansible_user=deploy ansible_ssh_private_key_file=${fleet.keyFile}\n`);
  await writeVars("sensors/#");
  const first = await play();
  expect(first.exitCode, first.stdout.slice(-2000)).toBe(0);
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("a disk that is full", () => {
  it("fails the write naming the file and the host, keeps the previous file, and the next run converges", async () => {
    await tryCase("disk-full", "a 256 kB tmpfs, filled up, over the broker's config directory, then a changed ACL", async () => {
      // the fault: the config directory's contents moved onto a small tmpfs that is then filled
      const mounted = await root(
        `set -e; mkdir -p /tmp/full; mount -t tmpfs -o size=256k tmpfs /tmp/full; cp -a ${confDir}/. /tmp/full/
        dd if=/dev/zero of=/tmp/full/filler bs=4k 2>/dev/null || true; mount --bind /tmp/full ${confDir}`,
      );
      expect(mounted.exitCode, mounted.stderr).toBe(0);
      const before = (await root(`sha256sum ${confDir}/acl ${confDir}/passwd; pgrep -x mosquitto`)).stdout;
      await writeVars("sensors/kitchen/#");
      const run = await play();
      expect(run.exitCode).toBe(2);
      const failure = parseJson(run).plays[0]!.tasks.find((task) => task.task.name === brokerTask)!.hosts["b1"]!;
      expect(failure.failed).toBe(true);
      expect(failure.msg).toContain(`${confDir}/acl`);
      expect(failure.msg).toMatch(/No space left on device/);
      // the failed write changed nothing, so nothing is said to be restored (or not restorable)
      expect(failure.msg).toMatch(/no other file had been written; the broker was not touched/);
      expect(run.stdout).toMatch(/"b1"/);
      expect((await root(`sha256sum ${confDir}/acl ${confDir}/passwd; pgrep -x mosquitto`)).stdout).toBe(before);
      expect((await root(`ls -A ${confDir} | grep -c tsible-tmp`)).stdout.trim()).toBe("0");

      // the fault gone (the directory's own disk again), the next run makes the change
      expect((await root(`umount ${confDir} && umount /tmp/full`)).exitCode).toBe(0);
      const next = await play();
      expect(next.exitCode, next.stdout.slice(-2000)).toBe(0);
      expect((await root(`grep -c 'sensors/kitchen/#' ${confDir}/acl`)).stdout.trim()).toBe("1");
      return failure.msg?.split("\n")[0];
    });
  });
});

describe("an upload cut short", () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openFleetConnection(fleet, host(), "deploy");
  });
  afterAll(async () => {
    await conn?.close().catch(() => undefined);
  });

  it(`leaves the old file when the connection drops half-way (${cases(3, 10)} uploads of 64 MB)`, async () => {
    const file = "/tmp/tsible-upload-target";
    for (let attempt = 1; attempt <= cases(3, 10); attempt++) {
      await tryCase("upload-cut", "a 64 MB upload whose ssh session is killed on the host after 0.3-0.9 s", async () => {
        await root(`printf 'old content\\n' > ${file}`);
        // the outcome is awaited only after the cut: its handlers are attached at once
        const upload = conn.writeFile(file, Buffer.alloc(64 * 1024 * 1024, 0x61)).then(
          () => "completed",
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );
        await new Promise((resolve) => setTimeout(resolve, 300 + attempt * 200));
        // the session processes of this user: the connection tsible holds drops
        await root("pkill -KILL -f 'sshd: deploy' || true");
        const outcome = await upload;
        const after = (await root(`head -c 32 ${file}; echo; find /tmp -maxdepth 1 -name '.tsible-tmp.*' | wc -l`)).stdout;
        // old bytes, or (if it was fast enough to finish) all of the new ones; never a part
        if (outcome === "completed") {
          expect((await root(`stat -c %s ${file}`)).stdout.trim()).toBe(String(64 * 1024 * 1024));
        } else {
          expect(after.startsWith("old content\n")).toBe(true);
        }
        conn = await openFleetConnection(fleet, host(), "deploy");
        return outcome === "completed" ? "the upload finished before the cut" : `cut: ${outcome.split("\n")[0]}; old file kept`;
      });
    }
  });
});
