import { describe, expect, it } from "vitest";
import type { PackageStatus } from "../../../src/modules/package-managers.js";
import { decidePackageWork, notFoundMessage, packageArgs, parsePackageSpec, shouldRefreshCache } from "../../../src/modules/package.js";
import { builtinModules, findModule } from "../../../src/module-registry.js";

function statuses(...list: PackageStatus[]): Map<string, PackageStatus> {
  return new Map(list.map((status) => [status.name, status]));
}

describe("package arguments", () => {
  it("accepts a string, a comma list or a YAML list, and the pkg alias", () => {
    expect(packageArgs.parse({ name: "hello" }).packages).toEqual([{ name: "hello" }]);
    expect(packageArgs.parse({ name: "hello,tree" }).packages.map((p) => p.name)).toEqual(["hello", "tree"]);
    expect(packageArgs.parse({ pkg: ["jq"] }).packages).toEqual([{ name: "jq" }]);
  });

  it("maps installed/removed onto present/absent and yes/no onto booleans", () => {
    expect(packageArgs.parse({ name: "x", state: "installed" }).state).toBe("present");
    expect(packageArgs.parse({ name: "x", state: "removed", purge: "yes" })).toMatchObject({ state: "absent", purge: true });
  });

  it("lets cache_valid_time imply update_cache, as Ansible does", () => {
    expect(packageArgs.parse({ name: "x", cache_valid_time: "3600" })).toMatchObject({ updateCache: true, cacheValidTime: 3600 });
    expect(packageArgs.parse({ update_cache: true }).packages).toEqual([]);
  });

  it("refuses a task without names and without update_cache, unknown states and unknown keys", () => {
    expect(() => packageArgs.parse({ state: "present" })).toThrow(/name is required/);
    expect(() => packageArgs.parse({ name: "x", state: "installd" })).toThrow();
    expect(() => packageArgs.parse({ name: "x", statee: "present" })).toThrow();
    expect(() => packageArgs.parse({ name: "-oAPT::Get::Assume-Yes=false" })).toThrow(/package names/);
  });

  it("reads apt pins", () => {
    expect(parsePackageSpec("hello=2.10-3")).toEqual({ name: "hello", version: "2.10-3" });
    expect(parsePackageSpec("hello")).toEqual({ name: "hello" });
  });
});

describe("decidePackageWork", () => {
  const hello = { name: "hello", installed: undefined, candidate: "2.10-3", versions: ["2.10-3"] };
  const jqOld = { name: "jq", installed: "1.6-2.1+deb12u1", candidate: "1.6-2.1+deb12u3", versions: ["1.6-2.1+deb12u3", "1.6-2.1+deb12u1"] };

  it("installs what is missing, with the version it will get", () => {
    const work = decidePackageWork({ packages: [{ name: "hello" }, { name: "jq" }], state: "present", purge: false }, statuses(hello, jqOld));
    expect(work.install).toEqual([{ spec: "hello", label: "hello 2.10-3" }]);
    expect(work.upgrade).toEqual([]);
  });

  it("upgrades installed packages only for latest", () => {
    const work = decidePackageWork({ packages: [{ name: "jq" }], state: "latest", purge: false }, statuses(jqOld));
    expect(work.upgrade).toEqual([{ name: "jq", from: "1.6-2.1+deb12u1", to: "1.6-2.1+deb12u3" }]);
  });

  it("reports names that nothing offers", () => {
    const work = decidePackageWork({ packages: [{ name: "nosuch" }], state: "present", purge: false }, statuses());
    expect(work.unavailable).toEqual(["nosuch"]);
  });

  it("installs a pinned version only when it differs and exists", () => {
    const pinned = (version: string) => decidePackageWork({ packages: [{ name: "jq", version }], state: "present", purge: false }, statuses(jqOld));
    expect(pinned("1.6-2.1+deb12u1").install).toEqual([]);
    expect(pinned("1.6-2.1+deb12u3").install).toEqual([{ spec: "jq=1.6-2.1+deb12u3", label: "jq 1.6-2.1+deb12u3" }]);
    expect(pinned("9.9").unavailable).toEqual(["jq=9.9"]);
  });

  it("removes installed packages; purge also takes left-over config files", () => {
    const leftover = { name: "mosquitto", installed: undefined, versions: [], configFilesOnly: true };
    const remove = decidePackageWork({ packages: [{ name: "jq" }, { name: "mosquitto" }, { name: "hello" }], state: "absent", purge: false }, statuses(jqOld, leftover, hello));
    expect(remove).toMatchObject({ remove: ["jq"], purge: [] });
    const purge = decidePackageWork({ packages: [{ name: "jq" }, { name: "mosquitto" }], state: "absent", purge: true }, statuses(jqOld, leftover));
    expect(purge).toMatchObject({ remove: [], purge: ["jq", "mosquitto"] });
  });
});

describe("shouldRefreshCache", () => {
  const base = { updateCache: true, cacheValidTime: undefined, cacheAgeSeconds: undefined, hasPackages: true, packageWork: false };

  it("never refreshes without update_cache", () => {
    expect(shouldRefreshCache({ ...base, updateCache: false, packageWork: true })).toBe(false);
  });
  it("refreshes only before package work when no cache_valid_time is given", () => {
    expect(shouldRefreshCache(base)).toBe(false);
    expect(shouldRefreshCache({ ...base, packageWork: true })).toBe(true);
  });
  it("always refreshes when update_cache is the whole task", () => {
    expect(shouldRefreshCache({ ...base, hasPackages: false })).toBe(true);
  });
  it("with cache_valid_time, refreshes exactly when the lists are older", () => {
    expect(shouldRefreshCache({ ...base, cacheValidTime: 3600, cacheAgeSeconds: 100, packageWork: true })).toBe(false);
    expect(shouldRefreshCache({ ...base, cacheValidTime: 3600, cacheAgeSeconds: 7200 })).toBe(true);
  });
});

describe("notFoundMessage", () => {
  it("names the package", () => {
    expect(notFoundMessage("foo", { os_family: "Debian", distribution: "debian" })).toBe("No package matching 'foo' is available");
  });
  it("points RedHat hosts at EPEL for mosquitto", () => {
    expect(notFoundMessage("mosquitto", { os_family: "RedHat", distribution: "centos" })).toMatch(/EPEL.*epel-release/);
    expect(notFoundMessage("mosquitto", { os_family: "RedHat", distribution: "amzn" })).toMatch(/amazon-linux-extras install epel/);
  });
});

describe("registry", () => {
  it("answers to package, apt, dnf and yum", () => {
    for (const name of ["package", "apt", "dnf", "yum", "ansible.builtin.apt"]) expect(findModule(name)).toBeDefined();
    expect(builtinModules.filter((module) => ["package", "apt", "dnf", "yum"].includes(module.name))).toHaveLength(4);
  });
});
