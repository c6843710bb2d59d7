/**
 * The service module under a real systemd, and the package module through the real dnf and yum,
 * on fleet hosts of their own: Debian 12 booted by systemd, CentOS Stream 9 and Amazon Linux 2023
 * (dnf 4, rpm and systemd, installing from the fleet's local rpm repositories). Each story checks
 * that check mode predicts the change and leaves the host untouched, that the real run makes it,
 * and that a second run changes nothing; the host is inspected with plain commands over the
 * system ssh client, never through the module under test. Modules run as `deploy` with sudo.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "../../src/connection/types.js";
import { copyModule } from "../../src/modules/copy.js";
import { dnfModule, packageModule, yumModule } from "../../src/modules/package.js";
import { serviceModule } from "../../src/modules/service.js";
import type { ModuleContext } from "../../src/modules/types.js";
import { startFleet, type Fleet, type FleetHost } from "../fleet/fleet.js";
import { failureOf, makeModuleContext, openFleetConnection, runModule, withCheck } from "../helpers/module-context.js";

const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 45;

let fleet: Fleet;
const opened: Connection[] = [];

beforeAll(async () => {
  fleet = await startFleet({ kinds: ["systemd", "centos", "amzn"], id: fleetId });
}, 900_000);

afterAll(async () => {
  await Promise.all(opened.map((conn) => conn.close()));
  await fleet?.stop();
});

/** A module context as `deploy`, becoming root with sudo, and its check-mode twin */
async function contexts(host: FleetHost): Promise<{ ctx: ModuleContext; check: ModuleContext }> {
  const conn = await openFleetConnection(fleet, host, "deploy");
  opened.push(conn);
  const ctx = makeModuleContext({ conn, become: { user: "root" } });
  return { ctx, check: withCheck(ctx, true) };
}

/** Run a shell command on the host as root with the system ssh client; its stdout, trimmed */
async function sh(host: FleetHost, script: string): Promise<string> {
  const result = await fleet.sshRun(host, script);
  return result.stdout.trim();
}

const descriptions = (run: { changes: { description: string }[] }) => run.changes.map((change) => change.description);

describe("service under systemd (Debian 12 booted by systemd)", () => {
  let host: FleetHost;
  let ctx: ModuleContext;
  let check: ModuleContext;
  const unit = "/etc/systemd/system/tsible-demo.service";
  // a service that notes each start and each reload (SIGHUP) in its log, so a reload is visible
  const unitText = (version: number) =>
    [
      "[Unit]",
      "Description=tsible test service",
      "[Service]",
      `Environment=DEMO_VERSION=${version}`,
      `ExecStart=/bin/sh -c 'trap "echo reloaded >> /run/tsible-demo.log" HUP; echo "started $DEMO_VERSION" >> /run/tsible-demo.log; while :; do sleep 0.2; done'`,
      "ExecReload=/bin/kill -HUP $MAINPID",
      "[Install]",
      "WantedBy=multi-user.target",
      "",
    ].join("\n");
  const mainPid = () => sh(host, "systemctl show -p MainPID --value tsible-demo");
  const activeState = () => sh(host, "systemctl is-active tsible-demo");

  beforeAll(async () => {
    host = fleet.hosts.find((h) => h.kind === "systemd")!;
    ({ ctx, check } = await contexts(host));
    await runModule(copyModule, ctx, { dest: unit, content: unitText(1), mode: "0644" });
  });

  it("sees systemd as the service manager", async () => {
    expect((await ctx.facts()).service_mgr).toBe("systemd");
    expect(await sh(host, "cat /proc/1/comm")).toBe("systemd");
  });

  it("starts a stopped unit: check mode predicts it and starts nothing, the second run is ok", async () => {
    const predicted = await runModule(serviceModule, check, { name: "tsible-demo", state: "started" });
    expect(descriptions(predicted)).toEqual(["start tsible-demo"]);
    expect(await activeState()).toBe("inactive");

    const real = await runModule(serviceModule, ctx, { name: "tsible-demo", state: "started" });
    expect(real.result).toMatchObject({ state: "started" });
    expect(await activeState()).toBe("active");
    expect(Number(await mainPid())).toBeGreaterThan(0);
    expect(descriptions(await runModule(serviceModule, ctx, { name: "tsible-demo", state: "started" }))).toEqual([]);
  });

  it("enables and disables it with systemctl, as is-enabled then reports", async () => {
    expect(await sh(host, "systemctl is-enabled tsible-demo")).toBe("disabled");
    const predicted = await runModule(serviceModule, check, { name: "tsible-demo", enabled: true });
    expect(descriptions(predicted)).toEqual(["enable tsible-demo (systemctl enable tsible-demo)"]);
    expect(await sh(host, "systemctl is-enabled tsible-demo")).toBe("disabled");

    await runModule(serviceModule, ctx, { name: "tsible-demo", enabled: true });
    expect(await sh(host, "systemctl is-enabled tsible-demo")).toBe("enabled");
    expect(descriptions(await runModule(serviceModule, ctx, { name: "tsible-demo", enabled: true }))).toEqual([]);

    await runModule(serviceModule, ctx, { name: "tsible-demo", enabled: false });
    expect(await sh(host, "systemctl is-enabled tsible-demo")).toBe("disabled");
    expect(descriptions(await runModule(serviceModule, ctx, { name: "tsible-demo", enabled: "no" }))).toEqual([]);
  });

  it("reloads in place (same MainPID, the unit saw SIGHUP) and restarts with a new MainPID", async () => {
    const before = await mainPid();
    const reload = await runModule(serviceModule, ctx, { name: "tsible-demo", state: "reloaded" });
    expect(descriptions(reload)).toEqual(["reload tsible-demo"]);
    expect(await mainPid()).toBe(before);
    await expect.poll(() => sh(host, "grep -c reloaded /run/tsible-demo.log"), { timeout: 5000 }).toBe("1");

    const restart = await runModule(serviceModule, ctx, { name: "tsible-demo", state: "restarted" });
    expect(descriptions(restart)).toEqual(["restart tsible-demo"]);
    const after = await mainPid();
    expect(after).not.toBe(before);
    expect(Number(after)).toBeGreaterThan(0);
  });

  it("runs daemon-reload when the unit file changed, then restarts on the new unit", async () => {
    await runModule(copyModule, ctx, { dest: unit, content: unitText(2), mode: "0644" });
    expect(await sh(host, "systemctl show -p NeedDaemonReload --value tsible-demo")).toBe("yes");
    const args = { name: "tsible-demo", state: "restarted", daemon_reload: true };
    const predicted = await runModule(serviceModule, check, args);
    expect(descriptions(predicted)).toEqual(["reload the systemd manager configuration", "restart tsible-demo"]);
    expect(await sh(host, "systemctl show -p NeedDaemonReload --value tsible-demo")).toBe("yes");

    await runModule(serviceModule, ctx, args);
    expect(await sh(host, "systemctl show -p NeedDaemonReload --value tsible-demo")).toBe("no");
    expect(await sh(host, "systemctl show -p Environment --value tsible-demo")).toBe("DEMO_VERSION=2");
    await expect.poll(() => sh(host, "tail -n 1 /run/tsible-demo.log"), { timeout: 5000 }).toBe("started 2");
    // nothing left to reload: daemon_reload alone is then no change
    expect(descriptions(await runModule(serviceModule, ctx, { name: "tsible-demo", daemon_reload: true }))).toEqual([]);
  });

  it("stops it, and a second stop is ok", async () => {
    const predicted = await runModule(serviceModule, check, { name: "tsible-demo", state: "stopped" });
    expect(descriptions(predicted)).toEqual(["stop tsible-demo"]);
    expect(await activeState()).toBe("active");
    await runModule(serviceModule, ctx, { name: "tsible-demo", state: "stopped" });
    expect(await activeState()).toBe("inactive");
    expect(descriptions(await runModule(serviceModule, ctx, { name: "tsible-demo", state: "stopped" }))).toEqual([]);
  });

  it("fails with systemd's own status when a unit cannot start, and names a unit that does not exist", async () => {
    await runModule(copyModule, ctx, {
      dest: "/etc/systemd/system/tsible-broken.service",
      content: "[Service]\nExecStart=/bin/sh -c 'echo broken on purpose; exit 3'\n",
      mode: "0644",
    });
    const broken = await failureOf(runModule(serviceModule, ctx, { name: "tsible-broken", state: "started" }));
    expect(broken.message).toMatch(/tsible-broken/);
    expect(broken.message).toMatch(/failed|not running/);

    const missing = await failureOf(runModule(serviceModule, ctx, { name: "tsible-nosuch", state: "started" }));
    expect(missing.message).toContain("systemd has no unit tsible-nosuch");
  });
});

/** rpm's view of a package on the host: "1.0-1", or undefined when it is not installed */
async function rpmVersion(host: FleetHost, name: string): Promise<string | undefined> {
  const result = await fleet.sshRun(host, `rpm -q --qf '%{VERSION}-%{RELEASE}' ${name}`);
  return result.exitCode === 0 ? result.stdout : undefined;
}

const updatesRepo = "[updates]\nname=tsible demo updates\nbaseurl=file:///srv/tsible-rpm/updates\nenabled=1\ngpgcheck=0\n";

describe.each([
  { kind: "centos", module: dnfModule, manager: "dnf" },
  { kind: "amzn", module: yumModule, manager: "yum" },
] as const)("package through the real $manager ($kind)", ({ kind, module, manager }) => {
  let host: FleetHost;
  let ctx: ModuleContext;
  let check: ModuleContext;

  beforeAll(async () => {
    host = fleet.hosts.find((h) => h.kind === kind)!;
    ({ ctx, check } = await contexts(host));
  });

  it(`sees the RedHat family with dnf (yum is dnf under another name there)`, async () => {
    const facts = await ctx.facts();
    expect(facts).toMatchObject({ os_family: "RedHat", distribution: kind, pkg_mgr: "dnf", service_mgr: "systemd" });
    expect(await sh(host, "command -v apt-get || echo none")).toBe("none");
  });

  it("installs tsible-demo: check mode predicts the version and installs nothing, the second run is ok", async () => {
    const predicted = await runModule(module, check, { name: "tsible-demo" });
    expect(descriptions(predicted)).toEqual(["install tsible-demo 1.0-1"]);
    expect(await rpmVersion(host, "tsible-demo")).toBeUndefined();

    const real = await runModule(module, ctx, { name: "tsible-demo" });
    expect(real.result).toMatchObject({ package_manager: manager, rc: 0 });
    expect(await rpmVersion(host, "tsible-demo")).toBe("1.0-1");
    expect(await sh(host, "cat /usr/share/tsible-demo/VERSION")).toBe("1.0");
    expect(descriptions(await runModule(module, ctx, { name: "tsible-demo" }))).toEqual([]);
    expect(descriptions(await runModule(module, ctx, { name: "tsible-demo", state: "latest" }))).toEqual([]);
  });

  it("refreshes the metadata on update_cache, and reports it", async () => {
    const refreshed = await runModule(module, ctx, { update_cache: true });
    expect(descriptions(refreshed)).toEqual(["update package cache"]);
    expect(refreshed.result).toMatchObject({ cache_updated: true });
  });

  it("upgrades to the newest version once a repository offers it (state latest)", async () => {
    await runModule(copyModule, ctx, { dest: "/etc/yum.repos.d/updates.repo", content: updatesRepo, mode: "0644" });
    const predicted = await runModule(module, check, { name: "tsible-demo", state: "latest" });
    expect(descriptions(predicted)).toEqual(["upgrade tsible-demo 1.0-1 -> 1.1-1"]);
    expect(await rpmVersion(host, "tsible-demo")).toBe("1.0-1");

    await runModule(module, ctx, { name: "tsible-demo", state: "latest" });
    expect(await rpmVersion(host, "tsible-demo")).toBe("1.1-1");
    expect(descriptions(await runModule(module, ctx, { name: "tsible-demo", state: "latest" }))).toEqual([]);
  });

  it("removes it: check mode keeps it, the real run removes, the second run is ok", async () => {
    const predicted = await runModule(module, check, { name: "tsible-demo", state: "absent" });
    expect(descriptions(predicted)).toEqual(["remove tsible-demo"]);
    expect(await rpmVersion(host, "tsible-demo")).toBe("1.1-1");
    await runModule(module, ctx, { name: "tsible-demo", state: "absent" });
    expect(await rpmVersion(host, "tsible-demo")).toBeUndefined();
    expect(descriptions(await runModule(module, ctx, { name: "tsible-demo", state: "absent" }))).toEqual([]);
  });

  it("fails with the package's name when no repository offers it", async () => {
    const failure = await failureOf(runModule(module, ctx, { name: "tsible-nosuch" }));
    expect(failure.message).toBe("No package matching 'tsible-nosuch' is available");
  });

  it("picks dnf by itself through the package module", async () => {
    const predicted = await runModule(packageModule, check, { name: "tsible-demo" });
    expect(descriptions(predicted)).toEqual(["install tsible-demo 1.1-1"]);
    expect(predicted.result).toMatchObject({ package_manager: "dnf" });
  });
});
