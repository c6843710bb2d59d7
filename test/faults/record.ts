/**
 * The fault suite's bookkeeping: how many cases to try (CI or the long mode), a seeded random
 * source so a failing case can be replayed, and one line per case tried in a results file that
 * test/faults/report.ts turns into the report (what was tried, how many times, what held).
 *
 *   TSIBLE_FAULTS=long       more cases (npm run faults)
 *   TSIBLE_FAULTS_SEED=n     replay a run's random choices
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

export const longMode = process.env.TSIBLE_FAULTS === "long";

/** cases for CI, or for the long mode's report */
export function cases(ci: number, long: number): number {
  return longMode ? long : ci;
}

export const resultsFile = resolve(process.env.TSIBLE_FAULTS_RESULTS ?? ".faults/results.jsonl");

export const seed = Number(process.env.TSIBLE_FAULTS_SEED ?? Date.now() % 1_000_000);

/** mulberry32: small, seeded, good enough to pick kill points and hosts */
export function random(streamSeed = seed): () => number {
  let state = streamSeed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CaseRecord {
  /** the promise's id, one heading of the report */
  promise: string;
  /** one line on what was done to the host or the input */
  case: string;
  held: boolean;
  /** what was seen, when it did not hold (or worth noting when it did) */
  detail?: string;
}

export function recordCase(record: CaseRecord): void {
  mkdirSync(dirname(resultsFile), { recursive: true });
  appendFileSync(resultsFile, `${JSON.stringify({ ...record, seed, mode: longMode ? "long" : "ci", at: new Date().toISOString() })}\n`);
}

/**
 * Runs one case: its checks are vitest expectations; the case is recorded as held when they
 * pass and as failed (with the assertion's message) when one throws, which then fails the test.
 */
export async function tryCase(promise: string, description: string, body: () => Promise<string | void>): Promise<void> {
  try {
    const note = await body();
    recordCase({ promise, case: description, held: true, ...(note ? { detail: note } : {}) });
  } catch (error) {
    recordCase({ promise, case: description, held: false, detail: error instanceof Error ? error.message.split("\n").slice(0, 6).join(" ") : String(error) });
    throw error;
  }
}
