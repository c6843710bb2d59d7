/**
 * dnf/yum command lines are unit-tested only; never run against a real dnf/yum (the test fleet is
 * Debian). The listing samples below follow the formats shown in public reports: yum's wrapped
 * lines (ansible/ansible#20608, ansible-modules-core#4318), `yum list available` on CentOS 7
 * (centos mailing list, March 2018), dnf4's `list --installed`/`--available` (rpm-software-management/dnf5#1379).
 */
import { describe, expect, it } from "vitest";
import { dnf, parseRpmList, parseRpmQuery, yum } from "../../../src/modules/package-rpm.js";

describe("parseRpmQuery", () => {
  it("reads name and [epoch:]version-release, and skips 'not installed' lines", () => {
    const output = [
      "bash\t(none):5.1.8-9.el9\tx86_64",
      "package mosquitto is not installed",
      "postfix\t2:3.5.9-24.el9\tx86_64",
      "",
    ].join("\n");
    const installed = parseRpmQuery(output);
    expect(installed.get("bash")).toBe("5.1.8-9.el9");
    expect(installed.get("postfix")).toBe("2:3.5.9-24.el9");
    expect(installed.has("mosquitto")).toBe(false);
  });
});

describe("parseRpmList", () => {
  it("reads dnf's list with its header and metadata line", () => {
    const output = `Last metadata expiration check: 0:12:31 ago on Tue 04 Jun 2024 10:01:02 AM UTC.
Available Packages
mosquitto.x86_64                     2.0.18-1.el9                      epel
tree.x86_64                          1.8.0-10.el9                      baseos
`;
    expect(parseRpmList(output)).toEqual([
      { name: "mosquitto", arch: "x86_64", version: "2.0.18-1.el9", repo: "epel" },
      { name: "tree", arch: "x86_64", version: "1.8.0-10.el9", repo: "baseos" },
    ]);
  });

  it("reads epochs and noarch (yum list available on CentOS 7)", () => {
    const output = `Loaded plugins: fastestmirror
Loading mirror speeds from cached hostfile
 * base: mirror.invalid
Available Packages
postfix.x86_64                        2:2.10.1-6.0.1.el7.centos        centosplus
postfix-sysvinit.noarch               2:2.10.1-6.0.1.el7.centos        centosplus
`;
    expect(parseRpmList(output).map((pkg) => [pkg.name, pkg.arch, pkg.version])).toEqual([
      ["postfix", "x86_64", "2:2.10.1-6.0.1.el7.centos"],
      ["postfix-sysvinit", "noarch", "2:2.10.1-6.0.1.el7.centos"],
    ]);
  });

  it("joins yum's wrapped lines: a long name, then the version, then the repo", () => {
    const output = `Loaded plugins: langpacks, product-id, search-disabled-
              : repos
a-very-long-package-name-that-does-not-fit-in-the-first-column-of-the-table.x86_64
                                    1.2.3-4.el7
                                                                         addons
libfoo.x86_64                       4.0.3-27.el7_3                       updates
ipxe-bar.noarch                       20160127-1.git6366fa7a.el7
                                                            some-long-repository-id
`;
    expect(parseRpmList(output)).toEqual([
      { name: "a-very-long-package-name-that-does-not-fit-in-the-first-column-of-the-table", arch: "x86_64", version: "1.2.3-4.el7", repo: "addons" },
      { name: "libfoo", arch: "x86_64", version: "4.0.3-27.el7_3", repo: "updates" },
      { name: "ipxe-bar", arch: "noarch", version: "20160127-1.git6366fa7a.el7", repo: "some-long-repository-id" },
    ]);
  });

  it("finds nothing in dnf's 'no matching packages' error", () => {
    expect(parseRpmList("Error: No matching Packages to list\n")).toEqual([]);
  });
});

describe("dnf and yum command lines", () => {
  it("dnf installs, upgrades, removes with -y and refreshes metadata", () => {
    expect(dnf.install(["mosquitto"]).argv).toEqual(["dnf", "install", "-y", "mosquitto"]);
    expect(dnf.upgrade(["mosquitto"]).argv).toEqual(["dnf", "upgrade", "-y", "mosquitto"]);
    expect(dnf.remove(["mosquitto"], false).argv).toEqual(["dnf", "remove", "-y", "mosquitto"]);
    expect(dnf.updateCache().map((command) => command.argv)).toEqual([["dnf", "makecache", "--refresh"]]);
  });

  it("yum uses update for upgrades and expires the cache before makecache", () => {
    expect(yum.install(["mosquitto", "tree"]).argv).toEqual(["yum", "install", "-y", "mosquitto", "tree"]);
    expect(yum.upgrade(["mosquitto"]).argv).toEqual(["yum", "update", "-y", "mosquitto"]);
    expect(yum.remove(["mosquitto"], true).argv).toEqual(["yum", "remove", "-y", "mosquitto"]);
    expect(yum.updateCache().map((command) => command.argv)).toEqual([
      ["yum", "clean", "expire-cache"],
      ["yum", "makecache"],
    ]);
  });
});
