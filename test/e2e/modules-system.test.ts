/**
 * package (apt), service (init.d scripts, service_mgr "none"), user and group on a real fleet
 * host over SSH. Each story checks that check mode predicts the change and leaves the host
 * untouched, that the real run makes it, and that a second run changes nothing. The host is
 * inspected with plain commands over a second connection, never through the module under test.
 *
 * systemd, dnf and yum run on hosts of those kinds in modules-systemd-rpm.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "../../src/connection/types.js";
import type { ModuleContext } from "../../src/modules/types.js";
import { aptModule, packageModule } from "../../src/modules/package.js";
import { serviceModule } from "../../src/modules/service.js";
import { userModule } from "../../src/modules/user.js";
import { groupModule } from "../../src/modules/group.js";
import { fleetCredentials, type FleetHost, type SshRunResult } from "../fleet/fleet.js";
import { useFleet } from "../fleet/use-fleet.js";
import { failureOf, makeModuleContext, openFleetConnection, runModule, withCheck } from "../helpers/module-context.js";

const fleet = useFleet();
// the last host: these stories install packages, start brokers and add users, so keep them off host 0
const target: FleetHost = fleet.host(fleet.hosts.length - 1);

let conn: Connection;
let ctx: ModuleContext;
let check: ModuleContext;

/** Run a shell command on the host with the system ssh client, outside the module under test */
function sh(script: string): Promise<SshRunResult> {
  return fleet.sshRun(target, script);
}

async function installedVersion(name: string): Promise<string | undefined> {
  const result = await sh(`dpkg-query -W -f='\${Status}\t\${Version}' ${name}`);
  const [status, version] = result.stdout.split("\t");
  return result.exitCode === 0 && status?.endsWith(" installed") ? version : undefined;
}

beforeAll(async () => {
  conn = await openFleetConnection(fleet, target, "root");
  ctx = makeModuleContext({ conn });
  check = withCheck(ctx, true);
});

afterAll(async () => {
  await conn?.close();
});

describe("package (apt, from the fleet's local repository)", () => {
  beforeAll(async () => {
    // start from a host that has never refreshed its lists and has none of the test packages
    await sh("dpkg --purge hello tree jq libjq1 libonig5 >/dev/null 2>&1; rm -rf /var/lib/apt/lists/* /var/lib/apt/periodic/update-success-stamp; true");
  });

  it("fails with the package's name when no list offers it", async () => {
    const failure = await failureOf(runModule(aptModule, ctx, { name: "hello" }));
    expect(failure.message).toBe("No package matching 'hello' is available");
  });

  it("installs hello: check mode predicts it and installs nothing, the real run installs, the second run is ok", async () => {
    const args = { name: "hello", update_cache: true };
    const predicted = await runModule(aptModule, check, args);
    expect(predicted.changes.map((change) => change.description)).toEqual(["update package cache", "install hello"]);
    expect(await installedVersion("hello")).toBeUndefined();
    expect((await sh("ls /var/lib/apt/lists | grep -c Packages")).stdout.trim()).toBe("0");

    const real = await runModule(aptModule, ctx, args);
    expect(real.changed).toBe(true);
    expect(real.result.cache_updated).toBe(true);
    expect(await installedVersion("hello")).toMatch(/^2\.10/);

    const again = await runModule(aptModule, ctx, args);
    expect(again.changes.map((change) => change.description)).toEqual([]);
  });

  it("keeps a fresh cache within cache_valid_time, and refreshes an older one", async () => {
    expect((await runModule(packageModule, ctx, { name: "hello", cache_valid_time: 3600 })).changed).toBe(false);
    await sh("touch -d '2 hours ago' /var/lib/apt/periodic/update-success-stamp");
    const stale = await runModule(packageModule, check, { name: "hello", cache_valid_time: 3600 });
    expect(stale.changes.map((change) => change.description)).toEqual(["update package cache"]);
    await runModule(packageModule, ctx, { name: "hello", cache_valid_time: 3600 });
    expect((await runModule(packageModule, ctx, { name: "hello", cache_valid_time: 3600 })).changed).toBe(false);
  });

  it("state latest installs what is missing with the version it gets, then is ok", async () => {
    const predicted = await runModule(packageModule, check, { name: ["tree", "hello"], state: "latest" });
    expect(predicted.changes.map((change) => change.description)).toEqual([expect.stringMatching(/^install tree \d/)]);
    expect(await installedVersion("tree")).toBeUndefined();
    await runModule(packageModule, ctx, { name: ["tree", "hello"], state: "latest" });
    expect(await installedVersion("tree")).toBeDefined();
    expect((await runModule(packageModule, ctx, { name: ["tree", "hello"], state: "latest" })).changed).toBe(false);
  });

  it("installs a pinned version and refuses one that does not exist", async () => {
    const version = await installedVersion("hello");
    expect((await runModule(aptModule, ctx, { name: `hello=${version}` })).changed).toBe(false);
    const failure = await failureOf(runModule(aptModule, ctx, { name: "hello=0.0-nosuch" }));
    expect(failure.message).toBe("No package matching 'hello=0.0-nosuch' is available");
  });

  it("removes packages: check mode keeps them, the real run removes, the second run is ok", async () => {
    const args = { name: ["hello", "tree"], state: "absent" };
    const predicted = await runModule(packageModule, check, args);
    expect(predicted.changes.map((change) => change.description)).toEqual(["remove hello, tree"]);
    expect(await installedVersion("hello")).toBeDefined();
    await runModule(packageModule, ctx, args);
    expect(await installedVersion("hello")).toBeUndefined();
    expect(await installedVersion("tree")).toBeUndefined();
    expect((await runModule(packageModule, ctx, args)).changed).toBe(false);
  });

  it("installs as a sudo user that needs a password (become), check mode included", async () => {
    const ops = await openFleetConnection(fleet, target, "ops", `${target.name}-ops`);
    try {
      const asOps = makeModuleContext({ conn: ops, become: { user: "root", password: fleetCredentials.opsSudoPassword } });
      const predicted = await runModule(aptModule, withCheck(asOps, true), { name: "hello" });
      expect(predicted.changes.map((change) => change.description)).toEqual([expect.stringMatching(/^install hello \d/)]);
      expect(await installedVersion("hello")).toBeUndefined();
      await runModule(aptModule, asOps, { name: "hello" });
      expect(await installedVersion("hello")).toBeDefined();
      expect((await runModule(aptModule, asOps, { name: "hello", state: "absent" })).changed).toBe(true);
      expect(await installedVersion("hello")).toBeUndefined();
    } finally {
      await ops.close();
    }
  });

  it("installs several packages with their dependencies in one change", async () => {
    const result = await runModule(packageModule, ctx, { name: "jq,hello" });
    expect(result.changes.map((change) => change.description)).toEqual([expect.stringMatching(/^install jq \S+, hello \S+$/)]);
    expect(await installedVersion("libjq1")).toBeDefined();
    await runModule(packageModule, ctx, { name: ["jq", "libjq1", "libonig5", "hello"], state: "absent" });
  });
});

describe("service (mosquitto through /etc/init.d on a host without an init system)", () => {
  const running = async (): Promise<boolean> => (await sh("/etc/init.d/mosquitto status >/dev/null 2>&1")).exitCode === 0;
  // Debian's init script keeps the broker's pid here (start-stop-daemon --make-pidfile)
  const brokerPid = async (): Promise<string> => (await sh("cat /run/mosquitto/mosquitto.pid")).stdout.trim();
  /** The broker's config as the mosquitto role writes it: no pid_file, which is the init script's */
  const config = (listener: string) => `log_dest file /var/log/mosquitto/mosquitto.log\nlistener ${listener}\nallow_anonymous true\n`;
  const writeConfig = (listener: string) => sh(`printf '${config(listener)}' > /etc/mosquitto/mosquitto.conf`);
  let originalConfig = "";

  beforeAll(async () => {
    originalConfig = (await sh("base64 -w0 /etc/mosquitto/mosquitto.conf")).stdout;
    // the run directory and the config are the role's job; here the test prepares them
    await sh("mkdir -p /run/mosquitto && chown mosquitto:mosquitto /run/mosquitto; /etc/init.d/mosquitto stop >/dev/null 2>&1; update-rc.d mosquitto enable >/dev/null 2>&1; true");
    await writeConfig("1883 127.0.0.1");
  });

  afterAll(async () => {
    await sh(`/etc/init.d/mosquitto stop >/dev/null 2>&1; echo ${originalConfig} | base64 -d > /etc/mosquitto/mosquitto.conf`);
  });

  it("starts mosquitto: check mode leaves it stopped, the real run starts it, the second run is ok", async () => {
    expect(await running()).toBe(false);
    const predicted = await runModule(serviceModule, check, { name: "mosquitto", state: "started" });
    expect(predicted.changes.map((change) => change.description)).toEqual(["start mosquitto"]);
    expect(await running()).toBe(false);

    await runModule(serviceModule, ctx, { name: "mosquitto", state: "started" });
    expect(await running()).toBe(true);
    expect((await sh("pgrep -x mosquitto")).exitCode).toBe(0);
    expect((await runModule(serviceModule, ctx, { name: "mosquitto", state: "started" })).changed).toBe(false);
  });

  it("restarted is always a change and gives a new process; reloaded keeps the process", async () => {
    const before = await brokerPid();
    const restarted = await runModule(serviceModule, ctx, { name: "mosquitto", state: "restarted" });
    expect(restarted.changes.map((change) => change.description)).toEqual(["restart mosquitto"]);
    const after = await brokerPid();
    expect(after).not.toBe(before);
    expect(await running()).toBe(true);

    const reloaded = await runModule(serviceModule, ctx, { name: "mosquitto", state: "reloaded" });
    expect(reloaded.changes.map((change) => change.description)).toEqual(["reload mosquitto"]);
    expect(await brokerPid()).toBe(after);
  });

  it("stops mosquitto: check mode leaves it running, the real run stops it, the second run is ok", async () => {
    const predicted = await runModule(serviceModule, check, { name: "mosquitto", state: "stopped" });
    expect(predicted.changes.map((change) => change.description)).toEqual(["stop mosquitto"]);
    expect(await running()).toBe(true);
    await runModule(serviceModule, ctx, { name: "mosquitto", state: "stopped" });
    expect(await running()).toBe(false);
    expect((await sh("pgrep -x mosquitto")).exitCode).toBe(1);
    expect((await runModule(serviceModule, ctx, { name: "mosquitto", state: "stopped" })).changed).toBe(false);
  });

  it("disables and enables start at boot through update-rc.d links", async () => {
    const links = async (): Promise<string> => (await sh("ls /etc/rc2.d | grep mosquitto")).stdout.trim();
    expect(await links()).toBe("S01mosquitto");
    const predicted = await runModule(serviceModule, check, { name: "mosquitto", enabled: false });
    expect(predicted.changes.map((change) => change.description)).toEqual(["disable mosquitto (update-rc.d mosquitto disable)"]);
    expect(await links()).toBe("S01mosquitto");

    await runModule(serviceModule, ctx, { name: "mosquitto", enabled: "no" });
    expect(await links()).toMatch(/^K\d\dmosquitto$/);
    expect((await runModule(serviceModule, ctx, { name: "mosquitto", enabled: false })).changed).toBe(false);

    await runModule(serviceModule, ctx, { name: "mosquitto", enabled: true });
    expect(await links()).toMatch(/^S\d\dmosquitto$/);
    expect((await runModule(serviceModule, ctx, { name: "mosquitto", enabled: true })).changed).toBe(false);
  });

  it("fails with the script's output and the broker's log when mosquitto cannot start", async () => {
    // an address the host does not have: the broker cannot bind its listener and exits right after starting
    await writeConfig("1883 10.213.250.250");
    await sh("echo 'tsible-e2e log marker' >>/var/log/mosquitto/mosquitto.log");
    try {
      const failure = await failureOf(runModule(serviceModule, ctx, { name: "mosquitto", state: "started" }));
      expect(failure.message).toContain("/etc/init.d/mosquitto start exited 0, but mosquitto is not running");
      expect(failure.message).toContain("Starting network daemon");
      expect(failure.message).toContain("== tail of /var/log/mosquitto/mosquitto.log");
      expect(failure.message).toContain("tsible-e2e log marker");
    } finally {
      await sh("/etc/init.d/mosquitto stop >/dev/null 2>&1; true");
      await writeConfig("1883 127.0.0.1");
    }
  });

  it("fails with a hint for a service that has no init script", async () => {
    const failure = await failureOf(runModule(serviceModule, ctx, { name: "nosuchd", state: "started" }));
    expect(failure.message).toMatch(/nosuchd has no init script: \/etc\/init\.d\/nosuchd does not exist/);
  });
});

describe("user and group", () => {
  const passwd = async (name: string): Promise<string> => (await sh(`getent passwd ${name}`)).stdout.trim();
  // a SHA-512 crypt hash of "not-a-real-password", made for this test
  const hash = "$6$tsiblesalt$Qm3Sj5bYzrJm7k0Lqe8m3P2m1Qy1Jw0oV8C2Xh6n2K1tJk3L5p7r9t1v3x5z7B9D1F3H5J7L9N1P3R5T7V9X1Z3";

  beforeAll(async () => {
    await sh("userdel -r tsops >/dev/null 2>&1; groupdel tsmqtt >/dev/null 2>&1; true");
  });

  afterAll(async () => {
    await sh("userdel -r tsops >/dev/null 2>&1; groupdel tsmqtt >/dev/null 2>&1; true");
  });

  it("creates a group with a gid, changes the gid, and leaves the host alone in check mode", async () => {
    const predicted = await runModule(groupModule, check, { name: "tsmqtt", gid: 1600 });
    expect(predicted.changes.map((change) => change.description)).toEqual(["create group tsmqtt (gid 1600)"]);
    expect((await sh("getent group tsmqtt")).exitCode).toBe(2);

    await runModule(groupModule, ctx, { name: "tsmqtt", gid: 1600 });
    expect((await sh("getent group tsmqtt")).stdout.trim()).toBe("tsmqtt:x:1600:");
    expect((await runModule(groupModule, ctx, { name: "tsmqtt", gid: "1600" })).changed).toBe(false);

    const regid = await runModule(groupModule, check, { name: "tsmqtt", gid: 1601 });
    expect(regid.changes.map((change) => change.description)).toEqual(["change gid of group tsmqtt 1600 -> 1601"]);
    await runModule(groupModule, ctx, { name: "tsmqtt", gid: 1601 });
    expect((await sh("getent group tsmqtt")).stdout.trim()).toBe("tsmqtt:x:1601:");
  });

  it("creates a user: check mode creates nothing, the real run does, the second run is ok", async () => {
    const args = { name: "tsops", uid: 1500, shell: "/bin/sh", groups: ["tsmqtt"], password: hash };
    const predicted = await runModule(userModule, check, args);
    const descriptions = predicted.changes.map((change) => change.description);
    expect(descriptions).toEqual(["create user tsops (uid 1500, groups tsmqtt, shell /bin/sh, with a password)"]);
    expect(descriptions.join("\n")).not.toContain("$6$");
    expect(await passwd("tsops")).toBe("");

    await runModule(userModule, ctx, args);
    expect(await passwd("tsops")).toBe("tsops:x:1500:1500::/home/tsops:/bin/sh");
    expect((await sh("id -Gn tsops")).stdout.trim()).toBe("tsops tsmqtt");
    expect((await sh("getent shadow tsops | cut -d: -f2")).stdout.trim()).toBe(hash);
    expect((await sh("test -d /home/tsops")).exitCode).toBe(0);
    expect((await runModule(userModule, ctx, args)).changed).toBe(false);
  });

  it("modifies shell and groups, one described change each, untouched in check mode", async () => {
    const args = { name: "tsops", shell: "/bin/bash", groups: ["adm"], append: true };
    const predicted = await runModule(userModule, check, args);
    expect(predicted.changes.map((change) => change.description)).toEqual(["add tsops to groups adm", "change shell of tsops /bin/sh -> /bin/bash"]);
    expect(await passwd("tsops")).toMatch(/:\/bin\/sh$/);
    expect((await sh("id -Gn tsops")).stdout.trim()).toBe("tsops tsmqtt");

    await runModule(userModule, ctx, args);
    expect(await passwd("tsops")).toMatch(/:\/bin\/bash$/);
    expect((await sh("id -Gn tsops")).stdout.trim()).toBe("tsops adm tsmqtt");
    expect((await runModule(userModule, ctx, args)).changed).toBe(false);

    const exact = await runModule(userModule, ctx, { name: "tsops", groups: ["tsmqtt"] });
    expect(exact.changes.map((change) => change.description)).toEqual(["set groups of tsops to tsmqtt (was adm, tsmqtt)"]);
    expect((await sh("id -Gn tsops")).stdout.trim()).toBe("tsops tsmqtt");
  });

  it("changes a password without ever describing it", async () => {
    const other = hash.replace("tsiblesalt", "othersalt1");
    const result = await runModule(userModule, ctx, { name: "tsops", password: other });
    expect(result.changes.map((change) => change.description)).toEqual(["set password of tsops"]);
    expect((await sh("getent shadow tsops | cut -d: -f2")).stdout.trim()).toBe(other);
    expect(() => userModule.args.parse({ name: "tsops", password: "plain text" })).toThrow(/crypt hash/);
  });

  it("removes the user with its home, then the group", async () => {
    const predicted = await runModule(userModule, check, { name: "tsops", state: "absent", remove: true });
    expect(predicted.changes.map((change) => change.description)).toEqual(["remove user tsops and its home directory"]);
    expect(await passwd("tsops")).not.toBe("");

    await runModule(userModule, ctx, { name: "tsops", state: "absent", remove: true });
    expect(await passwd("tsops")).toBe("");
    expect((await sh("test -e /home/tsops")).exitCode).toBe(1);
    expect((await runModule(userModule, ctx, { name: "tsops", state: "absent" })).changed).toBe(false);

    await runModule(groupModule, ctx, { name: "tsmqtt", state: "absent" });
    expect((await sh("getent group tsmqtt")).exitCode).toBe(2);
    expect((await runModule(groupModule, ctx, { name: "tsmqtt", state: "absent" })).changed).toBe(false);
  });
});
