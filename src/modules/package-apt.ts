/**
 * apt: probed with dpkg-query (what is installed) and apt-cache policy (what
 * the repositories offer), both in one round trip; changed with apt-get.
 * Proven on the Debian test fleet against a local apt repository.
 */
import { shellScript } from "../connection/quote.js";
import { ModuleFailure } from "./types.js";
import { splitSections, type PackageCommand, type PackageManager, type PackageStatus, type ProbeRequest, type ProbeResult } from "./package-managers.js";

/** apt-get must never stop to ask, and must keep the admin's changed config files */
const APT_ENV = { DEBIAN_FRONTEND: "noninteractive" };
const APT_GET = ["apt-get", "-y", "-q", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"];

/**
 * $1 is "1" when the cache age is wanted; $2 says which names apt-cache policy
 * is asked about: "all", "missing" (those dpkg does not list as installed) or
 * "none"; the rest are package names. apt-cache loads the whole package
 * cache, the dearest thing a no-op run does on a host: asked only when its
 * answer matters. The dpkg-query format is a literal here (single quotes);
 * names only arrive as positional parameters. Unknown names make dpkg-query
 * exit 1: tolerated.
 */
const PROBE_SCRIPT = `want_age=$1 policy=$2; shift 2
nl='
'
if [ $# -gt 0 ]; then
  echo @@dpkg
  dpkg=$(dpkg-query -W -f='\${Package}\\t\${Status}\\t\${Version}\\n' "$@" 2>/dev/null)
  printf '%s\\n' "$dpkg"
  tab='\t'
  case $policy in
    none) set --;;
    missing) for name do shift; case "$nl$dpkg" in *"$nl$name\${tab}install ok installed$tab"*) ;; *) set -- "$@" "$name";; esac; done;;
  esac
  echo @@policy
  policy_rc=0
  if [ $# -gt 0 ]; then LC_ALL=C apt-cache policy "$@"; policy_rc=$?; fi
  echo @@policy-rc
  echo "$policy_rc"
fi
if [ "$want_age" = 1 ]; then
  echo @@cache
  stamp=/var/lib/apt/periodic/update-success-stamp
  if [ -e "$stamp" ]; then stat -c %Y "$stamp"
  elif [ -d /var/lib/apt/lists ]; then stat -c %Y /var/lib/apt/lists
  else echo 0; fi
  date +%s
fi`;

/** dpkg status words that mean "the package is on the system and usable" */
const INSTALLED_STATES = new Set(["installed", "triggers-awaited", "triggers-pending"]);

export interface DpkgEntry {
  name: string;
  installed: boolean;
  configFilesOnly: boolean;
  version: string;
}

/** Parse `dpkg-query -W -f='${Package}\t${Status}\t${Version}\n'` output */
export function parseDpkgQuery(output: string): Map<string, DpkgEntry> {
  const entries = new Map<string, DpkgEntry>();
  for (const line of output.split("\n")) {
    const [name, status, version] = line.split("\t");
    if (!name || status === undefined) continue;
    const state = status.trim().split(/\s+/)[2] ?? "";
    const entry: DpkgEntry = {
      name,
      installed: INSTALLED_STATES.has(state),
      configFilesOnly: state === "config-files",
      version: (version ?? "").trim(),
    };
    // a multi-arch package has a line per architecture: the installed one wins
    const known = entries.get(name);
    if (!known || (!known.installed && entry.installed)) entries.set(name, entry);
  }
  return entries;
}

export interface AptPolicy {
  name: string;
  installed?: string | undefined;
  candidate?: string | undefined;
  versions: string[];
}

/** Parse `apt-cache policy NAME...`: one block per known package; unknown names print nothing */
export function parseAptPolicy(output: string): Map<string, AptPolicy> {
  const policies = new Map<string, AptPolicy>();
  let current: AptPolicy | undefined;
  let inTable = false;
  for (const line of output.split("\n")) {
    const header = /^(\S+):$/.exec(line);
    if (header?.[1] !== undefined) {
      current = { name: header[1], versions: [] };
      policies.set(current.name, current);
      inTable = false;
      continue;
    }
    if (!current) continue;
    const field = /^\s+(Installed|Candidate):\s*(\S+)\s*$/.exec(line);
    if (field?.[1] !== undefined && field[2] !== undefined) {
      const value = field[2] === "(none)" ? undefined : field[2];
      if (field[1] === "Installed") current.installed = value;
      else current.candidate = value;
      continue;
    }
    if (/^\s+Version table:\s*$/.test(line)) {
      inTable = true;
      continue;
    }
    // a version line is "     VERSION PRIORITY" (" *** " marks the installed one); source lines end in a path or "Packages"
    const version = inTable ? /^\s+(?:\*\*\*\s+)?(\S+)\s+(-?\d+)\s*$/.exec(line) : null;
    if (version?.[1] !== undefined) current.versions.push(version[1]);
  }
  return policies;
}

/** Seconds since the package lists were refreshed, from the probe's "mtime\nnow" lines */
export function parseCacheAge(lines: readonly string[]): number | undefined {
  const [mtime, now] = lines.map((line) => line.trim()).filter((line) => line !== "");
  if (mtime === undefined || now === undefined || !/^\d+$/.test(mtime) || !/^\d+$/.test(now)) return undefined;
  return Math.max(0, Number(now) - Number(mtime));
}

/** Combine dpkg's view (installed?) with apt's (what can be installed) per requested name */
export function aptStatuses(names: readonly string[], dpkg: Map<string, DpkgEntry>, policy: Map<string, AptPolicy>): Map<string, PackageStatus> {
  const statuses = new Map<string, PackageStatus>();
  for (const name of names) {
    const entry = dpkg.get(name);
    const offered = policy.get(name);
    statuses.set(name, {
      name,
      installed: entry?.installed ? entry.version : undefined,
      candidate: offered?.candidate,
      versions: offered?.versions ?? [],
      configFilesOnly: entry?.configFilesOnly ?? false,
    });
  }
  return statuses;
}

/**
 * Which names need apt-cache's answer (candidate and offered versions): every
 * name for `latest` or a version pin, none for `absent`, else only the names
 * that are not installed.
 */
function policyScope(request: ProbeRequest): "all" | "missing" | "none" {
  if (request.state === "latest" || request.pinned) return "all";
  return request.state === "absent" ? "none" : "missing";
}

function aptGet(args: readonly string[]): PackageCommand {
  return { argv: [...APT_GET, ...args], env: APT_ENV };
}

export const apt: PackageManager = {
  name: "apt",

  async probe(run, request): Promise<ProbeResult> {
    const result = await run({ argv: shellScript(PROBE_SCRIPT, [request.wantCacheAge ? "1" : "0", policyScope(request), ...request.names]) });
    const sections = splitSections(result.stdout);
    const policyRc = (sections.get("policy-rc") ?? [])[0]?.trim();
    if (request.names.length > 0 && policyRc !== "0") {
      throw new ModuleFailure(`apt-cache policy failed: ${result.stderr.trim() || "no output"}`, {
        rc: Number(policyRc ?? result.exitCode),
        stdout: result.stdout,
        stderr: result.stderr,
      });
    }
    const dpkg = parseDpkgQuery((sections.get("dpkg") ?? []).join("\n"));
    const policy = parseAptPolicy((sections.get("policy") ?? []).join("\n"));
    const cacheLines = sections.get("cache");
    return {
      packages: aptStatuses(request.names, dpkg, policy),
      cacheAgeSeconds: cacheLines ? parseCacheAge(cacheLines) : undefined,
    };
  },

  install: (specs) => aptGet(["install", ...specs]),
  // `install` of an installed package moves it to the candidate; --only-upgrade never installs something new
  upgrade: (names) => aptGet(["install", "--only-upgrade", ...names]),
  remove: (names, purge) => aptGet([purge ? "purge" : "remove", ...names]),
  // the stamp is what later runs read for cache_valid_time: apt-get update alone may leave the lists' mtime unchanged
  updateCache: () => [
    aptGet(["update"]),
    { argv: shellScript("mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/update-success-stamp") },
  ],
};
