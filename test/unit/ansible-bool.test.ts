import { describe, expect, it } from "vitest";
import { parseAnsibleBool, parseUnmistakableBool } from "../../src/ansible-bool.js";

const TRUE_WORDS = ["y", "yes", "on", "true", "t", "1"];
const FALSE_WORDS = ["n", "no", "off", "false", "f", "0"];

describe("parseAnsibleBool", () => {
  it.each(TRUE_WORDS)("reads %j as true, in any case and with spaces around", (word) => {
    expect(parseAnsibleBool(word)).toBe(true);
    expect(parseAnsibleBool(word.toUpperCase())).toBe(true);
    expect(parseAnsibleBool(` ${word}\n`)).toBe(true);
  });
  it.each(FALSE_WORDS)("reads %j as false, in any case and with spaces around", (word) => {
    expect(parseAnsibleBool(word)).toBe(false);
    expect(parseAnsibleBool(word.toUpperCase())).toBe(false);
    expect(parseAnsibleBool(` ${word}\n`)).toBe(false);
  });
  it("reads mixed case", () => {
    expect(parseAnsibleBool("True")).toBe(true);
    expect(parseAnsibleBool("oFf")).toBe(false);
  });
  it("takes real booleans and the numbers 1 and 0 (Ansible's 1.0 and 0.0)", () => {
    expect(parseAnsibleBool(true)).toBe(true);
    expect(parseAnsibleBool(false)).toBe(false);
    expect(parseAnsibleBool(1)).toBe(true);
    expect(parseAnsibleBool(0)).toBe(false);
    expect(parseAnsibleBool(1.0)).toBe(true);
    expect(parseAnsibleBool(0.0)).toBe(false);
  });
  it.each([["maybe"], [""], ["yess"], ["1.0"], [2], [-1], [0.5], [null], [undefined], [["yes"]], [{}]])("says %j is not a boolean", (value) => {
    expect(parseAnsibleBool(value)).toBeUndefined();
  });
});

describe("parseUnmistakableBool", () => {
  it("reads true/false/yes/no in any case", () => {
    expect(parseUnmistakableBool("yes")).toBe(true);
    expect(parseUnmistakableBool("TRUE")).toBe(true);
    expect(parseUnmistakableBool("No")).toBe(false);
    expect(parseUnmistakableBool("false")).toBe(false);
  });
  it.each(["on", "off", "y", "n", "t", "f", "1", "0", " yes", "maybe"])("leaves %j to be text", (text) => {
    expect(parseUnmistakableBool(text)).toBeUndefined();
  });
});
