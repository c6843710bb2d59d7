import { describe, expect, it } from "vitest";
import { modeArg, normalizeMode, parseProbe, splitCommandLine, validateArgv } from "../../../src/modules/remote-file.js";

describe("normalizeMode", () => {
  it("reads strings as octal", () => {
    expect(normalizeMode("0644")).toBe("0644");
    expect(normalizeMode("644")).toBe("0644");
    expect(normalizeMode("0o600")).toBe("0600");
    expect(normalizeMode("4755")).toBe("4755");
    expect(normalizeMode("0")).toBe("0000");
  });

  it("reads numbers as the numeric mode, as YAML 1.1 gives `mode: 0644` = 420", () => {
    expect(normalizeMode(420)).toBe("0644");
    expect(normalizeMode(0o755)).toBe("0755");
    expect(normalizeMode(0o600)).toBe("0600");
    expect(normalizeMode(0o640)).toBe("0640");
    expect(normalizeMode(0o4755)).toBe("4755");
  });

  it("reads `mode: 644` (three octal digits above 0o777) as the digits typed, not 0o1204", () => {
    expect(normalizeMode(644)).toBe("0644");
    expect(normalizeMode(755)).toBe("0755");
    expect(normalizeMode(600)).toBe("0600");
    expect(normalizeMode(4755)).toBe("4755");
  });

  it("refuses what is no mode", () => {
    expect(() => normalizeMode("u+rw")).toThrow();
    expect(() => normalizeMode("0899")).toThrow();
    expect(() => normalizeMode("17777")).toThrow();
    expect(modeArg.safeParse("rwx").success).toBe(false);
    expect(modeArg.parse("0640")).toBe("0640");
  });
});

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

describe("validateArgv", () => {
  it("replaces %s in every word without a shell", () => {
    expect(validateArgv("mosquitto -c %s -t", "/etc/.x tmp")).toEqual(["mosquitto", "-c", "/etc/.x tmp", "-t"]);
    expect(validateArgv("grep -q 'a b' --file=%s", "/t")).toEqual(["grep", "-q", "a b", "--file=/t"]);
  });

  it("requires %s", () => {
    expect(() => validateArgv("true", "/t")).toThrow(/must contain %s/);
  });
});

describe("parseProbe", () => {
  it("reads a regular file", () => {
    const probe = parseProbe("/etc/x", "runas=root\nparent=dir\nstat=regular file|root|adm|0|4|640|12\nsha256=abc\n");
    expect(probe).toMatchObject({ exists: true, kind: "file", owner: "root", group: "adm", uid: 0, gid: 4, mode: "0640", size: 12, sha256: "abc", parentIsDirectory: true, runAs: "root" });
  });

  it("reads an absent path with a missing parent and unknown owner", () => {
    expect(parseProbe("/a/b", "runas=bob\nnouser\nabsent\n")).toMatchObject({ exists: false, parentIsDirectory: false, unknownOwner: "yes" });
  });

  it("keeps a link target with newlines whole", () => {
    expect(parseProbe("/l", "runas=root\nparent=dir\nstat=symbolic link|root|root|0|0|777|5\nlink=a\nb\n").linkTarget).toBe("a\nb\n");
  });

  it("reports the real path of a followed link", () => {
    expect(parseProbe("/l", "real=/target\nrunas=root\nparent=dir\nabsent\n").path).toBe("/target");
  });
});
