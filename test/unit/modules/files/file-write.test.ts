import { describe, expect, it } from "vitest";
import { pathInfo, validateArgv, writtenFileResult } from "../../../../src/modules/files/file-write.js";
import { probed } from "../../../helpers/probed-path.js";


describe("validateArgv", () => {
  it("replaces %s in every word without a shell", () => {
    expect(validateArgv("mosquitto -c %s -t", "/etc/.x tmp")).toEqual(["mosquitto", "-c", "/etc/.x tmp", "-t"]);
    expect(validateArgv("grep -q 'a b' --file=%s", "/t")).toEqual(["grep", "-q", "a b", "--file=/t"]);
  });

  it("requires %s", () => {
    expect(() => validateArgv("true", "/t")).toThrow(/must contain %s/);
  });
});

describe("writtenFileResult", () => {
  it("reports Ansible's sha1 checksum and md5sum of the content (sha256 as tsible's extra)", () => {
    const result = writtenFileResult(probed({ exists: false }), { mode: "0640" }, Buffer.from("hello\n"));
    expect(result).toMatchObject({
      dest: "/etc/x",
      checksum: "f572d396fae9206628714fb2ce00f72e94f2258f",
      md5sum: "b1946ac92492d2347c6235b4d2611184",
      checksum_sha256: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
      size: 6,
      state: "file",
      mode: "0640",
    });
    // a new file's uid is the host's to tell, after the write
    expect(result).not.toHaveProperty("uid");
  });

  it("knows uid and gid of a file whose owner and group stay", () => {
    const existing = probed({ kind: "file", owner: "root", group: "adm", uid: 0, gid: 4, mode: "0644" });
    expect(writtenFileResult(existing, {}, Buffer.from(""))).toMatchObject({ uid: 0, gid: 4, owner: "root", group: "adm" });
    expect(writtenFileResult(existing, { owner: "mosquitto" }, Buffer.from(""))).not.toHaveProperty("uid");
  });
});

describe("pathInfo", () => {
  it("is Ansible's add_path_info: nothing for a missing path, the state a path is in", () => {
    expect(pathInfo(probed({ exists: false }))).toEqual({});
    const base = { uid: 0, gid: 0, owner: "root", group: "root", mode: "0644", size: 3 };
    expect(pathInfo(probed({ ...base, kind: "file", nlink: 1 }))).toEqual({ ...base, state: "file" });
    expect(pathInfo(probed({ ...base, kind: "file", nlink: 2 }))).toMatchObject({ state: "hard" });
    expect(pathInfo(probed({ ...base, kind: "directory", nlink: 2 }))).toMatchObject({ state: "directory" });
    expect(pathInfo(probed({ ...base, kind: "link", mode: "0777" }))).toMatchObject({ state: "link", mode: "0777" });
  });
});
