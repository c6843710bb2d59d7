import { describe, expect, it } from "vitest";
import { findModule } from "../../../src/modules/index.js";
import { parseStat } from "../../../src/modules/stat.js";

describe("parseStat", () => {
  it("turns the probe output into Ansible's stat fields", () => {
    const stat = parseStat("/etc/x", "stat=regular file|root|adm|0|4|4750|12|1|2|3|99|2049|1\naccess=110\nsum=deadbeef\n", "sha256");
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
    expect(parseStat("/nope", "absent\n", "sha256")).toEqual({ exists: false, path: "/nope" });
  });

  it("keeps a link target with a newline whole", () => {
    const stat = parseStat("/l", "stat=symbolic link|root|root|0|0|777|3|1|2|3|4|5|1\naccess=111\nsource=/t\nlink=a\nb", "sha1");
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
