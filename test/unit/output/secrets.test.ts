import { describe, expect, it } from "vitest";
import { MASK, Secret, SecretMasker } from "../../../src/secrets.js";

describe("secrets never reach output", () => {
  it("masks the values of secret-named variables wherever they appear", () => {
    const masker = new SecretMasker();
    masker.addFromVars({ mqtt_password: "s3cret pass", nested: { remote_password: "a&b'c" }, mqtt_username: "smc" });
    expect(masker.mask("login smc / s3cret pass / a&b'c")).toBe(`login smc / ${MASK} / ${MASK}`);
    expect(masker.maskDeep({ diff: ["remote_password a&b'c"] })).toEqual({ diff: [`remote_password ${MASK}`] });
  });

  it("prints a Secret as a mask", () => {
    const secret = new Secret("hunter22");
    expect(`${secret}`).toBe(MASK);
    expect(JSON.stringify({ secret })).toBe(`{"secret":"${MASK}"}`);
    expect(secret.reveal()).toBe("hunter22");
  });
});
