import { execa } from "execa";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shellScript } from "../../../src/connection/quote.js";
import { brokerArgs } from "../../../src/mosquitto/broker-args.js";
import { MOSQUITTO_VERSION_SCRIPT, parseInstalledMosquitto } from "../../../src/mosquitto/broker-probe.js";

describe("finding the installed mosquitto", () => {
  it("reads the version from mosquitto -h first, then dpkg, then rpm", () => {
    const out = (help: string, dpkg: string, rpm: string): string => `@@help\n${help}\n@@dpkg\n${dpkg}\n@@rpm\n${rpm}\n`;
    expect(parseInstalledMosquitto(out("mosquitto version 2.0.11", "install ok installed|2.0.18-1", ""))).toMatchObject({ version: "2.0.11", versionSource: "mosquitto -h" });
    expect(parseInstalledMosquitto(out("", "install ok installed|2.0.11-1.2+deb12u1", ""))).toMatchObject({ version: "2.0.11", versionSource: "dpkg" });
    expect(parseInstalledMosquitto(out("", "deinstall ok config-files|2.0.11-1.2", "2.0.18"))).toMatchObject({ version: "2.0.18", versionSource: "rpm" });
    expect(parseInstalledMosquitto(out("", "", "package mosquitto is not installed")).version).toBeUndefined();
  });

  it("runs on a host whatever it has installed, and exits 0; the packages are asked only when mosquitto -h gives no version", async () => {
    const [command, ...rest] = shellScript(MOSQUITTO_VERSION_SCRIPT, []);
    const result = await execa(command ?? "sh", rest, { reject: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^@@help\n/);
    if (/^mosquitto version \d/m.test(result.stdout)) expect(result.stdout).not.toContain("@@dpkg");
    else expect(result.stdout).toMatch(/^@@help\n(.*\n)*@@dpkg\n(.*\n)*@@rpm/);
    const { version } = parseInstalledMosquitto(result.stdout);
    if (version !== undefined) expect(version).toMatch(/^\d+\.\d+/);
  });

  it("reads the version from the first line of mosquitto -h, on a PATH where mosquitto prints a help", async () => {
    const bin = await mkdtemp(join(tmpdir(), "fake-mosquitto-"));
    // a stand-in for the binary: what 2.0.11 prints for -h, with its exit code 3
    await writeFile(join(bin, "mosquitto"), "#!/bin/sh\nprintf 'mosquitto version 2.0.11\\n\\nmosquitto is an MQTT v5.0/v3.1.1/v3.1 broker.\\n'\nexit 3\n", { mode: 0o755 });
    const [command, ...rest] = shellScript(MOSQUITTO_VERSION_SCRIPT, []);
    const result = await execa(command ?? "sh", rest, { reject: false, env: { PATH: `${bin}:${process.env["PATH"] ?? ""}` } });
    expect(result.stdout).toBe("@@help\nmosquitto version 2.0.11");
    expect(parseInstalledMosquitto(result.stdout)).toEqual({ version: "2.0.11", versionSource: "mosquitto -h" });
    await rm(bin, { recursive: true, force: true });
  });
});

describe("the module's arguments", () => {
  const base = { port: 20200 };

  it("fills Ansible-like defaults", () => {
    const args = brokerArgs.parse({ ...base, files: [{ dest: "/etc/mosquitto/mosquitto.conf", content: "x", mode: "0640" }] });
    expect(args).toMatchObject({
      service: "mosquitto",
      host: "127.0.0.1",
      log_file: "/var/log/mosquitto/mosquitto.log",
      config_file: "/etc/mosquitto/mosquitto.conf",
      wait_timeout: 30,
      files: [{ dest: "/etc/mosquitto/mosquitto.conf", content: "x", mode: "0640", reload: false }],
    });
  });

  it("takes templated strings for numbers and booleans, and numeric passwords", () => {
    const args = brokerArgs.parse({
      port: "20200",
      files: [{ dest: "/a", template: "acl.hbs", reload: "yes" }],
      password_file: { path: "/p", users: [{ name: "smc", password: 1234 }], remove_unlisted: "true" },
    });
    expect(args.port).toBe(20200);
    expect(args.files[0]?.reload).toBe(true);
    expect(args.password_file?.users[0]).toEqual({ name: "smc", password: "1234", state: "present" });
    expect(args.password_file?.remove_unlisted).toBe(true);
  });

  it("refuses a file with both or neither of content and template, relative paths, and a path listed twice", () => {
    expect(brokerArgs.safeParse({ ...base, files: [{ dest: "/a" }] }).success).toBe(false);
    expect(brokerArgs.safeParse({ ...base, files: [{ dest: "/a", content: "x", template: "t" }] }).success).toBe(false);
    expect(brokerArgs.safeParse({ ...base, files: [{ dest: "a", content: "x" }] }).success).toBe(false);
    const twice = brokerArgs.safeParse({ ...base, files: [{ dest: "/a", content: "x" }], password_file: { path: "/a" } });
    expect(twice.success).toBe(false);
    expect(JSON.stringify(twice.error?.issues)).toContain("listed twice");
    expect(brokerArgs.safeParse({ ...base, unknown: 1 }).success).toBe(false);
    expect(brokerArgs.safeParse({}).success).toBe(false);
  });
});
