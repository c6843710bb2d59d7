/**
 * Builds every host kind's caches, then starts ONE fleet of real sshd hosts for all e2e files and
 * tears it down afterwards, also when tests fail or vitest is interrupted. Fleet id:
 * TSIBLE_FLEET_ID (default 0).
 */
import { spawnSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { fleetScript, prepareKinds, startFleet } from "../fleet/fleet.js";
import { resultsFile } from "../faults/record.js";
import { writeReport } from "../faults/report.js";
import "../fleet/provided-context.js";

const hostCount = 3;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.getuid?.() !== 0) {
    throw new Error("e2e tests need root: they build network namespaces with real sshd hosts (run as root, or run only test/unit)");
  }
  const id = Number(process.env.TSIBLE_FLEET_ID ?? "0");
  let stopped = false;
  // the fault cases of this run only (test/faults/record.ts), for the report written at the end
  rmSync(resultsFile, { force: true });

  // Signal and exit handlers must be synchronous: nothing async runs after them. They take down
  // every fleet of the checkout: test files that started their own never reach their afterAll.
  const stopNow = (): void => {
    if (stopped) return;
    stopped = true;
    spawnSync(fleetScript, ["down", "--all"], { env: { ...process.env, TSIBLE_FLEET_ID: String(id) }, stdio: "inherit" });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    stopNow();
    process.off("exit", stopNow);
    // Let the signal do what it would have done without us (vitest's own handling, or exit).
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", stopNow);
  const removeHandlers = (): void => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", stopNow);
  };

  let fleet;
  try {
    // Every kind the e2e files boot, built before any test runs (not under them, which would slow
    // their timing on a small machine); the groups share no slow item, so they build side by side.
    await prepareKinds([["debian", "noinit"], ["systemd", "ubuntu", "centos", "amzn"], ["pi"]]);
    fleet = await startFleet({ count: hostCount, id });
  } catch (error) {
    removeHandlers();
    stopNow();
    throw error;
  }
  project.provide("fleetHostsJson", fleet.hostsJsonPath);
  // For child processes the tests start (e.g. the tsible CLI against the fleet inventory).
  process.env.TSIBLE_FLEET_HOSTS_JSON = fleet.hostsJsonPath;

  return async () => {
    removeHandlers();
    const report = writeReport(resultsFile, resolve(process.env.TSIBLE_FAULTS_REPORT ?? ".faults/report.md"));
    if (report) process.stdout.write(`fault suite report: ${report}\n`);
    if (stopped) return;
    stopped = true;
    await fleet.stop();
  };
}
