import { describe, expect, it } from "vitest";
import { groupaddArgv, groupArgs, parseGroupLine } from "../../../src/modules/group.js";

describe("parseGroupLine", () => {
  it("reads a getent group line with and without members", () => {
    expect(parseGroupLine("adm:x:4:ops,deploy\n")).toEqual({ name: "adm", gid: 4, members: ["ops", "deploy"] });
    expect(parseGroupLine("mosquitto:x:102:")).toEqual({ name: "mosquitto", gid: 102, members: [] });
  });
  it("rejects garbage", () => {
    expect(parseGroupLine("")).toBeUndefined();
    expect(parseGroupLine("adm:x:notanumber:")).toBeUndefined();
  });
});

describe("group arguments and groupadd", () => {
  it("accepts a gid as a string after templating, and yes/no for system", () => {
    expect(groupArgs.parse({ name: "mqtt", gid: "1600", system: "yes" })).toEqual({ name: "mqtt", gid: 1600, state: "present", system: true });
  });
  it("refuses names that could be options or paths", () => {
    expect(() => groupArgs.parse({ name: "-g0" })).toThrow(/plain name/);
    expect(() => groupArgs.parse({ name: "a/b" })).toThrow(/plain name/);
  });
  it("builds groupadd with gid and -r for system groups", () => {
    expect(groupaddArgv(groupArgs.parse({ name: "mqtt", gid: 1600 }))).toEqual(["groupadd", "-g", "1600", "mqtt"]);
    expect(groupaddArgv(groupArgs.parse({ name: "mqtt", system: true }))).toEqual(["groupadd", "-r", "mqtt"]);
  });
});
