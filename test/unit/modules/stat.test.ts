import { describe, expect, it } from "vitest";
import { findModule } from "../../../src/module-registry.js";
import { statResult } from "../../../src/modules/stat.js";
import type { ProbedPath } from "../../../src/modules/host/path-probe.js";

const probed = (fields: Partial<ProbedPath>): ProbedPath => ({
  path: "/etc/x",
  realPath: "/etc/x",
  exists: true,
  parentIsDirectory: true,
  runAs: "root",
  unknownOwner: false,
  unknownGroup: false,
  ...fields,
});

describe("statResult", () => {
  it("turns the probe output into Ansible's stat fields", () => {
    const stat = statResult(
      probed({
        kind: "file",
        statType: "regular file",
        owner: "root",
        group: "adm",
        uid: 0,
        gid: 4,
        mode: "4750",
        size: 12,
        atime: 1,
        mtime: 2,
        ctime: 3,
        inode: 99,
        dev: 2049,
        nlink: 1,
        readable: true,
        writeable: true,
        executable: false,
        checksum: "deadbeef",
      }),
      "sha256",
    );
    expect(stat).toMatchObject({
      exists: true,
      path: "/etc/x",
      isreg: true,
      isdir: false,
      islnk: false,
      mode: "4750",
      pw_name: "root",
      gr_name: "adm",
      uid: 0,
      gid: 4,
      size: 12,
      atime: 1,
      mtime: 2,
      ctime: 3,
      inode: 99,
      readable: true,
      writeable: true,
      executable: false,
      checksum: "deadbeef",
      checksum_sha256: "deadbeef",
      isuid: true,
      xgrp: true,
      roth: false,
    });
  });

  it("reports a missing path as exists: false only", () => {
    expect(statResult(probed({ path: "/nope", exists: false }), "sha256")).toEqual({ exists: false, path: "/nope" });
  });

  it("keeps a link target with a newline whole", () => {
    const stat = statResult(probed({ path: "/l", kind: "link", statType: "symbolic link", mode: "0777", linkSource: "/t", linkTarget: "a\nb" }), "sha1");
    expect(stat).toMatchObject({ islnk: true, lnk_source: "/t", lnk_target: "a\nb" });
  });
});

describe("registry", () => {
  it("knows the file and command modules by their Ansible names", () => {
    for (const name of ["template", "copy", "file", "lineinfile", "stat", "command", "shell", "wait_for"]) {
      expect(findModule(`ansible.builtin.${name}`)?.name).toBe(name);
    }
  });
});
