/**
 * mosquitto_broker on a real fleet host (mosquitto 2.0.11 run by its /etc/init.d script, no
 * systemd), over SSH as `deploy` becoming root, the way a playbook runs it. Every story looks at
 * the host out-of-band (the system ssh client as root): file bytes and attributes, the broker's
 * pid, and real mosquitto_pub/mosquitto_sub logins with right and wrong passwords.
 *
 * The host's own mosquitto.conf is put back and the broker stopped at the end, so the other e2e
 * files find the host as the fleet made it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quoteArgv } from "../../src/connection/quote.js";
import type { Connection } from "../../src/connection/types.js";
import { ModuleFailure, type ModuleContext } from "../../src/modules/types.js";
import { mosquittoBrokerModule } from "../../src/mosquitto/broker-module.js";
import type { FleetHost, SshRunResult } from "../fleet/fleet.js";
import { useFleet } from "../fleet/use-fleet.js";
import { failureOf, makeModuleContext, openFleetConnection, runModule, withCheck, type ModuleRun } from "../helpers/module-context.js";

const fleet = useFleet();
// the last host, as the service stories: they too start and stop this host's broker
const target: FleetHost = fleet.host(fleet.hosts.length - 1);

const MAIN = "/etc/mosquitto/mosquitto.conf";
const DIR = "/var/lib/tsible-e2e-broker/conf";
const ACL = `${DIR}/acl`;
const PASSWD = `${DIR}/passwd`;
const PORT = 20231;
const MOVED_PORT = 20232;

let conn: Connection;
let ctx: ModuleContext;
let check: ModuleContext;
let templates: string;
let originalMain: string;

/** Run a script on the host as root with the system ssh client, outside the module under test */
function sh(script: string, ...args: string[]): Promise<SshRunResult> {
  return fleet.sshRun(target, quoteArgv(["sh", "-c", script, "sh", ...args]));
}

async function out(script: string, ...args: string[]): Promise<string> {
  const result = await sh(script, ...args);
  if (result.exitCode !== 0) throw new Error(`${script} failed on ${target.name} (${result.exitCode}): ${result.stderr}`);
  return result.stdout.trim();
}

function mainConfig(port: number, extra = ""): string {
  return [
    // no pid_file, as the role writes it: Debian's init script keeps its own pid file at the path
    // the package's config gives the broker, and the broker refuses to start when it exists
    "# managed by tsible (e2e)",
    "log_dest file /var/log/mosquitto/mosquitto.log",
    `listener ${port} 127.0.0.1`,
    "allow_anonymous false",
    `password_file ${PASSWD}`,
    `acl_file ${ACL}`,
    extra,
  ].join("\n");
}

interface Deploy {
  port?: number;
  extra?: string;
  password?: string;
  users?: { name: string; password: string; state?: "present" | "absent" }[];
  acl?: string;
}

function brokerArgs(deploy: Deploy = {}): Record<string, unknown> {
  const port = deploy.port ?? PORT;
  return {
    service: "mosquitto",
    port,
    host: "127.0.0.1",
    files: [
      { dest: MAIN, content: mainConfig(port, deploy.extra), owner: "root", group: "mosquitto", mode: "0640", reload: false },
      deploy.acl === undefined ? { dest: ACL, template: "acl.hbs", mode: "0644", reload: true } : { dest: ACL, content: deploy.acl, mode: "0644", reload: true },
    ],
    password_file: {
      path: PASSWD,
      owner: "mosquitto",
      group: "mosquitto",
      mode: "0600",
      users: deploy.users ?? [{ name: "smc", password: deploy.password ?? "first pass & 'quoted'", state: "present" }],
      remove_unlisted: true,
    },
    log_file: "/var/log/mosquitto/mosquitto.log",
    wait_timeout: 10,
  };
}

/** Everything a report shows: descriptions, diffs and result fields */
function shown(run: ModuleRun | ModuleFailure): string {
  if (run instanceof ModuleFailure) return JSON.stringify({ message: run.message, result: run.result });
  return JSON.stringify({ changes: run.changes.map((change) => ({ description: change.description, diff: change.diff })), result: run.result });
}

function predicted(run: ModuleRun): unknown {
  return { changes: run.changes.map((change) => ({ description: change.description, diff: change.diff })), activation: run.result.activation };
}

/** Bytes (sha256) and owner/group/mode of the managed files: absent ones show as "-" */
async function filesState(): Promise<string> {
  return out(
    `for f in "$@"; do if [ -e "$f" ]; then printf '%s %s\\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$(stat -c '%U:%G %a' -- "$f")"; else echo -; fi; done`,
    MAIN,
    ACL,
    PASSWD,
  );
}

async function brokerPid(): Promise<string> {
  const result = await sh("pgrep -x mosquitto");
  return result.exitCode === 0 ? result.stdout.trim() : "";
}

/** The hashes in the password file on the host */
async function hashesOnHost(): Promise<string[]> {
  const text = await out(`cat -- "$1"`, PASSWD);
  return text.split("\n").flatMap((line) => (line.includes(":") ? [line.slice(line.indexOf(":") + 1)] : []));
}

/** A real round trip: subscribe, publish, receive, with these credentials; resolves to what the subscriber got, or the refusal */
async function roundTrip(port: number, user: string, password: string): Promise<string> {
  const result = await sh(
    `out=$(mktemp)
mosquitto_sub -h 127.0.0.1 -p "$1" -u "$2" -P "$3" -t e2e/broker -C 1 -W 8 >"$out" 2>&1 &
sub=$!
sleep 0.7
mosquitto_pub -h 127.0.0.1 -p "$1" -u "$2" -P "$3" -t e2e/broker -m "hello $2" 2>&1
pub=$?
wait "$sub"
cat "$out"; rm -f "$out"
exit "$pub"`,
    String(port),
    user,
    password,
  );
  return `${result.exitCode === 0 ? "ok" : `refused (${result.exitCode})`}: ${result.stdout.trim()}`;
}

beforeAll(async () => {
  templates = await mkdtemp(join(tmpdir(), "tsible-broker-templates-"));
  await writeFile(join(templates, "acl.hbs"), "# managed by tsible\nuser {{ mqtt_user }}\ntopic readwrite e2e/#\n");
  originalMain = await out(`base64 -w0 -- "$1"`, MAIN);
  // a broker that is stopped, with none of this test's files
  await sh(`/etc/init.d/mosquitto stop >/dev/null 2>&1; rm -rf -- /var/lib/tsible-e2e-broker; mkdir -p /run/mosquitto; chown mosquitto:mosquitto /run/mosquitto`);
  conn = await openFleetConnection(fleet, target, "deploy");
  ctx = makeModuleContext({ conn, become: { user: "root" }, templatesDir: templates, vars: { mqtt_user: "smc" } });
  check = withCheck(ctx, true);
});

afterAll(async () => {
  await conn?.close();
  await sh(
    `/etc/init.d/mosquitto stop >/dev/null 2>&1; printf '%s' "$1" | base64 -d > /etc/mosquitto/mosquitto.conf; chown root:root /etc/mosquitto/mosquitto.conf; chmod 0644 /etc/mosquitto/mosquitto.conf; rm -rf -- /var/lib/tsible-e2e-broker`,
    originalMain,
  );
  if (templates) await rm(templates, { recursive: true, force: true });
});

describe("mosquitto_broker on a host whose broker runs from /etc/init.d", () => {
  it("first deploy: check mode predicts it and touches nothing; the run makes exactly that, and only the right password logs in", async () => {
    const before = await filesState();
    expect(before.split("\n").slice(1)).toEqual(["-", "-"]);

    const dry = await runModule(mosquittoBrokerModule, check, brokerArgs());
    expect(dry.changes.map((change) => change.description)).toEqual([
      `update ${MAIN}, group root -> mosquitto, mode 0644 -> 0640`,
      `create ${ACL} (and its parent directories), mode 0644`,
      `create password file ${PASSWD} (and its parent directories), owner mosquitto, group mosquitto, mode 0600: user smc added`,
      "start mosquitto",
    ]);
    expect(dry.result).toMatchObject({ version: "2.0.11", activation: "start", users_changed: ["smc"] });
    expect(dry.result.hash_format).toBe("$7$ (pbkdf2-sha512, 101 iterations, 12-byte salt)");
    expect(await filesState()).toBe(before);
    expect(await brokerPid()).toBe("");

    const run = await runModule(mosquittoBrokerModule, ctx, brokerArgs());
    expect(run.changed).toBe(true);
    expect(predicted(run)).toEqual(predicted(dry));
    expect(run.result.activation).toBe("start");

    expect(await out(`cat -- "$1"`, ACL)).toBe("# managed by tsible\nuser smc\ntopic readwrite e2e/#");
    expect((await filesState()).split("\n").map((line) => line.replace(/^\S+ /, ""))).toEqual([
      "root:mosquitto 640",
      "root:root 644",
      "mosquitto:mosquitto 600",
    ]);
    expect(await brokerPid()).not.toBe("");
    expect(await roundTrip(PORT, "smc", "first pass & 'quoted'")).toBe("ok: hello smc");
    expect(await roundTrip(PORT, "smc", "wrong password")).toMatch(/^refused .*not authorised/);

    // no password and no hash in anything the run reports
    const hashes = await hashesOnHost();
    expect(hashes).toHaveLength(1);
    for (const text of [shown(dry), shown(run)]) {
      for (const secret of ["first pass & 'quoted'", ...hashes, "$7$101$"]) expect(text).not.toContain(secret);
    }
  });

  it("a second run changes nothing and leaves every byte as it was", async () => {
    const before = await filesState();
    const pid = await brokerPid();
    const run = await runModule(mosquittoBrokerModule, ctx, brokerArgs());
    expect(run.changed).toBe(false);
    expect(run.changes).toEqual([]);
    expect(run.result).toMatchObject({ activation: "none", users_changed: [] });
    expect(await filesState()).toBe(before);
    expect(await brokerPid()).toBe(pid);
  });

  it("a new password: only the password file changes, the broker reloads and keeps its pid, the old password is refused", async () => {
    const [mainBefore, aclBefore, passwdBefore] = (await filesState()).split("\n");
    const pid = await brokerPid();
    const oldHashes = await hashesOnHost();
    const args = brokerArgs({ password: "second-pass-2" });

    const dry = await runModule(mosquittoBrokerModule, check, args);
    expect(dry.changes.map((change) => change.description)).toEqual([
      `update password file ${PASSWD}: user smc: password changed`,
      "reload mosquitto (SIGHUP)",
    ]);
    expect(dry.changes[0]?.diff).toEqual({ path: PASSWD, before: "smc\n", after: "smc (password changed)\n" });
    expect((await filesState()).split("\n")).toEqual([mainBefore, aclBefore, passwdBefore]);

    const run = await runModule(mosquittoBrokerModule, ctx, args);
    expect(predicted(run)).toEqual(predicted(dry));
    expect(run.result).toMatchObject({ activation: "reload", users_changed: ["smc"] });
    const [mainAfter, aclAfter, passwdAfter] = (await filesState()).split("\n");
    expect([mainAfter, aclAfter]).toEqual([mainBefore, aclBefore]);
    expect(passwdAfter).not.toBe(passwdBefore);
    expect(passwdAfter?.endsWith("mosquitto:mosquitto 600")).toBe(true);

    expect(await brokerPid()).toBe(pid);
    expect(await roundTrip(PORT, "smc", "first pass & 'quoted'")).toMatch(/^refused .*not authorised/);
    expect(await roundTrip(PORT, "smc", "second-pass-2")).toBe("ok: hello smc");

    const newHashes = await hashesOnHost();
    for (const text of [shown(dry), shown(run)]) {
      for (const secret of ["second-pass-2", "first pass & 'quoted'", ...oldHashes, ...newHashes]) expect(text).not.toContain(secret);
    }
  });

  it("adding one user and removing another is a reload that names them, and both logins follow", async () => {
    const pid = await brokerPid();
    const users = [
      { name: "smc", password: "second-pass-2" },
      { name: "ops", password: "ops-pass-3" },
    ];
    const added = await runModule(mosquittoBrokerModule, ctx, { ...brokerArgs({ users, acl: "user smc\ntopic readwrite e2e/#\nuser ops\ntopic readwrite e2e/#\n" }) });
    expect(added.changes.map((change) => change.description)).toEqual([
      `update ${ACL}`,
      `update password file ${PASSWD}: user ops added`,
      "reload mosquitto (SIGHUP)",
    ]);
    expect(await roundTrip(PORT, "ops", "ops-pass-3")).toBe("ok: hello ops");

    const removed = await runModule(mosquittoBrokerModule, ctx, brokerArgs({ password: "second-pass-2" }));
    expect(removed.changes.map((change) => change.description)).toEqual([
      `update ${ACL}`,
      `update password file ${PASSWD}: user ops removed`,
      "reload mosquitto (SIGHUP)",
    ]);
    expect(removed.result.users_changed).toEqual(["ops"]);
    expect(await roundTrip(PORT, "ops", "ops-pass-3")).toMatch(/^refused .*not authorised/);
    expect(await brokerPid()).toBe(pid);
  });

  it("a new port restarts the broker, and the new port answers", async () => {
    const pid = await brokerPid();
    const args = brokerArgs({ port: MOVED_PORT, password: "second-pass-2" });
    const dry = await runModule(mosquittoBrokerModule, check, args);
    expect(dry.changes.map((change) => change.description)).toEqual([`update ${MAIN}`, "restart mosquitto"]);
    expect(dry.changes[0]?.diff?.before).toContain(`listener ${PORT} 127.0.0.1`);
    expect(dry.changes[0]?.diff?.after).toContain(`listener ${MOVED_PORT} 127.0.0.1`);
    expect(await brokerPid()).toBe(pid);

    const run = await runModule(mosquittoBrokerModule, ctx, args);
    expect(predicted(run)).toEqual(predicted(dry));
    expect(run.result.activation).toBe("restart");
    expect(await brokerPid()).not.toBe(pid);
    expect(await roundTrip(MOVED_PORT, "smc", "second-pass-2")).toBe("ok: hello smc");
    expect(await roundTrip(PORT, "smc", "second-pass-2")).toMatch(/^refused/);
  });

  it("a broken main file is rolled back: the failure quotes the broker, the files are the old bytes, the broker answers on the old port", async () => {
    const before = await filesState();
    const args = brokerArgs({ port: 20233, password: "second-pass-2", extra: "bogus_directive_for_e2e 1" });

    const dry = await runModule(mosquittoBrokerModule, check, args);
    expect(dry.changes.map((change) => change.description)).toEqual([`update ${MAIN}`, "restart mosquitto"]);

    const failure = await failureOf(runModule(mosquittoBrokerModule, ctx, args));
    expect(failure.message).toContain('Error: Unknown configuration variable "bogus_directive_for_e2e".');
    expect(failure.message).toContain("rolled back");
    expect(failure.message).toContain(`answers on 127.0.0.1:${MOVED_PORT} again`);
    expect(failure.result).toMatchObject({ activation: "restart", rolled_back: [MAIN] });
    expect(shown(failure)).not.toContain("second-pass-2");

    expect(await filesState()).toBe(before);
    expect(await brokerPid()).not.toBe("");
    expect(await roundTrip(MOVED_PORT, "smc", "second-pass-2")).toBe("ok: hello smc");
  });

  it("a broker that starts but never answers on the task's port is rolled back after wait_timeout", async () => {
    const before = await filesState();
    const args = { ...brokerArgs({ port: MOVED_PORT, password: "second-pass-2", extra: "# a harmless change" }), port: 20299, wait_timeout: 2 };
    const failure = await failureOf(runModule(mosquittoBrokerModule, ctx, args));
    expect(failure.message).toContain("nothing answered on 127.0.0.1:20299 within 2 s");
    expect(failure.message).toContain(`answers on 127.0.0.1:${MOVED_PORT} again`);
    expect(failure.message).toContain(`Opening ipv4 listen socket on port ${MOVED_PORT}.`);
    expect(await filesState()).toBe(before);
    expect(await roundTrip(MOVED_PORT, "smc", "second-pass-2")).toBe("ok: hello smc");
  });

  it("a write that fails puts back the files written before it and leaves the broker alone", async () => {
    const before = await filesState();
    const pid = await brokerPid();
    const args = brokerArgs({ port: MOVED_PORT, password: "second-pass-2", extra: "# changed before the failing write" });
    // a file whose directory cannot be made: its parent path runs through the password file
    (args.files as unknown[]).push({ dest: `${PASSWD}/cannot-exist`, content: "x\n", reload: true });
    const failure = await failureOf(runModule(mosquittoBrokerModule, ctx, args));
    expect(failure.message).toContain(`creating ${PASSWD} failed`);
    expect(failure.message).toContain(`the files this task had written before it were put back (${MAIN}); the broker was not touched`);
    expect(await filesState()).toBe(before);
    expect(await brokerPid()).toBe(pid);
  });

  it("a broken acl file is rolled back by a reload: the broker keeps its pid and its old rules", async () => {
    const before = await filesState();
    const pid = await brokerPid();
    const failure = await failureOf(
      runModule(mosquittoBrokerModule, ctx, brokerArgs({ port: MOVED_PORT, password: "second-pass-2", acl: "user smc\ntopic sideways e2e/#\n" })),
    );
    expect(failure.message).toContain('Invalid topic access type "sideways"');
    expect(failure.message).toContain("rolled back");
    expect(failure.result).toMatchObject({ activation: "reload", rolled_back: [ACL] });
    expect(await filesState()).toBe(before);
    expect(await brokerPid()).toBe(pid);
    expect(await roundTrip(MOVED_PORT, "smc", "second-pass-2")).toBe("ok: hello smc");
  });

  it("when even the previous files do not start the broker, it fails loudly with both logs; a good deploy then brings it back", async () => {
    // someone left a broken main file and a stopped broker behind
    await sh(`/etc/init.d/mosquitto stop >/dev/null 2>&1; printf 'listener ${MOVED_PORT} 127.0.0.1\\nleft_broken_by_hand 1\\n' > "$1"`, MAIN);
    const before = await filesState();
    const failure = await failureOf(
      runModule(mosquittoBrokerModule, ctx, brokerArgs({ port: MOVED_PORT, password: "second-pass-2", extra: "also_broken_by_task 1" })),
    );
    expect(failure.message).toMatch(/^MOSQUITTO IS DOWN on /);
    expect(failure.message).toContain('Unknown configuration variable "also_broken_by_task"');
    expect(failure.message).toContain('Unknown configuration variable "left_broken_by_hand"');
    expect(failure.result).toMatchObject({ activation: "start", rollback_failed: true });
    expect(await filesState()).toBe(before);
    expect(await brokerPid()).toBe("");

    const fixed = await runModule(mosquittoBrokerModule, ctx, brokerArgs({ port: MOVED_PORT, password: "second-pass-2" }));
    expect(fixed.changes.map((change) => change.description)).toEqual([`update ${MAIN}`, "start mosquitto"]);
    expect(await roundTrip(MOVED_PORT, "smc", "second-pass-2")).toBe("ok: hello smc");
  });

  it("a stopped broker whose files are in place is only started", async () => {
    await sh("/etc/init.d/mosquitto stop >/dev/null 2>&1");
    const args = brokerArgs({ port: MOVED_PORT, password: "second-pass-2" });
    const dry = await runModule(mosquittoBrokerModule, check, args);
    expect(dry.changes.map((change) => change.description)).toEqual(["start mosquitto"]);
    expect(await brokerPid()).toBe("");
    const run = await runModule(mosquittoBrokerModule, ctx, args);
    expect(predicted(run)).toEqual(predicted(dry));
    expect(await roundTrip(MOVED_PORT, "smc", "second-pass-2")).toBe("ok: hello smc");
    expect((await runModule(mosquittoBrokerModule, ctx, args)).changed).toBe(false);
  });
});
