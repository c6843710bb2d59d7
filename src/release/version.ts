/** Release versions are semantic versions: x.y.z with an optional -prerelease and +build */
import { ReleaseError, ReleaseExit } from "./exit-codes.js";

// semver.org's grammar: no leading zeros in numeric parts, dot-separated identifiers
const NUMBER = "(0|[1-9]\\d*)";
const PRE_ID = "(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)";
const BUILD_ID = "[0-9A-Za-z-]+";
const SEMVER = new RegExp(`^${NUMBER}\\.${NUMBER}\\.${NUMBER}(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+(${BUILD_ID}(?:\\.${BUILD_ID})*))?$`);

export function isSemver(version: string): boolean {
  return SEMVER.test(version);
}

/** The version unchanged when it is semver; else a bad-input error saying what is expected */
export function checkVersion(version: string): string {
  if (isSemver(version)) return version;
  const hint = /^v\d/.test(version)
    ? `drop the leading 'v': ${version.slice(1)}`
    : "write major.minor.patch, e.g. 1.1.0, 2.0.0-rc.1 or 1.1.0+build.7 (no leading zeros)";
  throw new ReleaseError(`release version ${JSON.stringify(version)} is not a semantic version`, ReleaseExit.badInput, { hint });
}
