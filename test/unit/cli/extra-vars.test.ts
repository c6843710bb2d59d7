import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseExtraVars } from "../../../src/cli/extra-vars.js";

describe("-e extra vars", () => {
  it("reads key=value, JSON and @file, later ones winning", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tsible-e-"));
    await writeFile(path.join(dir, "vars.yml"), "port: 20201\nusers: [a, b]\n");
    const vars = await parseExtraVars(["a=1 b='two words'", '{"port": 20200, "flag": true}', "@vars.yml"], dir);
    expect(vars).toEqual({ a: "1", b: "two words", port: 20201, flag: true, users: ["a", "b"] });
  });

  it("refuses text that is none of those", async () => {
    await expect(parseExtraVars(["not vars"], "/")).rejects.toThrow(/cannot read extra vars/);
  });
});
