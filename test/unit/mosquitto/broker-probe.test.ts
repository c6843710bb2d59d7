import { execa } from "execa";
import { mkdtemp, rm, symlink, writeFile, mkdir } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../../src/modules/remote-file.js";
import { brokerArgs } from "../../../src/mosquitto/broker-args.js";
import { brokerProbeArgv, parseBrokerProbe, type ProbeTarget } from "../../../src/mosquitto/broker-probe.js";

describe("parsing the probe's output", () => {
  const targets: ProbeTarget[] = [
    { path: "/etc/mosquitto/mosquitto.conf", read: false },
    { path: "/etc/mosquitto/acl", owner: "nobody-here", read: false },
    { path: "/etc/mosquitto/passwd", read: true },
  ];

  it("reads the version from mosquitto -h first, then dpkg, then rpm", () => {
    const out = (help: string, dpkg: string, rpm: string): string => `@@help\n${help}\n@@dpkg\n${dpkg}\n@@rpm\n${rpm}\n@@runas\nroot\n`;
    expect(parseBrokerProbe(out("mosquitto version 2.0.11", "install ok installed|2.0.18-1", ""), [])).toMatchObject({ version: "2.0.11", versionSource: "mosquitto -h", runAs: "root" });
    expect(parseBrokerProbe(out("", "install ok installed|2.0.11-1.2+deb12u1", ""), [])).toMatchObject({ version: "2.0.11", versionSource: "dpkg" });
    expect(parseBrokerProbe(out("", "deinstall ok config-files|2.0.11-1.2", "2.0.18"), [])).toMatchObject({ version: "2.0.18", versionSource: "rpm" });
    expect(parseBrokerProbe(out("", "", "package mosquitto is not installed"), []).version).toBeUndefined();
  });

  it("reads each file's state in order", () => {
    const stdout = [
      "@@help",
      "mosquitto version 2.0.11",
      "@@runas",
      "root",
      "@@file-0",
      "parent=dir",
      "stat=0|101|root|mosquitto|640",
      "sha256=abc",
      "@@file-1",
      "nouser",
      "parent=dir",
      "absent",
      "@@file-2",
      "real=/srv/passwd",
      "parent=dir",
      "stat=101|101|mosquitto|mosquitto|600",
      "sha256=def",
      `content=${Buffer.from("smc:$7$x\n").toString("base64")}`,
      "",
    ].join("\n");
    const probe = parseBrokerProbe(stdout, targets);
    expect(probe.files).toEqual([
      { path: targets[0]?.path, realPath: targets[0]?.path, kind: "file", uid: 0, gid: 101, owner: "root", group: "mosquitto", mode: "0640", sha256: "abc", parentIsDirectory: true, unknownOwner: false, unknownGroup: false },
      { path: targets[1]?.path, realPath: targets[1]?.path, kind: "absent", parentIsDirectory: true, unknownOwner: true, unknownGroup: false },
      {
        path: targets[2]?.path,
        realPath: "/srv/passwd",
        kind: "file",
        uid: 101,
        gid: 101,
        owner: "mosquitto",
        group: "mosquitto",
        mode: "0600",
        sha256: "def",
        content: Buffer.from("smc:$7$x\n"),
        parentIsDirectory: true,
        unknownOwner: false,
        unknownGroup: false,
      },
    ]);
  });
});

// The probe script itself, run by the local shell on real files (no mosquitto needed for the file part)
describe("the probe script on real files", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "broker-probe-"));
    await writeFile(join(dir, "main.conf"), "listener 1883\n", { mode: 0o640 });
    await writeFile(join(dir, "passwd"), "smc:$7$101$abc$def\n", { mode: 0o600 });
    await symlink(join(dir, "passwd"), join(dir, "passwd-link"));
    await mkdir(join(dir, "sub"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reports stat, checksum, content when asked, absence, a link's target and non-files", async () => {
    const targets: ProbeTarget[] = [
      { path: join(dir, "main.conf"), read: false },
      { path: join(dir, "passwd-link"), read: true },
      { path: join(dir, "missing", "acl"), owner: "no-such-user-here", group: "no-such-group-here", read: false },
      { path: join(dir, "sub"), read: false },
    ];
    const [command, ...rest] = brokerProbeArgv(targets);
    const result = await execa(command ?? "sh", rest, { reject: false });
    expect(result.exitCode).toBe(0);
    const probe = parseBrokerProbe(result.stdout, targets);
    expect(probe.runAs).toBe(userInfo().username);
    const [main, passwd, missing, sub] = probe.files;
    expect(main).toMatchObject({ kind: "file", mode: "0640", sha256: sha256("listener 1883\n"), parentIsDirectory: true });
    expect(main?.content).toBeUndefined();
    expect(passwd).toMatchObject({ kind: "file", realPath: join(dir, "passwd"), mode: "0600", content: Buffer.from("smc:$7$101$abc$def\n") });
    expect(missing).toMatchObject({ kind: "absent", parentIsDirectory: false, unknownOwner: true, unknownGroup: true });
    expect(sub?.kind).toBe("other");
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
