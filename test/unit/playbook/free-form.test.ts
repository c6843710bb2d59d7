import { describe, expect, it } from "vitest";
import { parseKeyValueArgs, splitFreeFormArgs } from "../../../src/playbook/free-form.js";

const here = { file: "t.yml", line: 1 };

describe("string arguments", () => {
  it("reads key=value pairs with quotes and obvious types", () => {
    expect(parseKeyValueArgs(`name=hello state=present update_cache=yes port=20200 mode=0644 line="a b"`, here)).toEqual({
      name: "hello",
      state: "present",
      update_cache: true,
      port: 20200,
      mode: "0644",
      line: "a b",
    });
  });

  it("refuses a word that is not key=value", () => {
    expect(() => parseKeyValueArgs("name=x oops", here)).toThrow(/'oops' is not key=value/);
  });

  it("takes trailing options out of a command's free form", () => {
    expect(splitFreeFormArgs("tar xf a.tgz chdir=/tmp creates='/tmp/a b'", "cmd")).toEqual({
      cmd: "tar xf a.tgz",
      chdir: "/tmp",
      creates: "/tmp/a b",
    });
    expect(splitFreeFormArgs("echo creates=inside the text", "cmd")).toEqual({ cmd: "echo creates=inside the text" });
  });
});
