import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { fileglob, loopItems, sequence } from "../../../src/executor/loop-items.js";
import type { LoopForm } from "../../../src/playbook/types.js";

const at = { file: "/p/site.yml", line: 7 };
const items = (form: LoopForm, terms: unknown, searchPaths: string[] = []) => loopItems(form, terms, searchPaths, at);

describe("loop forms give Ansible's items", () => {
  it("loop and with_list take the list as it is, and refuse anything else", () => {
    expect(items("list", [[1, 2], 3])).toEqual([[1, 2], 3]);
    expect(() => items("list", "a")).toThrow(/requires a list/);
  });

  it("with_items flattens one level, and takes a single value as a list of one", () => {
    expect(items("items", [[1, [2]], 3])).toEqual([1, [2], 3]);
    expect(items("items", "solo")).toEqual(["solo"]);
  });

  it("with_together zips, filling the shorter lists with null", () => {
    expect(items("together", [[1, 2, 3], ["a", "b"]])).toEqual([[1, "a"], [2, "b"], [3, null]]);
  });

  it("with_nested gives every combination as a flat list", () => {
    expect(items("nested", [["a", "b"], [1, 2], ["x"]])).toEqual([["a", 1, "x"], ["a", 2, "x"], ["b", 1, "x"], ["b", 2, "x"]]);
  });

  it("with_dict gives {key, value} in the mapping's order", () => {
    expect(items("dict", { b: 1, a: { deep: true } })).toEqual([{ key: "b", value: 1 }, { key: "a", value: { deep: true } }]);
    expect(() => items("dict", [1])).toThrow(/expects a dict/);
  });

  it("with_subelements pairs each parent (without the subkey) with each subelement", () => {
    const users = [{ name: "ann", groups: ["adm", "sudo"] }, { name: "bob", groups: [] }, { name: "cy", groups: ["users"] }];
    expect(items("subelements", [users, "groups"])).toEqual([[{ name: "ann" }, "adm"], [{ name: "ann" }, "sudo"], [{ name: "cy" }, "users"]]);
    // the variable itself is left as it was
    expect(users[0]?.groups).toEqual(["adm", "sudo"]);
  });

  it("with_subelements follows dotted keys, skips missing ones on request, and says which key is missing", () => {
    const hosts = { h1: { name: "h1", net: { ips: ["10.0.0.1"] } }, h2: { name: "h2" } };
    expect(items("subelements", [hosts, "net.ips", { skip_missing: true }])).toEqual([[{ name: "h1", net: {} }, "10.0.0.1"]]);
    let error: unknown;
    try {
      items("subelements", [hosts, "net.ips"]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/could not find 'net' key/);
    expect((error as UserError).location).toEqual(at);
  });

  it("with_sequence: key=value and shortcut forms, strings formatted with printf", () => {
    expect(sequence("start=1 end=7 stride=3 format=host%02d", at)).toEqual(["host01", "host04", "host07"]);
    expect(sequence("count=3", at)).toEqual(["1", "2", "3"]);
    expect(sequence("start=0 count=3 stride=2", at)).toEqual(["0", "2", "4"]);
    expect(sequence("start=0x0f00 count=2 format=%04x", at)).toEqual(["0f00", "0f01"]);
    expect(sequence("4:node%d", at)).toEqual(["node1", "node2", "node3", "node4"]);
    expect(sequence("2-10/4", at)).toEqual(["2", "6", "10"]);
    expect(sequence("start=10 end=7 stride=-1", at)).toEqual(["10", "9", "8", "7"]);
    expect(sequence("start=5 end=5", at)).toEqual(["5"]);
    expect(sequence("count=0", at)).toEqual([]);
    expect(items("sequence", ["count=2", "start=8 end=9"])).toEqual(["1", "2", "8", "9"]);
  });

  it("with_sequence refuses what Ansible refuses", () => {
    expect(() => sequence("start=1", at)).toThrow(/must specify count or end/);
    expect(() => sequence("end=3 count=2", at)).toThrow(/both count and end/);
    expect(() => sequence("start=5 end=1", at)).toThrow(/make stride negative/);
    expect(() => sequence("end=3 format=%d-%d", at)).toThrow(/bad formatting string/);
    expect(() => sequence("end=3 step=2", at)).toThrow(/unrecognized arguments/);
    expect(() => sequence("end=three", at)).toThrow(/can't parse end=three/);
  });

  it("with_fileglob matches files (not directories) in files/ of the role, then of the playbook, sorted", async () => {
    const playbook = await mkdtemp(path.join(tmpdir(), "tsible-glob-"));
    const role = path.join(playbook, "roles", "r");
    await mkdir(path.join(playbook, "files", "conf.d", "sub.conf"), { recursive: true });
    await writeFile(path.join(playbook, "files", "conf.d", "b.conf"), "");
    await writeFile(path.join(playbook, "files", "conf.d", "a.conf"), "");
    await writeFile(path.join(playbook, "files", "conf.d", ".hidden.conf"), "");
    await writeFile(path.join(playbook, "top.txt"), "");
    const conf = path.join(playbook, "files", "conf.d");
    expect(fileglob("conf.d/*.conf", [role, playbook])).toEqual([path.join(conf, "a.conf"), path.join(conf, "b.conf")]);
    expect(fileglob("*.txt", [role, playbook])).toEqual([path.join(playbook, "top.txt")]);
    expect(fileglob(`${conf}/a*`, [])).toEqual([path.join(conf, "a.conf")]);
    expect(items("fileglob", ["nothing/*.x"], [playbook])).toEqual([]);
    // the role's own files/ wins over the playbook's
    await mkdir(path.join(role, "files"), { recursive: true });
    await writeFile(path.join(role, "files", "top.txt"), "");
    expect(fileglob("*.txt", [role, playbook])).toEqual([path.join(role, "files", "top.txt")]);
  });

  it("with_first_found gives the first existing file as a list of one, or fails unless skip", async () => {
    const playbook = await mkdtemp(path.join(tmpdir(), "tsible-first-"));
    await mkdir(path.join(playbook, "files"));
    await writeFile(path.join(playbook, "files", "debian.yml"), "");
    await writeFile(path.join(playbook, "default.yml"), "");
    expect(items("first_found", ["centos.yml", "debian.yml", "default.yml"], [playbook])).toEqual([path.join(playbook, "files", "debian.yml")]);
    expect(items("first_found", ["centos.yml,default.yml"], [playbook])).toEqual([path.join(playbook, "default.yml")]);
    expect(items("first_found", [{ files: ["x.yml", "default.yml"], paths: [playbook] }], [])).toEqual([path.join(playbook, "default.yml")]);
    expect(items("first_found", [{ files: ["x.yml"], skip: true }], [playbook])).toEqual([]);
    expect(() => items("first_found", ["x.yml"], [playbook])).toThrow(/No file was found when using first_found/);
  });
});
