import { describe, expect, it } from "vitest";
import type { AclRule } from "../../../src/mosquitto/acl.js";
import { concreteTopic, planBrokerChecks, type BrokerCheck, type CheckPlanInput } from "../../../src/mosquitto/verify-plan.js";

function counter(): () => string {
  let next = 0;
  return () => `t${++next}`;
}

const topic = (user: string | undefined, filter: string, access: AclRule["access"]): AclRule => ({ kind: "topic", user, topic: filter, access });
const pattern = (filter: string, access: AclRule["access"]): AclRule => ({ kind: "pattern", topic: filter, access });

const runbookRules: AclRule[] = [
  topic("smc", "#", "readwrite"),
  topic("smc", "$SYS/#", "read"),
  topic("reader", "sensors/#", "read"),
  topic("writer", "sensors/+/temp", "write"),
  pattern("devices/%u/#", "readwrite"),
];

function plan(input: Partial<CheckPlanInput>) {
  return planBrokerChecks({ users: ["smc", "reader", "writer"], absentUsers: [], rules: runbookRules, allowAnonymous: false, bridges: [], ...input }, counter());
}

const names = (checks: BrokerCheck[]) => checks.map((check) => check.name.replace(/t\d+/g, "T"));
const ofKind = <K extends BrokerCheck["kind"]>(checks: BrokerCheck[], kind: K) => checks.filter((check): check is Extract<BrokerCheck, { kind: K }> => check.kind === kind);

describe("concreteTopic", () => {
  it("replaces + with tsible-check, # with tsible-check/<token>, %u and %c with the client's", () => {
    const who = { user: "pi", clientId: "tsible-check-c1" };
    expect(concreteTopic(topic("a", "sensors/+/temp", "read"), who, counter())).toBe("sensors/tsible-check/temp");
    expect(concreteTopic(topic("a", "#", "read"), who, counter())).toBe("tsible-check/t1");
    expect(concreteTopic(pattern("devices/%u/%c/#", "read"), who, counter())).toBe("devices/pi/tsible-check-c1/tsible-check/t1");
    expect(concreteTopic(pattern("devices/%u/#", "read"), { user: undefined, clientId: "c" }, counter())).toBeUndefined();
  });
});

describe("planBrokerChecks", () => {
  it("logs every user in, refuses a wrong password, removed users and anonymous", () => {
    const { checks } = plan({ absentUsers: ["old"] });
    expect(names(checks).slice(0, 6)).toEqual([
      "login smc",
      "login reader",
      "login writer",
      "wrong password refused for smc",
      "removed user old refused",
      "anonymous refused",
    ]);
    expect(ofKind(checks, "refused").map((check) => check.password)).toEqual(["wrong", "own", "none"]);
  });

  it("expects anonymous to be accepted when allowed", () => {
    const { checks } = plan({ allowAnonymous: true });
    expect(checks.find((check) => check.name === "anonymous accepted")).toMatchObject({ kind: "login", party: { user: undefined } });
  });

  it("covers every rule with few delivery pairs: self round trips for readwrite, writer -> reader across users", () => {
    const { checks, untested } = plan({});
    const deliveries = ofKind(checks, "delivery");
    expect(names(deliveries)).toEqual([
      "smc round trip tsible-check/T",
      "reader round trip devices/reader/tsible-check/T",
      "reader receives sensors/tsible-check/temp from writer",
    ]);
    expect(deliveries.flatMap((check) => check.covers).sort()).toEqual([
      "read by pattern readwrite devices/%u/#",
      "read by user reader: topic read sensors/#",
      "read by user smc: topic readwrite #",
      "write by pattern readwrite devices/%u/#",
      "write by user smc: topic readwrite #",
      "write by user writer: topic write sensors/+/temp",
    ]);
    expect(untested).toEqual([]);
    // a self round trip is one client; every other party has its own client id
    const self = deliveries[0];
    expect(self?.writer).toBe(self?.reader);
  });

  it("gives every check its own clients: checks run at once, and a broker drops a client whose id connects again", () => {
    const { checks } = plan({ allowAnonymous: true, absentUsers: ["old"], bridges: [{ name: "cloud", remoteClientId: "pi-01" }], rules: [...runbookRules, topic("reader", "sensors/private/#", "deny"), pattern("clients/%c/#", "readwrite")] });
    const owner = new Map<string, string>();
    for (const check of checks) {
      const parties = Object.values(check).filter((value): value is { clientId: string } => typeof value === "object" && value !== null && "clientId" in value);
      for (const id of new Set(parties.map((p) => p.clientId))) {
        expect(owner.get(id), `${id} in "${owner.get(id)}" and "${check.name}"`).toBeUndefined();
        owner.set(id, check.name);
      }
    }
    expect(owner.size).toBeGreaterThan(checks.length);
  });

  it("keeps the number of pairs linear in the rules, not quadratic in the users", () => {
    const users = Array.from({ length: 30 }, (_, i) => `u${i}`);
    const rules = [topic("u0", "#", "readwrite"), ...users.slice(1).map((user) => topic(user, `home/${user}/#`, "readwrite"))];
    const { checks, untested } = planBrokerChecks({ users, absentUsers: [], rules, allowAnonymous: false, bridges: [] }, counter());
    expect(ofKind(checks, "delivery")).toHaveLength(30);
    expect(untested).toEqual([]);
  });

  it("binds a %c pattern's topic to the client id that will connect", () => {
    const { checks } = planBrokerChecks(
      { users: ["smc", "pi"], absentUsers: [], rules: [topic("smc", "#", "readwrite"), pattern("clients/%c/#", "readwrite")], allowAnonymous: false, bridges: [] },
      counter(),
    );
    const own = ofKind(checks, "delivery").find((check) => check.topic.startsWith("clients/"));
    expect(own).toBeDefined();
    expect(own?.topic.startsWith(`clients/${own.reader.clientId}/`)).toBe(true);
    expect(own?.reader).toBe(own?.writer);
  });

  it("uses the role's default when the ACL is empty: the standard user only", () => {
    const { checks } = plan({ rules: [] });
    expect(names(ofKind(checks, "delivery"))).toEqual(["smc round trip tsible-check/T"]);
    expect(names(ofKind(checks, "not-delivered"))).toEqual(["reader does not receive tsible-check/T", "writer does not receive tsible-check/T"]);
  });

  it("proves restricted users do not receive what they may not read, with a witness that may", () => {
    const notDelivered = ofKind(plan({}).checks, "not-delivered");
    expect(names(notDelivered)).toEqual(["reader does not receive tsible-check/T", "writer does not receive tsible-check/T"]);
    for (const check of notDelivered) {
      expect(check.writer.user).toBe("smc");
      expect(check.witness).toBe(check.writer);
    }
  });

  it("proves a read-only user cannot publish, with a control message from a user who may", () => {
    const dropped = ofKind(plan({}).checks, "publish-dropped");
    expect(names(dropped)).toEqual(["reader may not publish to sensors/tsible-check/T"]);
    expect(dropped[0]?.publisher.user).toBe("reader");
    expect(dropped[0]?.witness.user).toBe("smc");
    expect(dropped[0]?.control).toBe(dropped[0]?.witness);
  });

  it("tests each deny rule both ways", () => {
    const { checks } = planBrokerChecks(
      {
        users: ["smc", "ops"],
        absentUsers: [],
        rules: [topic("smc", "#", "readwrite"), topic("ops", "#", "readwrite"), topic("ops", "billing/#", "deny")],
        allowAnonymous: false,
        bridges: [],
      },
      counter(),
    );
    expect(names(ofKind(checks, "not-delivered"))).toEqual(["ops does not receive billing/tsible-check/T"]);
    expect(names(ofKind(checks, "publish-dropped"))).toEqual(["ops may not publish to billing/tsible-check/T"]);
  });

  it("includes anonymous clients when they are allowed, with their own rules", () => {
    const { checks } = plan({ allowAnonymous: true, rules: [...runbookRules, topic(undefined, "public/#", "read")] });
    expect(names(ofKind(checks, "delivery"))).toContain("anonymous receives public/tsible-check/T from smc");
    expect(names(ofKind(checks, "publish-dropped"))).toContain("anonymous may not publish to public/tsible-check/T");
  });

  it("reports rule facets nobody can exercise", () => {
    const { untested } = planBrokerChecks(
      { users: ["a", "b"], absentUsers: [], rules: [topic("a", "in/#", "read"), topic("b", "out/#", "write")], allowAnonymous: false, bridges: [] },
      counter(),
    );
    expect(untested).toEqual([
      "read by user a: topic read in/#: no client may write a topic it matches",
      "write by user b: topic write out/#: no client may read a topic it matches",
    ]);
  });

  it("reads each bridge's state as a user allowed to read $SYS", () => {
    const { checks } = plan({ bridges: [{ name: "cloud", remoteClientId: "pi-01" }] });
    expect(ofKind(checks, "bridge")).toEqual([
      expect.objectContaining({ name: "bridge cloud connected", topic: "$SYS/broker/connection/pi-01/state", reader: expect.objectContaining({ user: "smc" }), readerAllowed: true }),
    ]);
    const noSys = plan({ bridges: [{ name: "cloud", remoteClientId: "pi-01" }], rules: runbookRules.filter((rule) => !rule.topic.startsWith("$")) });
    expect(ofKind(noSys.checks, "bridge")[0]).toMatchObject({ readerAllowed: false, reader: { user: "smc" } });
  });
});
