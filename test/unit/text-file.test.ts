/** Files the user wrote are read as UTF-8 or refused with the place of the first bad byte */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { readUserText } from "../../src/text-file.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tsible-text-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readUserText", () => {
  it("reads UTF-8, multi-byte characters included", async () => {
    await writeFile(join(dir, "ok.yml"), "city: München 火\n");
    expect(await readUserText(join(dir, "ok.yml"))).toBe("city: München 火\n");
  });

  it("names the line and column of the first byte that is not UTF-8", async () => {
    const file = join(dir, "latin1.yml");
    await writeFile(file, Buffer.concat([Buffer.from("a: 1\nb: é火 M"), Buffer.from([0xfc]), Buffer.from("nchen\n")]));
    const error = await readUserText(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).location).toEqual({ file, line: 2, column: 8 });
    expect((error as UserError).hint).toMatch(/UTF-8/);
  });

  it("says a missing file is missing", async () => {
    const error = await readUserText(join(dir, "nope.yml")).catch((caught: unknown) => caught);
    expect((error as UserError).message).toBe(`file not found: ${join(dir, "nope.yml")}`);
  });
});
