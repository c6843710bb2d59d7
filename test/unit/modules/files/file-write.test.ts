import { describe, expect, it } from "vitest";
import { validateArgv } from "../../../../src/modules/files/file-write.js";

describe("validateArgv", () => {
  it("replaces %s in every word without a shell", () => {
    expect(validateArgv("mosquitto -c %s -t", "/etc/.x tmp")).toEqual(["mosquitto", "-c", "/etc/.x tmp", "-t"]);
    expect(validateArgv("grep -q 'a b' --file=%s", "/t")).toEqual(["grep", "-q", "a b", "--file=/t"]);
  });

  it("requires %s", () => {
    expect(() => validateArgv("true", "/t")).toThrow(/must contain %s/);
  });
});
