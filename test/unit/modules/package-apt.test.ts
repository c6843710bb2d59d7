import { describe, expect, it } from "vitest";
import { apt, aptStatuses, parseAptPolicy, parseCacheAge, parseDpkgQuery } from "../../../src/modules/package-apt.js";
import { splitSections } from "../../../src/modules/package-managers.js";

// Real output of `dpkg-query -W -f='${Package}\t${Status}\t${Version}\n' ...` on Debian bookworm,
// plus a removed package whose config files remain ("rc" in dpkg -l) and a multi-arch pair.
const DPKG_OUTPUT = [
  "bash\tinstall ok installed\t5.2.15-2+b8",
  "mosquitto\tdeinstall ok config-files\t2.0.11-1.2+deb12u1",
  "libc6\tunknown ok not-installed\t",
  "libc6\tinstall ok installed\t2.36-9+deb12u14",
  "hello\thold ok installed\t2.10-3",
  "",
].join("\n");

// Real `LC_ALL=C apt-cache policy hello jq nonexistentpkg bash` output on bookworm (mirror name
// replaced): an unknown name prints nothing; "***" marks the installed version.
const POLICY_OUTPUT = `hello:
  Installed: (none)
  Candidate: 2.10-3
  Version table:
     2.10-3 500
        500 http://mirror.invalid/debian bookworm/main amd64 Packages
jq:
  Installed: 1.6-2.1+deb12u1
  Candidate: 1.6-2.1+deb12u3
  Version table:
     1.6-2.1+deb12u3 500
        500 http://mirror.invalid/debian-security bookworm-security/main amd64 Packages
     1.6-2.1+deb12u2 500
        500 http://mirror.invalid/debian bookworm/main amd64 Packages
 *** 1.6-2.1+deb12u1 100
        100 /var/lib/dpkg/status
bash:
  Installed: 5.2.15-2+b8
  Candidate: 5.2.15-2+b13
  Version table:
     5.2.15-2+b13 500
        500 http://mirror.invalid/debian bookworm/main amd64 Packages
 *** 5.2.15-2+b8 100
        100 /var/lib/dpkg/status
mail-transport-agent:
  Installed: (none)
  Candidate: (none)
  Version table:
`;

describe("parseDpkgQuery", () => {
  const entries = parseDpkgQuery(DPKG_OUTPUT);

  it("reads installed packages with their versions (held ones too)", () => {
    expect(entries.get("bash")).toEqual({ name: "bash", installed: true, configFilesOnly: false, version: "5.2.15-2+b8" });
    expect(entries.get("hello")?.installed).toBe(true);
  });

  it("treats a removed package with config files left as not installed, but remembers the files", () => {
    expect(entries.get("mosquitto")).toMatchObject({ installed: false, configFilesOnly: true });
  });

  it("lets the installed architecture win over a not-installed one", () => {
    expect(entries.get("libc6")).toMatchObject({ installed: true, version: "2.36-9+deb12u14" });
  });
});

describe("parseAptPolicy", () => {
  const policy = parseAptPolicy(POLICY_OUTPUT);

  it("reads installed and candidate versions, (none) as undefined", () => {
    expect(policy.get("hello")).toEqual({ name: "hello", installed: undefined, candidate: "2.10-3", versions: ["2.10-3"] });
    expect(policy.get("jq")?.candidate).toBe("1.6-2.1+deb12u3");
  });

  it("lists every version of the version table, not the source lines", () => {
    expect(policy.get("jq")?.versions).toEqual(["1.6-2.1+deb12u3", "1.6-2.1+deb12u2", "1.6-2.1+deb12u1"]);
    expect(policy.get("bash")?.versions).toEqual(["5.2.15-2+b13", "5.2.15-2+b8"]);
  });

  it("knows a virtual package has no candidate, and an unknown name is absent", () => {
    expect(policy.get("mail-transport-agent")).toEqual({ name: "mail-transport-agent", installed: undefined, candidate: undefined, versions: [] });
    expect(policy.has("nonexistentpkg")).toBe(false);
  });
});

describe("aptStatuses", () => {
  it("combines dpkg's installed state with apt's candidate for each requested name", () => {
    const statuses = aptStatuses(["bash", "hello", "mosquitto", "nonexistentpkg"], parseDpkgQuery(DPKG_OUTPUT), parseAptPolicy(POLICY_OUTPUT));
    expect(statuses.get("bash")).toMatchObject({ installed: "5.2.15-2+b8", candidate: "5.2.15-2+b13" });
    expect(statuses.get("hello")).toMatchObject({ installed: "2.10-3", candidate: "2.10-3" });
    expect(statuses.get("mosquitto")).toMatchObject({ installed: undefined, configFilesOnly: true });
    expect(statuses.get("nonexistentpkg")).toEqual({ name: "nonexistentpkg", installed: undefined, candidate: undefined, versions: [], configFilesOnly: false });
  });
});

describe("parseCacheAge", () => {
  it("is now minus the lists' mtime", () => {
    expect(parseCacheAge(["1700000000", "1700003600", ""])).toBe(3600);
  });
  it("is undefined when the probe printed garbage", () => {
    expect(parseCacheAge(["stat: cannot stat", "1700003600"])).toBeUndefined();
  });
});

describe("apt command lines", () => {
  it("installs non-interactively and keeps changed config files", () => {
    expect(apt.install(["hello", "tree=2.1.0-1"])).toEqual({
      argv: ["apt-get", "-y", "-q", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", "install", "hello", "tree=2.1.0-1"],
      env: { DEBIAN_FRONTEND: "noninteractive" },
    });
  });

  it("upgrades only what is installed, removes or purges", () => {
    expect(apt.upgrade(["jq"]).argv.slice(-3)).toEqual(["install", "--only-upgrade", "jq"]);
    expect(apt.remove(["hello"], false).argv.slice(-2)).toEqual(["remove", "hello"]);
    expect(apt.remove(["hello"], true).argv.slice(-2)).toEqual(["purge", "hello"]);
  });

  it("refreshes the lists and then the stamp that cache_valid_time reads", () => {
    const [update, stamp] = apt.updateCache();
    expect(update?.argv.slice(-1)).toEqual(["update"]);
    expect(stamp?.argv.join(" ")).toContain("touch /var/lib/apt/periodic/update-success-stamp");
  });
});

describe("splitSections", () => {
  it("splits on @@name marker lines only", () => {
    const sections = splitSections("noise\n@@dpkg\na\tb\n@@policy\nx:\n  @@not-a-marker\n");
    expect(sections.get("dpkg")).toEqual(["a\tb"]);
    expect(sections.get("policy")).toEqual(["x:", "  @@not-a-marker", ""]);
  });
});
