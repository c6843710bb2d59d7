/**
 * The git module: its pure parts, then plan and apply for real with the local
 * connection and the real git binary against repositories in a temp dir.
 */
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocalConnection } from "../../../src/connection/local.js";
import {
  checkoutArgv,
  cloneArgv,
  displayUrl,
  fetchArgv,
  gitArgs,
  gitModule,
  parseDestProbe,
  resolveRemoteRef,
} from "../../../src/modules/git.js";
import { findModule } from "../../../src/module-registry.js";
import type { ModuleContext, Plan } from "../../../src/modules/types.js";
import { bindTaskHost } from "../../../src/modules/host/task-host.js";
import { ModuleFailure } from "../../../src/modules/types.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

describe("resolveRemoteRef", () => {
  const lsRemote = [`${A}\tHEAD`, `${A}\trefs/heads/main`, `${B}\trefs/heads/feature/main`, `${C}\trefs/tags/v1`, `${B}\trefs/tags/v1^{}`, ""].join("\n");

  it("finds HEAD, a branch by its exact name, and an annotated tag's commit", () => {
    expect(resolveRemoteRef(lsRemote, "HEAD")).toEqual({ kind: "head", commit: A, ref: "HEAD" });
    expect(resolveRemoteRef(lsRemote, "main")).toEqual({ kind: "branch", commit: A, ref: "refs/heads/main", name: "main" });
    expect(resolveRemoteRef(lsRemote, "v1")).toEqual({ kind: "tag", commit: B, ref: "refs/tags/v1", name: "v1" });
    expect(resolveRemoteRef(lsRemote, "refs/heads/feature/main")).toMatchObject({ kind: "branch", commit: B, name: "feature/main" });
  });

  it("does not take a ref that only ends like the version", () => {
    expect(resolveRemoteRef(`${B}\trefs/heads/feature/dev\n`, "dev")).toBeUndefined();
    expect(resolveRemoteRef("", "HEAD")).toBeUndefined();
  });
});

describe("parseDestProbe", () => {
  it("reads a checkout's commit, branch, origin and modifications", () => {
    expect(parseDestProbe(`repo\nhead=${A}\nbranch=main\nurl=git://h/r\ndirty\n`)).toEqual({
      kind: "repo",
      head: A,
      branch: "main",
      originUrl: "git://h/r",
      dirty: true,
    });
    expect(parseDestProbe(`repo\nhead=${A}\n`)).toEqual({ kind: "repo", head: A, branch: undefined, originUrl: undefined, dirty: false });
  });

  it("tells the states that are not a checkout apart", () => {
    for (const kind of ["absent", "empty", "notdir", "notrepo", "nogit"]) expect(parseDestProbe(`${kind}\n`)).toEqual({ kind });
    expect(parseDestProbe("error=fatal: detected dubious ownership\n")).toEqual({ kind: "error", message: "fatal: detected dubious ownership" });
  });
});

describe("command lines", () => {
  it("clones shallow at a branch, but a bare commit in full", () => {
    expect(cloneArgv("git://h/r", "/opt/x", { kind: "branch", commit: A, ref: "refs/heads/dev", name: "dev" }, 1)).toEqual([
      "git", "clone", "--quiet", "--depth", "1", "--branch", "dev", "--", "git://h/r", "/opt/x",
    ]);
    expect(cloneArgv("git://h/r", "/opt/x", { kind: "commit", commit: A }, 1)).toEqual(["git", "clone", "--quiet", "--", "git://h/r", "/opt/x"]);
  });

  it("fetches only the ref it needs and checks a branch out as a branch", () => {
    const branch = { kind: "branch", commit: A, ref: "refs/heads/dev", name: "dev" } as const;
    expect(fetchArgv("/opt/x", branch, undefined)).toEqual(["git", "-C", "/opt/x", "fetch", "--quiet", "--force", "origin", "+refs/heads/dev:refs/remotes/origin/dev"]);
    expect(checkoutArgv("/opt/x", branch, "main")).toEqual(["git", "-C", "/opt/x", "checkout", "--quiet", "--force", "-B", "dev", A]);
    expect(checkoutArgv("/opt/x", { kind: "tag", commit: B, ref: "refs/tags/v1", name: "v1" }, "main")).toEqual([
      "git", "-C", "/opt/x", "checkout", "--quiet", "--force", "--detach", B,
    ]);
    expect(checkoutArgv("/opt/x", { kind: "head", commit: C, ref: "HEAD" }, "main")).toEqual(["git", "-C", "/opt/x", "checkout", "--quiet", "--force", "-B", "main", C]);
  });

  it("masks a password in a repo URL", () => {
    expect(displayUrl("https://bot:s3cret@git.example.com/r.git")).toBe("https://bot:********@git.example.com/r.git");
    expect(displayUrl("git://10.213.0.1:9418/r")).toBe("git://10.213.0.1:9418/r");
  });

  it("refuses option-looking values and relative dests", () => {
    expect(gitArgs.safeParse({ repo: "--upload-pack=x", dest: "/opt/x" }).success).toBe(false);
    expect(gitArgs.safeParse({ repo: "git://h/r", dest: "opt/x" }).success).toBe(false);
    expect(gitArgs.safeParse({ repo: "git://h/r", dest: "/opt/x", version: "-b" }).success).toBe(false);
    expect(gitArgs.parse({ repo: "git://h/r", dest: "/opt/x" })).toMatchObject({ version: "HEAD", force: false, update: true });
    expect(findModule("ansible.builtin.git")?.name).toBe("git");
  });
});

// ---------------------------------------------------------------- for real, with the local connection

const conn = openLocalConnection("localhost");
const context = (check = false): ModuleContext => ({
  host: bindTaskHost("localhost", conn, undefined),
  facts: () => Promise.reject(new Error("the git module needs no facts")),
  check,
  vars: {},
  renderTemplate: (text) => text,
  evaluate: () => true,
  findLocalFile: () => Promise.reject(new Error("no local files")),
  log: () => {},
});

let dir: string;
let origin: string;

async function gitIn(cwd: string, ...args: string[]): Promise<string> {
  const result = await execa("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd });
  return result.stdout.trim();
}

async function commit(file: string, text: string): Promise<string> {
  await writeFile(path.join(origin, file), text);
  await gitIn(origin, "add", file);
  await gitIn(origin, "commit", "--quiet", "-m", `write ${file}`);
  return gitIn(origin, "rev-parse", "HEAD");
}

async function planFor(args: Record<string, unknown>, check = false): Promise<Plan> {
  return gitModule.plan(context(check), gitArgs.parse(args));
}

async function run(args: Record<string, unknown>): Promise<{ descriptions: string[]; result: Record<string, unknown> }> {
  const plan = await planFor(args);
  let result = { ...plan.result };
  for (const change of plan.changes) result = { ...result, ...((await change.apply()) ?? {}) };
  return { descriptions: plan.changes.map((change) => change.description), result };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tsible-git-"));
  origin = path.join(dir, "origin");
  await mkdir(origin);
  await gitIn(origin, "init", "--quiet", "-b", "main");
});

afterAll(async () => {
  await conn.close();
  await rm(dir, { recursive: true, force: true });
});

describe("git on this machine, for real", () => {
  it("clones, then changes nothing, then updates to a new commit", async () => {
    const first = await commit("bridge.py", "print(1)\n");
    const dest = path.join(dir, "checkout");
    const clone = await run({ repo: origin, dest });
    expect(clone.descriptions).toEqual([`clone ${origin} into ${dest} at HEAD (${first.slice(0, 12)})`]);
    expect(clone.result).toMatchObject({ before: null, after: first });
    expect(await gitIn(dest, "rev-parse", "HEAD")).toBe(first);

    expect((await planFor({ repo: origin, dest })).changes).toEqual([]);

    const second = await commit("bridge.py", "print(2)\n");
    const checkPlan = await planFor({ repo: origin, dest }, true);
    expect(checkPlan.changes.map((change) => change.description)).toEqual([
      `update ${dest}: ${first.slice(0, 12)} -> ${second.slice(0, 12)} (HEAD)`,
    ]);
    // planning alone moved nothing
    expect(await gitIn(dest, "rev-parse", "HEAD")).toBe(first);
    const update = await run({ repo: origin, dest });
    expect(update.result).toMatchObject({ before: first, after: second });
    expect(await gitIn(dest, "rev-parse", "HEAD")).toBe(second);
    expect(await gitIn(dest, "symbolic-ref", "--short", "HEAD")).toBe("main");
  });

  it("checks out an annotated tag's commit, a branch, and a full commit id", async () => {
    const tagged = await commit("tagged.txt", "v1\n");
    await gitIn(origin, "tag", "-a", "v1", "-m", "release 1");
    await gitIn(origin, "checkout", "--quiet", "-b", "dev");
    const onDev = await commit("dev.txt", "dev\n");
    await gitIn(origin, "checkout", "--quiet", "main");
    const dest = path.join(dir, "versions");

    expect((await run({ repo: origin, dest, version: "v1", depth: 1 })).result).toMatchObject({ after: tagged });
    expect(await gitIn(dest, "rev-parse", "HEAD")).toBe(tagged);

    expect((await run({ repo: origin, dest, version: "dev" })).result).toMatchObject({ before: tagged, after: onDev });
    expect(await gitIn(dest, "symbolic-ref", "--short", "HEAD")).toBe("dev");
    expect((await planFor({ repo: origin, dest, version: "dev" })).changes).toEqual([]);

    expect((await run({ repo: origin, dest, version: tagged })).result).toMatchObject({ before: onDev, after: tagged });
    expect(await gitIn(dest, "rev-parse", "HEAD")).toBe(tagged);
  });

  it("refuses local modifications unless force, and keeps a checkout as it is with update: false", async () => {
    const dest = path.join(dir, "dirty");
    await run({ repo: origin, dest });
    await writeFile(path.join(dest, "bridge.py"), "local edit\n");
    await expect(planFor({ repo: origin, dest })).rejects.toThrow(/Local modifications exist .* set force: true/);
    // untracked files are no modification
    await writeFile(path.join(dest, "untracked.pyc"), "x");

    const forced = await run({ repo: origin, dest, force: true });
    expect(forced.descriptions).toEqual([`discard local modifications in ${dest}`]);
    expect(await gitIn(dest, "status", "--porcelain", "--untracked-files=no")).toBe("");

    await commit("bridge.py", "print(3)\n");
    expect((await planFor({ repo: origin, dest, update: false })).changes).toEqual([]);
  });

  it("fails clearly on an unknown version, a non-checkout dest, and a repo it cannot read", async () => {
    await expect(planFor({ repo: origin, dest: path.join(dir, "x"), version: "nope" })).rejects.toThrow("version 'nope' is no branch or tag");
    await expect(planFor({ repo: origin, dest: path.join(dir, "x"), version: "abc1234" })).rejects.toThrow(/give all 40 characters/);
    const notRepo = path.join(dir, "plain");
    await mkdir(notRepo);
    await writeFile(path.join(notRepo, "f"), "x");
    await expect(planFor({ repo: origin, dest: notRepo })).rejects.toThrow(/is not a git checkout/);
    const failure = await planFor({ repo: path.join(dir, "missing"), dest: path.join(dir, "y") }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModuleFailure);
    expect((failure as Error).message).toMatch(/^git ls-remote .*missing HEAD failed: /);
  });

  it("points origin at a new repo URL and fetches from it", async () => {
    const dest = path.join(dir, "moved");
    await run({ repo: origin, dest });
    const mirror = path.join(dir, "mirror.git");
    await execa("git", ["clone", "--quiet", "--bare", origin, mirror]);
    const head = await gitIn(origin, "rev-parse", "HEAD");
    const moved = await run({ repo: mirror, dest });
    expect(moved.descriptions).toEqual([`point origin of ${dest} at ${mirror} (was ${origin})`]);
    expect(moved.result).toMatchObject({ before: head, after: head, remote_url_changed: true });
    expect(await gitIn(dest, "config", "--get", "remote.origin.url")).toBe(mirror);
  });
});
