import { describe, expect, it } from "vitest";
import { splitCommandLine } from "../../../src/connection/command-words.js";

describe("splitCommandLine", () => {
  it("splits on whitespace", () => {
    expect(splitCommandLine("  ls   -l\t/tmp ")).toEqual(["ls", "-l", "/tmp"]);
  });

  it("keeps single-quoted text literal", () => {
    expect(splitCommandLine(`echo 'a  b' '$HOME' '"q"'`)).toEqual(["echo", "a  b", "$HOME", '"q"']);
  });

  it("honours double quotes and their escapes", () => {
    expect(splitCommandLine(`echo "a b" "x\\"y" "\\$v" "\\n"`)).toEqual(["echo", "a b", 'x"y', "$v", "\\n"]);
  });

  it("joins adjacent quoted parts into one word and keeps empty words", () => {
    expect(splitCommandLine(`a'b'"c"d '' ""`)).toEqual(["abcd", "", ""]);
  });

  it("treats a backslash outside quotes as an escape", () => {
    expect(splitCommandLine("touch a\\ b \\'")).toEqual(["touch", "a b", "'"]);
  });

  it("does not interpret shell operators", () => {
    expect(splitCommandLine("echo a | wc -l; rm *")).toEqual(["echo", "a", "|", "wc", "-l;", "rm", "*"]);
  });

  it("rejects unterminated quotes", () => {
    expect(() => splitCommandLine("echo 'abc")).toThrow(/unterminated single quote/);
    expect(() => splitCommandLine('echo "abc')).toThrow(/unterminated double quote/);
  });
});
