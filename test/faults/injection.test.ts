/**
 * Injection: generated strings full of shell syntax, quotes, line breaks, unicode, leading dashes
 * and very long runs go into every place a value reaches a host: command arguments (with and
 * without sudo), a constant script's parameters, file paths and contents, module arguments, and
 * inventory edits. Each comes back exactly as sent, and a canary file that every payload tries to
 * create proves that no command other than the intended one ran. A value that cannot be carried
 * (NUL in an argument) is refused before anything runs.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellScript } from "../../src/connection/quote.js";
import type { Connection } from "../../src/connection/types.js";
import { UserError } from "../../src/errors.js";
import { addHostToInventory } from "../../src/inventory/edit.js";
import { iniValue } from "../../src/inventory/ini.js";
import { loadInventory } from "../../src/inventory/index.js";
import { copyModule } from "../../src/modules/copy.js";
import { lineinfileModule } from "../../src/modules/lineinfile.js";
import { startFleet, type Fleet } from "../fleet/fleet.js";
import { makeModuleContext, openFleetConnection, runModule } from "../helpers/module-context.js";
import { cases, recordCase, seed } from "./record.js";

const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 36;
const canary = "/tmp/tsible-canary";

/** Pieces of payloads: each tries to run `touch canary` if anything ever pastes it into shell text */
const payloads = [
  `$(touch ${canary})`, `\`touch ${canary}\``, `; touch ${canary}`, `'; touch ${canary}; '`, `"; touch ${canary}; "`,
  `\ntouch ${canary}\n`, `&& touch ${canary}`, `| touch ${canary}`, `$(touch ${canary}`, `') ; touch ${canary} #`,
];
const pieces = [
  ...payloads, "-rf", "--", "-", "$HOME", "${IFS}", "$1", "*", "?", "~", "\\", "'", '"', "\t", " ", "\n", "\r", "%s", "%n", "é", "火", "💥", "a", "/",
];

/** A string a hostile inventory could hold: payload pieces and arbitrary unicode, sometimes very long */
const hostile = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...pieces), { maxLength: 8 }).map((parts) => parts.join("")) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...pieces), minLength: 200, maxLength: 400 }) },
).filter((text) => !text.includes("\0"));

let fleet: Fleet;
let conn: Connection;
let workDir: string;

beforeAll(async () => {
  fleet = await startFleet({ count: 1, id: fleetId });
  conn = await openFleetConnection(fleet, fleet.hosts[0]!, "deploy");
  workDir = (await conn.run(["mktemp", "-d", "/tmp/tsible-injection-XXXXXX"])).stdout.trim();
}, 900_000);

afterAll(async () => {
  await conn?.close();
  await fleet?.stop();
});

async function canaryExists(): Promise<boolean> {
  return (await fleet.sshRun(fleet.hosts[0]!, `test -e ${canary}`)).exitCode === 0;
}

/**
 * One property over a real host, recorded as one case of the "injection" promise: the checks in
 * `check` must hold for every generated value, and the canary must never appear.
 */
async function property<T>(description: string, runs: number, arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>): Promise<void> {
  let failure: string | undefined;
  try {
    await fc.assert(fc.asyncProperty(arbitrary, check), { numRuns: runs, seed, endOnFailure: true });
    if (await canaryExists()) failure = `the canary ${canary} exists: a payload ran`;
  } catch (error) {
    failure = error instanceof Error ? error.message.split("\n").slice(0, 4).join(" ") : String(error);
  }
  recordCase({ promise: "injection", case: `${runs} generated values: ${description}`, held: failure === undefined, ...(failure ? { detail: failure } : {}) });
  expect(failure).toBeUndefined();
}

describe("values reaching a host", () => {
  it("as command arguments come back exactly, with no other command run", async () => {
    await property("printf %s VALUE as the login user", cases(300, 3000), hostile, async (value) => {
      const result = await conn.run(["printf", "%s", value]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(value);
    });
  });

  it("through sudo (become) come back exactly", async () => {
    await property("printf %s VALUE through sudo as root", cases(60, 600), hostile, async (value) => {
      const result = await conn.run(["printf", "%s", value], { become: { user: "root" } });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(value);
    });
  });

  it("as a constant script's parameters come back exactly", async () => {
    await property("sh -c 'printf %s\\\\0 \"$@\"' with three values", cases(100, 1000), fc.tuple(hostile, hostile, hostile), async (values) => {
      const result = await conn.run(shellScript('printf "%s\\0" "$@"', values));
      expect(result.stdout).toBe(values.map((value) => `${value}\0`).join(""));
    });
  });

  it("as file names and contents are written and read back exactly (atomically, nothing else created)", async () => {
    const name = hostile.filter((text) => !text.includes("/") && text !== "." && text !== ".." && text.length > 0 && Buffer.byteLength(text) <= 200);
    await property("writeFile/readFile of DIR/NAME with CONTENT", cases(60, 400), fc.tuple(name, hostile), async ([fileName, content]) => {
      const file = `${workDir}/${fileName}`;
      await conn.writeFile(file, content, { mode: "0600", become: { user: "root" } });
      expect((await conn.readFile(file, { become: { user: "root" } }))?.toString("utf8")).toBe(content);
      // one entry in the directory: the file, no temp file beside it (names may hold line breaks: count bytes)
      const listing = await conn.run(shellScript('find "$1" -mindepth 1 -maxdepth 1 -printf x; rm -f -- "$1/$2"', [workDir, fileName]), { become: { user: "root" } });
      expect(listing.stdout).toBe("x");
    });
  });

  it("as module arguments (copy's content and dest, lineinfile's line) land as written", async () => {
    const ctx = makeModuleContext({ conn, become: { user: "root" } });
    const name = hostile.filter((text) => !text.includes("/") && !text.includes("\n") && text.trim() === text && text !== "" && text !== "." && text !== ".." && Buffer.byteLength(text) <= 200);
    await property("copy content to DIR/NAME, then lineinfile a LINE into it", cases(20, 100), fc.tuple(name, hostile, hostile.filter((text) => !/[\n\r]/.test(text))), async ([fileName, content, line]) => {
      const dest = `${workDir}/${fileName}`;
      await runModule(copyModule, ctx, { dest, content, mode: "0644" });
      await runModule(lineinfileModule, ctx, { path: dest, line });
      const text = (await conn.readFile(dest))?.toString("utf8") ?? "";
      expect(text.startsWith(content)).toBe(true);
      // a file ending in "\r" counts as ended, as in Ansible's lineinfile: split on both
      expect(text.split(/[\r\n]/)).toContain(line);
      await conn.run(["rm", "-f", "--", dest], { become: { user: "root" } });
    });
  });

  it("refuses a NUL byte in an argument before anything runs", async () => {
    let error: unknown;
    try {
      await conn.run(["printf", "%s", `a\0; touch ${canary}`]);
    } catch (caught) {
      error = caught;
    }
    const held = error instanceof UserError && /NUL byte/.test(error.message) && !(await canaryExists());
    recordCase({ promise: "injection", case: "a NUL byte in a command argument is refused before anything runs", held });
    expect(held).toBe(true);
  });
});

describe("values in inventory edits", () => {
  it("are stored so that the inventory reads them back exactly, or refused; other lines never change", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tsible-injection-inventory-"));
    const ini = "# the team's hosts\n[mqtt]\nb1 ansible_host=10.213.9.1 motd='hello world'\n\n[aws:vars]\nregion=eu-west-1\n";
    const yaml = "all:\n  children:\n    mqtt:\n      hosts:\n        b1:\n          ansible_host: 10.213.9.1\n";
    const value = hostile.filter((text) => !/[\n\r]/.test(text) && text.trim() === text);
    let refused = 0;
    let stored = 0;
    let failure: string | undefined;
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom("ini", "yaml"), value, async (format, text) => {
          const file = path.join(dir, format === "ini" ? "hosts" : "hosts.yml");
          const original = format === "ini" ? ini : yaml;
          await writeFile(file, original);
          try {
            await addHostToInventory(file, "b2", "mqtt", { ansible_host: "10.213.9.2", note: text });
          } catch (error) {
            expect(error).toBeInstanceOf(UserError);
            expect(await readFile(file, "utf8")).toBe(original);
            refused++;
            return;
          }
          const after = await readFile(file, "utf8");
          // every line of the original is still there, in order
          const lines = after.split("\n");
          let at = 0;
          for (const line of original.split("\n")) {
            at = lines.indexOf(line, at);
            expect(at, `line ${JSON.stringify(line)} kept`).toBeGreaterThanOrEqual(0);
          }
          const inventory = await loadInventory([file]);
          // typed as an INI inventory types the text (both editors store that value)
          expect(inventory.hostVars("b2")["note"]).toEqual(iniValue("note", text));
          expect(inventory.hostVars("b1")["ansible_host"]).toBe("10.213.9.1");
          stored++;
        }),
        { numRuns: cases(500, 5000), seed },
      );
    } catch (error) {
      failure = error instanceof Error ? error.message.split("\n").slice(0, 4).join(" ") : String(error);
    }
    recordCase({
      promise: "injection",
      case: `${cases(500, 5000)} generated values added as a host variable to INI and YAML inventories`,
      held: failure === undefined,
      detail: failure ?? `${stored} stored and read back exactly, ${refused} refused with the file untouched`,
    });
    expect(failure).toBeUndefined();
  });
});
