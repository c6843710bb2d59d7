import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  compareVersions,
  parseMosquittoHelp,
  parseMosquittoVersion,
  parsePackageVersion,
  versionParts,
} from "../../../src/mosquitto/version.js";

describe("parseMosquittoHelp", () => {
  it.each([
    ["mosquitto version 2.0.11\n\nmosquitto is an MQTT v5.0/v3.1.1/v3.1 broker.\n", "2.0.11"],
    ["mosquitto version 1.6.9\n\nmosquitto is an MQTT v3.1.1 broker.", "1.6.9"],
    ["mosquitto version 1.4.15 (build date 2018-03-04 15:20:32+0000)\n", "1.4.15"],
    ["mosquitto version 2.1.2\n", "2.1.2"],
  ])("%j -> %s", (output, version) => {
    expect(parseMosquittoHelp(output)).toBe(version);
  });

  it.each([["bash: mosquitto: command not found"], [""], ["Usage: mosquitto [-c config_file]"]])("%j -> undefined", (output) => {
    expect(parseMosquittoHelp(output)).toBeUndefined();
  });
});

describe("parsePackageVersion", () => {
  it.each([
    ["2.0.11-1.2+deb12u1", "2.0.11"], // Debian bookworm
    ["2.0.11-1ubuntu1.1", "2.0.11"], // Ubuntu jammy
    ["2.0.11-1.2+rpi1", "2.0.11"], // Raspbian
    ["1.5.7-1+deb10u1", "1.5.7"],
    ["1:2.0.11-1", "2.0.11"], // with an epoch
    ["mosquitto-2.0.18-1.el9", "2.0.18"], // rpm -q
    ["mosquitto-2.0.15-1.amzn2023.0.1.x86_64", "2.0.15"],
    ["1.6.10-1.el7", "1.6.10"], // rpm -q --qf '%{VERSION}-%{RELEASE}'
    ["2.0.18", "2.0.18"], // rpm -q --qf '%{VERSION}'
    ["2.0.18\n", "2.0.18"],
    ["2.1", "2.1.0"],
  ])("%j -> %s", (text, version) => {
    expect(parsePackageVersion(text)).toBe(version);
  });

  it.each([["package mosquitto is not installed"], ["dpkg-query: no packages found matching mosquitto"], [""], ["unknown"]])(
    "%j -> undefined",
    (text) => {
      expect(parsePackageVersion(text)).toBeUndefined();
    },
  );
});

describe("parseMosquittoVersion takes either", () => {
  it("reads both forms", () => {
    expect(parseMosquittoVersion("mosquitto version 2.0.11\n")).toBe("2.0.11");
    expect(parseMosquittoVersion("2.0.11-1.2+deb12u1")).toBe("2.0.11");
  });
});

describe("compareVersions and versionParts", () => {
  it("orders numerically, not as text", () => {
    expect(compareVersions("2.0.11", "2.0.9")).toBeGreaterThan(0);
    expect(compareVersions("1.6.9", "2.0.0")).toBeLessThan(0);
    expect(compareVersions("2.1", "2.1.0")).toBe(0);
    expect(versionParts("2.0.11")).toEqual([2, 0, 11]);
    expect(versionParts("x")).toBeUndefined();
    expect(() => compareVersions("x", "2.0.0")).toThrow(/not a version/);
  });
});

// The real programs on this machine, when they are installed
const dpkgHasMosquitto = existsSync("/var/lib/dpkg/info/mosquitto.list");
describe.skipIf(!existsSync("/usr/sbin/mosquitto"))("on this machine's mosquitto", () => {
  it("reads the version `mosquitto -h` prints (it exits 3)", () => {
    let output = "";
    try {
      output = execFileSync("/usr/sbin/mosquitto", ["-h"], { encoding: "utf8" });
    } catch (error) {
      output = String((error as { stdout?: unknown }).stdout ?? "");
    }
    expect(parseMosquittoHelp(output)).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.skipIf(!dpkgHasMosquitto)("agrees with dpkg-query", () => {
    const packaged = execFileSync("dpkg-query", ["-W", "-f", "${Version}", "mosquitto"], { encoding: "utf8" });
    let output = "";
    try {
      output = execFileSync("/usr/sbin/mosquitto", ["-h"], { encoding: "utf8" });
    } catch (error) {
      output = String((error as { stdout?: unknown }).stdout ?? "");
    }
    expect(parsePackageVersion(packaged)).toBe(parseMosquittoHelp(output));
  });
});
