/**
 * What the `mosquitto_broker` module reads from a host before planning, in one
 * round trip: the installed mosquitto's version, and for each managed file its
 * type, owner, group, mode and sha256 (the password file also its content,
 * which verifying the existing hashes needs). Owners and groups the task names
 * are looked up, so a missing user fails in check mode too.
 */
import { shellScript } from "../connection/quote.js";
import { splitSections } from "../modules/package-managers.js";
import { normalizeMode } from "../modules/remote-file.js";
import { parseMosquittoHelp, parsePackageVersion } from "./version.js";

export interface ProbeTarget {
  path: string;
  owner?: string | undefined;
  group?: string | undefined;
  /** also return the content (the password file) */
  read: boolean;
}

export interface ProbedFile {
  /** as given in the task */
  path: string;
  /** the file a symlink points to (what writeFile replaces), else `path` */
  realPath: string;
  kind: "absent" | "file" | "other";
  uid?: number | undefined;
  gid?: number | undefined;
  owner?: string | undefined;
  group?: string | undefined;
  /** "0640" */
  mode?: string | undefined;
  sha256?: string | undefined;
  /** only when asked (ProbeTarget.read) and the file exists */
  content?: Buffer | undefined;
  parentIsDirectory: boolean;
  unknownOwner: boolean;
  unknownGroup: boolean;
}

export interface BrokerProbe {
  /** "2.0.11", undefined when mosquitto is not installed */
  version: string | undefined;
  /** where the version was read from, for messages */
  versionSource: string | undefined;
  /** the user commands run as (after become) */
  runAs: string;
  files: ProbedFile[];
}

/*
 * $1.. groups of four: path, owner, group, "read" or "". Every file's section
 * is "@@file-N" (N counts from 0); content is base64 on one line, so no byte
 * of it can look like a section marker.
 */
export const BROKER_PROBE_SCRIPT = `PATH=$PATH:/usr/sbin:/sbin:/usr/local/sbin
echo @@help
if command -v mosquitto >/dev/null 2>&1; then mosquitto -h </dev/null 2>&1 | head -n 1; fi
echo @@dpkg
if command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f='\${Status}|\${Version}\\n' mosquitto 2>/dev/null; fi
echo @@rpm
if command -v rpm >/dev/null 2>&1; then rpm -q --qf '%{VERSION}\\n' mosquitto 2>/dev/null; fi
echo @@runas
id -un
i=0
while [ "$#" -ge 4 ]; do
  p=$1 owner=$2 group=$3 read=$4
  shift 4
  echo "@@file-$i"
  i=$((i + 1))
  case $owner in ''|*[!0-9]*) if [ -n "$owner" ] && ! getent passwd "$owner" >/dev/null; then echo nouser; fi;; esac
  case $group in ''|*[!0-9]*) if [ -n "$group" ] && ! getent group "$group" >/dev/null; then echo nogroup; fi;; esac
  if [ -L "$p" ]; then p=$(readlink -f -- "$p") || { echo other; continue; }; printf 'real=%s\\n' "$p"; fi
  if [ -d "$(dirname -- "$p")" ]; then echo parent=dir; fi
  if [ ! -e "$p" ]; then echo absent; continue; fi
  if [ ! -f "$p" ]; then echo other; continue; fi
  stat -c 'stat=%u|%g|%U|%G|%a' -- "$p" || exit 1
  sum=$(sha256sum < "$p") || exit 1
  echo "sha256=\${sum%% *}"
  if [ "$read" = read ]; then printf content=; base64 -w 0 < "$p" || exit 1; echo; fi
done`;

export function brokerProbeArgv(targets: readonly ProbeTarget[]): string[] {
  return shellScript(
    BROKER_PROBE_SCRIPT,
    targets.flatMap((target) => [target.path, target.owner ?? "", target.group ?? "", target.read ? "read" : ""]),
  );
}

export function parseBrokerProbe(stdout: string, targets: readonly ProbeTarget[]): BrokerProbe {
  const sections = splitSections(stdout);
  const lines = (name: string): string[] => (sections.get(name) ?? []).map((line) => line.trim()).filter((line) => line !== "");
  const { version, source } = readVersion(lines("help"), lines("dpkg"), lines("rpm"));
  return {
    version,
    versionSource: source,
    runAs: lines("runas")[0] ?? "",
    files: targets.map((target, index) => parseFile(target.path, sections.get(`file-${index}`) ?? [])),
  };
}

function readVersion(help: string[], dpkg: string[], rpm: string[]): { version: string | undefined; source: string | undefined } {
  const fromHelp = parseMosquittoHelp(help.join("\n"));
  if (fromHelp) return { version: fromHelp, source: "mosquitto -h" };
  // "install ok installed|2.0.11-1.2+deb12u1"; a removed package leaves "deinstall ok config-files|..."
  const [status, dpkgVersion] = (dpkg[0] ?? "").split("|");
  if (status?.endsWith(" installed") && dpkgVersion) {
    const version = parsePackageVersion(dpkgVersion);
    if (version) return { version, source: "dpkg" };
  }
  const fromRpm = rpm[0] === undefined ? undefined : parsePackageVersion(rpm[0]);
  if (fromRpm) return { version: fromRpm, source: "rpm" };
  return { version: undefined, source: undefined };
}

function parseFile(path: string, lines: string[]): ProbedFile {
  const file: ProbedFile = { path, realPath: path, kind: "file", parentIsDirectory: false, unknownOwner: false, unknownGroup: false };
  for (const line of lines) {
    if (line === "nouser") file.unknownOwner = true;
    else if (line === "nogroup") file.unknownGroup = true;
    else if (line.startsWith("real=")) file.realPath = line.slice(5).trimEnd();
    else if (line === "parent=dir") file.parentIsDirectory = true;
    else if (line === "absent") file.kind = "absent";
    else if (line === "other") file.kind = "other";
    else if (line.startsWith("sha256=")) file.sha256 = line.slice(7).trim();
    else if (line.startsWith("content=")) file.content = Buffer.from(line.slice(8).trim(), "base64");
    else if (line.startsWith("stat=")) {
      const [uid, gid, owner, group, mode = "0"] = line.slice(5).split("|");
      file.uid = Number(uid);
      file.gid = Number(gid);
      file.owner = owner;
      file.group = group;
      file.mode = normalizeMode(mode.trim());
    }
  }
  return file;
}
