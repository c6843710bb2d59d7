import { describe, expect, it } from "vitest";
import { AclModel, defaultAclRules, expandPattern, renderAclFile, topicMatches, type AclRule } from "../../../src/mosquitto/acl.js";

const as = (username: string | undefined, clientId = "tsible-check-1") => ({ username, clientId });

describe("topicMatches (mosquitto_topic_matches_sub)", () => {
  it.each([
    ["sensors/#", "sensors/a/temp", true],
    ["sensors/#", "sensors", true], // # also matches the parent level
    ["sensors/#", "sensorsx/a", false],
    ["sensors/+/temp", "sensors/a/temp", true],
    ["sensors/+/temp", "sensors//temp", true], // + matches an empty level
    ["sensors/+/temp", "sensors/a/b/temp", false],
    ["sensors/+/temp", "sensors/a", false],
    ["sensors/+", "sensors/a/b", false],
    ["+", "a", true],
    ["+", "a/b", false],
    ["#", "a/b/c", true],
    ["a/b", "a/b", true],
    ["a/b", "a/b/", false],
    ["a/b", "A/b", false],
    ["#", "$SYS/broker/uptime", false], // wildcards never match $ topics
    ["+/broker/uptime", "$SYS/broker/uptime", false],
    ["$SYS/#", "$SYS/broker/uptime", true],
    ["$SYS/broker/connection/+/state", "$SYS/broker/connection/pi-01/state", true],
    ["$SYS/#", "SYS/x", false],
    ["a/#/b", "a/x/b", false], // an invalid filter matches nothing
    ["", "a", false],
  ])("%s vs %s -> %s", (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe("expandPattern", () => {
  it("substitutes %u and %c, every occurrence", () => {
    expect(expandPattern("devices/%u/%c/%u", as("pi", "c1"))).toBe("devices/pi/c1/pi");
  });
  it("does not apply a %u pattern to an anonymous client, but does a %c pattern", () => {
    expect(expandPattern("devices/%u/#", as(undefined))).toBeUndefined();
    expect(expandPattern("clients/%c/#", as(undefined, "c9"))).toBe("clients/c9/#");
  });
  it("does not expand a substituted value again", () => {
    expect(expandPattern("x/%u", as("%c", "id"))).toBe("x/%c");
  });
});

describe("AclModel", () => {
  const rules: AclRule[] = [
    { kind: "topic", user: undefined, topic: "public/#", access: "read" },
    { kind: "topic", user: "smc", topic: "#", access: "readwrite" },
    { kind: "topic", user: "smc", topic: "$SYS/#", access: "read" },
    { kind: "topic", user: "reader", topic: "sensors/#", access: "read" },
    { kind: "topic", user: "writer", topic: "sensors/+/temp", access: "write" },
    { kind: "pattern", topic: "devices/%u/#", access: "readwrite" },
    { kind: "pattern", topic: "clients/%c", access: "write" },
  ];
  const model = new AclModel(rules);

  it("applies a user's topic rules to that user only", () => {
    expect(model.allows(as("reader"), "sensors/a/temp", "read")).toBe(true);
    expect(model.allows(as("reader"), "sensors/a/temp", "write")).toBe(false);
    expect(model.allows(as("writer"), "sensors/a/temp", "write")).toBe(true);
    expect(model.allows(as("writer"), "sensors/a/temp", "read")).toBe(false);
    expect(model.allows(as("writer"), "sensors/a/humidity", "write")).toBe(false);
    expect(model.allows(as("smc"), "anything/at/all", "write")).toBe(true);
  });

  it("gives rules without a user to anonymous clients only", () => {
    expect(model.allows(as(undefined), "public/news", "read")).toBe(true);
    expect(model.allows(as(undefined), "public/news", "write")).toBe(false);
    expect(model.allows(as("reader"), "public/news", "read")).toBe(false);
  });

  it("applies patterns to every user with %u and %c substituted", () => {
    expect(model.allows(as("reader"), "devices/reader/x", "write")).toBe(true);
    expect(model.allows(as("reader"), "devices/writer/x", "read")).toBe(false);
    expect(model.allows(as("writer", "c7"), "clients/c7", "write")).toBe(true);
    expect(model.allows(as("writer", "c7"), "clients/c8", "write")).toBe(false);
    expect(model.allows(as(undefined, "c7"), "clients/c7", "write")).toBe(true);
    expect(model.allows(as(undefined), "devices/undefined/x", "read")).toBe(false);
  });

  it("says which rule decided", () => {
    expect(model.decide(as("reader"), "devices/reader/x", "read").rule).toBe(rules[5]);
    expect(model.decide(as("smc"), "devices/reader/x", "read").rule).toBe(rules[1]);
    expect(model.decide(as("reader"), "elsewhere", "read")).toMatchObject({ allowed: false, rule: undefined });
  });

  it("keeps $SYS out of # and makes it read-only", () => {
    expect(model.allows(as("smc"), "$SYS/broker/uptime", "read")).toBe(true);
    expect(model.allows(as("reader"), "$SYS/broker/uptime", "read")).toBe(false);
    expect(new AclModel([{ kind: "topic", user: "a", topic: "#", access: "readwrite" }]).allows(as("a"), "$SYS/broker/uptime", "read")).toBe(false);
    const sysWriter = new AclModel([{ kind: "topic", user: "a", topic: "$SYS/#", access: "readwrite" }]);
    expect(sysWriter.allows(as("a"), "$SYS/broker/uptime", "write")).toBe(false);
    // a bridge's state topic is the one $SYS topic a client may be allowed to write
    expect(sysWriter.allows(as("a"), "$SYS/broker/connection/pi/state", "write")).toBe(true);
    const all = new AclModel([{ kind: "topic", user: "a", topic: "#", access: "readwrite" }]);
    expect(all.allows(as("a"), "$share/group/x", "write")).toBe(false);
  });

  it("lets deny win over any allow in the same list, wherever it is written", () => {
    const withDeny = new AclModel([
      { kind: "topic", user: "a", topic: "#", access: "readwrite" },
      { kind: "topic", user: "a", topic: "secret/#", access: "deny" },
    ]);
    expect(withDeny.allows(as("a"), "secret/x", "read")).toBe(false);
    expect(withDeny.allows(as("a"), "secret/x", "write")).toBe(false);
    expect(withDeny.allows(as("a"), "open/x", "read")).toBe(true);
    expect(withDeny.decide(as("a"), "secret/x", "read").reason).toContain("denied by user a: topic deny secret/#");
  });

  it("lets a user's own allow win over a pattern deny (own rules are tried first)", () => {
    const mixed = new AclModel([
      { kind: "topic", user: "a", topic: "devices/#", access: "read" },
      { kind: "pattern", topic: "devices/%u/#", access: "deny" },
    ]);
    expect(mixed.allows(as("a"), "devices/a/x", "read")).toBe(true);
    expect(mixed.allows(as("b"), "devices/b/x", "read")).toBe(false);
  });

  it("falls through a matching rule that does not grant the access", () => {
    const layered = new AclModel([
      { kind: "topic", user: "a", topic: "x/#", access: "read" },
      { kind: "topic", user: "a", topic: "x/y", access: "write" },
    ]);
    expect(layered.allows(as("a"), "x/y", "write")).toBe(true);
  });

  it("refuses pattern access to a username or client id with + or #", () => {
    expect(model.allows(as("re+der"), "devices/re+der/x", "read")).toBe(false);
    expect(model.allows(as("reader", "id#"), "devices/reader/x", "read")).toBe(false);
  });

  it("denies everything to a user without rules when there are no patterns", () => {
    const only = new AclModel([{ kind: "topic", user: "a", topic: "#", access: "readwrite" }]);
    expect(only.allows(as("b"), "x", "read")).toBe(false);
    expect(only.allows(as(undefined), "x", "read")).toBe(false);
  });

  it("has the role's default: the standard user reads and writes everything and reads $SYS, nobody else anything", () => {
    const fallback = new AclModel(defaultAclRules("smc"));
    expect(fallback.allows(as("smc"), "a/b", "write")).toBe(true);
    expect(fallback.allows(as("smc"), "$SYS/broker/uptime", "read")).toBe(true);
    expect(fallback.allows(as("other"), "a/b", "read")).toBe(false);
  });
});

describe("renderAclFile", () => {
  it("writes anonymous topics first, then one block per user, then the patterns", () => {
    const text = renderAclFile([
      { kind: "topic", user: "smc", topic: "#", access: "readwrite" },
      { kind: "pattern", topic: "devices/%u/#", access: "readwrite" },
      { kind: "topic", user: undefined, topic: "public/#", access: "read" },
      { kind: "topic", user: "reader", topic: "sensors/#", access: "read" },
      { kind: "topic", user: "smc", topic: "$SYS/#", access: "read" },
    ]);
    expect(text).toBe(
      "topic read public/#\n\nuser smc\ntopic readwrite #\ntopic read $SYS/#\n\nuser reader\ntopic read sensors/#\n\npattern readwrite devices/%u/#\n",
    );
  });
});
