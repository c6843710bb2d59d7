/**
 * Remote paths must be absolute: every module that takes a path on the host
 * refuses "", ".", a relative path and "~/x" in its argument schema, before
 * anything reaches the host (an empty `{{dirname pid_file}}` once chowned the
 * login user's home and locked the operator out).
 */
import { describe, expect, it } from "vitest";
import { findModule } from "../../../src/module-registry.js";
import { absolutePath } from "../../../src/modules/system-args.js";

const NOT_ABSOLUTE = ["", ".", "relative/x", "~/x"];

function refusal(moduleName: string, args: Record<string, unknown>): string | undefined {
  const module = findModule(moduleName);
  if (!module) throw new Error(`no module ${moduleName}`);
  const parsed = module.args.safeParse(args);
  return parsed.success ? undefined : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
}

describe("absolutePath", () => {
  it("names the field and the value, and says why", () => {
    const parsed = absolutePath("path").safeParse(".");
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe(`path must be an absolute path (got "."): tsible does not resolve paths against the login user's home`);
  });
  it("accepts an absolute path as it is", () => {
    expect(absolutePath("dest").parse("/etc/mosquitto/")).toBe("/etc/mosquitto/");
  });
});

/** Each module, the field that holds its remote path (under each name it answers to), and the other arguments it needs */
const cases: { module: string; field: string; reportedAs: string; rest: Record<string, unknown> }[] = [
  { module: "file", field: "path", reportedAs: "path", rest: { state: "directory" } },
  { module: "file", field: "dest", reportedAs: "path", rest: { state: "directory", owner: "mosquitto" } },
  { module: "file", field: "name", reportedAs: "path", rest: { state: "absent" } },
  { module: "copy", field: "dest", reportedAs: "dest", rest: { content: "x\n" } },
  { module: "template", field: "dest", reportedAs: "dest", rest: { src: "mosquitto.conf.j2" } },
  { module: "lineinfile", field: "path", reportedAs: "path", rest: { line: "x" } },
  { module: "lineinfile", field: "dest", reportedAs: "path", rest: { line: "x" } },
  { module: "stat", field: "path", reportedAs: "path", rest: {} },
  { module: "git", field: "dest", reportedAs: "dest", rest: { repo: "https://example.com/r.git" } },
  { module: "user", field: "home", reportedAs: "home", rest: { name: "ops" } },
];

describe.each(cases)("$module $field", ({ module, field, reportedAs, rest }) => {
  it.each(NOT_ABSOLUTE)("refuses %j", (value) => {
    expect(refusal(module, { ...rest, [field]: value })).toBe(
      `${reportedAs}: ${reportedAs} must be an absolute path (got ${JSON.stringify(value)}): tsible does not resolve paths against the login user's home`,
    );
  });
  it("accepts an absolute path", () => {
    expect(refusal(module, { ...rest, [field]: "/var/run/mosquitto" })).toBeUndefined();
  });
});
