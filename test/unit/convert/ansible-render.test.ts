/**
 * The proof of `tsible convert`: every template of the corpus (test/fixtures/convert/corpus/<case>/,
 * one .j2 and its vars.json) is rendered by Debian's ansible-core with the template module, and
 * its conversion by tsible's own template renderer; the bytes must be the same. One
 * ansible-playbook run renders the whole corpus (Python starts slowly on the test machine).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertJinja } from "../../../src/convert/convert-template.js";
import { renderText } from "../../../src/vars/template.js";
import { fixtures, inventoryVars, runAnsiblePlay } from "./ansible.js";

const corpus = join(fixtures, "corpus");
const cases = readdirSync(corpus).sort().map((name) => {
  const template = readdirSync(join(corpus, name)).find((file) => file.endsWith(".j2"));
  if (!template) throw new Error(`corpus case ${name} has no .j2 template`);
  const vars = JSON.parse(readFileSync(join(corpus, name, "vars.json"), "utf8")) as Record<string, unknown>;
  return { name, templatePath: join(corpus, name, template), vars };
});

let workDir: string;
const ansibleOutput = new Map<string, Buffer>();

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "tsible-convert-"));
  const tasks = cases.map((corpusCase) => ({
    name: corpusCase.name,
    template: { src: corpusCase.templatePath, dest: join(workDir, `${corpusCase.name}.out`) },
    vars: corpusCase.vars,
  }));
  runAnsiblePlay(workDir, { tasks });
  for (const corpusCase of cases) ansibleOutput.set(corpusCase.name, readFileSync(join(workDir, `${corpusCase.name}.out`)));
}, 320_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("a converted template renders the bytes Ansible renders from the original", () => {
  it("the corpus holds the templates the brief names", () => {
    expect(cases.map((corpusCase) => corpusCase.name)).toEqual(
      expect.arrayContaining(["mosquitto-conf", "nginx-site", "systemd-unit", "sshd-config", "kafka-mqtt-source", "lamp-bridge", "smc-broker", "kinesis-bridge", "acl-file"]),
    );
  });

  it.each(cases.map((corpusCase) => [corpusCase.name, corpusCase] as const))("%s", (_name, corpusCase) => {
    const converted = convertJinja(readFileSync(corpusCase.templatePath, "utf8"), { mode: "template" });
    if (!converted.ok) throw new Error(`not converted: ${JSON.stringify(converted.problems)}`);
    const rendered = renderText(converted.text, { ...inventoryVars(), ...corpusCase.vars }, { file: `${corpusCase.name}.hbs` });
    expect(rendered).toBe(ansibleOutput.get(corpusCase.name)?.toString("utf8"));
  });
});
