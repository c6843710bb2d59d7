import { execa } from "execa";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../../../src/modules/files/content.js";
import { deviceNumber, parsePathProbe, pathProbeArgv, type PathRequest, type ProbedPath } from "../../../../src/modules/host/path-probe.js";

// The probe script itself, run by the local shell on real files
let dir: string;

async function probe(requests: PathRequest[]): Promise<ProbedPath[]> {
  const [command, ...args] = pathProbeArgv(requests);
  const result = await execa(command ?? "sh", args, { reject: false });
  expect(result.stderr).toBe("");
  expect(result.exitCode).toBe(0);
  return parsePathProbe(result.stdout, requests, userInfo().username);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "path-probe-"));
  await writeFile(join(dir, "main.conf"), "listener 1883\n", { mode: 0o640 });
  await chmod(join(dir, "main.conf"), 0o4750);
  await writeFile(join(dir, "passwd"), "smc:$7$101$abc$def\n", { mode: 0o600 });
  await symlink(join(dir, "passwd"), join(dir, "passwd-link"));
  await symlink("a\nb", join(dir, "odd-link"));
  await mkdir(join(dir, "sub"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the path probe on real files", () => {
  it("reports what Python's os.stat does: fractional times, block size, blocks, and a device's number", async () => {
    const [main, nullDevice] = await probe([{ path: join(dir, "main.conf") }, { path: "/dev/null" }]);
    const python = await execa("python3", ["-c", "import os,sys,json;s=os.stat(sys.argv[1]);d=os.stat('/dev/null');print(json.dumps([s.st_mtime,s.st_blksize,s.st_blocks,d.st_rdev]))", join(dir, "main.conf")]);
    const [mtime, blockSize, blocks, rdev] = JSON.parse(python.stdout) as number[];
    expect(main?.mtime).toBeCloseTo(mtime ?? 0, 5);
    expect([main?.blockSize, main?.blocks, nullDevice?.deviceType]).toEqual([blockSize, blocks, rdev]);
  });

  it("asks file and lsattr only when told, and only where the host has them", async () => {
    const [plain] = await probe([{ path: join(dir, "main.conf") }]);
    expect([plain?.mime, plain?.attributeLine]).toEqual([undefined, undefined]);
    const [asked] = await probe([{ path: join(dir, "main.conf"), mime: true, attributes: true }]);
    const hasFile = (await execa("sh", ["-c", "command -v file"], { reject: false })).exitCode === 0;
    expect(asked?.mime).toBe(hasFile ? "text/plain; charset=us-ascii" : undefined);
    const lsattr = await execa("lsattr", ["-vd", join(dir, "main.conf")], { reject: false });
    expect(asked?.attributeLine).toBe(lsattr.exitCode === 0 ? lsattr.stdout.trim() : undefined);
  });

  it("makes device numbers as glibc's makedev does", () => {
    expect([deviceNumber(1, 3), deviceNumber(8, 1), deviceNumber(259, 300), deviceNumber(0x1234, 0)]).toEqual([259, 2049, 1114924, 0x100000000 + 0x23400]);
  });

  it("reports a regular file's type, owner, group, mode, size, times, access and checksum", async () => {
    const [main] = await probe([{ path: join(dir, "main.conf"), checksum: "sha256" }]);
    expect(main).toMatchObject({
      exists: true,
      kind: "file",
      statType: "regular file",
      owner: userInfo().username,
      uid: userInfo().uid,
      gid: userInfo().gid,
      mode: "4750",
      size: 14,
      readable: true,
      writeable: true,
      executable: true,
      checksum: sha256("listener 1883\n"),
      parentIsDirectory: true,
      runAs: userInfo().username,
    });
    expect(main?.mtime).toBeGreaterThan(1_600_000_000);
    expect(main?.inode).toBeGreaterThan(0);
    expect(main?.content).toBeUndefined();
  });

  it("computes the checksum asked for", async () => {
    const [main] = await probe([{ path: join(dir, "main.conf"), checksum: "sha1" }]);
    const sha1 = (await execa("sha1sum", [join(dir, "main.conf")])).stdout.split(" ")[0];
    expect(main?.checksum).toBe(sha1);
  });

  it("probes many paths in one run, in order: content when asked, links followed or not, absence, directories", async () => {
    const [followed, link, missing, sub, odd] = await probe([
      { path: join(dir, "passwd-link"), follow: true, content: true, checksum: "sha256" },
      { path: join(dir, "passwd-link") },
      { path: join(dir, "missing", "acl"), owner: "no-such-user-here", group: "no-such-group-here" },
      { path: join(dir, "sub") },
      { path: join(dir, "odd-link") },
    ]);
    expect(followed).toMatchObject({ path: join(dir, "passwd-link"), realPath: join(dir, "passwd"), kind: "file", mode: "0600", content: Buffer.from("smc:$7$101$abc$def\n") });
    expect(link).toMatchObject({ realPath: join(dir, "passwd-link"), kind: "link", statType: "symbolic link", linkTarget: join(dir, "passwd"), linkSource: join(dir, "passwd") });
    expect(link?.checksum).toBeUndefined();
    expect(missing).toMatchObject({ exists: false, parentIsDirectory: false, unknownOwner: true, unknownGroup: true });
    expect(sub).toMatchObject({ exists: true, kind: "directory" });
    // a link target may hold any byte but NUL
    expect(odd?.linkTarget).toBe("a\nb");
  });

  it("stats and sums many paths at once, each result landing on its own path, whatever its name holds", async () => {
    const odd = join(dir, "we\\ird\nname");
    await writeFile(odd, "odd\n");
    await writeFile(join(dir, "plain"), "plain\n");
    const [missing, oddFile, sub, plain, again] = await probe([
      { path: join(dir, "nothing-here"), checksum: "sha256" },
      { path: odd, checksum: "sha256", owner: "root", group: "root" },
      { path: join(dir, "sub"), checksum: "sha256", owner: "root" },
      { path: join(dir, "plain"), checksum: "md5", content: true },
      { path: odd, checksum: "sha1", owner: "root" },
    ]);
    const md5 = (await execa("md5sum", [join(dir, "plain")])).stdout.split(" ")[0];
    const sha1 = (await execa("sha1sum", ["-"], { input: "odd\n" })).stdout.split(" ")[0];
    expect(missing).toMatchObject({ exists: false, parentIsDirectory: true });
    expect(missing?.checksum).toBeUndefined();
    expect(oddFile).toMatchObject({ kind: "file", size: 4, checksum: sha256("odd\n"), unknownOwner: false, unknownGroup: false });
    expect(sub).toMatchObject({ kind: "directory" });
    expect(sub?.checksum).toBeUndefined();
    expect(plain).toMatchObject({ kind: "file", size: 6, checksum: md5, content: Buffer.from("plain\n") });
    expect(again).toMatchObject({ kind: "file", checksum: sha1 });
  });

  it("finds a parent directory by the path's own text, trailing slashes and all", async () => {
    const [root, top, nested, slashed] = await probe([{ path: "/" }, { path: "/tsible-no-such-top" }, { path: join(dir, "sub", "x") }, { path: `${join(dir, "sub")}//` }]);
    expect(root).toMatchObject({ exists: true, kind: "directory", parentIsDirectory: true });
    expect(top).toMatchObject({ exists: false, parentIsDirectory: true });
    expect(nested).toMatchObject({ exists: false, parentIsDirectory: true });
    expect(slashed).toMatchObject({ exists: true, kind: "directory", parentIsDirectory: true });
  });

  it("knows existing owners and groups, by name and by id", async () => {
    const [file] = await probe([{ path: join(dir, "main.conf"), owner: "root", group: "0" }]);
    expect(file).toMatchObject({ unknownOwner: false, unknownGroup: false });
  });

  it("reports a followed link whose target is missing as absent, at the target's path", async () => {
    await symlink(join(dir, "gone"), join(dir, "dangling"));
    const [dangling] = await probe([{ path: join(dir, "dangling"), follow: true }]);
    expect(dangling).toMatchObject({ exists: false, realPath: join(dir, "gone"), parentIsDirectory: true });
  });

  it("asks nothing of the host for no paths", () => {
    expect(parsePathProbe("", [], "root")).toEqual([]);
  });
});
