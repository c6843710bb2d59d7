/**
 * dnf and yum (CentOS, RHEL, Amazon Linux): probed with `rpm -q` (what is
 * installed) and, only when needed, `dnf list --available` / `yum list
 * available` (which lists packages that are not installed, and for installed
 * ones only newer versions), in one round trip.
 *
 * Run for real (dnf 4, and yum as the same program) against a local rpm
 * repository on the test fleet's centos and amzn hosts:
 * test/e2e/modules-systemd-rpm.test.ts. The parsers are also unit-tested on
 * output in the formats public bug reports show (test/unit/modules/package-rpm.test.ts).
 */
import { shellScript } from "../connection/quote.js";
import { ModuleFailure } from "./types.js";
import { splitSections, type PackageCommand, type PackageManager, type PackageStatus, type ProbeResult } from "./package-managers.js";

/**
 * $1 is the manager ("dnf" or "yum"), $2 the mode: "latest" always lists the
 * repositories' offer, "present" only when a package is missing (so an
 * all-installed run never loads repository metadata), "absent" never.
 */
export const RPM_PROBE_SCRIPT = `mgr=$1; mode=$2; shift 2
echo @@rpm
rpm -q --qf '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n' "$@"
list=0
if [ "$mode" = latest ]; then list=1
elif [ "$mode" = present ]; then
  for name in "$@"; do rpm -q "$name" >/dev/null 2>&1 || list=1; done
fi
if [ "$list" = 1 ]; then
  echo @@available
  if [ "$mgr" = dnf ]; then dnf -q list --available "$@" 2>&1; else yum -q list available "$@" 2>&1; fi
  list_rc=$?
  echo @@available-rc
  echo "$list_rc"
fi`;

/** Parse `rpm -q --qf '%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\n'`; "package X is not installed" lines are skipped */
export function parseRpmQuery(output: string): Map<string, string> {
  const installed = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [name, evr] = line.split("\t");
    if (!name || evr === undefined) continue;
    // rpm prints "(none)" for a package without an epoch; dnf and yum print no epoch then either
    const version = evr.replace(/^\(none\):/, "").replace(/^0:/, "");
    installed.set(name, version);
  }
  return installed;
}

const ARCHES = "x86_64|noarch|i686|i586|i386|aarch64|armv7hl|armhfp|ppc64le|ppc64|s390x|src";
const NAME_ARCH = new RegExp(`^(\\S+)\\.(${ARCHES})$`);
/** [epoch:]version-release */
const EVR = /^(\d+:)?[^\s:-]+-\S+$/;

export interface AvailablePackage {
  name: string;
  arch: string;
  version: string;
  repo: string;
}

/**
 * Parse the package lines of `dnf list` / `yum list`: "name.arch  version  repo".
 * yum wraps a long name or version onto the next line(s), indented; headers
 * ("Available Packages", "Last metadata expiration check", plugin lines) are
 * skipped because a record must start with name.arch followed by a version.
 */
export function parseRpmList(output: string): AvailablePackage[] {
  const packages: AvailablePackage[] = [];
  let pending: string[] = [];
  const flush = (): void => {
    const [nameArch, version, repo] = pending;
    pending = [];
    const split = nameArch === undefined ? null : NAME_ARCH.exec(nameArch);
    if (!split?.[1] || !split[2] || version === undefined || repo === undefined || !EVR.test(version)) return;
    packages.push({ name: split[1], arch: split[2], version, repo });
  };
  for (const line of output.split("\n")) {
    const tokens = line.trim().split(/\s+/).filter((token) => token !== "");
    if (tokens.length === 0) continue;
    const continues = /^\s/.test(line) && pending.length > 0 && pending.length < 3;
    if (continues) {
      pending.push(...tokens);
      if (pending.length >= 3) flush();
      continue;
    }
    if (pending.length > 0) flush();
    if (tokens[0] !== undefined && NAME_ARCH.test(tokens[0])) {
      pending = tokens;
      if (pending.length >= 3) flush();
    }
  }
  if (pending.length > 0) flush();
  return packages;
}

/** dnf and yum both say this (and exit 1) when none of the names is available */
const NOTHING_TO_LIST = /No matching Packages to list/i;

function rpmProbe(manager: "dnf" | "yum"): PackageManager["probe"] {
  return async (run, request): Promise<ProbeResult> => {
    const packages = new Map<string, PackageStatus>();
    if (request.names.length === 0) return { packages };
    const mode = request.state;
    const result = await run({ argv: shellScript(RPM_PROBE_SCRIPT, [manager, mode, ...request.names]) });
    const sections = splitSections(result.stdout);
    const installed = parseRpmQuery((sections.get("rpm") ?? []).join("\n"));
    const listing = (sections.get("available") ?? []).join("\n");
    const listRc = (sections.get("available-rc") ?? [])[0]?.trim();
    if (listRc !== undefined && listRc !== "0" && !NOTHING_TO_LIST.test(listing)) {
      throw new ModuleFailure(`${manager} could not list available packages: ${listing.trim() || result.stderr.trim()}`, {
        rc: Number(listRc),
        stdout: listing,
        stderr: result.stderr,
      });
    }
    const available = parseRpmList(listing);
    for (const name of request.names) {
      // several arches may be listed (x86_64 and i686): the first is the native one in dnf's and yum's order
      const offered = available.find((pkg) => pkg.name === name);
      packages.set(name, { name, installed: installed.get(name), candidate: offered?.version, versions: offered ? [offered.version] : [] });
    }
    return { packages };
  };
}

/** dnf and yum (on RHEL 8+ the same program) take the same command lines but for these */
function rpmManager(name: "dnf" | "yum", upgradeVerb: string, updateCache: () => PackageCommand[]): PackageManager {
  return {
    name,
    probe: rpmProbe(name),
    install: (specs) => ({ argv: [name, "install", "-y", ...specs] }),
    upgrade: (names) => ({ argv: [name, upgradeVerb, "-y", ...names] }),
    remove: (names) => ({ argv: [name, "remove", "-y", ...names] }),
    updateCache,
  };
}

export const dnf = rpmManager("dnf", "upgrade", () => [{ argv: ["dnf", "makecache", "--refresh"] }]);

// makecache alone keeps metadata that has not expired: expire it first so the refresh is real
export const yum = rpmManager("yum", "update", () => [{ argv: ["yum", "clean", "expire-cache"] }, { argv: ["yum", "makecache"] }]);
