/**
 * For the benchmark (bench/run.ts): with TSIBLE_RESOURCE_REPORT=FILE, a command writes to FILE, as
 * it ends, what it still holds: open file descriptors (at its start and at its end), the event
 * loop's live resources by kind (a socket or channel left open shows here) and its peak RSS. A
 * run that closed everything it opened ends with the descriptors it started with and no sockets.
 */
import { readdirSync, writeFileSync } from "node:fs";

export interface ResourceReport {
  fdsAtStart: number;
  fdsAtEnd: number;
  /** process.getActiveResourcesInfo(), counted by kind ("TCPSocketWrap", "Timeout", ...) */
  liveResources: Record<string, number>;
  peakRssKb: number;
}

function openDescriptors(): number {
  try {
    // readdir's own descriptor is open while it reads
    return readdirSync("/proc/self/fd").length - 1;
  } catch {
    return -1;
  }
}

/** Starts counting; the returned function writes the report (when asked for) */
export function resourceReporter(file = process.env["TSIBLE_RESOURCE_REPORT"]): () => void {
  if (file === undefined || file === "") return () => undefined;
  const fdsAtStart = openDescriptors();
  return () => {
    const liveResources: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) liveResources[kind] = (liveResources[kind] ?? 0) + 1;
    const report: ResourceReport = { fdsAtStart, fdsAtEnd: openDescriptors(), liveResources, peakRssKb: process.resourceUsage().maxRSS };
    writeFileSync(file, `${JSON.stringify(report)}\n`);
  };
}
