/** How a command ends the process: its code, an internal error, or never a silent 0 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const runMainModule = resolve("src/cli/run-main.ts");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tsible-run-main-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `runMain("demo", <main>, 1)` in a fresh node process */
async function exitOf(main: string): Promise<{ exitCode: number | undefined; stderr: string }> {
  const script = join(dir, `main-${Math.random().toString(36).slice(2)}.ts`);
  await writeFile(script, `import { runMain } from ${JSON.stringify(runMainModule)};\nrunMain("demo", ${main}, 1);\n`);
  const result = await execa("node", ["--import", "tsx", script], { reject: false, timeout: 30_000 });
  return { exitCode: result.exitCode, stderr: result.stderr };
}

describe("runMain", () => {
  it("exits with the code main returns", async () => {
    expect(await exitOf("async () => 3")).toEqual({ exitCode: 3, stderr: "" });
  });

  it("reports a thrown error as an internal error", async () => {
    const result = await exitOf('async () => { throw new Error("boom"); }');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^demo: internal error: Error: boom/);
  });

  it("never exits 0 when main waits for something that never comes (the event loop runs dry)", async () => {
    // a promise nobody will ever settle, and a timer that does not hold the process: Node's loop
    // drains, which used to end a run whose host had died with exit code 0 and no recap
    const result = await exitOf("() => new Promise<number>((resolve) => { setTimeout(() => resolve(0), 60_000).unref(); })");
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^demo: internal error: the run stopped before it finished/);
  });
});
