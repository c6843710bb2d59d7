import { describe, expect, it } from "vitest";
import { Secret } from "../../../src/secrets.js";
import { toAnsibleBool } from "../../../src/vars/values.js";

describe("toAnsibleBool, the bool filter", () => {
  it("is true for yes/on/true/1 and the number 1", () => {
    for (const value of ["yes", "On", "TRUE", "1", 1, true]) expect(toAnsibleBool(value)).toBe(true);
  });
  it("is false for what Ansible's filter does not know, y and t included", () => {
    for (const value of ["y", "T", "maybe", "", 2, null, undefined, ["yes"]]) expect(toAnsibleBool(value)).toBe(false);
  });
  it("reads a secret's value", () => {
    expect(toAnsibleBool(new Secret("yes"))).toBe(true);
  });
});
