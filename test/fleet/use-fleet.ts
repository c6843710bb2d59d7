/**
 * The fleet shared by every e2e test file, started once by test/e2e/global-setup.ts.
 *
 *   const fleet = useFleet();
 *   const { stdout } = await fleet.sshRun(fleet.host(0), "hostname");
 */
import { inject } from "vitest";
import { openFleet, type Fleet } from "./fleet.js";
import "./provided-context.js";

let shared: Fleet | undefined;

export function useFleet(): Fleet {
  shared ??= openFleet(inject("fleetHostsJson"));
  return shared;
}
