import { describe, expect, it } from "vitest";
import { ReleaseError } from "../../../src/release/exit-codes.js";
import { checkVersion, isSemver } from "../../../src/release/version.js";

describe("release versions", () => {
  it("accepts semantic versions with pre-release and build parts", () => {
    for (const version of ["1.0.0", "0.0.1", "1.1.0", "10.20.30", "2.0.0-rc.1", "1.0.0-alpha", "1.0.0-0.3.7", "1.1.0+build.7", "1.0.0-beta+exp.sha.5114f85"]) {
      expect(isSemver(version), version).toBe(true);
      expect(checkVersion(version)).toBe(version);
    }
  });

  it("refuses anything else with exit 4 and says what to write", () => {
    for (const version of ["1", "1.1", "1.1.0.0", "01.1.0", "1.01.0", "1.1.0-", "1.1.0-01", "1.1.0+", "latest", "", " 1.1.0", "1.1.0 "]) {
      expect(isSemver(version), version).toBe(false);
      let error: unknown;
      try {
        checkVersion(version);
      } catch (caught) {
        error = caught;
      }
      expect(error, version).toBeInstanceOf(ReleaseError);
      expect((error as ReleaseError).exitCode).toBe(4);
      expect((error as ReleaseError).format()).toMatch(/not a semantic version[\s\S]*hint: write major\.minor\.patch/);
    }
  });

  it("tells a user who wrote v1.2.3 to drop the v", () => {
    expect(() => checkVersion("v1.2.3")).toThrow(ReleaseError);
    try {
      checkVersion("v1.2.3");
    } catch (error) {
      expect((error as ReleaseError).hint).toBe("drop the leading 'v': 1.2.3");
    }
  });
});
