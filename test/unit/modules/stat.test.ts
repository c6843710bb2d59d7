import { describe, expect, it } from "vitest";
import { findModule } from "../../../src/module-registry.js";
import { statResult } from "../../../src/modules/stat.js";
import { probed } from "../../helpers/probed-path.js";


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

  it("reports mime type and lsattr's attributes as Ansible names them, or Ansible's 'unknown' and empty values", () => {
    const file = probed({ kind: "file", statType: "regular file", mode: "0644", mime: "text/plain; charset=us-ascii", attributeLine: "1528580848 --------------e------- /etc/x" });
    expect(statResult(file, "sha1", { get_mime: true, get_attributes: true })).toMatchObject({
      mimetype: "text/plain",
      charset: "us-ascii",
      version: "1528580848",
      attr_flags: "e",
      attributes: ["extents"],
    });
    const bare = statResult(probed({ kind: "file", statType: "regular file", mode: "0644" }), "sha1", { get_mime: true, get_attributes: true });
    expect(bare).toMatchObject({ mimetype: "unknown", charset: "unknown", version: null, attr_flags: "", attributes: [] });
    expect(statResult(probed({ kind: "file", statType: "regular file", mode: "0644" }), "sha1")).not.toHaveProperty("mimetype");
  });

  it("reports a missing path as exists: false only", () => {
    expect(statResult(probed({ path: "/nope", exists: false }), "sha256")).toEqual({ exists: false, path: "/nope" });
  });

  it("keeps a link target with a newline whole", () => {
    const stat = statResult(probed({ path: "/l", kind: "link", statType: "symbolic link", mode: "0777", linkSource: "/t", linkTarget: "a\nb" }), "sha1");
    expect(stat).toMatchObject({ islnk: true, lnk_source: "/t", lnk_target: "a\nb" });
  });
});

describe("stat's arguments", () => {
  it("default to a sha1 checksum, as Ansible's, and take Ansible's other names", () => {
    const args = findModule("stat")?.args;
    expect(args?.parse({ path: "/etc/x" })).toMatchObject({ checksum_algorithm: "sha1", get_checksum: true, get_mime: true, get_attributes: true });
    expect(args?.parse({ dest: "/etc/x", checksum: "sha256", mime: false, attr: "no" })).toMatchObject({
      path: "/etc/x",
      checksum_algorithm: "sha256",
      get_mime: false,
      get_attributes: false,
    });
  });
});

describe("registry", () => {
  it("knows the file and command modules by their Ansible names", () => {
    for (const name of ["template", "copy", "file", "lineinfile", "stat", "command", "shell", "wait_for"]) {
      expect(findModule(`ansible.builtin.${name}`)?.name).toBe(name);
    }
  });
});
