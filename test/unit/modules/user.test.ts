import { describe, expect, it } from "vitest";
import { Secret } from "../../../src/secrets.js";
import { parsePasswdLine, parseUserProbe, useraddArgv, userArgs, userModifications } from "../../../src/modules/user.js";

const HASH = "$6$salt$abcdefghijklmnopqrstuvwxyz0123456789";

describe("parsePasswdLine", () => {
  it("reads a getent passwd line", () => {
    expect(parsePasswdLine("mosquitto:x:101:102::/var/lib/mosquitto:/usr/sbin/nologin\n")).toEqual({
      name: "mosquitto",
      uid: 101,
      gid: 102,
      comment: "",
      home: "/var/lib/mosquitto",
      shell: "/usr/sbin/nologin",
    });
  });
  it("rejects garbage", () => {
    expect(parsePasswdLine("")).toBeUndefined();
    expect(parsePasswdLine("a:b:c")).toBeUndefined();
  });
});

describe("parseUserProbe", () => {
  it("separates the primary group from the supplementary ones", () => {
    const probe = parseUserProbe("@@passwd\nops:x:1001:1001::/home/ops:/bin/bash\n@@primary\nops\n@@groups\nops adm sudo\n@@password\nsame\n");
    expect(probe).toMatchObject({ primaryGroup: "ops", groups: ["adm", "sudo"], password: "same" });
    expect(probe.entry?.uid).toBe(1001);
  });
  it("knows a missing user", () => {
    expect(parseUserProbe("@@passwd\n@@primary\n@@groups\n")).toMatchObject({ entry: undefined, groups: [], password: undefined });
  });
});

describe("user arguments", () => {
  it("keeps the password as a Secret that prints masked", () => {
    const args = userArgs.parse({ name: "ops", password: HASH });
    expect(args.password).toBeInstanceOf(Secret);
    expect(String(args.password)).toBe("********");
    expect(JSON.stringify(args)).not.toContain(HASH);
  });
  it("refuses a plain password, a relative home and unknown keys", () => {
    expect(() => userArgs.parse({ name: "ops", password: "hunter2hunter2" })).toThrow(/crypt hash/);
    expect(() => userArgs.parse({ name: "ops", home: "home/ops" })).toThrow(/absolute/);
    expect(() => userArgs.parse({ name: "ops", shel: "/bin/sh" })).toThrow();
  });
  it("accepts locked-account markers as passwords", () => {
    expect(userArgs.parse({ name: "ops", password: "!" }).password?.reveal()).toBe("!");
  });
});

describe("useraddArgv", () => {
  it("passes every asked attribute as its own argument", () => {
    const args = userArgs.parse({ name: "mqttops", uid: "1500", group: 1500, groups: "adm,dialout", shell: "/bin/bash", system: true, create_home: false, password: HASH });
    expect(useraddArgv(args)).toEqual(["useradd", "-u", "1500", "-g", "1500", "-G", "adm,dialout", "-s", "/bin/bash", "-p", HASH, "-r", "-M", "mqttops"]);
  });
  it("creates the home by default", () => {
    expect(useraddArgv(userArgs.parse({ name: "ops" }))).toEqual(["useradd", "-m", "ops"]);
  });
});

describe("userModifications", () => {
  const probe = {
    entry: { name: "ops", uid: 1001, gid: 1001, comment: "", home: "/home/ops", shell: "/bin/sh" },
    primaryGroup: "ops",
    groups: ["adm"],
    password: "different" as const,
  };
  const mods = (args: unknown) => userModifications(userArgs.parse(args), probe);

  it("changes nothing when everything matches (the primary group counts as a membership)", () => {
    expect(mods({ name: "ops", uid: 1001, group: "ops", groups: ["adm"], shell: "/bin/sh", home: "/home/ops" })).toEqual([]);
    expect(mods({ name: "ops", groups: ["ops"], append: true })).toEqual([]);
    expect(mods({ name: "ops", group: "1001" })).toEqual([]);
  });

  it("appends only the missing groups", () => {
    expect(mods({ name: "ops", groups: ["adm", "dialout"], append: true })).toEqual([
      { description: "add ops to groups dialout", argv: ["usermod", "-a", "-G", "dialout", "ops"] },
    ]);
  });

  it("sets the exact group list without append, also to none", () => {
    expect(mods({ name: "ops", groups: ["dialout"] })).toEqual([
      { description: "set groups of ops to dialout (was adm)", argv: ["usermod", "-G", "dialout", "ops"] },
    ]);
    expect(mods({ name: "ops", groups: [] })).toEqual([{ description: "set groups of ops to (none) (was adm)", argv: ["usermod", "-G", "", "ops"] }]);
  });

  it("describes each attribute change, and a password change without the hash", () => {
    const changes = mods({ name: "ops", uid: 1500, shell: "/bin/bash", home: "/srv/ops", password: HASH });
    expect(changes.map((change) => change.description)).toEqual([
      "change uid of ops 1001 -> 1500",
      "change shell of ops /bin/sh -> /bin/bash",
      "change home of ops /home/ops -> /srv/ops",
      "set password of ops",
    ]);
    expect(changes[3]?.argv).toEqual(["usermod", "-p", HASH, "ops"]);
  });

  it("leaves the password alone when it matches or when update_password is on_create", () => {
    expect(userModifications(userArgs.parse({ name: "ops", password: HASH }), { ...probe, password: "same" })).toEqual([]);
    expect(mods({ name: "ops", password: HASH, update_password: "on_create" })).toEqual([]);
  });
});
