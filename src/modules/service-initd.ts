/**
 * Services run by their /etc/init.d scripts: hosts with sysvinit, and hosts
 * with no init system at all (a container whose PID 1 is sshd: the test fleet).
 * Running state comes from the script's LSB `status` exit code; "enabled" is
 * the presence of S links in /etc/rc[2-5].d (as Ansible checks), changed with
 * update-rc.d on Debian and chkconfig on RedHat. Proven on the Debian fleet.
 */
import { commandFailure } from "./host/task-host.js";
import { shellScript } from "../connection/quote.js";
import { splitSections } from "./package-managers.js";
import { ModuleFailure } from "./types.js";
import { type RunArgv, type ServiceManager, type ServiceStatus } from "./service-managers.js";

const PROBE_SCRIPT = `script=/etc/init.d/$1
echo @@script
if [ -x "$script" ]; then echo executable; elif [ -e "$script" ]; then echo not-executable; else echo missing; fi
if [ -x "$script" ]; then
  echo @@status
  "$script" status </dev/null 2>&1
  status_rc=$?
  echo @@status-rc
  echo "$status_rc"
fi
echo @@links
for link in /etc/rc[0-6S].d/[SK][0-9][0-9]"$1"; do
  if [ -e "$link" ] || [ -L "$link" ]; then echo "$link"; fi
done
echo @@tools
for tool in update-rc.d chkconfig; do command -v "$tool" || true; done`;

/**
 * Run an action through the script, then wait (up to about 5 s) for its
 * status to show what the action leads to. The script's output goes to a
 * temp file, never to our pipe: a daemon that inherits the pipe would keep
 * the command from ever finishing. On failure the status output and the tail
 * of the service's log (when it has an obvious one) are printed.
 * $1 name, $2 action, $3 "running" or "stopped".
 */
const ACT_SCRIPT = `script=/etc/init.d/$1
out=$(mktemp) || exit 70
"$script" "$2" </dev/null >"$out" 2>&1
rc=$?
if [ "$rc" = 3 ] && [ "$2" = reload ]; then
  echo "(the script has no reload: using force-reload)" >>"$out"
  "$script" force-reload </dev/null >>"$out" 2>&1
  rc=$?
fi
echo @@output
cat "$out"
rm -f "$out"
echo @@rc
echo "$rc"
[ "$rc" = 0 ] || exit 0
i=0
while :; do
  sleep 0.3
  "$script" status </dev/null >/dev/null 2>&1
  st=$?
  if [ "$3" = running ] && [ "$st" = 0 ]; then break; fi
  if [ "$3" = stopped ] && [ "$st" != 0 ]; then break; fi
  i=$((i + 1))
  if [ "$i" -ge 16 ]; then break; fi
done
echo @@status-rc
echo "$st"
if [ "$3" = running ] && [ "$st" = 0 ]; then exit 0; fi
if [ "$3" = stopped ] && [ "$st" != 0 ]; then exit 0; fi
echo @@status
"$script" status </dev/null 2>&1
echo @@log
for log in "/var/log/$1/$1.log" "/var/log/$1.log"; do
  if [ -f "$log" ]; then echo "== tail of $log"; tail -n 20 "$log"; break; fi
done`;

export type LsbStatus = "running" | "stopped" | "unknown";

/**
 * LSB init script status codes: 0 running; 1 dead with a pid file left; 2 dead
 * with a lock file left; 3 not running; 4 status unknown. A script that prints
 * its usage has no status action at all.
 */
export function lsbStatus(exitCode: number, output: string): LsbStatus {
  if (exitCode === 0) return "running";
  if (/usage:/i.test(output)) return "unknown";
  if (exitCode >= 1 && exitCode <= 3) return "stopped";
  return "unknown";
}

/** S links in runlevels 2-5 mean "started at boot", which is what Ansible calls enabled */
export function enabledFromLinks(links: readonly string[], name: string): boolean {
  return links.some((link) => new RegExp(`/rc[2-5]\\.d/S\\d\\d${escapeRegExp(name)}$`).test(link));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface InitdProbe {
  script: "executable" | "not-executable" | "missing";
  statusOutput: string;
  statusCode: number | undefined;
  links: string[];
  tools: string[];
}

export function parseInitdProbe(stdout: string): InitdProbe {
  const sections = splitSections(stdout);
  const script = (sections.get("script") ?? [])[0]?.trim();
  const statusRc = (sections.get("status-rc") ?? [])[0]?.trim();
  const nonEmpty = (lines: string[] | undefined): string[] => (lines ?? []).map((line) => line.trim()).filter((line) => line !== "");
  return {
    script: script === "executable" || script === "not-executable" ? script : "missing",
    statusOutput: (sections.get("status") ?? []).join("\n").trim(),
    statusCode: statusRc === undefined || statusRc === "" ? undefined : Number(statusRc),
    links: nonEmpty(sections.get("links")),
    tools: nonEmpty(sections.get("tools")),
  };
}

/** The command that turns boot-time start on or off; undefined when the host has neither tool */
export function enableArgv(name: string, enabled: boolean, tools: readonly string[], hasLinks: boolean): string[] | undefined {
  const updateRcd = tools.find((tool) => tool.endsWith("/update-rc.d"));
  if (updateRcd) {
    // `enable` only flips existing links; a script that never had any needs `defaults` to create them
    if (enabled && !hasLinks) return ["update-rc.d", name, "defaults"];
    return ["update-rc.d", name, enabled ? "enable" : "disable"];
  }
  if (tools.some((tool) => tool.endsWith("/chkconfig"))) return ["chkconfig", name, enabled ? "on" : "off"];
  return undefined;
}

export function initdServiceManager(run: RunArgv): ServiceManager {
  return {
    kind: "initd",
    async probe(name): Promise<ServiceStatus> {
      const result = await run(shellScript(PROBE_SCRIPT, [name]));
      const probe = parseInitdProbe(result.stdout);
      if (probe.script === "missing") {
        throw new ModuleFailure(
          `service ${name} has no init script: /etc/init.d/${name} does not exist, and this host does not run systemd. Install the package that provides ${name}, or check the name (ls /etc/init.d)`,
        );
      }
      if (probe.script === "not-executable") {
        throw new ModuleFailure(`/etc/init.d/${name} is not executable: it cannot be run as an init script`);
      }
      const status = lsbStatus(probe.statusCode ?? 4, probe.statusOutput);
      if (status === "unknown") {
        throw new ModuleFailure(
          `cannot tell whether ${name} is running: '/etc/init.d/${name} status' exited ${probe.statusCode ?? "?"} (LSB: 0 running, 1-3 stopped, 4 unknown)${probe.statusOutput ? `:\n${probe.statusOutput}` : ""}`,
          { rc: probe.statusCode, stdout: probe.statusOutput },
        );
      }
      const hasLinks = probe.links.length > 0;
      return {
        running: status === "running",
        enabled: enabledFromLinks(probe.links, name),
        needsDaemonReload: false,
        enableArgv: { on: enableArgv(name, true, probe.tools, hasLinks), off: enableArgv(name, false, probe.tools, hasLinks) },
      };
    },

    async act(name, action) {
      const want = action === "stop" ? "stopped" : "running";
      const result = await run(shellScript(ACT_SCRIPT, [name, action, want]));
      const sections = splitSections(result.stdout);
      const output = (sections.get("output") ?? []).join("\n").trim();
      const rc = Number((sections.get("rc") ?? [])[0]?.trim() ?? result.exitCode);
      const fields = { rc, stdout: output, stderr: result.stderr };
      if (result.exitCode !== 0 || rc !== 0) {
        throw commandFailure(`/etc/init.d/${name} ${action}`, { exitCode: rc || result.exitCode, stdout: output, stderr: result.stderr });
      }
      const statusRc = (sections.get("status-rc") ?? [])[0]?.trim();
      const settled = want === "running" ? statusRc === "0" : statusRc !== "0";
      if (!settled) {
        const status = (sections.get("status") ?? []).join("\n").trim();
        const log = (sections.get("log") ?? []).join("\n").trim();
        const details = [output && `output of ${action}:\n${output}`, status && `status:\n${status}`, log].filter((part) => part).join("\n");
        throw new ModuleFailure(`/etc/init.d/${name} ${action} exited 0, but ${name} is not ${want} (status exit code ${statusRc ?? "?"})${details ? `\n${details}` : ""}`, {
          ...fields,
          status: status,
        });
      }
      return fields;
    },

    async daemonReload() {
      return {};
    },

    async resetFailures() {},

    recoveryArgv(name, action) {
      return [`/etc/init.d/${name}`, action];
    },
  };
}
