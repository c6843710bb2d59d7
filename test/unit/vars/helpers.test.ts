import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { renderString, renderText } from "../../../src/vars/template.js";

const source = { file: "templates/x.hbs" };

describe("helpers added for converted Jinja", () => {
  it("ternary picks by Jinja truthiness and keeps the value's type", () => {
    expect(renderText('{{ternary flag "yes" "no"}}', { flag: true }, source)).toBe("yes");
    expect(renderText('{{ternary flag "yes" "no"}}', { flag: "" }, source)).toBe("no");
    expect(renderText('{{ternary flag "yes" "no"}}', { flag: [] }, source)).toBe("no");
    expect(renderText('{{ternary flag "yes" "no"}}', { flag: "false" }, source)).toBe("yes");
    expect(renderString("{{ternary flag 1 2}}", { flag: 0 }, source)).toBe(2);
  });

  it("ternary fails on an undefined condition, naming it", () => {
    expect(() => renderText('{{ternary nope "a" "b"}}', {}, source)).toThrow(/undefined variable "nope"/);
  });

  it("add adds numbers and is Jinja's loop.index as (add @index 1)", () => {
    expect(renderText("{{#each xs as |x|}}{{add @index 1}}:{{x}} {{/each}}", { xs: ["a", "b"] }, source)).toBe("1:a 2:b ");
    expect(renderString("{{add a 2}}", { a: 40 }, source)).toBe(42);
  });

  it("add refuses anything but numbers", () => {
    expect(() => renderText("{{add a 1}}", { a: "1" }, source)).toThrow(UserError);
    expect(() => renderText("{{add a 1}}", { a: "1" }, source)).toThrow(/add needs numbers/);
  });

  it("contains is Jinja's in: list member, dict key, substring", () => {
    expect(renderText('{{#if (contains l "b")}}y{{else}}n{{/if}}', { l: ["a", "b"] }, source)).toBe("y");
    expect(renderText('{{#if (contains d "k")}}y{{else}}n{{/if}}', { d: { k: 1 } }, source)).toBe("y");
    expect(renderText('{{#if (contains s "bc")}}y{{else}}n{{/if}}', { s: "abcd" }, source)).toBe("y");
    expect(renderText('{{#if (contains l "z")}}y{{else}}n{{/if}}', { l: ["a"] }, source)).toBe("n");
  });

  it("concat without arguments is the empty list (Jinja's [])", () => {
    expect(renderText("[{{#each (default xs (concat)) as |x|}}{{x}}{{/each}}]", {}, source)).toBe("[]");
    expect(renderText("{{length (concat)}}", {}, source)).toBe("0");
  });
});
