/** A probed path as path-probe.ts reports an existing file, with the fields a test sets */
import type { ProbedPath } from "../../src/modules/host/path-probe.js";

export const probed = (fields: Partial<ProbedPath>): ProbedPath => ({
  path: "/etc/x",
  realPath: "/etc/x",
  exists: true,
  parentIsDirectory: true,
  runAs: "root",
  unknownOwner: false,
  unknownGroup: false,
  ...fields,
});
