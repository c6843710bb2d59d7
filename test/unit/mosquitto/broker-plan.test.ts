import { describe, expect, it } from "vitest";
import { sha256 } from "../../../src/modules/files/content.js";
import {
  chooseActivation,
  describeActivation,
  hashFormatName,
  planConfigFile,
  planPasswordFileChange,
  userListing,
  type PlannedFile,
} from "../../../src/mosquitto/broker-plan.js";
import type { ProbedPath } from "../../../src/modules/host/path-probe.js";
import { hashFormatForVersion, hashPassword, verifyPassword } from "../../../src/mosquitto/password-hash.js";
import { parsePasswordFile } from "../../../src/mosquitto/password-file.js";
import { readVectors } from "./vectors.js";

const v20 = hashFormatForVersion("2.0.11");

function existing(path: string, content: Buffer | string, extra: Partial<ProbedPath> = {}): ProbedPath {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return {
    path,
    realPath: path,
    exists: true,
    kind: "file",
    uid: 0,
    gid: 0,
    owner: "root",
    group: "root",
    mode: "0644",
    checksum: sha256(bytes),
    parentIsDirectory: true,
    runAs: "root",
    unknownOwner: false,
    unknownGroup: false,
    ...extra,
  };
}

function absent(path: string, extra: Partial<ProbedPath> = {}): ProbedPath {
  return { path, realPath: path, exists: false, parentIsDirectory: true, runAs: "root", unknownOwner: false, unknownGroup: false, ...extra };
}

const conf = "/etc/mosquitto/mosquitto.conf";

describe("planning a config file", () => {
  it("plans nothing when content and attributes are as wanted", () => {
    const probe = existing(conf, "listener 1883\n", { group: "mosquitto", gid: 101, mode: "0640" });
    const plan = planConfigFile(probe, { content: Buffer.from("listener 1883\n"), attributes: { group: "mosquitto", mode: "0640" }, reload: false }, undefined);
    expect(plan).toBeUndefined();
  });

  it("compares numeric owners and groups by id", () => {
    const probe = existing(conf, "x\n", { uid: 0, gid: 101, group: "mosquitto" });
    expect(planConfigFile(probe, { content: Buffer.from("x\n"), attributes: { owner: "0", group: "101" }, reload: false }, undefined)).toBeUndefined();
  });

  it("plans a content change with a real diff, the attribute delta in its description, and the old bytes for a rollback", () => {
    const old = Buffer.from("listener 1883\n");
    const probe = existing(conf, old, { uid: 0, gid: 0 });
    const plan = planConfigFile(probe, { content: Buffer.from("listener 20200\n"), attributes: { group: "mosquitto", mode: "0640" }, reload: false }, old);
    expect(plan?.kind).toBe("content");
    expect(plan?.description).toBe(`update ${conf}, group root -> mosquitto, mode 0644 -> 0640`);
    expect(plan?.diff).toEqual({ path: conf, before: "listener 1883\n", after: "listener 20200\n" });
    expect(plan?.previous).toEqual({ path: conf, existed: true, content: old, uid: 0, gid: 0, mode: "0644" });
    expect(plan?.attributes).toEqual({ group: "mosquitto", mode: "0640" });
  });

  it("describes an owner/mode-only change separately, without a diff", () => {
    const probe = existing(conf, "x\n");
    const plan = planConfigFile(probe, { content: Buffer.from("x\n"), attributes: { mode: "0640" }, reload: false }, undefined);
    expect(plan).toMatchObject({ kind: "attributes", description: `set mode 0644 -> 0640 of ${conf}` });
    expect(plan?.diff).toBeUndefined();
    // a rollback rewrites the same bytes with the old mode
    expect(plan?.previous).toMatchObject({ existed: true, content: Buffer.from("x\n"), mode: "0644" });
  });

  it("creates a new file (and says when its directory is created too)", () => {
    const plan = planConfigFile(absent("/var/lib/b/conf/acl", { parentIsDirectory: false }), { content: Buffer.from("topic #\n"), attributes: { mode: "0644" }, reload: true }, undefined);
    expect(plan?.description).toBe("create /var/lib/b/conf/acl (and its parent directories), mode 0644");
    expect(plan?.diff).toEqual({ path: "/var/lib/b/conf/acl", before: "", after: "topic #\n" });
    expect(plan?.createParents).toBe(true);
    expect(plan?.previous).toEqual({ path: "/var/lib/b/conf/acl", existed: false });
  });

  it("writes to a symlink's target and shows no text diff for binary content", () => {
    const probe = existing("/etc/link.conf", Buffer.from([1, 0, 2]), { realPath: "/srv/real.conf" });
    const plan = planConfigFile(probe, { content: Buffer.from([1, 0, 3]), attributes: {}, reload: false }, Buffer.from([1, 0, 2]));
    expect(plan?.path).toBe("/srv/real.conf");
    expect(plan?.diff).toBeUndefined();
  });
});

describe("planning the password file", () => {
  const [alice, bob] = readVectors("vectors-2.0.11.txt");
  if (!alice || !bob) throw new Error("no vectors");
  const path = "/etc/mosquitto/passwd";
  const current = `${alice.line}\n${bob.line}\n`;
  const probe = existing(path, current, { content: Buffer.from(current), owner: "mosquitto", group: "mosquitto", uid: 101, gid: 101, mode: "0600" });

  it("keeps an unchanged file byte for byte and plans nothing", () => {
    const plan = planPasswordFileChange(probe, {
      users: [
        { name: alice.user, password: alice.password },
        { name: bob.user, password: bob.password },
      ],
      removeUnlisted: true,
      format: v20,
      attributes: { owner: "mosquitto", mode: "0600" },
    });
    expect(plan).toEqual({ changes: [], file: undefined });
  });

  it("summarises added, changed and removed users, and its diff lists names only", () => {
    const newPassword = "n3w pass & 'quoted'";
    const plan = planPasswordFileChange(probe, {
      users: [
        { name: alice.user, password: newPassword },
        { name: "ops", password: "ops-password-1" },
      ],
      removeUnlisted: true,
      format: v20,
      attributes: {},
    });
    const file = plan.file as PlannedFile;
    expect(file.description).toBe(`update password file ${path}: user ${alice.user}: password changed; user ${bob.user} removed; user ops added`);
    expect(file.diff).toEqual({ path, before: `${alice.user}\n${bob.user}\n`, after: `${alice.user} (password changed)\nops (added)\n` });
    expect(file.reload).toBe(true);
    expect(plan.changes.map((change) => change.user)).toEqual([alice.user, bob.user, "ops"]);

    // the new file really holds the new passwords...
    const lines = parsePasswordFile(file.content.toString("utf8"));
    const hashOf = (user: string): string => {
      const line = lines.find((entry) => entry.kind === "user" && entry.user === user);
      if (line?.kind !== "user") throw new Error(`no line for ${user}`);
      return line.hash;
    };
    expect(verifyPassword(newPassword, hashOf(alice.user))).toBe(true);
    expect(verifyPassword("ops-password-1", hashOf("ops"))).toBe(true);

    // ...and nothing a report shows contains a hash or a password, old or new
    const shown = JSON.stringify({ description: file.description, diff: file.diff, users: plan.changes });
    for (const secret of [newPassword, "ops-password-1", alice.password, bob.password, alice.hash, bob.hash, hashOf(alice.user), hashOf("ops")]) {
      expect(shown).not.toContain(secret);
    }
    expect(shown).not.toContain("$7$");
    expect(shown).not.toContain("$6$");
  });

  it("creates a missing password file 0600 unless told otherwise, even with no users", () => {
    const plan = planPasswordFileChange(absent(path), { users: [], removeUnlisted: false, format: v20, attributes: { owner: "mosquitto" } });
    expect(plan.file?.description).toBe(`create password file ${path}, owner mosquitto, mode 0600: no users`);
    expect(plan.file?.attributes).toEqual({ owner: "mosquitto", mode: "0600" });
    expect(plan.file?.content.length).toBe(0);
  });

  it("changes only the mode of a file whose users are right, keeping its bytes", () => {
    const plan = planPasswordFileChange(probe, {
      users: [{ name: alice.user, password: alice.password }],
      removeUnlisted: false,
      format: v20,
      attributes: { mode: "0640" },
    });
    expect(plan.file).toMatchObject({ kind: "attributes", description: `set mode 0600 -> 0640 of password file ${path}` });
    expect(plan.file?.content.toString("utf8")).toBe(current);
    expect(plan.file?.diff).toBeUndefined();
  });

  it("hashes new users in the format of the host's broker", () => {
    const plan = planPasswordFileChange(absent(path), {
      users: [{ name: "smc", password: "pw-smc-1" }],
      removeUnlisted: false,
      format: hashFormatForVersion("1.6.9"),
      attributes: {},
      salt: () => Buffer.alloc(12, 7),
    });
    expect(plan.file?.content.toString("utf8")).toBe(`smc:${hashPassword("pw-smc-1", { kind: "sha512" }, { salt: Buffer.alloc(12, 7) })}\n`);
  });

  it("lists users with markers, skipping comments and lines the broker skips", () => {
    expect(userListing("# managed\nalice:$7$x\nnot a user\nbob:$6$y\n", [{ user: "bob", action: "added" }])).toBe("alice\nbob (added)\n");
  });
});

describe("choosing how the broker takes the change", () => {
  const file = (kind: PlannedFile["kind"], reload: boolean): Pick<PlannedFile, "kind" | "reload"> => ({ kind, reload });

  it("does nothing when nothing changed and the broker runs", () => {
    expect(chooseActivation(true, [])).toBe("none");
  });
  it("starts a broker that is not running, whatever changed", () => {
    expect(chooseActivation(false, [])).toBe("start");
    expect(chooseActivation(false, [file("content", false)])).toBe("start");
  });
  it("reloads for files the broker re-reads on SIGHUP (acl, password file)", () => {
    expect(chooseActivation(true, [file("content", true)])).toBe("reload");
    expect(chooseActivation(true, [file("content", true), file("content", true)])).toBe("reload");
  });
  it("reloads for an owner or mode change only, even of the main file", () => {
    expect(chooseActivation(true, [file("attributes", false)])).toBe("reload");
  });
  it("restarts when a file read only at start changed, whatever else did", () => {
    expect(chooseActivation(true, [file("content", true), file("content", false)])).toBe("restart");
  });
  it("describes each activation", () => {
    expect(describeActivation("reload", "mosquitto")).toBe("reload mosquitto (SIGHUP)");
    expect(describeActivation("restart", "mosquitto")).toBe("restart mosquitto");
    expect(describeActivation("start", "broker2")).toBe("start broker2");
  });
  it("names the hash format of each broker version", () => {
    expect(hashFormatName(v20)).toBe("$7$ (pbkdf2-sha512, 101 iterations, 12-byte salt)");
    expect(hashFormatName(hashFormatForVersion("2.1.0"))).toBe("$7$ (pbkdf2-sha512, 1000 iterations, 64-byte salt)");
    expect(hashFormatName(hashFormatForVersion("1.6.9"))).toBe("$6$ (sha512)");
  });
});
