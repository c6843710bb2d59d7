/**
 * The mqtt_check module as a playbook task runs it: arguments as YAML gives
 * them (the role's user list with `state`, ACL rules, a port as a string),
 * against real mosquitto brokers on 127.0.0.1, one of them over TLS with a CA
 * made here by openssl. A passing check changes nothing (also in check mode);
 * a failing one fails the task with every FAIL line and no password.
 * Skipped, saying why, without mosquitto.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderAclFile } from "../../src/mosquitto/acl.js";
import { mqttCheckModule } from "../../src/mosquitto/mqtt-check-module.js";
import { ModuleFailure } from "../../src/modules/types.js";
import { localTestHost, makeModuleContext, runModule, withCheck, type ModuleTestHost } from "../helpers/module-context.js";
import { brokerMissing, startLocalBroker, type LocalBroker } from "../unit/mosquitto/verify-local-broker.js";

if (brokerMissing) console.warn(brokerMissing);
const OPENSSL = ["/usr/bin/openssl", "/usr/local/bin/openssl"].find((path) => existsSync(path));

const users = [
  { name: "smc", password: "smc-password-123" },
  { name: "reader", password: "reader-password-456" },
];
const acl = [
  { user: "smc", topic: "#", access: "readwrite" },
  { user: "smc", topic: "$SYS/#", access: "read" },
  { user: "reader", topic: "sensors/#", access: "read" },
];
const aclText = renderAclFile([
  { kind: "topic", user: "smc", topic: "#", access: "readwrite" },
  { kind: "topic", user: "smc", topic: "$SYS/#", access: "read" },
  { kind: "topic", user: "reader", topic: "sensors/#", access: "read" },
]);

describe.skipIf(brokerMissing !== undefined)("mqtt_check module against loopback brokers", () => {
  let host: ModuleTestHost | undefined;
  let broker: LocalBroker | undefined;
  let tlsBroker: LocalBroker | undefined;
  let certDir = "";

  beforeAll(async () => {
    host = await localTestHost();
    broker = await startLocalBroker({ users, acl: aclText, allowAnonymous: false });
    if (OPENSSL !== undefined) {
      certDir = mkdtempSync(join(tmpdir(), "tsible-mqtt-tls-"));
      chmodSync(certDir, 0o755);
      const ssl = (...args: string[]): void => {
        const result = spawnSync(OPENSSL, args, { cwd: certDir, encoding: "utf8" });
        if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
      };
      // Node checks the address it dialled against the certificate's subjectAltName
      writeFileSync(join(certDir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
      ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=tsible test CA");
      ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
      ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext");
      for (const file of ["ca.crt", "server.crt", "server.key"]) chmodSync(join(certDir, file), 0o644);
      tlsBroker = await startLocalBroker({
        users,
        acl: aclText,
        allowAnonymous: false,
        extraConfig: [`cafile ${join(certDir, "ca.crt")}`, `certfile ${join(certDir, "server.crt")}`, `keyfile ${join(certDir, "server.key")}`],
      });
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all([broker?.stop(), tlsBroker?.stop(), host?.close()]);
    if (certDir !== "") rmSync(certDir, { recursive: true, force: true });
  });

  const args = (port: number, extra: Record<string, unknown> = {}) => ({
    host: "127.0.0.1",
    port: String(port),
    users: [...users, { name: "old", password: "old-password-789", state: "absent" }],
    acl,
    allow_anonymous: "no",
    timeout: 3,
    quiet_time: 0.5,
    ...extra,
  });

  it("passes and changes nothing, in check mode as in a real run", async () => {
    if (!host || !broker) throw new Error("setup failed");
    const ctx = makeModuleContext({ conn: host.conn });
    for (const check of [false, true]) {
      const run = await runModule(mqttCheckModule, withCheck(ctx, check), args(broker.port));
      expect(run.changed).toBe(false);
      expect(run.changes).toEqual([]);
      const checks = run.result.checks as { name: string; ok: boolean }[];
      expect(checks.every((item) => item.ok)).toBe(true);
      expect(checks.map((item) => item.name)).toContain("removed user old refused");
      const msg = String(run.result.msg);
      expect(msg.split("\n")[0]).toBe(`${checks.length} checks passed`);
      expect(msg).toContain("\n  PASS login reader");
      for (const user of users) expect(msg).not.toContain(user.password);
    }
  });

  it("fails the task with every failed check and no password when the broker is not what the playbook says", async () => {
    if (!host || !broker) throw new Error("setup failed");
    const ctx = makeModuleContext({ conn: host.conn });
    // the playbook claims anonymous clients are welcome and the reader may write: the broker disagrees
    const claims = args(broker.port, { allow_anonymous: true, acl: [...acl, { user: "reader", topic: "sensors/#", access: "readwrite" }] });
    const failure = await runModule(mqttCheckModule, ctx, claims).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ModuleFailure);
    const { message, result } = failure as ModuleFailure;
    expect(message).toMatch(new RegExp(`^\\d+ of \\d+ checks failed on 127\\.0\\.0\\.1:${broker.port}\\n`));
    expect(message).toContain("FAIL anonymous accepted: anonymous could not log in: Connection refused: Not authorized (rc 5)");
    expect(message).toMatch(/FAIL reader round trip sensors\/tsible-check\/\w+: reader received nothing within 3 s/);
    expect((result.checks as unknown[]).length).toBeGreaterThan(5);
    const everything = JSON.stringify({ message, result });
    for (const password of [...users.map((user) => user.password), "old-password-789"]) expect(everything).not.toContain(password);
  });

  it("refuses arguments it does not understand, before connecting", async () => {
    if (!host || !broker) throw new Error("setup failed");
    const ctx = makeModuleContext({ conn: host.conn });
    await expect(runModule(mqttCheckModule, ctx, args(broker.port, { acl: [{ user: "smc", pattern: "x/%u", access: "read" }] }))).rejects.toThrow();
    await expect(runModule(mqttCheckModule, ctx, args(broker.port, { acl: [{ user: "smc", topic: "#", access: "all" }] }))).rejects.toThrow();
    await expect(runModule(mqttCheckModule, ctx, args(broker.port, { bridge: [] }))).rejects.toThrow();
  });

  it.skipIf(OPENSSL === undefined)("checks a broker over TLS with the CA file; plain MQTT to that listener passes nothing", async () => {
    if (!host || !tlsBroker) throw new Error("setup failed");
    const ctx = makeModuleContext({ conn: host.conn });
    const run = await runModule(mqttCheckModule, ctx, args(tlsBroker.port, { tls: { ca: join(certDir, "ca.crt") } }));
    expect((run.result.checks as { ok: boolean }[]).every((item) => item.ok)).toBe(true);
    // plain MQTT against the TLS listener gets no CONNACK: refusals must not count as passed
    const plain = await runModule(mqttCheckModule, ctx, args(tlsBroker.port, { timeout: 1 })).then(
      () => undefined,
      (error: unknown) => error as ModuleFailure,
    );
    expect((plain?.result.checks as { ok: boolean }[]).some((item) => item.ok)).toBe(false);
  });
});
