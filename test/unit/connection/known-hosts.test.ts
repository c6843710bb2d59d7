import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  appendKnownHost,
  hostFieldMatches,
  keyTypeOfBlob,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
  readKnownHostsFiles,
  verifyHostKey,
} from "../../../src/connection/known-hosts.js";

// Real keys from ssh-keygen; the hashed lines are `ssh-keygen -H` output for 10.0.0.1 and [10.0.0.1]:2222
const KEY1 = "AAAAC3NzaC1lZDI1NTE5AAAAIAYHArVbNs5eSDeFmUufLyvq7YqTbc4HHpljcs+hgB0k";
const KEY2 = "AAAAC3NzaC1lZDI1NTE5AAAAIMtrzQntXBLlOU5blBSXqeEjCuLUERKI6TYhe0glP9xx";
const ECDSA =
  "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEP9UlnA1fC8ONLhtnfBtA4UvEIKxxjvqb9hOeWHEIyj7o1QchUoihLTaX9Ido46q7zZ/krzLSs22Hlm+jVTh8w=";
const HASHED_10_0_0_1 = "|1|yWdVB+SzLzcMXV8ZeoiwuouemCE=|mZlb2vK4L/srCwEpVs+wjn8KWEw=";
const HASHED_10_0_0_1_2222 = "|1|Q2qJkesWbwFsVD74BuG7dT9iMi0=|ydBb1Msz6TCl77kDXTVoCRoHwYM=";

const blob = (base64: string): Buffer => Buffer.from(base64, "base64");

describe("known_hosts parsing", () => {
  it("reads entries with their line numbers, skipping comments, blanks and markers' words", () => {
    const text = `# comment\n\nweb1,10.0.0.5 ssh-ed25519 ${KEY1} me@there\n@revoked * ssh-ed25519 ${KEY2}\nbroken-line\n`;
    const entries = parseKnownHosts(text, "/k");
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ file: "/k", line: 3, hosts: "web1,10.0.0.5", keyType: "ssh-ed25519", keyBase64: KEY1, marker: undefined });
    expect(entries[1]).toMatchObject({ line: 4, marker: "@revoked", hosts: "*" });
  });

  it("names non-22 ports in the [host]:port form", () => {
    expect(knownHostsName("10.0.0.1", 22)).toBe("10.0.0.1");
    expect(knownHostsName("10.0.0.1", 2222)).toBe("[10.0.0.1]:2222");
  });

  it("reads the key type from a wire-format key blob", () => {
    expect(keyTypeOfBlob(blob(KEY1))).toBe("ssh-ed25519");
    expect(keyTypeOfBlob(blob(ECDSA))).toBe("ecdsa-sha2-nistp256");
  });
});

describe("host patterns", () => {
  it("matches lists, globs and negations like OpenSSH", () => {
    expect(hostFieldMatches("web1,10.0.0.5", "10.0.0.5")).toBe(true);
    expect(hostFieldMatches("web1,10.0.0.5", "10.0.0.50")).toBe(false);
    expect(hostFieldMatches("10.0.0.*", "10.0.0.7")).toBe(true);
    expect(hostFieldMatches("10.0.0.?", "10.0.0.17")).toBe(false);
    expect(hostFieldMatches("10.0.0.*,!10.0.0.9", "10.0.0.9")).toBe(false);
    expect(hostFieldMatches("WEB1", "web1")).toBe(true);
  });

  it("matches hashed entries written by ssh-keygen -H, port form included", () => {
    expect(hostFieldMatches(HASHED_10_0_0_1, "10.0.0.1")).toBe(true);
    expect(hostFieldMatches(HASHED_10_0_0_1, "10.0.0.2")).toBe(false);
    expect(hostFieldMatches(HASHED_10_0_0_1_2222, "[10.0.0.1]:2222")).toBe(true);
    expect(hostFieldMatches(HASHED_10_0_0_1_2222, "10.0.0.1")).toBe(false);
  });
});

describe("verifying a presented key", () => {
  const entries = parseKnownHosts(
    [
      `${HASHED_10_0_0_1} ssh-ed25519 ${KEY1}`,
      `[10.0.0.1]:2222 ssh-ed25519 ${KEY2}`,
      `10.0.0.3 ecdsa-sha2-nistp256 ${ECDSA}`,
      `@revoked 10.0.0.4 ssh-ed25519 ${KEY2}`,
      `10.0.0.4 ssh-ed25519 ${KEY2}`,
    ].join("\n"),
    "/home/u/.ssh/known_hosts",
  );

  it("accepts the recorded key", () => {
    expect(verifyHostKey(entries, "10.0.0.1", blob(KEY1)).kind).toBe("known");
    expect(verifyHostKey(entries, "[10.0.0.1]:2222", blob(KEY2)).kind).toBe("known");
  });

  it("reports a different key of the same type as changed, with the old key's file and line", () => {
    const verdict = verifyHostKey(entries, "10.0.0.1", blob(KEY2));
    expect(verdict.kind).toBe("changed");
    if (verdict.kind === "changed") expect(verdict.entry).toMatchObject({ file: "/home/u/.ssh/known_hosts", line: 1 });
    // the port matters: port 2222's key is not port 22's
    expect(verifyHostKey(entries, "[10.0.0.1]:2222", blob(KEY1)).kind).toBe("changed");
  });

  it("calls a host with no key of the presented type unknown, listing the other types", () => {
    const verdict = verifyHostKey(entries, "10.0.0.3", blob(KEY1));
    expect(verdict.kind).toBe("unknown");
    if (verdict.kind === "unknown") expect(verdict.otherTypes.map((entry) => entry.keyType)).toEqual(["ecdsa-sha2-nistp256"]);
    expect(verifyHostKey(entries, "10.0.0.99", blob(KEY1))).toEqual({ kind: "unknown", otherTypes: [] });
  });

  it("refuses a revoked key even when it is also listed", () => {
    expect(verifyHostKey(entries, "10.0.0.4", blob(KEY2)).kind).toBe("revoked");
  });

  it("lists the key types known for a host so the handshake can prefer them", () => {
    expect(knownKeyTypes(entries, "10.0.0.3")).toEqual(["ecdsa-sha2-nistp256"]);
    expect(knownKeyTypes(entries, "10.0.0.1")).toEqual(["ssh-ed25519"]);
  });
});

describe("recording a first-seen key", () => {
  it("appends one line that later verifies as known, fixing a missing final newline", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsible-kh-"));
    const file = join(dir, "ssh", "known_hosts");
    appendKnownHost(file, "[10.0.0.8]:2222", blob(KEY1));
    writeFileSync(file, readFileSync(file, "utf8") + `other ssh-ed25519 ${KEY2}`);
    appendKnownHost(file, "10.0.0.9", blob(ECDSA));
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines).toEqual([`[10.0.0.8]:2222 ssh-ed25519 ${KEY1}`, `other ssh-ed25519 ${KEY2}`, `10.0.0.9 ecdsa-sha2-nistp256 ${ECDSA}`, ""]);
    const entries = readKnownHostsFiles([file, join(dir, "missing")]);
    expect(verifyHostKey(entries, "[10.0.0.8]:2222", blob(KEY1)).kind).toBe("known");
    expect(verifyHostKey(entries, "10.0.0.9", blob(ECDSA)).kind).toBe("known");
    rmSync(dir, { recursive: true });
  });
});
