import { describe, expect, it } from "vitest";
import { normalizeMode } from "../../../../src/modules/host/file-mode.js";
import { modeArg } from "../../../../src/modules/files/file-args.js";

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
