/**
 * The proof for YAML files: the templated strings of test/fixtures/convert/yaml/broker-vars.yml
 * (under `converted:`) are rendered by ansible-core (each written to a file with copy's
 * `content`) and, after `tsible convert`'s rewrite of the file, by tsible; the texts must be
 * the same, and the file must differ from the original only in those strings.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { convertYaml } from "../../../src/convert/convert-yaml.js";
import { renderString } from "../../../src/vars/template.js";
import { textOf } from "../../../src/vars/values.js";
import { fixtures, inventoryVars, runAnsiblePlay } from "./ansible.js";

const varsFile = join(fixtures, "yaml", "broker-vars.yml");
const original = readFileSync(varsFile, "utf8");
const originalData = parseYaml(original) as { converted: Record<string, string> };
const keys = Object.keys(originalData.converted);

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "tsible-convert-yaml-"));
  runAnsiblePlay(workDir, {
    vars_files: [varsFile],
    tasks: [{ copy: { content: "{{ converted[item] }}", dest: `${workDir}/{{ item }}.out` }, loop: keys }],
  });
}, 320_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("converted YAML strings render as Ansible renders the originals", () => {
  const result = convertYaml(original, { renamedTemplate: () => undefined });
  if (!result.ok) throw new Error(`not converted: ${JSON.stringify(result.problems)}`);
  const convertedData = parseYaml(result.text) as Record<string, unknown> & { converted: Record<string, string> };

  it("only the templated strings changed", () => {
    const originalLines = original.split("\n");
    const changed = result.text.split("\n").filter((line, index) => line !== originalLines[index]);
    expect(result.text.split("\n")).toHaveLength(originalLines.length);
    expect(changed.every((line) => line.includes("{{"))).toBe(true);
    expect(changed.length).toBeGreaterThan(10);
  });

  it.each(keys)("%s", (key) => {
    const vars = { ...inventoryVars(), ...convertedData };
    const rendered = textOf(renderString(convertedData.converted[key] ?? "", vars, { file: varsFile }));
    expect(rendered).toBe(readFileSync(join(workDir, `${key}.out`), "utf8"));
  });
});
