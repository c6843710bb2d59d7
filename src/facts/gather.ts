/**
 * Facts in one round trip: one constant, read-only script prints everything in
 * marked sections, and a pure parser turns that text into Facts.
 */
import { shellScript } from "../connection/quote.js";
import { TsibleError } from "../errors.js";
import type { Connection } from "../connection/types.js";
import { distributionFromOsRelease, parseOsRelease } from "./os-release.js";
import type { Facts } from "./types.js";

export { factsToVars } from "./vars.js";

const SECTION = "@@tsible-facts@@";

/**
 * Each section starts with a marker line; commands that are missing print
 * nothing. Two processes in all (uname, id): on a small host each costs more
 * than the rest of the script, so files are read by the shell itself.
 */
export const FACTS_SCRIPT = `LC_ALL=C; export LC_ALL
m=${SECTION}
echo "$m os-release"
for f in /etc/os-release /usr/lib/os-release; do
  if [ -r "$f" ]; then
    while IFS= read -r line || [ -n "$line" ]; do printf '%s\\n' "$line"; done < "$f"
    break
  fi
done
set -- $(uname -n -r -m)
echo "$m arch"; echo "$3"
echo "$m kernel"; echo "$2"
echo "$m hostname"; echo "$1"
echo "$m user"; id -un
echo "$m pkg"; for c in apt-get dnf yum; do command -v "$c" >/dev/null 2>&1 && echo "$c"; done
echo "$m systemd"; [ -d /run/systemd/system ] && echo yes
echo "$m pid1"; if read -r comm < /proc/1/comm; then echo "$comm"; fi 2>/dev/null
echo "$m initd"; [ -d /etc/init.d ] && echo yes
echo "$m python"; command -v python3 2>/dev/null || command -v python 2>/dev/null
echo "$m end"
exit 0
`;

export function splitSections(output: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  for (const line of output.split("\n")) {
    if (line.startsWith(`${SECTION} `)) {
      if (current !== undefined) sections.set(current, lines.join("\n").trim());
      current = line.slice(SECTION.length + 1).trim();
      lines = [];
    } else if (current !== undefined) {
      lines.push(line);
    }
  }
  if (current !== undefined) sections.set(current, lines.join("\n").trim());
  return sections;
}

function packageManager(available: string[], family: Facts["os_family"]): Facts["pkg_mgr"] {
  if (family === "Debian" && available.includes("apt-get")) return "apt";
  // dnf replaced yum (Amazon Linux 2023, RHEL 8+), where yum is often a link to dnf
  if (available.includes("dnf")) return "dnf";
  if (available.includes("yum")) return "yum";
  if (available.includes("apt-get")) return "apt";
  return "unknown";
}

function serviceManager(systemdRunning: boolean, pid1: string): Facts["service_mgr"] {
  if (systemdRunning) return "systemd";
  if (pid1 === "init") return "sysvinit";
  // a container without an init: services run through their /etc/init.d scripts
  return "none";
}

/** Pure: the facts script's output -> Facts */
export function parseFactsOutput(output: string): Facts {
  const sections = splitSections(output);
  if (!sections.has("end")) throw new Error("fact gathering output is incomplete (no end marker)");
  const get = (name: string): string => sections.get(name) ?? "";
  const distribution = distributionFromOsRelease(parseOsRelease(get("os-release")));
  const pkgAvailable = get("pkg").split("\n").filter((line) => line !== "");
  const python = get("python");
  return {
    ...distribution,
    architecture: get("arch"),
    kernel: get("kernel"),
    // Ansible's ansible_hostname is the short name
    hostname: get("hostname").split(".")[0] ?? "",
    user_id: get("user"),
    pkg_mgr: packageManager(pkgAvailable, distribution.os_family),
    service_mgr: serviceManager(get("systemd") === "yes", get("pid1")),
    has_init_d: get("initd") === "yes",
    python: python === "" ? undefined : python,
  };
}

/** The host answered, but not with facts (no shell, a broken /bin/sh): the task that needed them fails */
export class FactGatheringError extends TsibleError {
  constructor(
    readonly hostName: string,
    message: string,
  ) {
    super(`${hostName}: ${message}`, { kind: "failed" });
    this.name = "FactGatheringError";
  }
}

export async function gatherFacts(conn: Connection): Promise<Facts> {
  const result = await conn.run(shellScript(FACTS_SCRIPT));
  if (result.exitCode !== 0) {
    throw new FactGatheringError(conn.hostName, `fact gathering failed (exit ${result.exitCode}): ${result.stderr.trim() || "no message"}`);
  }
  try {
    return parseFactsOutput(result.stdout);
  } catch (error) {
    throw new FactGatheringError(conn.hostName, (error as Error).message);
  }
}
