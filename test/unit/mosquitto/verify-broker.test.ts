/**
 * The broker check against real mosquitto brokers on 127.0.0.1: a broker set
 * up as the runbook's (users, ACL, no anonymous, a bridge to a second local
 * broker) passes every check; brokers that differ from what was configured
 * (anonymous allowed, a removed user still there, an ACL that lets the reader
 * read and write more, a wrong password, no bridge, no broker at all) fail
 * exactly the checks that should. Skipped, saying why, without mosquitto.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderAclFile, type AclRule } from "../../../src/mosquitto/acl.js";
import { formatReport, verifyBroker, type BrokerCheckSettings, type BrokerReport } from "../../../src/mosquitto/verify.js";
import { Secret } from "../../../src/secrets.js";
import { brokerMissing, startLocalBroker, type LocalBroker } from "./verify-local-broker.js";

if (brokerMissing) console.warn(brokerMissing);

const users = [
  { name: "smc", password: "smc pässword & 'quotes'" },
  { name: "reader", password: "reader-secret-4711" },
  { name: "writer", password: "writer-secret-0815" },
];
const old = { name: "old", password: "old-secret-1234" };
const rules: AclRule[] = [
  { kind: "topic", user: "smc", topic: "#", access: "readwrite" },
  { kind: "topic", user: "smc", topic: "$SYS/#", access: "read" },
  { kind: "topic", user: "reader", topic: "sensors/#", access: "read" },
  { kind: "topic", user: "writer", topic: "sensors/+/temp", access: "write" },
  { kind: "pattern", topic: "devices/%u/#", access: "readwrite" },
];
const secrets = [...users, old].map((user) => user.password);

function settings(broker: LocalBroker, overrides: Partial<BrokerCheckSettings> = {}): BrokerCheckSettings {
  return {
    endpoint: { host: "127.0.0.1", port: broker.port, timeoutMs: 3000 },
    users: users.map((user) => ({ name: user.name, password: new Secret(user.password) })),
    absentUsers: [{ name: old.name, password: new Secret(old.password) }],
    acl: rules,
    allowAnonymous: false,
    bridges: [{ name: "cloud", remoteClientId: "pi-01" }],
    quietMs: 500,
    ...overrides,
  };
}

const failedNames = (report: BrokerReport) => report.checks.filter((check) => !check.ok).map((check) => check.name.replace(/[0-9a-f]{8}/g, "X"));
const detailOf = (report: BrokerReport, prefix: string) => report.checks.find((check) => check.name.startsWith(prefix))?.detail ?? "(no such check)";

describe.skipIf(brokerMissing !== undefined)("mqtt check against real mosquitto brokers on 127.0.0.1", () => {
  let remote: LocalBroker | undefined;
  let healthy: LocalBroker | undefined;
  let broken: LocalBroker | undefined;

  beforeAll(async () => {
    // the far end of the bridge: any client welcome
    remote = await startLocalBroker({ allowAnonymous: true });
    healthy = await startLocalBroker({
      users,
      acl: renderAclFile(rules),
      allowAnonymous: false,
      extraConfig: ["connection cloud", `address 127.0.0.1:${remote.port}`, "remote_clientid pi-01", "topic bridge/# out 0"],
    });
    // what a broken deployment looks like: anonymous allowed, the removed user still there, the reader may read and write too much
    broken = await startLocalBroker({
      users: [...users, old],
      acl: renderAclFile([
        { kind: "topic", user: "smc", topic: "#", access: "readwrite" },
        { kind: "topic", user: "reader", topic: "#", access: "readwrite" },
        { kind: "topic", user: "writer", topic: "sensors/+/temp", access: "write" },
        { kind: "pattern", topic: "devices/%u/#", access: "readwrite" },
      ]),
      allowAnonymous: true,
    });
  }, 30_000);

  afterAll(async () => {
    await Promise.all([healthy, broken, remote].map((broker) => broker?.stop()));
  });

  it("passes every check on a broker configured as expected, bridge included", async () => {
    if (!healthy) throw new Error("broker not started");
    const report = await verifyBroker(settings(healthy));
    expect(report.failed, formatReport(report)).toBe(0);
    expect(report.checks.map((check) => check.name.replace(/[0-9a-f]{8}/g, "X"))).toEqual([
      "login smc",
      "login reader",
      "login writer",
      "wrong password refused for smc",
      "removed user old refused",
      "anonymous refused",
      "smc round trip tsible-check/X",
      "reader round trip devices/reader/tsible-check/X",
      "reader receives sensors/tsible-check/temp from writer",
      "reader does not receive tsible-check/X",
      "reader may not publish to sensors/tsible-check/X",
      "writer does not receive tsible-check/X",
      "bridge cloud connected",
    ]);
    expect(report.msg).toBe("13 checks passed");
    expect(detailOf(report, "anonymous refused")).toMatch(/rc 5/);
    expect(detailOf(report, "bridge cloud")).toBe("state 1 (connected)");
    const json = JSON.stringify(report);
    for (const secret of secrets) expect(json).not.toContain(secret);
  });

  it("fails the checks a misconfigured broker breaks, and only those", async () => {
    if (!broken) throw new Error("broker not started");
    const report = await verifyBroker(settings(broken, { bridges: [] }));
    expect(failedNames(report)).toEqual([
      "removed user old refused",
      "anonymous refused",
      "reader does not receive tsible-check/X",
      "reader may not publish to sensors/tsible-check/X",
    ]);
    expect(detailOf(report, "anonymous refused")).toBe("the broker accepted an anonymous client");
    expect(detailOf(report, "removed user old")).toBe("the broker accepted removed user old");
    expect(detailOf(report, "reader does not receive")).toMatch(/^reader received a message on tsible-check\/\w+ that the ACL forbids it to read$/);
    expect(detailOf(report, "reader may not publish")).toMatch(/^reader published to sensors\/tsible-check\/\w+, which the ACL forbids it to write, and smc received it$/);
    const json = JSON.stringify(report);
    for (const secret of secrets) expect(json).not.toContain(secret);
  });

  it("fails the login and the deliveries of a user whose password differs, never showing a password", async () => {
    if (!healthy) throw new Error("broker not started");
    const wrong = users.map((user) => ({ name: user.name, password: new Secret(user.name === "reader" ? "not-the-reader-password" : user.password) }));
    const report = await verifyBroker(settings(healthy, { users: wrong, bridges: [] }));
    expect(failedNames(report)).toEqual([
      "login reader",
      "reader round trip devices/reader/tsible-check/X",
      "reader receives sensors/tsible-check/temp from writer",
      "reader does not receive tsible-check/X",
      "reader may not publish to sensors/tsible-check/X",
    ]);
    expect(detailOf(report, "login reader")).toBe("reader could not log in: Connection refused: Not authorized (rc 5)");
    expect(JSON.stringify(report)).not.toContain("not-the-reader-password");
  });

  it("fails a bridge the broker does not have", async () => {
    if (!healthy) throw new Error("broker not started");
    const report = await verifyBroker(settings(healthy, { bridges: [{ name: "ghost", remoteClientId: "nobody" }], endpoint: { host: "127.0.0.1", port: healthy.port, timeoutMs: 1000 } }));
    expect(failedNames(report)).toEqual(["bridge ghost connected"]);
    expect(detailOf(report, "bridge ghost")).toMatch(/^no state on \$SYS\/broker\/connection\/nobody\/state within 1 s: this broker has no bridge/);
  });

  it("fails every check, refusals included, when no broker answers", async () => {
    const gone = await startLocalBroker({ allowAnonymous: false });
    await gone.stop();
    const report = await verifyBroker(settings(gone, { endpoint: { host: "127.0.0.1", port: gone.port, timeoutMs: 1000 } }));
    expect(report.checks.length).toBeGreaterThan(0);
    expect(report.checks.filter((check) => check.ok)).toEqual([]);
    expect(detailOf(report, "anonymous refused")).toMatch(/^could not reach the broker: .*ECONNREFUSED/);
    expect(detailOf(report, "login smc")).toMatch(/^smc could not connect: .*ECONNREFUSED/);
  });

  it("agrees with the broker on deny rules, a pattern deny under a user's own allow, %c patterns and anonymous rules", async () => {
    const mixedUsers = [users[0] ?? { name: "smc", password: "x" }, { name: "ops", password: "ops-secret-42" }, { name: "pi", password: "pi-secret-43" }];
    const mixedRules: AclRule[] = [
      { kind: "topic", user: undefined, topic: "public/#", access: "read" },
      { kind: "topic", user: "smc", topic: "#", access: "readwrite" },
      { kind: "topic", user: "smc", topic: "$SYS/#", access: "read" },
      { kind: "topic", user: "ops", topic: "#", access: "readwrite" },
      { kind: "topic", user: "ops", topic: "billing/#", access: "deny" },
      { kind: "topic", user: "pi", topic: "devices/#", access: "read" },
      { kind: "pattern", topic: "devices/%u/#", access: "deny" },
      { kind: "pattern", topic: "clients/%c/#", access: "readwrite" },
    ];
    const broker = await startLocalBroker({ users: mixedUsers, acl: renderAclFile(mixedRules), allowAnonymous: true });
    try {
      const report = await verifyBroker({
        endpoint: { host: "127.0.0.1", port: broker.port, timeoutMs: 3000 },
        users: mixedUsers.map((user) => ({ name: user.name, password: new Secret(user.password) })),
        acl: mixedRules,
        allowAnonymous: true,
        quietMs: 500,
      });
      expect(report.failed, formatReport(report)).toBe(0);
      const names = report.checks.map((check) => check.name.replace(/[0-9a-f]{8}/g, "X"));
      expect(names).toEqual(
        expect.arrayContaining([
          "anonymous accepted",
          "ops does not receive billing/tsible-check/X",
          "ops may not publish to billing/tsible-check/X",
          "anonymous receives public/tsible-check/X from smc",
          "anonymous may not publish to public/tsible-check/X",
          "pi receives devices/tsible-check/X from smc",
        ]),
      );
      expect(names.some((name) => /^\w+ round trip clients\/tsible-check-X\/tsible-check\/X$/.test(name))).toBe(true);
    } finally {
      await broker.stop();
    }
  });

  it("leaves nothing behind that keeps the process alive", () => {
    if (!healthy) throw new Error("broker not started");
    const dir = mkdtempSync(join(tmpdir(), "tsible-mqtt-exit-"));
    try {
      const script = join(dir, "run.mts");
      const verify = join(import.meta.dirname, "../../../src/mosquitto/verify.ts");
      const secretsModule = join(import.meta.dirname, "../../../src/secrets.ts");
      writeFileSync(
        script,
        `import { verifyBroker } from ${JSON.stringify(verify)};\n` +
          `import { Secret } from ${JSON.stringify(secretsModule)};\n` +
          `const report = await verifyBroker({ endpoint: { host: "127.0.0.1", port: ${healthy.port}, timeoutMs: 3000 }, ` +
          `users: [{ name: "smc", password: new Secret(${JSON.stringify(users[0]?.password)}) }], acl: [], allowAnonymous: false, quietMs: 200 });\n` +
          `console.log(report.msg);\n`,
      );
      // no process.exit in the script: it ends only when no socket or timer is left
      const run = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: join(import.meta.dirname, "../../.."), encoding: "utf8", timeout: 30_000 });
      expect(run.stderr).toBe("");
      expect(run.signal).toBeNull();
      expect(run.stdout.trim()).toMatch(/^\d+ checks passed$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
