/**
 * The connection drops mid-deploy: the deploy user's ssh session on one host is killed at a
 * chosen point of the broker task (while its files are written, when the restart starts with a
 * good config, when it starts with a broken one). tsible loses the host and can neither verify nor
 * roll back; the host's rollback watchdog must then put the previous files back and restart the
 * broker on them. Afterwards the broker runs, on its old files or its new ones, never a mix, and
 * answers on the port those files name; the next run converges it.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFleet, type Fleet, type HostKind } from "../fleet/fleet.js";
import { canLogIn } from "../e2e/helpers/mqtt-clients.js";
import { parseJson, tsible, tsibleBin } from "../e2e/helpers/run-tsible.js";
import { cases, tryCase } from "./record.js";

const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 43;
const kinds: HostKind[] = ["systemd", "debian"];
const rollbackAfter = 15;
const managed = ["/etc/mosquitto/mosquitto.conf", "/var/lib/dgcsdev/mosquitto/conf/acl", "/var/lib/dgcsdev/mosquitto/conf/passwd"];
let fleet: Fleet;
let dir: string;
let port = 20200;

const hostOf = (kind: HostKind) => fleet.hosts.find((host) => host.kind === kind)!;

async function writeInventory(vars: { port: number; password: string; listen?: string }): Promise<void> {
  await writeFile(
    path.join(dir, "hosts"),
    ["[mqtt]", ...kinds.map((kind) => `${kind} ansible_host=${hostOf(kind).address} ansible_user=deploy ansible_ssh_private_key_file=${fleet.keyFile}`), ""].join("\n"),
  );
  await mkdir(path.join(dir, "group_vars"), { recursive: true });
  await writeFile(
    path.join(dir, "group_vars", "all.yml"),
    [
      `mqtt_broker_port: ${vars.port}`,
      `mqtt_password: ${JSON.stringify(vars.password)}`,
      `mqtt_rollback_after: ${rollbackAfter}`,
      `mqtt_listen_address: ${JSON.stringify(vars.listen ?? "")}`,
      "",
    ].join("\n"),
  );
}

const play = () => tsible(["play", path.resolve("playbooks/mosquitto.yml"), "-i", path.join(dir, "hosts"), "--known-hosts", fleet.knownHostsFile, "--json"]);

async function fileSums(kind: HostKind): Promise<string> {
  return (await fleet.sshRun(hostOf(kind), `sha256sum ${managed.join(" ")} | cut -d' ' -f1`)).stdout;
}

/** Runs the playbook with -v and kills `kind`'s deploy sessions when a line matching `trigger` about it appears */
async function playAndCut(kind: HostKind, trigger: RegExp): Promise<{ exitCode: number; cut: boolean; stdout: string }> {
  const child = execa("node", [tsibleBin, "play", path.resolve("playbooks/mosquitto.yml"), "-i", path.join(dir, "hosts"), "--known-hosts", fleet.knownHostsFile, "-v"], {
    env: { NO_COLOR: "1" },
    reject: false,
    stdin: "ignore",
    timeout: 600_000,
  });
  let cut: Promise<unknown> | undefined;
  let seen = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    seen += chunk.toString();
    if (!cut && seen.split("\n").some((line) => line.startsWith(`<${kind}> `) && trigger.test(line))) {
      cut = fleet.sshRun(hostOf(kind), "pkill -KILL -f 'sshd: deploy' || true");
    }
  });
  const result = await child;
  await cut;
  return { exitCode: result.exitCode ?? -1, cut: cut !== undefined, stdout: result.stdout };
}

beforeAll(async () => {
  fleet = await startFleet({ kinds, id: fleetId });
  dir = await mkdtemp(path.join(tmpdir(), "tsible-faults-drop-"));
  await writeInventory({ port, password: "first pass" });
  const first = await play();
  expect(first.exitCode, first.stdout.slice(-2000)).toBe(0);
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
});

const points = [
  { name: "while its files are written", trigger: /apply: update \/etc\/mosquitto\/mosquitto\.conf/, broken: false },
  { name: "as the restart on a good new config starts", trigger: /mosquitto: restart$/, broken: false },
  { name: "as the restart on a broken new config starts", trigger: /mosquitto: restart$/, broken: true },
];

describe("the connection drops mid-deploy", () => {
  it(`leaves the broker running on its old or its new files, never down or mixed, and the next run converges (${cases(3, 12)} cases)`, async () => {
    for (let index = 0; index < cases(3, 12); index++) {
      const point = points[index % points.length]!;
      // every point on every kind within 6 cases
      const kind = kinds[index % kinds.length]!;
      await tryCase("connection-drop", `${kind}: the session killed ${point.name}; the watchdog after ${rollbackAfter} s`, async () => {
        const oldPort = port;
        const oldPassword = oldPort === 20200 ? "first pass" : `pass ${oldPort}`;
        const oldSums = await fileSums(kind);
        port += 1;
        await writeInventory({ port, password: `pass ${port}`, ...(point.broken ? { listen: "10.213.250.250" } : {}) });
        const run = await playAndCut(kind, point.trigger);
        expect(run.cut, "the cut happened").toBe(true);
        // the watchdog's turn (plus a margin for the restart it runs)
        await new Promise((resolve) => setTimeout(resolve, (rollbackAfter + 12) * 1000));
        const sums = await fileSums(kind);
        const kit = await fleet.sshRun(hostOf(kind), "test -e /var/lib/tsible/broker-rollback/mosquitto && echo left || echo gone");
        expect(kit.stdout.trim(), "no rollback kit is left").toBe("gone");
        // the broker runs on the old files: they are all back, and it answers on the old port
        expect(sums, "every managed file is back to its old bytes").toBe(oldSums);
        expect(await canLogIn(fleet, hostOf(kind).name, { user: "smc", password: oldPassword, port: oldPort })).toBe(true);

        // the connection back, the next run (a good config) converges, and a second changes nothing
        await writeInventory({ port, password: `pass ${port}` });
        const next = await play();
        expect(next.exitCode, next.stdout.slice(-2000)).toBe(0);
        expect(parseJson(await play()).stats[kind]?.changed).toBe(0);
        expect(await canLogIn(fleet, hostOf(kind).name, { user: "smc", password: `pass ${port}`, port })).toBe(true);
        const log = (await fleet.sshRun(hostOf(kind), "tail -n 3 /var/lib/tsible/broker-rollback/mosquitto.log")).stdout.trim();
        return `tsible exited ${run.exitCode}; ${log.split("\n").at(-1) ?? "no watchdog log"}`;
      });
    }
  }, cases(3, 12) * 90_000);
});
