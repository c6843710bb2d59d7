import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openLocalConnection } from "../../../src/connection/local.js";
import { openConnection } from "../../../src/connection/open.js";
import { BecomeError, RemoteFileError } from "../../../src/connection/types.js";
import { SecretMasker } from "../../../src/secrets.js";

const NASTY = ["with space", "it's", 'dq"', "$HOME", "`id`", "a\nb", "*", "", "-n", "\\x", "ünï"];
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe("local connection: commands", () => {
  const conn = openLocalConnection("localhost");

  it("passes argv values through unchanged", async () => {
    const result = await conn.run(["printf", "%s\\0", ...NASTY]);
    expect(result.stdout.split("\0").slice(0, -1)).toEqual(NASTY);
  });

  it("returns exit code, stdout and stderr without throwing", async () => {
    const result = await conn.run(["sh", "-c", "cat; echo oops >&2; exit 7"], { stdin: "in\n" });
    expect(result).toEqual({ exitCode: 7, stdout: "in\n", stderr: "oops\n" });
    expect((await conn.run(["no-such-program-tsible"])).exitCode).toBe(127);
  });

  it("runs in cwd with env", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsible local "));
    const result = await conn.run(["sh", "-c", 'pwd; printf "%s" "$V"'], { cwd: dir, env: { V: "a 'b' $c" } });
    expect(result.stdout).toBe(`${dir}\na 'b' $c`);
    rmSync(dir, { recursive: true });
  });

  it("without sudo installed, become fails with a BecomeError saying so", async () => {
    const hasSudo = (await conn.run(["sh", "-c", "command -v sudo"])).exitCode === 0;
    if (hasSudo) return; // real sudo is exercised against the fleet
    await expect(conn.run(["true"], { become: { user: "root" } })).rejects.toThrow(BecomeError);
    await expect(conn.run(["true"], { become: { user: "root" } })).rejects.toThrow(/sudo is not installed/);
  });
});

describe("local connection: files", () => {
  const conn = openLocalConnection("localhost");
  const dir = mkdtempSync(join(tmpdir(), "tsible-files-"));
  const leftovers = () => readdirSync(dir).filter((name) => name.startsWith(".tsible-tmp"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes atomically with mode 0644 by default, keeps an existing mode, and sets a given one", async () => {
    const path = join(dir, "conf file");
    await conn.writeFile(path, "one\n");
    expect(readFileSync(path, "utf8")).toBe("one\n");
    expect(mode(path)).toBe("644");
    chmodSync(path, 0o640);
    await conn.writeFile(path, "two\n");
    expect(mode(path)).toBe("640");
    await conn.writeFile(path, "three\n", { mode: "0600", owner: "root", group: "root" });
    expect(mode(path)).toBe("600");
    expect(readFileSync(path, "utf8")).toBe("three\n");
    expect(leftovers()).toEqual([]);
  });

  it("round-trips binary content", async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const path = join(dir, "bin");
    await conn.writeFile(path, bytes);
    expect(await conn.readFile(path)).toEqual(bytes);
  });

  it("replaces a symlink's target, not the link", async () => {
    const target = join(dir, "target");
    const link = join(dir, "link");
    writeFileSync(target, "old");
    symlinkSync(target, link);
    await conn.writeFile(link, "new");
    expect(readFileSync(target, "utf8")).toBe("new");
  });

  it("leaves the old file and no temp file behind when the write fails", async () => {
    const path = join(dir, "kept");
    writeFileSync(path, "original");
    await expect(conn.writeFile(path, "x", { owner: "no-such-user-tsible" })).rejects.toThrow(RemoteFileError);
    await expect(conn.writeFile(path, "x", { owner: "no-such-user-tsible" })).rejects.toThrow(/cannot write .*kept.*invalid user/);
    expect(readFileSync(path, "utf8")).toBe("original");
    expect(leftovers()).toEqual([]);
    await expect(conn.writeFile(join(dir, "no-dir", "f"), "x")).rejects.toThrow(/cannot write/);
  });

  it("reads undefined for a missing file, and errors for what cannot be read", async () => {
    expect(await conn.readFile(join(dir, "missing"))).toBeUndefined();
    expect(await conn.readFile(join(dir, "missing-dir", "x"))).toBeUndefined();
    mkdirSync(join(dir, "a-dir"));
    await expect(conn.readFile(join(dir, "a-dir"))).rejects.toThrow(/Is a directory/);
  });
});

describe("verbose logging", () => {
  it("logs each command line with secrets masked", async () => {
    const lines: string[] = [];
    const masker = new SecretMasker();
    masker.add("known-secret-1");
    const conn = await openConnection({ name: "me", type: "local", address: "me", hostKeyChecking: "off" }, { log: (line) => lines.push(line), masker });
    await conn.run(["echo", "known-secret-1", "call-secret-2", "plain"], { secrets: ["call-secret-2"] });
    expect(lines).toEqual(["me: echo ******** ******** plain"]);
  });
});
