import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { appendLocalLog, defaultStateDir, localLogFile } from "../../../src/release/local-log.js";
import { gitState, hostRecord, recordLine, releaseBase, releaseRecordSchema } from "../../../src/release/record.js";
import { readFile } from "node:fs/promises";

const git = (cwd: string, ...args: string[]) =>
  execa("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd });

async function inventoryRepo(): Promise<{ repo: string; infraDir: string }> {
  const repo = await mkdtemp(path.join(tmpdir(), "smcrelease-git-"));
  const infraDir = path.join(repo, "inventories", "acme");
  await mkdir(infraDir, { recursive: true });
  await writeFile(path.join(infraDir, "hosts"), "[mqtt]\nb1\n");
  await git(repo, "init", "-q");
  await git(repo, "add", ".");
  await git(repo, "commit", "-q", "-m", "acme");
  return { repo, infraDir };
}

describe("the release record", () => {
  it("names the commit of the inventory repository, clean", async () => {
    const { repo, infraDir } = await inventoryRepo();
    const head = (await git(repo, "rev-parse", "HEAD")).stdout.trim();
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(await gitState(infraDir)).toEqual({ commit: head, dirty: false });
  });

  it("says dirty when the work tree has changes, tracked or not", async () => {
    const { repo, infraDir } = await inventoryRepo();
    await writeFile(path.join(infraDir, "hosts"), "[mqtt]\nb1\nb2\n");
    expect((await gitState(infraDir))?.dirty).toBe(true);
    await git(repo, "commit", "-q", "-am", "b2");
    expect((await gitState(infraDir))?.dirty).toBe(false);
    await writeFile(path.join(infraDir, "new-host_vars.yml"), "x: 1\n");
    expect((await gitState(infraDir))?.dirty).toBe(true);
  });

  it("has no commit outside a git work tree", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "smcrelease-nogit-"));
    expect(await gitState(dir)).toBeNull();
  });

  it("carries infra, version, playbook, time, user, sudo user, controller and commit", async () => {
    const { repo, infraDir } = await inventoryRepo();
    const head = (await git(repo, "rev-parse", "HEAD")).stdout.trim();
    const now = new Date("2025-03-04T05:06:07.089Z");
    const base = await releaseBase({ infra: "acme", version: "1.1.0", playbook: "mosquitto.yml", inventoryDir: infraDir, now, env: { SUDO_USER: "alice" } });
    const record = hostRecord(base, "mqtt.acme.prod.example.com", 3);
    const expectedUser = os.userInfo().username;
    expect(record).toEqual({
      infra: "acme",
      version: "1.1.0",
      playbook: "mosquitto.yml",
      time: "2025-03-04T05:06:07.089Z",
      user: expectedUser,
      ...(expectedUser === "alice" ? {} : { sudoUser: "alice" }),
      controller: os.hostname(),
      git: { commit: head, dirty: false },
      result: "ok",
      host: "mqtt.acme.prod.example.com",
      changed: 3,
    });
    const line = recordLine(record);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1)).not.toContain("\n");
    expect(releaseRecordSchema.parse(JSON.parse(line))).toEqual(record);
  });

  it("has no sudo user when SUDO_USER is not set", async () => {
    const base = await releaseBase({ infra: "acme", version: "1.1.0", playbook: "m.yml", inventoryDir: tmpdir(), env: {} });
    expect(base.sudoUser).toBeUndefined();
    expect(base.user).toBe(os.userInfo().username);
  });
});

describe("the local release log", () => {
  it("lives beside the inventories directory and gets one line per release", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "smcrelease-log-"));
    const stateDir = defaultStateDir(path.join(root, "inventories"));
    expect(stateDir).toBe(path.join(root, ".smcrelease"));
    const base = await releaseBase({ infra: "acme", version: "1.0.0", playbook: "m.yml", inventoryDir: root, env: {} });
    await appendLocalLog(stateDir, { ...base, result: "ok", exitCode: 0, hosts: { b1: { result: "ok", changed: 2, recorded: true } } });
    await appendLocalLog(stateDir, { ...base, version: "1.1.0", result: "failed", exitCode: 2, hosts: { b1: { result: "failed", changed: 0, recorded: false } } });
    const lines = (await readFile(localLogFile(stateDir), "utf8")).trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line.version, line.result, line.exitCode])).toEqual([
      ["1.0.0", "ok", 0],
      ["1.1.0", "failed", 2],
    ]);
  });
});
