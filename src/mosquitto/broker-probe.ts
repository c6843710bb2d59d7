/**
 * Which mosquitto a host has, read in one round trip: `mosquitto -h` first,
 * then the dpkg or rpm package. The files the `mosquitto_broker` module
 * manages are probed by the modules' one path probe (modules/host/path-probe.ts)
 * side by side with this.
 */
import { splitSections } from "../modules/package-managers.js";
import { parseMosquittoHelp, parsePackageVersion } from "./version.js";

export interface InstalledMosquitto {
  /** "2.0.11", undefined when mosquitto is not installed */
  version: string | undefined;
  /** where the version was read from, for messages */
  versionSource: string | undefined;
}

/** The packages are asked only when `mosquitto -h` gives no version: each question is a process */
export const MOSQUITTO_VERSION_SCRIPT = `PATH=$PATH:/usr/sbin:/sbin:/usr/local/sbin
nl='
'
echo @@help
if command -v mosquitto >/dev/null 2>&1; then
  help=$(mosquitto -h </dev/null 2>&1)
  first=\${help%%"$nl"*}
  echo "$first"
  case $first in "mosquitto version "[0-9]*) exit 0;; esac
fi
echo @@dpkg
if command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f='\${Status}|\${Version}\\n' mosquitto 2>/dev/null; fi
echo @@rpm
if command -v rpm >/dev/null 2>&1; then rpm -q --qf '%{VERSION}\\n' mosquitto 2>/dev/null; fi
exit 0`;

export function parseInstalledMosquitto(stdout: string): InstalledMosquitto {
  const sections = splitSections(stdout);
  const lines = (name: string): string[] => (sections.get(name) ?? []).map((line) => line.trim()).filter((line) => line !== "");
  const fromHelp = parseMosquittoHelp(lines("help").join("\n"));
  if (fromHelp) return { version: fromHelp, versionSource: "mosquitto -h" };
  // "install ok installed|2.0.11-1.2+deb12u1"; a removed package leaves "deinstall ok config-files|..."
  const [status, dpkgVersion] = (lines("dpkg")[0] ?? "").split("|");
  if (status?.endsWith(" installed") && dpkgVersion) {
    const version = parsePackageVersion(dpkgVersion);
    if (version) return { version, versionSource: "dpkg" };
  }
  const rpm = lines("rpm")[0];
  const fromRpm = rpm === undefined ? undefined : parsePackageVersion(rpm);
  if (fromRpm) return { version: fromRpm, versionSource: "rpm" };
  return { version: undefined, versionSource: undefined };
}
