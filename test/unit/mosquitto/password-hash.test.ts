import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import {
  brokerAcceptsHash,
  hashFormatForVersion,
  hashPassword,
  parseHash,
  verifyPassword,
  type HashFormat,
} from "../../../src/mosquitto/password-hash.js";
import { readVectors, type Vector } from "./vectors.js";

const real = readVectors("vectors-2.0.11.txt");
const computed = readVectors("vectors-computed.txt");

/** The format a vector was written in, read back from the vector itself */
function formatOf(vector: Vector): { format: HashFormat; salt: Buffer } {
  const parsed = parseHash(vector.hash);
  if (parsed.kind === "unknown") throw new Error(`vector ${vector.user} does not parse: ${parsed.reason}`);
  const format: HashFormat =
    parsed.kind === "sha512" ? { kind: "sha512" } : { kind: "pbkdf2-sha512", iterations: parsed.iterations, saltBytes: parsed.salt.length };
  return { format, salt: parsed.salt };
}

describe("vectors written by the real mosquitto_passwd 2.0.11", () => {
  it("cover both formats, the empty password, unicode and shell-hostile characters", () => {
    expect(real.some((v) => v.hash.startsWith("$6$"))).toBe(true);
    expect(real.some((v) => v.hash.startsWith("$7$101$"))).toBe(true);
    expect(real.some((v) => v.password === "")).toBe(true);
    expect(real.some((v) => /[^\x00-\x7f]/.test(v.password))).toBe(true);
    expect(real.some((v) => v.password.includes("&") && v.password.includes('"') && v.password.includes("'"))).toBe(true);
  });

  for (const vector of real) {
    it(`${vector.user}: verifies, rejects a wrong password, and is reproduced byte for byte`, () => {
      expect(verifyPassword(vector.password, vector.hash)).toBe(true);
      expect(verifyPassword(`${vector.password}x`, vector.hash)).toBe(false);
      expect(verifyPassword(vector.password === "" ? " " : vector.password.slice(0, -1), vector.hash)).toBe(false);
      const { format, salt } = formatOf(vector);
      expect(hashPassword(vector.password, format, { salt })).toBe(vector.hash);
    });
  }

  it("mosquitto 2.0.11 writes what hashFormatForVersion says for 2.0.11: $7$, 101 iterations, 12-byte salt", () => {
    const defaults = real.filter((v) => v.hash.startsWith("$7$101$"));
    expect(defaults.length).toBeGreaterThan(3);
    for (const vector of defaults) expect(formatOf(vector).format).toEqual(hashFormatForVersion("2.0.11"));
  });

  it("$6$ vectors use a 12-byte salt, as 1.x's mosquitto_passwd does", () => {
    for (const vector of real.filter((v) => v.hash.startsWith("$6$"))) {
      expect(formatOf(vector)).toMatchObject({ format: { kind: "sha512" } });
      expect(formatOf(vector).salt).toHaveLength(12);
    }
  });
});

describe("vectors computed with openssl and python3 from mosquitto's algorithms", () => {
  it("include a 1.x $6$ and a 2.1 $7$1000$ with a 64-byte salt", () => {
    expect(computed.filter((v) => v.hash.startsWith("$6$"))).toHaveLength(2);
    const v21 = computed.filter((v) => v.hash.startsWith("$7$1000$"));
    expect(v21).toHaveLength(2);
    for (const vector of v21) expect(formatOf(vector).format).toEqual(hashFormatForVersion("2.1.0"));
  });

  for (const vector of computed) {
    it(`${vector.hash.slice(0, 8)} for ${JSON.stringify(vector.password)}: verifies and is reproduced`, () => {
      expect(verifyPassword(vector.password, vector.hash)).toBe(true);
      expect(verifyPassword("wrong", vector.hash)).toBe(false);
      const { format, salt } = formatOf(vector);
      expect(hashPassword(vector.password, format, { salt })).toBe(vector.hash);
    });
  }
});

describe("hashPassword", () => {
  it("writes fresh random salts of the format's size", () => {
    const format = hashFormatForVersion("2.1.2");
    const first = hashPassword("secret", format);
    const second = hashPassword("secret", format);
    expect(first).not.toBe(second);
    expect(first).toMatch(/^\$7\$1000\$[A-Za-z0-9+/]{86}==\$[A-Za-z0-9+/]{86}==$/);
    expect(hashPassword("secret", { kind: "sha512" })).toMatch(/^\$6\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    expect(verifyPassword("secret", first)).toBe(true);
  });

  it("refuses a salt of the wrong size and a non-positive iteration count", () => {
    expect(() => hashPassword("p", { kind: "sha512" }, { salt: Buffer.alloc(16) })).toThrow(/12 bytes/);
    expect(() => hashPassword("p", { kind: "pbkdf2-sha512", iterations: 0, saltBytes: 12 })).toThrow(/iterations/);
  });
});

describe("verifyPassword and parseHash on hashes mosquitto would not write", () => {
  const good = real.find((v) => v.user === "alice");
  if (!good) throw new Error("fixture lost alice");

  it.each([
    ["", /does not start/],
    ["plaintext", /does not start/],
    ["$argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA", /argon2id/],
    ["$5$abc$def", /unknown hash type/],
    ["$7$0$NUVdX34y/CQa0eMU$AAAA", /iteration/],
    ["$7$abc$NUVdX34y/CQa0eMU$AAAA", /iteration/],
    ["$7$101$NUVdX34y/CQa0eMU", /form/],
    ["$7$101$not base64!$AAAA", /salt/],
    ["$7$101$NUVdX34y/CQa0eMU$AAAA", /64 bytes/],
    ["$6$NUVdX34y/CQa0eMU$" + "A".repeat(86), /64 bytes/],
  ])("%s is unknown (%s) and verifies nothing, without throwing", (encoded, reason) => {
    const parsed = parseHash(encoded);
    expect(parsed.kind).toBe("unknown");
    if (parsed.kind === "unknown") expect(parsed.reason).toMatch(reason);
    expect(verifyPassword("anything", encoded)).toBe(false);
  });

  it("a tampered hash or salt no longer verifies", () => {
    const [, , iterations, salt, hash] = good.hash.split("$");
    const flip = (text: string): string => (text[0] === "A" ? "B" : "A") + text.slice(1);
    expect(verifyPassword(good.password, `$7$${iterations}$${flip(salt ?? "")}$${hash}`)).toBe(false);
    expect(verifyPassword(good.password, `$7$${iterations}$${salt}$${flip(hash ?? "")}`)).toBe(false);
    expect(verifyPassword(good.password, `$7$102$${salt}$${hash}`)).toBe(false);
  });

  it("does not spend minutes on an absurd iteration count", () => {
    const hash = good.hash.replace("$7$101$", "$7$2000000000$");
    expect(parseHash(hash)).toMatchObject({ kind: "pbkdf2-sha512", iterations: 2_000_000_000 });
    expect(verifyPassword(good.password, hash)).toBe(false);
  });
});

describe("hashFormatForVersion", () => {
  it.each([
    ["1.4.15", { kind: "sha512" }],
    ["1.6.9", { kind: "sha512" }],
    ["2.0.0", { kind: "pbkdf2-sha512", iterations: 101, saltBytes: 12 }],
    ["2.0.11", { kind: "pbkdf2-sha512", iterations: 101, saltBytes: 12 }],
    ["2.0.22", { kind: "pbkdf2-sha512", iterations: 101, saltBytes: 12 }],
    ["2.1.0", { kind: "pbkdf2-sha512", iterations: 1000, saltBytes: 64 }],
    ["2.1.2", { kind: "pbkdf2-sha512", iterations: 1000, saltBytes: 64 }],
    ["3.0.0", { kind: "pbkdf2-sha512", iterations: 1000, saltBytes: 64 }],
  ])("%s -> %j", (version, format) => {
    expect(hashFormatForVersion(version)).toEqual(format);
  });

  it("refuses a string that is not a version, as a user error", () => {
    expect(() => hashFormatForVersion("latest")).toThrow(UserError);
  });
});

describe("brokerAcceptsHash: which hashes each broker generation loads", () => {
  const v1 = hashFormatForVersion("1.6.9");
  const v20 = hashFormatForVersion("2.0.11");
  const v21 = hashFormatForVersion("2.1.0");
  const sha512 = parseHash(hashPassword("p", { kind: "sha512" }));
  const pbkdf2Salt12 = parseHash(hashPassword("p", v20));
  const pbkdf2Salt64 = parseHash(hashPassword("p", v21));

  it("1.x loads only $6$", () => {
    expect([sha512, pbkdf2Salt12, pbkdf2Salt64].map((h) => brokerAcceptsHash(h, v1))).toEqual([true, false, false]);
  });
  it("2.0 loads $6$ and $7$ with a 12-byte salt, not 2.1's 64-byte salt", () => {
    expect([sha512, pbkdf2Salt12, pbkdf2Salt64].map((h) => brokerAcceptsHash(h, v20))).toEqual([true, true, false]);
  });
  it("2.1 loads all of them", () => {
    expect([sha512, pbkdf2Salt12, pbkdf2Salt64].map((h) => brokerAcceptsHash(h, v21))).toEqual([true, true, true]);
  });
  it("no broker loads what we cannot parse", () => {
    expect(brokerAcceptsHash(parseHash("$argon2id$x"), v21)).toBe(false);
  });
});
