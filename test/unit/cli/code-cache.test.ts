/**
 * The launcher's V8 code cache (src/cli/code-cache.ts), on the built command (npm test builds
 * first): made by the first run, used as is by the next, remade when V8 refuses it, and never
 * in the way when it cannot be read or written.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const tsibleBin = fileURLToPath(new URL("../../../dist/bin/tsible.js", import.meta.url));
const run = promisify(execFile);

async function version(cacheHome: string, env: Record<string, string> = {}) {
  const { stdout, stderr } = await run(process.execPath, [tsibleBin, "--version"], { env: { ...process.env, XDG_CACHE_HOME: cacheHome, ...env } });
  return { stdout: stdout.trim(), stderr };
}

async function cacheFiles(cacheHome: string): Promise<string[]> {
  const dir = path.join(cacheHome, "tsible");
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}

beforeAll(() => {
  if (!existsSync(tsibleBin)) throw new Error(`${tsibleBin} is missing: run npm run build first`);
});

describe("the launcher's code cache", () => {
  it("is made by the first run and used unchanged by the next", async () => {
    const home = await mkdtemp(path.join(tmpdir(), "tsible-cache-"));
    expect(await version(home)).toEqual({ stdout: "0.1.0", stderr: "" });
    const files = await cacheFiles(home);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^tsible-[0-9a-f]{16}-node${process.versions.node}-${process.arch}\\.v8$`));
    const file = path.join(home, "tsible", files[0]!);
    const before = await stat(file);

    expect(await version(home)).toEqual({ stdout: "0.1.0", stderr: "" });
    // a cache V8 refused would have been written again
    const after = await stat(file);
    expect([after.ino, after.mtimeMs, after.size]).toEqual([before.ino, before.mtimeMs, before.size]);
  });

  it("refused by V8 (not what it made), is made again; an earlier build's cache is removed", async () => {
    const home = await mkdtemp(path.join(tmpdir(), "tsible-cache-"));
    await version(home);
    const [name] = await cacheFiles(home);
    const file = path.join(home, "tsible", name!);
    const garbage = Buffer.alloc((await stat(file)).size, 0x5a);
    await writeFile(file, garbage);
    await writeFile(path.join(home, "tsible", "tsible-0000000000000000-node0.0.0-x64.v8"), "old");

    expect(await version(home)).toEqual({ stdout: "0.1.0", stderr: "" });
    expect(await cacheFiles(home)).toEqual([name]);
    expect((await readFile(file)).equals(garbage)).toBe(false);
  });

  it("is not made with TSIBLE_CODE_CACHE=off, and a place it cannot be written costs nothing", async () => {
    const home = await mkdtemp(path.join(tmpdir(), "tsible-cache-"));
    expect(await version(home, { TSIBLE_CODE_CACHE: "off" })).toEqual({ stdout: "0.1.0", stderr: "" });
    expect(await cacheFiles(home)).toEqual([]);

    const notADirectory = path.join(home, "file");
    await writeFile(notADirectory, "");
    expect(await version(notADirectory)).toEqual({ stdout: "0.1.0", stderr: "" });
  });
});
