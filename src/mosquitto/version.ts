/**
 * Which mosquitto a host runs, read from what the host says about it:
 * - `mosquitto -h` (exits 3, prints "mosquitto version 2.0.11" first; 1.4 adds
 *   " (build date ...)");
 * - `dpkg-query -W -f '${Version}' mosquitto`: "2.0.11-1.2+deb12u1",
 *   "2.0.11-1ubuntu1.1", "1:2.0.11-1" with an epoch;
 * - `rpm -q mosquitto` ("mosquitto-2.0.18-1.el9") or
 *   `rpm -q --qf '%{VERSION}' mosquitto` ("2.0.18").
 * Every reader returns the upstream "major.minor.patch" ("2.0.11"), or undefined
 * when the text does not name a version (package not installed, another program).
 */

const UPSTREAM = /^(\d+)\.(\d+)(?:\.(\d+))?/;

/** First line of `mosquitto -h` (or `mosquitto --version` in 2.0.22+) */
export function parseMosquittoHelp(output: string): string | undefined {
  const match = /^mosquitto version (\d+\.\d+(?:\.\d+)?)\b/m.exec(output);
  return match ? normalize(match[1] ?? "") : undefined;
}

/** A dpkg or rpm version string, with or without epoch, package name and release */
export function parsePackageVersion(text: string): string | undefined {
  let version = text.trim();
  if (version === "" || /\s/.test(version)) return undefined; // "package mosquitto is not installed"
  version = version.replace(/^mosquitto-(?=\d)/, ""); // rpm -q prints name-version-release
  version = version.replace(/^\d+:/, ""); // epoch
  return normalize(version);
}

/** The upstream version in any of the forms above */
export function parseMosquittoVersion(text: string): string | undefined {
  return parseMosquittoHelp(text) ?? parsePackageVersion(text);
}

/** [major, minor, patch] of "2.0.11" (a missing patch is 0), or undefined */
export function versionParts(version: string): [number, number, number] | undefined {
  const match = UPSTREAM.exec(version.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? "0")];
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b` */
export function compareVersions(a: string, b: string): number {
  const left = versionParts(a);
  const right = versionParts(b);
  if (!left || !right) throw new Error(`not a version: ${left ? b : a}`);
  for (let i = 0; i < 3; i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function normalize(text: string): string | undefined {
  const parts = versionParts(text);
  return parts ? parts.join(".") : undefined;
}
