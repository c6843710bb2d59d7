/**
 * Services under systemd: `systemctl show` + `systemctl is-enabled` in one
 * round trip, `systemctl start|stop|restart|reload|enable|disable|daemon-reload`.
 *
 * Run against a real systemd on the test fleet's systemd hosts (Debian,
 * Ubuntu, CentOS, Amazon Linux kinds): test/e2e/modules-systemd-rpm.test.ts
 * and test/e2e/host-kinds.test.ts.
 */
import { commandFailure } from "./host/task-host.js";
import { shellScript } from "../connection/quote.js";
import { ModuleFailure } from "./types.js";
import { type RunArgv, type ServiceAction, type ServiceManager, type ServiceStatus } from "./service-managers.js";

export const SYSTEMD_PROBE_SCRIPT = `systemctl show "$1" --property=LoadState,ActiveState,SubState,UnitFileState,NeedDaemonReload
echo @@is-enabled
systemctl is-enabled "$1" 2>/dev/null
enabled_rc=$?
echo @@is-enabled-rc
echo "$enabled_rc"`;

/**
 * Wait until the unit settles: $2 is "running" or "stopped". Units that are
 * still activating get up to 5 s; a unit that crashes right after starting
 * shows up as failed. On failure print the status for the error message.
 */
export const SYSTEMD_VERIFY_SCRIPT = `i=0
while :; do
  sleep 0.3
  state=$(systemctl is-active "$1")
  if [ "$2" = running ] && [ "$state" = active ]; then exit 0; fi
  if [ "$2" = stopped ] && [ "$state" != active ] && [ "$state" != activating ] && [ "$state" != deactivating ] && [ "$state" != reloading ]; then exit 0; fi
  i=$((i + 1))
  if [ "$i" -ge 16 ]; then break; fi
done
echo "systemctl is-active: $state"
systemctl status --no-pager --full --lines=20 "$1"
exit 1`;

export interface SystemdShow {
  loadState: string;
  activeState: string;
  unitFileState: string;
  needDaemonReload: boolean;
}

/** Parse `systemctl show --property=...` output (Key=Value lines) */
export function parseSystemctlShow(output: string): SystemdShow {
  const values = new Map<string, string>();
  for (const line of output.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return {
    loadState: values.get("LoadState") ?? "",
    activeState: values.get("ActiveState") ?? "",
    unitFileState: values.get("UnitFileState") ?? "",
    needDaemonReload: values.get("NeedDaemonReload") === "yes",
  };
}

/** ActiveState values that mean the service is up (or coming up): Ansible counts these as started */
const RUNNING_STATES = new Set(["active", "activating", "reloading"]);

/**
 * `systemctl is-enabled` exits 0 for enabled, enabled-runtime, static, alias,
 * indirect and generated (a SysV script wrapped by systemd): Ansible treats
 * exit 0 as enabled, and so do we.
 */
export function systemdStatus(name: string, show: SystemdShow, isEnabledRc: number): ServiceStatus {
  return {
    running: RUNNING_STATES.has(show.activeState),
    enabled: isEnabledRc === 0,
    needsDaemonReload: show.needDaemonReload,
    enableArgv: { on: systemctlArgv("enable", name), off: systemctlArgv("disable", name) },
  };
}

export function systemctlArgv(action: ServiceAction | "enable" | "disable" | "daemon-reload" | "reset-failed", name?: string): string[] {
  return name === undefined ? ["systemctl", action] : ["systemctl", action, name];
}

export function systemdServiceManager(run: RunArgv): ServiceManager {
  const verify = async (name: string, want: "running" | "stopped", what: string, actionOutput: string): Promise<void> => {
    const check = await run(shellScript(SYSTEMD_VERIFY_SCRIPT, [name, want]));
    if (check.exitCode === 0) return;
    throw new ModuleFailure(`${what}, but ${name} is not ${want}:\n${check.stdout.trim()}`, { stdout: actionOutput, status: check.stdout });
  };
  return {
    kind: "systemd",
    async probe(name) {
      const result = await run(shellScript(SYSTEMD_PROBE_SCRIPT, [name]));
      const [showPart = "", rest = ""] = result.stdout.split("\n@@is-enabled\n");
      const [, rcText = ""] = rest.split("@@is-enabled-rc\n");
      const show = parseSystemctlShow(showPart);
      if (show.loadState === "" && result.exitCode !== 0) throw commandFailure(`systemctl show ${name}`, result);
      if (show.loadState === "not-found") {
        throw new ModuleFailure(`Could not find the requested service ${name}: systemd has no unit ${name} (install the package that provides it)`);
      }
      if (show.loadState === "masked") {
        throw new ModuleFailure(`service ${name} is masked: systemd refuses to start or enable it (run \`systemctl unmask ${name}\` if that is intended)`);
      }
      return systemdStatus(name, show, Number(rcText.trim()));
    },
    async act(name, action) {
      const result = await run(systemctlArgv(action, name));
      if (result.exitCode !== 0) {
        const status = await run(["systemctl", "status", "--no-pager", "--full", "--lines=20", name]);
        throw commandFailure(`systemctl ${action} ${name}`, result, { data: { status: status.stdout } });
      }
      await verify(name, action === "stop" ? "stopped" : "running", `systemctl ${action} ${name} succeeded`, result.stdout);
      return { rc: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    },
    async daemonReload() {
      const result = await run(systemctlArgv("daemon-reload"));
      if (result.exitCode !== 0) throw commandFailure("systemctl daemon-reload", result);
      return {};
    },
    recoveryArgv(name, action) {
      // a unit that failed its way to the start limit would refuse the restart: forget that first
      return shellScript('systemctl reset-failed "$1"; systemctl "$2" "$1"', [name, action]);
    },
    async resetFailures(name) {
      // also resets the start rate limit counter, whatever state the unit is in
      const result = await run(systemctlArgv("reset-failed", name));
      if (result.exitCode !== 0) throw commandFailure(`systemctl reset-failed ${name}`, result);
    },
  };
}
