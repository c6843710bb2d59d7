import { describe, expect, it } from "vitest";
import {
  brokerErrorLines,
  configListeners,
  DeployJournal,
  linesSinceReload,
  rollbackListener,
} from "../../../src/mosquitto/broker-rollback.js";
import { describeRestore } from "../../../src/mosquitto/broker-activate.js";

const conf = "/etc/mosquitto/mosquitto.conf";
const acl = "/etc/mosquitto/acl";
const passwd = "/etc/mosquitto/passwd";

describe("the deploy journal", () => {
  it("restores newest first: old bytes with numeric owner, group and mode, and removes files that did not exist", () => {
    const journal = new DeployJournal();
    journal.record({ path: conf, existed: true, content: Buffer.from("listener 1883\n"), uid: 0, gid: 101, mode: "0640" }, false);
    journal.record({ path: acl, existed: false }, true);
    expect(journal.paths).toEqual([conf, acl]);
    expect(journal.restoreSteps()).toEqual([
      { kind: "remove", path: acl },
      { kind: "write", path: conf, content: Buffer.from("listener 1883\n"), owner: "0", group: "101", mode: "0640" },
    ]);
    expect(describeRestore(journal)).toBe(`${acl} was removed (it did not exist before); ${conf} has its previous content, owner and mode again`);
  });

  it("keeps the oldest state of a path recorded twice", () => {
    const journal = new DeployJournal();
    journal.record({ path: conf, existed: true, content: Buffer.from("old\n"), uid: 0, gid: 0, mode: "0644" }, false);
    journal.record({ path: conf, existed: true, content: Buffer.from("newer\n"), uid: 0, gid: 0, mode: "0644" }, false);
    expect(journal.restoreSteps()).toHaveLength(1);
    expect(journal.restoreSteps()[0]).toMatchObject({ content: Buffer.from("old\n") });
  });

  it("forgets a file whose write failed (it is as it was), and restores only the others", () => {
    const journal = new DeployJournal();
    journal.record({ path: conf, existed: true, content: Buffer.from("old\n"), uid: 0, gid: 0, mode: "0644" }, false);
    journal.record({ path: acl, existed: true, content: Buffer.from("user a\n"), uid: 0, gid: 0, mode: "0640" }, true);
    journal.forget(acl);
    expect(journal.paths).toEqual([conf]);
    expect(journal.restoreSteps()).toHaveLength(1);
    journal.forget(acl);
    expect(journal.paths).toEqual([conf]);
  });

  it("refuses to record an existing file without its old content (nothing to roll back to)", () => {
    expect(() => new DeployJournal().record({ path: conf, existed: true }, false)).toThrow(/no old content/);
  });

  it("is empty until something is recorded", () => {
    expect(new DeployJournal().isEmpty).toBe(true);
    expect(new DeployJournal().restoreSteps()).toEqual([]);
  });
});

describe("where a rolled-back broker must answer", () => {
  it("is the task's port when only files read on SIGHUP were written", () => {
    const journal = new DeployJournal();
    journal.record({ path: passwd, existed: true, content: Buffer.from("u:$7$x\n"), uid: 1, gid: 1, mode: "0600" }, true);
    expect(rollbackListener(journal, 20200)).toEqual({ port: 20200 });
  });

  it("is the first listener of the restored main file when it was written (the new one may have moved the port)", () => {
    const journal = new DeployJournal();
    journal.record({ path: conf, existed: true, content: Buffer.from("# old\nlistener 20201 127.0.0.1\nlistener 8883\n"), uid: 0, gid: 0, mode: "0644" }, false);
    expect(rollbackListener(journal, 20202)).toEqual({ port: 20201, address: "127.0.0.1" });
  });

  it("is unknown when the restored files name no port (mosquitto's default listener), or the file did not exist", () => {
    const journal = new DeployJournal();
    journal.record({ path: conf, existed: true, content: Buffer.from("pid_file /run/mosquitto/mosquitto.pid\n"), uid: 0, gid: 0, mode: "0644" }, false);
    expect(rollbackListener(journal, 20200)).toBeUndefined();
    const fresh = new DeployJournal();
    fresh.record({ path: conf, existed: false }, false);
    expect(rollbackListener(fresh, 20200)).toBeUndefined();
  });

  it("reads listener and port lines, and skips unix sockets (listener 0) and comments", () => {
    expect(configListeners("port 1883\n#listener 9\nlistener 0 /run/m.sock\n  listener\t8883 ::1 \nlistener_x 5\n")).toEqual([
      { port: 1883 },
      { port: 8883, address: "::1" },
    ]);
  });
});

describe("reading the broker's log after a reload", () => {
  const log = [
    "1700000000: New connection from 127.0.0.1:1 on port 20200.",
    "1700000001: Reloading config.",
    '1700000001: Error: Invalid topic access type "blah" in acl_file "/etc/mosquitto/acl".',
    '1700000001: Error opening acl file "/etc/mosquitto/acl".',
  ];

  it("finds the lines from the last reload on, and the errors among them", () => {
    const since = linesSinceReload(log);
    expect(since).toEqual(log.slice(1));
    expect(brokerErrorLines(since ?? [])).toEqual([log[2]]);
  });

  it("knows when the broker has not logged the reload yet", () => {
    expect(linesSinceReload(log.slice(0, 1))).toBeUndefined();
  });

  it("takes errors before the reload as old news", () => {
    const older = ["1: Error: Unknown configuration variable \"x\".", "2: Reloading config.", "3: Opening ipv4 listen socket on port 1."];
    expect(brokerErrorLines(linesSinceReload(older) ?? [])).toEqual([]);
  });
});
