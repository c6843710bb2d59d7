import { describe, expect, it } from "vitest";
import { factsToVars, parseFactsOutput } from "../../../src/facts/gather.js";
import { distributionFromOsRelease, parseOsRelease } from "../../../src/facts/os-release.js";
import { openLocalConnection } from "../../../src/connection/local.js";
import { gatherFacts } from "../../../src/facts/gather.js";
import { AMAZON_LINUX_2, AMAZON_LINUX_2023, CENTOS_7, DEBIAN_12, RASPBIAN_11, RHEL_9, UBUNTU_2204 } from "./os-release-samples.js";

const distribution = (text: string) => distributionFromOsRelease(parseOsRelease(text));

/** What the facts script prints, section by section */
function scriptOutput(sections: Record<string, string>): string {
  const order = ["os-release", "arch", "kernel", "hostname", "user", "pkg", "systemd", "pid1", "initd", "python"];
  const lines = order.flatMap((name) => [`@@tsible-facts@@ ${name}`, ...(sections[name] ? [sections[name]] : [])]);
  return [...lines, "@@tsible-facts@@ end", ""].join("\n");
}

describe("os-release", () => {
  it("unquotes values and keeps unquoted ones", () => {
    const fields = parseOsRelease(`ID="centos"\nVERSION_ID=9.3\nNAME='Single'\nX="a \\"q\\" \\$v"\n# c\n`);
    expect(fields).toEqual({ ID: "centos", VERSION_ID: "9.3", NAME: "Single", X: 'a "q" $v' });
  });

  it.each([
    ["Debian 12", DEBIAN_12, "debian", "Debian", "12", "12"],
    ["Ubuntu 22.04", UBUNTU_2204, "ubuntu", "Debian", "22.04", "22"],
    ["Raspberry Pi OS (Raspbian 11)", RASPBIAN_11, "raspbian", "Debian", "11", "11"],
    ["CentOS 7", CENTOS_7, "centos", "RedHat", "7", "7"],
    ["Amazon Linux 2", AMAZON_LINUX_2, "amzn", "RedHat", "2", "2"],
    ["Amazon Linux 2023", AMAZON_LINUX_2023, "amzn", "RedHat", "2023", "2023"],
    ["RHEL 9", RHEL_9, "rhel", "RedHat", "9.3", "9"],
  ])("%s", (_name, text, id, family, version, major) => {
    expect(distribution(text)).toEqual({
      distribution: id,
      os_family: family,
      distribution_version: version,
      distribution_major_version: major,
    });
  });

  it("calls an unknown distribution's family unknown", () => {
    expect(distribution("ID=alpine\nVERSION_ID=3.19.1\n").os_family).toBe("unknown");
    expect(distribution("")).toMatchObject({ distribution: "unknown", distribution_version: "" });
  });
});

describe("parsing the facts script's output", () => {
  it("a Debian container without init: apt, service_mgr none, init scripts present", () => {
    const facts = parseFactsOutput(
      scriptOutput({
        "os-release": DEBIAN_12, arch: "x86_64", kernel: "6.1.0-18-amd64", hostname: "ts0h1.example",
        user: "deploy", pkg: "apt-get", pid1: "sshd", initd: "yes", python: "/usr/bin/python3",
      }),
    );
    expect(facts).toEqual({
      distribution: "debian", os_family: "Debian", distribution_version: "12", distribution_major_version: "12",
      architecture: "x86_64", kernel: "6.1.0-18-amd64", hostname: "ts0h1", user_id: "deploy",
      pkg_mgr: "apt", service_mgr: "none", has_init_d: true, python: "/usr/bin/python3",
    });
  });

  it("Amazon Linux 2023 with systemd: dnf even though yum exists too", () => {
    const facts = parseFactsOutput(
      scriptOutput({ "os-release": AMAZON_LINUX_2023, arch: "aarch64", pkg: "dnf\nyum", systemd: "yes", pid1: "systemd", user: "ec2-user" }),
    );
    expect(facts).toMatchObject({ distribution: "amzn", os_family: "RedHat", pkg_mgr: "dnf", service_mgr: "systemd", architecture: "aarch64", python: undefined });
  });

  it("CentOS 7 under SysV init: yum, sysvinit", () => {
    const facts = parseFactsOutput(scriptOutput({ "os-release": CENTOS_7, pkg: "yum", pid1: "init", initd: "yes" }));
    expect(facts).toMatchObject({ pkg_mgr: "yum", service_mgr: "sysvinit", distribution_major_version: "7" });
  });

  it("refuses truncated output", () => {
    expect(() => parseFactsOutput("@@tsible-facts@@ os-release\nID=debian\n")).toThrow(/incomplete/);
  });
});

describe("facts as variables", () => {
  it("gives ansible_facts and the familiar ansible_* names", () => {
    const facts = parseFactsOutput(scriptOutput({ "os-release": UBUNTU_2204, arch: "x86_64", hostname: "web1", pkg: "apt-get", pid1: "systemd", systemd: "yes" }));
    const vars = factsToVars(facts);
    expect(vars["ansible_facts"]).toMatchObject({ os_family: "Debian", distribution: "ubuntu", distribution_major_version: "22", pkg_mgr: "apt" });
    expect(vars).toMatchObject({
      ansible_os_family: "Debian", ansible_distribution: "ubuntu", ansible_distribution_version: "22.04",
      ansible_distribution_major_version: "22", ansible_architecture: "x86_64", ansible_pkg_mgr: "apt",
      ansible_service_mgr: "systemd", ansible_hostname: "web1",
    });
  });
});

describe("gathering facts for real (local connection, this machine)", () => {
  it("runs the script in one command and parses this machine's answers", async () => {
    const commands: string[] = [];
    const conn = openLocalConnection("localhost", { log: (line) => commands.push(line) });
    const facts = await gatherFacts(conn);
    expect(commands).toHaveLength(1);
    expect(facts.architecture).toBe(process.arch === "x64" ? "x86_64" : facts.architecture);
    expect(facts.user_id).toBe((await conn.run(["id", "-un"])).stdout.trim());
    expect(facts.distribution).not.toBe("");
  });
});
