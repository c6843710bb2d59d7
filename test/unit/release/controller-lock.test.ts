import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { beforeEach, describe, expect, it } from "vitest";
import { acquireControllerLock, controllerLockFile } from "../../../src/release/controller-lock.js";
import { ReleaseError } from "../../../src/release/exit-codes.js";
import { currentHolder, pidAlive, type LockHolder } from "../../../src/release/holder.js";

let stateDir: string;

beforeEach(async () => {
  stateDir = path.join(await mkdtemp(path.join(tmpdir(), "smcrelease-lock-")), ".smcrelease");
});

/** the pid of a process that has ended (and, freshly reaped, is not reused yet) */
async function deadPid(): Promise<number> {
  const child = execa("true");
  await child;
  return child.pid!;
}

const someoneElse = (pid: number, hostname = os.hostname()): LockHolder => ({
  user: "alice",
  pid,
  hostname,
  since: "2025-01-06T09:00:00.000Z",
  version: "1.0.0",
  infra: "acme",
});

async function refusal(promise: Promise<unknown>): Promise<ReleaseError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ReleaseError);
  return error as ReleaseError;
}

describe("the controller's release lock", () => {
  it("is created with the holder's JSON and removed on release", async () => {
    const holder = currentHolder("acme", "1.1.0");
    const lock = await acquireControllerLock(stateDir, holder);
    const file = controllerLockFile(stateDir, "acme");
    expect(lock.file).toBe(file);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ ...holder, pid: process.pid, hostname: os.hostname() });
    lock.release();
    await expect(readFile(file, "utf8")).rejects.toThrow(/ENOENT/);
    lock.release(); // twice is harmless
  });

  it("refuses a second release of the infra with exit 7, naming the holder", async () => {
    const first = await acquireControllerLock(stateDir, currentHolder("acme", "1.1.0"));
    const error = await refusal(acquireControllerLock(stateDir, currentHolder("acme", "1.2.0")));
    expect(error.exitCode).toBe(7);
    expect(error.message).toContain(`infra acme is being released by`);
    expect(error.message).toContain(`pid ${process.pid} on ${os.hostname()}, releasing 1.1.0, since`);
    expect(error.hint).toContain("--wait");
    // another infra is not held
    const other = await acquireControllerLock(stateDir, currentHolder("beta", "1.2.0"));
    other.release();
    first.release();
  });

  it("refuses a live holder from another machine even if its pid is not alive here", async () => {
    const file = controllerLockFile(stateDir, "acme");
    await acquireControllerLock(stateDir, currentHolder("acme", "0.0.1")).then((lock) => lock.release());
    await writeFile(file, JSON.stringify(someoneElse(await deadPid(), "jump-host-2")));
    // a lock timeout longer than the lock's age: only the pid could tell, and it is not this machine's
    const error = await refusal(acquireControllerLock(stateDir, currentHolder("acme", "1.1.0"), { lockTimeoutMs: 100 * 365 * 24 * 3600_000 }));
    expect(error.message).toContain("alice (pid");
    expect(error.message).toContain("on jump-host-2, releasing 1.0.0, since 2025-01-06T09:00:00.000Z");
    expect(error.hint).toMatch(/if it is never given back, it is taken over at \d{4}-\d\d-\d\dT/);
  });

  it("takes over a lock from another machine held past the lock timeout, saying how long it was held", async () => {
    const file = controllerLockFile(stateDir, "acme");
    await acquireControllerLock(stateDir, currentHolder("acme", "0.0.1")).then((lock) => lock.release());
    const sevenHoursAgo = new Date(Date.now() - 7 * 3600_000).toISOString();
    await writeFile(file, JSON.stringify({ ...someoneElse(1, "jump-host-2"), since: sevenHoursAgo }));
    const warnings: string[] = [];
    const lock = await acquireControllerLock(stateDir, currentHolder("acme", "1.1.0"), { warn: (message) => warnings.push(message) });
    expect(warnings).toEqual([expect.stringMatching(/taking over a stale release lock .*on jump-host-2.*: it has held the lock for 7 h, past the lock timeout of 6 h/)]);
    lock.release();
    // a fresh one from that machine is refused, naming when it would be taken over
    const oneHourAgo = new Date(Date.now() - 3600_000);
    await writeFile(file, JSON.stringify({ ...someoneElse(1, "jump-host-2"), since: oneHourAgo.toISOString() }));
    const error = await refusal(acquireControllerLock(stateDir, currentHolder("acme", "1.2.0")));
    expect(error.hint).toContain(`taken over at ${new Date(oneHourAgo.getTime() + 6 * 3600_000).toISOString()} (the lock timeout, 6 h, --lock-timeout)`);
  });

  it("takes over a stale lock (its process is gone on this machine) with a warning", async () => {
    const pid = await deadPid();
    expect(pidAlive(pid)).toBe(false);
    const file = controllerLockFile(stateDir, "acme");
    await acquireControllerLock(stateDir, currentHolder("acme", "0.0.1")).then((lock) => lock.release());
    await writeFile(file, JSON.stringify(someoneElse(pid)));
    const warnings: string[] = [];
    const holder = currentHolder("acme", "1.1.0");
    const lock = await acquireControllerLock(stateDir, holder, { warn: (message) => warnings.push(message) });
    expect(warnings).toEqual([expect.stringContaining(`taking over a stale release lock ${file}: alice (pid ${pid}`)]);
    expect(JSON.parse(await readFile(file, "utf8")).version).toBe("1.1.0");
    lock.release();
  });

  it("does not remove a lock that is no longer its own", async () => {
    const lock = await acquireControllerLock(stateDir, currentHolder("acme", "1.1.0"));
    const file = controllerLockFile(stateDir, "acme");
    const replaced = JSON.stringify(someoneElse(process.pid));
    await writeFile(file, replaced);
    lock.release();
    expect(await readFile(file, "utf8")).toBe(replaced);
  });

  it("waits with --wait until the holder lets go", async () => {
    const first = await acquireControllerLock(stateDir, currentHolder("acme", "1.1.0"));
    setTimeout(() => first.release(), 300);
    const second = await acquireControllerLock(stateDir, currentHolder("acme", "1.2.0"), { waitMs: 10_000, pollMs: 50 });
    expect(JSON.parse(await readFile(second.file, "utf8")).version).toBe("1.2.0");
    second.release();
  });

  it("still refuses after waiting when the holder keeps the lock", async () => {
    const first = await acquireControllerLock(stateDir, currentHolder("acme", "1.1.0"));
    const error = await refusal(acquireControllerLock(stateDir, currentHolder("acme", "1.2.0"), { waitMs: 200, pollMs: 50 }));
    expect(error.exitCode).toBe(7);
    first.release();
  });

  it("refuses a lock file that does not say who holds it, telling how to clear it", async () => {
    const file = controllerLockFile(stateDir, "acme");
    await acquireControllerLock(stateDir, currentHolder("acme", "0.0.1")).then((lock) => lock.release());
    await writeFile(file, "garbage");
    const error = await refusal(acquireControllerLock(stateDir, currentHolder("acme", "1.1.0")));
    expect(error.exitCode).toBe(7);
    expect(error.hint).toBe(`if no release is running, remove ${file}`);
  });
});
