import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import {
  describePasswordChanges,
  parsePasswordFile,
  planPasswordFile,
  validateUserName,
  type WantedUser,
} from "../../../src/mosquitto/password-file.js";
import { hashFormatForVersion, hashPassword, verifyPassword } from "../../../src/mosquitto/password-hash.js";
import { readVectors } from "./vectors.js";

const v20 = hashFormatForVersion("2.0.11");
const v21 = hashFormatForVersion("2.1.0");
const v1 = hashFormatForVersion("1.6.9");
const real = readVectors("vectors-2.0.11.txt");
const computed = readVectors("vectors-computed.txt");

function vector(user: string): { line: string; password: string } {
  const found = real.find((v) => v.user === user);
  if (!found) throw new Error(`no vector for ${user}`);
  return found;
}

/** A file mosquitto_passwd 2.0.11 wrote, with its users' plaintexts */
const alice = vector("alice");
const bob = vector("bob");
const shaAlice = vector("sha-alice");
const realFile = `${alice.line}\n${bob.line}\n`;

function userOf(text: string, user: string): string | undefined {
  return parsePasswordFile(text).find((line) => line.kind === "user" && line.user === user)?.text;
}

describe("parsePasswordFile reads what the broker reads", () => {
  it("keeps order and every line, and tells users from the rest", () => {
    const text = "# managed\n\nalice:$7$x\nnot a user line\n bob :$6$y \r\n#carol:$6$z\nemptyhash:\n";
    expect(parsePasswordFile(text)).toEqual([
      { kind: "other", text: "# managed" },
      { kind: "other", text: "" },
      { kind: "user", text: "alice:$7$x", user: "alice", hash: "$7$x" },
      { kind: "other", text: "not a user line" },
      { kind: "user", text: " bob :$6$y \r", user: "bob", hash: "$6$y" },
      { kind: "other", text: "#carol:$6$z" },
      { kind: "other", text: "emptyhash:" },
    ]);
  });

  it("reads a file without a final newline, and an empty file", () => {
    expect(parsePasswordFile("a:$6$h")).toEqual([{ kind: "user", text: "a:$6$h", user: "a", hash: "$6$h" }]);
    expect(parsePasswordFile("")).toEqual([]);
  });

  it("takes the second ':' token as the hash, as strtok does", () => {
    expect(parsePasswordFile("::alice::$7$h:extra")).toEqual([
      { kind: "user", text: "::alice::$7$h:extra", user: "alice", hash: "$7$h" },
    ]);
  });
});

describe("planPasswordFile", () => {
  const wanted: WantedUser[] = [
    { name: "alice", password: alice.password },
    { name: "bob", password: bob.password },
  ];

  it("keeps a file mosquitto_passwd wrote byte for byte when every password matches", () => {
    const plan = planPasswordFile(realFile, wanted, { format: v20, removeUnlisted: true });
    expect(plan).toEqual({ text: realFile, changes: [] });
  });

  it("a second run changes nothing", () => {
    const first = planPasswordFile(undefined, [...wanted, { name: "smc", password: "s m c & \"q\"" }], {
      format: v20,
      removeUnlisted: true,
    });
    expect(first.changes).toEqual([
      { user: "alice", action: "added" },
      { user: "bob", action: "added" },
      { user: "smc", action: "added" },
    ]);
    const second = planPasswordFile(first.text, [...wanted, { name: "smc", password: "s m c & \"q\"" }], {
      format: v20,
      removeUnlisted: true,
    });
    expect(second).toEqual({ text: first.text, changes: [] });
  });

  it("keeps the exact bytes of an untouched file without a final newline, with CRLF, comments and blanks", () => {
    const text = `# users\r\n\r\n${alice.line}\r\n${bob.line}`;
    expect(planPasswordFile(text, wanted, { format: v20, removeUnlisted: true })).toEqual({ text, changes: [] });
  });

  it("changes only the line whose password differs, in place", () => {
    const plan = planPasswordFile(realFile, [wanted[0]!, { name: "bob", password: "new one" }], {
      format: v20,
      removeUnlisted: true,
    });
    expect(plan.changes).toEqual([{ user: "bob", action: "password changed" }]);
    const lines = plan.text.split("\n");
    expect(lines[0]).toBe(alice.line);
    expect(lines[1]).toMatch(/^bob:\$7\$101\$/);
    expect(verifyPassword("new one", lines[1]!.slice("bob:".length))).toBe(true);
    expect(lines).toHaveLength(3);
  });

  it("adds new users at the end in the wanted order, with a deterministic salt when asked", () => {
    const salt = Buffer.alloc(12, 7);
    const plan = planPasswordFile(realFile, [...wanted, { name: "zed", password: "z" }, { name: "amy", password: "a" }], {
      format: v20,
      removeUnlisted: false,
      salt: () => salt,
    });
    expect(plan.changes).toEqual([
      { user: "zed", action: "added" },
      { user: "amy", action: "added" },
    ]);
    expect(plan.text).toBe(`${realFile}zed:${hashPassword("z", v20, { salt })}\namy:${hashPassword("a", v20, { salt })}\n`);
  });

  it("appends after a last line that had no newline", () => {
    const plan = planPasswordFile(alice.line, [wanted[0]!, { name: "new", password: "n" }], { format: v20, removeUnlisted: true });
    expect(plan.text.startsWith(`${alice.line}\nnew:$7$101$`)).toBe(true);
    expect(plan.text.endsWith("\n")).toBe(true);
  });

  it("removes unlisted users only when asked, and keeps comments either way", () => {
    const text = `# keep me\n${alice.line}\nold:$6$AAAAAAAAAAAAAAAA$x\n${bob.line}\n`;
    const kept = planPasswordFile(text, wanted, { format: v20, removeUnlisted: false });
    expect(kept).toEqual({ text, changes: [] });
    const removed = planPasswordFile(text, wanted, { format: v20, removeUnlisted: true });
    expect(removed.changes).toEqual([{ user: "old", action: "removed" }]);
    expect(removed.text).toBe(`# keep me\n${alice.line}\n${bob.line}\n`);
  });

  it("removes a user whose state is absent, and reports nothing for an absent user that is not there", () => {
    const plan = planPasswordFile(realFile, [wanted[0]!, { name: "bob", password: "", state: "absent" }, { name: "ghost", password: "", state: "absent" }], {
      format: v20,
      removeUnlisted: false,
    });
    expect(plan).toEqual({ text: `${alice.line}\n`, changes: [{ user: "bob", action: "removed" }] });
  });

  it("keeps a valid older-format hash ($6$ on a 2.0 host, $7$101 12-byte salt on a 2.1 host)", () => {
    const text = `${shaAlice.line}\n${alice.line}\n`;
    const users = [
      { name: "sha-alice", password: shaAlice.password },
      { name: "alice", password: alice.password },
    ];
    expect(planPasswordFile(text, users, { format: v20, removeUnlisted: true })).toEqual({ text, changes: [] });
    expect(planPasswordFile(text, users, { format: v21, removeUnlisted: true })).toEqual({ text, changes: [] });
  });

  it("rewrites a hash the host's broker cannot load even though the password matches", () => {
    // $7$ means nothing to 1.x; 2.0 refuses 2.1's 64-byte salt
    const onV1 = planPasswordFile(realFile, wanted, { format: v1, removeUnlisted: true });
    expect(onV1.changes).toEqual([
      { user: "alice", action: "password changed" },
      { user: "bob", action: "password changed" },
    ]);
    expect(userOf(onV1.text, "alice")).toMatch(/^alice:\$6\$/);

    const v21Vector = computed.find((v) => v.hash.startsWith("$7$1000$"))!;
    const onV20 = planPasswordFile(`${v21Vector.line}\n`, [{ name: v21Vector.user, password: v21Vector.password }], {
      format: v20,
      removeUnlisted: true,
    });
    expect(onV20.changes).toEqual([{ user: v21Vector.user, action: "password changed" }]);
    expect(onV20.text).toMatch(/^v21user:\$7\$101\$[A-Za-z0-9+/]{16}\$/);
  });

  it("rewrites an unreadable hash (plain text, argon2id) instead of failing", () => {
    const plan = planPasswordFile("alice:plaintext\nbob:$argon2id$v=19$m=1$x$y\n", wanted, { format: v20, removeUnlisted: true });
    expect(plan.changes.map((c) => c.action)).toEqual(["password changed", "password changed"]);
    expect(verifyPassword(alice.password, userOf(plan.text, "alice")!.slice(6))).toBe(true);
  });

  it("keeps the first line of a user listed twice and drops the duplicate, as a password change", () => {
    const plan = planPasswordFile(`${alice.line}\n${bob.line}\nalice:$6$AAAAAAAAAAAAAAAA$x\n`, wanted, {
      format: v20,
      removeUnlisted: true,
    });
    expect(plan).toEqual({ text: realFile, changes: [{ user: "alice", action: "password changed" }] });
  });

  it("writes nothing and reports nothing for an absent file with no users wanted", () => {
    expect(planPasswordFile(undefined, [], { format: v20, removeUnlisted: true })).toEqual({ text: "", changes: [] });
  });

  it("removes everything when no users are wanted and unlisted ones go", () => {
    const plan = planPasswordFile(realFile, [], { format: v20, removeUnlisted: true });
    expect(plan).toEqual({
      text: "",
      changes: [
        { user: "alice", action: "removed" },
        { user: "bob", action: "removed" },
      ],
    });
  });

  it("never puts a password or a hash in its changes", () => {
    const plan = planPasswordFile(realFile, [{ name: "alice", password: "brand new" }, { name: "carl", password: "c4rl" }], {
      format: v20,
      removeUnlisted: true,
    });
    const summary = JSON.stringify(plan.changes) + describePasswordChanges(plan.changes);
    for (const secret of ["brand new", "c4rl", bob.password, "$7$", "$6$"]) expect(summary).not.toContain(secret);
  });
});

describe("planPasswordFile refuses bad users as user errors", () => {
  const plan = (users: WantedUser[]) => () => planPasswordFile(undefined, users, { format: v20, removeUnlisted: true });

  it.each([
    ["a:b", /':'/],
    ["", /empty/],
    ["tab\there", /control/],
    ["new\nline", /control/],
    ["#hash", /comment/],
    [" padded", /blank/],
    ["padded ", /blank/],
    ["x".repeat(65536), /65535/],
  ])("user name %j", (name, message) => {
    expect(plan([{ name, password: "p" }])).toThrow(UserError);
    expect(plan([{ name, password: "p" }])).toThrow(message);
    expect(() => validateUserName(name)).toThrow(message);
  });

  it("accepts unicode, spaces inside and punctuation in user names", () => {
    expect(() => validateUserName("zoë o'neil & co")).not.toThrow();
  });

  it("a user listed twice", () => {
    expect(plan([{ name: "a", password: "1" }, { name: "a", password: "2", state: "absent" }])).toThrow(/listed twice/);
  });

  it("a password with a NUL or over 65535 bytes, without echoing the password", () => {
    const nul = plan([{ name: "a", password: "sec\u0000ret" }]);
    expect(nul).toThrow(/NUL/);
    try {
      nul();
    } catch (error) {
      expect((error as UserError).format()).not.toContain("sec");
    }
    expect(plan([{ name: "a", password: "é".repeat(40000) }])).toThrow(/65535 bytes/);
  });

  it("an empty password, which mosquitto_passwd stores but the broker never accepts", () => {
    expect(plan([{ name: "a", password: "" }])).toThrow(/empty/);
    expect(plan([{ name: "a", password: "", state: "absent" }])).not.toThrow();
  });
});

describe("describePasswordChanges", () => {
  it("gives one line per change, naming users only", () => {
    expect(
      describePasswordChanges([
        { user: "smc", action: "added" },
        { user: "ops", action: "password changed" },
        { user: "old", action: "removed" },
      ]),
    ).toBe("user smc added\nuser ops: password changed\nuser old removed");
    expect(describePasswordChanges([])).toBe("");
  });
});
