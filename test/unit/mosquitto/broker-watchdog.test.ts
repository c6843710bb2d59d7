/**
 * The rollback kit and its watchdog, run for real on this machine (sh, base64, setsid): arming
 * records the previous files, tsible's own rollback and the watchdog both put them back, a
 * second arming keeps the older records, and a disarmed watchdog does nothing.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { brokerWatchdog } from "../../../src/mosquitto/broker-watchdog.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tsible-watchdog-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = async (argv: readonly string[], stdin?: string) => {
  const result = await execa(argv[0]!, argv.slice(1), { input: stdin ?? "", reject: false });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
};

const exists = (path: string) => stat(path).then(() => true, () => false);
const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

function watchdog(seconds: number, recovery: string[] = ["true"]) {
  return brokerWatchdog({ run, service: "mosquitto", seconds, recovery, kitRoot: join(dir, "kits") });
}

describe("the broker's rollback watchdog", () => {
  it("lets tsible's own rollback put back an existing file and remove a new one, then disarms", async () => {
    const conf = join(dir, "mosquitto.conf");
    const acl = join(dir, "acl");
    await writeFile(conf, "listener 1883\n", { mode: 0o640 });
    const guard = watchdog(60);
    await guard.arm([
      { path: conf, existed: true, content: Buffer.from("listener 1883\n"), uid, gid, mode: "0640" },
      { path: acl, existed: false },
    ]);
    await writeFile(conf, "listener 20200\n");
    await writeFile(acl, "user smc\n");
    expect(await guard.restoreNow()).toEqual([]);
    expect(await readFile(conf, "utf8")).toBe("listener 1883\n");
    expect(((await stat(conf)).mode & 0o777).toString(8)).toBe("640");
    expect(await exists(acl)).toBe(false);
    await guard.disarm();
    // a deploy that went well leaves nothing: not the kit, not the kits' directory
    expect(await exists(join(dir, "kits"))).toBe(false);
  });

  it("restores and runs the recovery command by itself when it is not disarmed in time", async () => {
    const conf = join(dir, "mosquitto.conf");
    const marker = join(dir, "recovered");
    await writeFile(conf, "old bytes\n");
    await watchdog(1, ["sh", "-c", 'echo "$1" > "$2"', "sh", "restart", marker]).arm([
      { path: conf, existed: true, content: Buffer.from("old bytes\n"), uid, gid, mode: "0644" },
    ]);
    await writeFile(conf, "new bytes\n");
    // the kit goes last, after the restore, the recovery and the log line: on a busy machine the marker shows up well before
    await expect.poll(() => exists(join(dir, "kits", "mosquitto")), { timeout: 20_000 }).toBe(false);
    expect(await exists(marker)).toBe(true);
    expect(await readFile(conf, "utf8")).toBe("old bytes\n");
    expect(await readFile(marker, "utf8")).toBe("restart\n");
    expect(await readFile(join(dir, "kits", "mosquitto.log"), "utf8")).toMatch(/did not confirm the deploy within 1 s/);
  });

  it("does nothing once disarmed, and a later deploy's arming keeps the kit's older records", async () => {
    const conf = join(dir, "mosquitto.conf");
    const marker = join(dir, "recovered");
    await writeFile(conf, "first\n");
    const cutOff = watchdog(1, ["touch", marker]);
    await cutOff.arm([{ path: conf, existed: true, content: Buffer.from("first\n"), uid, gid, mode: "0644" }]);
    await writeFile(conf, "second\n");
    // a later deploy (a new token) arms over the cut-off one's kit: the record of "first" stays
    const later = watchdog(60);
    await later.arm([{ path: conf, existed: true, content: Buffer.from("second\n"), uid, gid, mode: "0644" }]);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await exists(marker)).toBe(false);
    expect(await readFile(conf, "utf8")).toBe("second\n");
    expect(await later.restoreNow()).toEqual([]);
    expect(await readFile(conf, "utf8")).toBe("first\n");
    await later.disarm();
  });
});
