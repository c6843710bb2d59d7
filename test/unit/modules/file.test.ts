import { describe, expect, it } from "vitest";
import { findModule } from "../../../src/module-registry.js";

function parseFileArgs(args: Record<string, unknown>) {
  const parsed = findModule("file")!.args.safeParse(args);
  return parsed.success ? { ok: true as const } : { ok: false as const, messages: parsed.error.issues.map((issue) => issue.message) };
}

describe("file arguments: src", () => {
  it("accepts a relative src for state=link: the target is relative to the link's directory, as with ln -s", () => {
    expect(parseFileArgs({ path: "/etc/mosquitto/current", src: "releases/v2", state: "link" })).toEqual({ ok: true });
    expect(parseFileArgs({ path: "/etc/mosquitto/current", src: "../shared", state: "link" })).toEqual({ ok: true });
  });
  it("still wants the link itself at an absolute path", () => {
    const result = parseFileArgs({ path: "current", src: "releases/v2", state: "link" });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.messages).toContain(`path must be an absolute path (got "current"): tsible does not resolve paths against the login user's home`);
  });
  it("refuses a relative src for any other state, or none", () => {
    for (const state of ["file", "directory", "touch", "absent", undefined]) {
      const result = parseFileArgs({ path: "/srv/x", src: "relative/x", ...(state ? { state } : {}) });
      expect(result.ok ? [] : result.messages).toEqual([
        `src must be an absolute path (got "relative/x"): tsible does not resolve paths against the login user's home (only a link's target, with state: link, may be relative)`,
      ]);
    }
  });
  it("accepts an absolute src", () => {
    expect(parseFileArgs({ path: "/srv/x", src: "/srv/y", state: "link" })).toEqual({ ok: true });
    expect(parseFileArgs({ path: "/srv/x", src: "/srv/y", state: "file" })).toEqual({ ok: true });
  });
});
