/**
 * The write script on its own, fed the way a dropped connection feeds it: stdin ends early. Only
 * bytes of the announced size and checksum may replace the destination.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
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
});
