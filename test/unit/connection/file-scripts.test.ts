/**
 * The write script on its own, fed the way a dropped connection feeds it: stdin ends early. Only
 * bytes of the announced size and checksum may replace the destination.
 */
import { createHash } from "node:crypto";
import { chmod, chown, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WRITE_FILE_SCRIPT } from "../../../src/connection/file-scripts.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tsible-write-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Runs the script as writeFile does, announcing `announced` but sending `sent` */
function write(dest: string, announced: Buffer, sent: Buffer) {
  return execa("sh", ["-c", WRITE_FILE_SCRIPT, "sh", dest, "0640", "", "", String(announced.length), sha256(announced)], { input: sent, reject: false });
}

describe("the write script", () => {
  const oldBytes = Buffer.from("listener 1883\n");
  const newBytes = Buffer.from(`listener 20200\n${"# padding\n".repeat(5000)}`);

  it("replaces the file with exactly the bytes announced", async () => {
    const dest = join(dir, "complete.conf");
    await writeFile(dest, oldBytes);
    const result = await write(dest, newBytes, newBytes);
    expect(result.exitCode).toBe(0);
    expect(await readFile(dest)).toEqual(newBytes);
  });

  it("leaves the old file and no temp file when the upload is cut short", async () => {
    const dest = join(dir, "cut.conf");
    await writeFile(dest, oldBytes);
    const result = await write(dest, newBytes, newBytes.subarray(0, 4096));
    expect(result.exitCode).toBe(75);
    expect(result.stderr).toBe(`received 4096 of ${newBytes.length} bytes: the upload was cut short; ${dest} was left as it was`);
    expect(await readFile(dest)).toEqual(oldBytes);
    expect((await readdir(dir)).filter((name) => name.startsWith(".tsible-tmp"))).toEqual([]);
  });

  it("leaves the old file when the bytes differ from what was announced", async () => {
    const dest = join(dir, "corrupt.conf");
    await writeFile(dest, oldBytes);
    const corrupt = Buffer.from(newBytes);
    corrupt[10] = 0x21;
    const result = await write(dest, newBytes, corrupt);
    expect(result.exitCode).toBe(75);
    expect(result.stderr).toMatch(/differ from what was sent/);
    expect(await readFile(dest)).toEqual(oldBytes);
  });

  it("creates nothing when a new file's upload is cut short", async () => {
    const dest = join(dir, "never.conf");
    const result = await write(dest, newBytes, Buffer.alloc(0));
    expect(result.exitCode).toBe(75);
    await expect(readFile(dest)).rejects.toThrow(/ENOENT/);
  });

  // what a write leaves as owner, group and mode: root keeps an existing file's; others cannot
  const attributes = async (path: string) => {
    const info = await stat(path);
    return `${info.uid}:${info.gid} ${(info.mode & 0o7777).toString(8)}`;
  };
  const writeAs = (dest: string, options: { mode?: string; owner?: string; group?: string; uid?: number }) => {
    const args = ["-c", WRITE_FILE_SCRIPT, "sh", dest, options.mode ?? "", options.owner ?? "", options.group ?? "", String(newBytes.length), sha256(newBytes)];
    const asUser = options.uid === undefined ? ["sh", ...args] : ["setpriv", `--reuid=${options.uid}`, `--regid=${options.uid}`, "--clear-groups", "sh", ...args];
    return execa(asUser[0]!, asUser.slice(1), { input: newBytes, reject: false });
  };
  const rootOnly = process.getuid?.() === 0 ? it : it.skip;

  rootOnly("as root, keeps an existing file's owner, group and mode unless told otherwise", async () => {
    const dest = join(dir, "kept.conf");
    await writeFile(dest, oldBytes);
    await chown(dest, 65534, 65534);
    await chmod(dest, 0o600);
    expect((await writeAs(dest, {})).exitCode).toBe(0);
    expect(await attributes(dest)).toBe("65534:65534 600");
    expect((await writeAs(dest, { group: "0" })).exitCode).toBe(0);
    expect(await attributes(dest)).toBe("65534:0 600");
    expect((await writeAs(dest, { owner: "0", mode: "0640" })).exitCode).toBe(0);
    expect(await attributes(dest)).toBe("0:0 640");
    expect(await readFile(dest)).toEqual(newBytes);
  });

  rootOnly("a new file gets mode 0644 and the writer's owner", async () => {
    const dest = join(dir, "fresh.conf");
    expect((await writeAs(dest, {})).exitCode).toBe(0);
    expect(await attributes(dest)).toBe("0:0 644");
  });

  rootOnly("as another user, replaces a file it may replace without trying to keep another's ownership", async () => {
    const shared = await mkdtemp(join(tmpdir(), "tsible-write-shared-"));
    await chmod(shared, 0o777);
    const dest = join(shared, "theirs.conf");
    await writeFile(dest, oldBytes);
    await chmod(dest, 0o640);
    const result = await writeAs(dest, { uid: 65534 });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(await attributes(dest)).toBe("65534:65534 640");
    await rm(shared, { recursive: true, force: true });
  });
});
