/**
 * Whitespace is where a hand-made conversion goes wrong, so random templates of the converted
 * subset (text, `{{ }}`, if/else, for, comments, each with and without `-` and `+` signs) are
 * rendered by Jinja2 set up as Ansible's template module sets it up
 * (test/fixtures/convert/render-jinja.py, one Python process for all) and, converted, by
 * tsible; the bytes must match. A fixed seed makes every run check the same templates.
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convertJinja } from "../../../src/convert/convert-template.js";
import { renderText } from "../../../src/vars/template.js";

const sign = (allowed: string[]) => fc.constantFrom("", ...allowed);
const text = fc.constantFrom("a", "b c", " ", "  ", "\n", "\n\n", "\t", "x\n  ", "  y\n", "}", "{ ", "\\ ");

const template = fc.letrec<{ node: string; body: string }>((tie) => ({
  body: fc.array(tie("node"), { maxLength: 4 }).map((nodes) => nodes.join("")),
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    text,
    text,
    fc.tuple(sign(["-"]), fc.constantFrom("v", "w | default('d')", "'' if flag else v", "v ~ '\\n' if not flag else ''"), sign(["-"])).map(([open, expr, close]) => `{{${open} ${expr} ${close}}}`),
    fc.tuple(sign(["-"]), sign(["-"])).map(([open, close]) => `{#${open} note ${close}#}`),
    fc
      .tuple(sign(["-"]), sign(["-", "+"]), tie("body"), fc.option(fc.tuple(sign(["-"]), sign(["-", "+"]), tie("body"))), sign(["-"]), sign(["-", "+"]))
      .map(([o1, c1, yes, otherwise, o3, c3]) => `{%${o1} if flag ${c1}%}${yes}${otherwise ? `{%${otherwise[0]} else ${otherwise[1]}%}${otherwise[2]}` : ""}{%${o3} endif ${c3}%}`),
    fc
      .tuple(sign(["-"]), sign(["-", "+"]), tie("body"), sign(["-"]), sign(["-", "+"]))
      .map(([o1, c1, body, o2, c2]) => `{%${o1} for i in items ${c1}%}${body}{{ i }}{%${o2} endfor ${c2}%}`),
  ),
})).body;

const vars = fc.record({ v: fc.constantFrom("V", "v w"), flag: fc.boolean(), items: fc.array(fc.constantFrom("p", "q r"), { maxLength: 2 }) });

const cases = fc.sample(fc.record({ template, vars }), { seed: 20261202, numRuns: 400 });

describe("random templates render as Ansible's Jinja renders them", () => {
  it("400 templates, same bytes (or refused for a value-dependent ending, or a brace or backslash touching a tag)", () => {
    const jinjaOutputs = JSON.parse(
      execFileSync("python3", [resolve("test/fixtures/convert/render-jinja.py")], { input: JSON.stringify(cases), maxBuffer: 64 * 1024 * 1024 }).toString("utf8"),
    ) as (string | { error: string })[];
    let compared = 0;
    for (const [index, { template: jinja, vars: values }] of cases.entries()) {
      const expected = jinjaOutputs[index];
      if (typeof expected !== "string") throw new Error(`Jinja failed on ${JSON.stringify(jinja)}: ${JSON.stringify(expected)}`);
      const converted = convertJinja(jinja, { mode: "template" });
      if (!converted.ok) {
        expect(converted.problems[0]?.message, JSON.stringify(jinja)).toMatch(/when it prints nothing|right before a tag reads as|backslash right before a tag/);
        continue;
      }
      const rendered = renderText(converted.text, values, { file: "fuzz.hbs" });
      expect({ jinja, handlebars: converted.text, values, output: rendered }).toEqual({ jinja, handlebars: converted.text, values, output: expected });
      compared++;
    }
    expect(compared).toBeGreaterThan(300);
  });
});
