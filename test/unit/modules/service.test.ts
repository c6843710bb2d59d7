/**
 * systemd argv is unit-tested only (the fleet has no systemd); the init.d path is proven for real
 * in test/e2e/modules-system.test.ts. The systemctl samples follow `systemctl show --property=...`
 * (Key=Value lines) and `systemctl is-enabled` (one word, exit 0 when enabled) output.
 */
import { describe, expect, it } from "vitest";
import type { CommandResult } from "../../../src/connection/types.js";
import { enableArgv, enabledFromLinks, lsbStatus, parseInitdProbe } from "../../../src/modules/service-initd.js";
import type { ServiceManager, ServiceStatus } from "../../../src/modules/service-managers.js";
import { parseSystemctlShow, systemctlArgv, systemdStatus } from "../../../src/modules/service-systemd.js";
import { actionFor, planService, serviceArgs } from "../../../src/modules/service.js";

describe("LSB status codes", () => {
  it("0 is running; 1, 2, 3 are stopped; 4 and beyond are unknown", () => {
    expect(lsbStatus(0, "mosquitto is running.")).toBe("running");
    expect(lsbStatus(1, "mosquitto is not running ... failed!")).toBe("stopped");
    expect(lsbStatus(3, "mosquitto is not running ... failed!")).toBe("stopped");
    expect(lsbStatus(4, "")).toBe("unknown");
    expect(lsbStatus(127, "sh: not found")).toBe("unknown");
  });
  it("a script that prints its usage has no status action", () => {
    expect(lsbStatus(1, "Usage: /etc/init.d/foo {start|stop}")).toBe("unknown");
  });
});

describe("init.d probe", () => {
  // what the probe printed on a fleet host for mosquitto (enabled, stopped)
  const output = `@@script
executable
@@status
mosquitto is not running ... failed!
@@status-rc
3
@@links
/etc/rc0.d/K01mosquitto
/etc/rc1.d/K01mosquitto
/etc/rc2.d/S01mosquitto
/etc/rc3.d/S01mosquitto
/etc/rc4.d/S01mosquitto
/etc/rc5.d/S01mosquitto
/etc/rc6.d/K01mosquitto
@@tools
/usr/sbin/update-rc.d
`;
  const probe = parseInitdProbe(output);

  it("reads the script, the status code and output, the links and tools", () => {
    expect(probe).toMatchObject({ script: "executable", statusCode: 3, statusOutput: "mosquitto is not running ... failed!" });
    expect(probe.links).toHaveLength(7);
    expect(probe.tools).toEqual(["/usr/sbin/update-rc.d"]);
  });

  it("calls a service enabled when runlevels 2-5 have S links", () => {
    expect(enabledFromLinks(probe.links, "mosquitto")).toBe(true);
    expect(enabledFromLinks(["/etc/rc0.d/K01mosquitto", "/etc/rc2.d/K01mosquitto"], "mosquitto")).toBe(false);
    // another service's links never count
    expect(enabledFromLinks(["/etc/rc2.d/S01mosquitto-extra"], "mosquitto")).toBe(false);
  });

  it("knows a missing script", () => {
    expect(parseInitdProbe("@@script\nmissing\n@@links\n@@tools\n")).toMatchObject({ script: "missing", statusCode: undefined });
  });
});

describe("enable commands", () => {
  it("uses update-rc.d enable/disable, or defaults when the script has no links yet", () => {
    const tools = ["/usr/sbin/update-rc.d"];
    expect(enableArgv("mosquitto", true, tools, true)).toEqual(["update-rc.d", "mosquitto", "enable"]);
    expect(enableArgv("mosquitto", false, tools, true)).toEqual(["update-rc.d", "mosquitto", "disable"]);
    expect(enableArgv("mosquitto", true, tools, false)).toEqual(["update-rc.d", "mosquitto", "defaults"]);
  });
  it("uses chkconfig on RedHat's sysvinit (unit-tested only), and nothing without either tool", () => {
    expect(enableArgv("mosquitto", true, ["/sbin/chkconfig"], true)).toEqual(["chkconfig", "mosquitto", "on"]);
    expect(enableArgv("mosquitto", false, ["/sbin/chkconfig"], true)).toEqual(["chkconfig", "mosquitto", "off"]);
    expect(enableArgv("mosquitto", true, [], true)).toBeUndefined();
  });
});

describe("systemd (unit-tested only)", () => {
  it("parses systemctl show", () => {
    const show = parseSystemctlShow("LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nNeedDaemonReload=no\n");
    expect(show).toEqual({ loadState: "loaded", activeState: "active", unitFileState: "enabled", needDaemonReload: false });
    expect(parseSystemctlShow("LoadState=not-found\nActiveState=inactive\nUnitFileState=\nNeedDaemonReload=no").loadState).toBe("not-found");
  });

  it("counts active, activating and reloading as running; is-enabled exit 0 as enabled", () => {
    const status = (activeState: string, rc: number) =>
      systemdStatus("mosquitto", { loadState: "loaded", activeState, unitFileState: "enabled", needDaemonReload: true }, rc);
    expect(status("active", 0)).toMatchObject({ running: true, enabled: true, needsDaemonReload: true });
    expect(status("activating", 0).running).toBe(true);
    expect(status("failed", 1)).toMatchObject({ running: false, enabled: false });
    expect(status("inactive", 0).enableArgv).toEqual({ on: ["systemctl", "enable", "mosquitto"], off: ["systemctl", "disable", "mosquitto"] });
  });

  it("builds systemctl command lines", () => {
    expect(systemctlArgv("restart", "mosquitto")).toEqual(["systemctl", "restart", "mosquitto"]);
    expect(systemctlArgv("daemon-reload")).toEqual(["systemctl", "daemon-reload"]);
    expect(systemctlArgv("reset-failed", "mosquitto")).toEqual(["systemctl", "reset-failed", "mosquitto"]);
  });
});

describe("service plan", () => {
  const manager: ServiceManager = {
    kind: "initd",
    probe: () => Promise.reject(new Error("not used")),
    act: () => Promise.reject(new Error("not applied in a plan test")),
    daemonReload: () => Promise.reject(new Error("not applied in a plan test")),
    resetFailures: () => Promise.reject(new Error("not applied in a plan test")),
    recoveryArgv: () => [],
  };
  const run = (): Promise<CommandResult> => Promise.reject(new Error("not applied in a plan test"));
  const status = (running: boolean, enabled: boolean, needsDaemonReload = false): ServiceStatus => ({
    running,
    enabled,
    needsDaemonReload,
    enableArgv: { on: ["update-rc.d", "mosquitto", "enable"], off: ["update-rc.d", "mosquitto", "disable"] },
  });
  const describePlan = (args: unknown, current: ServiceStatus): string[] =>
    planService(serviceArgs.parse(args), current, manager, run, "h1").changes.map((change) => change.description);

  it("maps states to actions like Ansible: restarted and reloaded always act, on a stopped service they start it", () => {
    expect(actionFor("started", true)).toBeUndefined();
    expect(actionFor("started", false)).toBe("start");
    expect(actionFor("stopped", false)).toBeUndefined();
    expect(actionFor("restarted", true)).toBe("restart");
    expect(actionFor("restarted", false)).toBe("start");
    expect(actionFor("reloaded", true)).toBe("reload");
    expect(actionFor("reloaded", false)).toBe("start");
  });

  it("enables before acting, and says which command it will run", () => {
    expect(describePlan({ name: "mosquitto", state: "started", enabled: "yes" }, status(false, false))).toEqual([
      "enable mosquitto (update-rc.d mosquitto enable)",
      "start mosquitto",
    ]);
    expect(describePlan({ name: "mosquitto", state: "started", enabled: true }, status(true, true))).toEqual([]);
  });

  it("reloads systemd's configuration only when a unit changed", () => {
    expect(describePlan({ name: "mosquitto", daemon_reload: true }, status(true, true, true))).toEqual(["reload the systemd manager configuration"]);
    expect(describePlan({ name: "mosquitto", daemon_reload: true }, status(true, true, false))).toEqual([]);
  });

  it("refuses a task that asks for nothing, or unsupported arguments", () => {
    expect(() => serviceArgs.parse({ name: "mosquitto" })).toThrow(/at least one of state, enabled/);
    expect(() => serviceArgs.parse({ name: "mosquitto", state: "started", pattern: "mosq" })).toThrow();
    expect(() => serviceArgs.parse({ name: "../etc/passwd", state: "started" })).toThrow(/plain name/);
  });
});
