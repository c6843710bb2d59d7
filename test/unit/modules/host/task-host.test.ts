import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocalConnection } from "../../../../src/connection/local.js";
import { bindTaskHost, type TaskHost } from "../../../../src/modules/host/task-host.js";
import { ModuleFailure } from "../../../../src/modules/types.js";

// The host handle over the local connection: real commands, real files
let dir: string;
let host: TaskHost;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "task-host-"));
  host = bindTaskHost("localhost", openLocalConnection("localhost"), undefined);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<ModuleFailure> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ModuleFailure);
  return error as ModuleFailure;
}

describe("the host handle", () => {
  it("runs a command and gives its stdout; a non-zero exit fails the task with the command's own words", async () => {
    expect(await host.runChecked(["sh", "-c", "echo fine"])).toBe("fine\n");
    const failed = await failure(host.runChecked(["sh", "-c", "echo 'no such thing' >&2; exit 3"], { what: "looking for a thing", hint: "install it first" }));
    expect(failed.message).toBe("looking for a thing failed: no such thing (exit code 3)\ninstall it first");
    expect(failed.result).toMatchObject({ rc: 3, stderr: "no such thing\n" });
    expect(failed.kind).toBe("failed");
  });

  it("names the command line when told nothing else, and masks secrets in the message and the output", async () => {
    const failed = await failure(host.runChecked(["sh", "-c", 'echo "token $1 refused" >&2; exit 1', "sh", "s3cret"], { secrets: ["s3cret"] }));
    expect(failed.message).toMatch(/^'sh -c .* sh \*{8}' failed: token \*{8} refused \(exit code 1\)$/);
    expect(JSON.stringify(failed.result)).not.toContain("s3cret");
  });

  it("does not throw for a non-zero exit through run: the module decides what it means", async () => {
    expect(await host.run(["sh", "-c", "exit 2"])).toMatchObject({ exitCode: 2 });
  });

  it("writes atomically with the mode asked for, reads back, and says undefined for a missing file", async () => {
    const path = join(dir, "sub", "file.conf");
    await host.makeDirectories(join(dir, "sub"));
    await host.write(path, "listener 1883\n", { mode: "0640" });
    expect(await readFile(path, "utf8")).toBe("listener 1883\n");
    expect(((await stat(path)).mode & 0o777).toString(8)).toBe("640");
    expect((await host.read(path))?.toString("utf8")).toBe("listener 1883\n");
    expect(await host.read(join(dir, "missing"))).toBeUndefined();
    expect((await failure(host.readExisting(join(dir, "missing")))).message).toMatch(/vanished while tsible was reading it/);
  });

  it("fails the task when the host refuses a write", async () => {
    const refused = await failure(host.write(join(dir, "no-such-dir", "x"), "x"));
    expect(refused.result).toMatchObject({ path: join(dir, "no-such-dir", "x") });
  });

  it("probes many paths in one round trip, in the order asked", async () => {
    const [file, missing] = await host.probePaths([{ path: join(dir, "sub", "file.conf"), checksum: "sha256" }, { path: join(dir, "missing") }]);
    expect(file).toMatchObject({ exists: true, kind: "file", mode: "0640" });
    expect(missing).toMatchObject({ exists: false, parentIsDirectory: true });
  });
});
