/**
 * The fault suite's report: for each promise, what was tried, how many times, and what held.
 * Written by the e2e global teardown after any run that tried fault cases (to
 * TSIBLE_FAULTS_REPORT, default .faults/report.md), and by `npm run faults` to bench/faults.md.
 *
 *   npx tsx test/faults/report.ts [RESULTS_JSONL] [REPORT_MD]
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** What tsible promises when things go wrong, in the order the report lists them */
export const PROMISES: Record<string, string> = {
  "host-dies":
    "A host that dies mid-run (every process killed at a random moment of playbooks/mosquitto.yml) is reported unreachable, the other hosts converge, the recap and --json are printed, the exit code is 3 (2 if a host also failed), and once the host is back a re-run converges it; no managed file on it is ever half-written.",
  "upload-cut":
    "An upload cut short (the connection drops while a file is sent) leaves the destination as it was: the old bytes or the new ones, never a part.",
  "connection-drop":
    "When the connection drops mid-deploy (while files are written, or as the broker restarts on a good or a broken new config), the broker is left running on its old files or its new ones, never down and never on a mix: the host's rollback watchdog puts the previous files back and restarts it when tsible cannot confirm the deploy; the next run converges.",
  "disk-full":
    "A write to a full disk fails with a message naming the file and the host; the previous file is intact, the broker untouched, and the next run (the disk freed) converges.",
  "broker-data":
    "Retained messages and the messages queued for an offline client's persistent session survive redeploys that restart the broker (a config change) or reload it (a password change).",
  "config-line":
    "A value that a mosquitto config line cannot carry (a line break, NUL, a control character; a ':' in a user name) is refused before anything is written, and the broker keeps running as it was.",
  injection:
    "Generated strings (shell syntax, quotes, line breaks, unicode, leading dashes, long runs) in command arguments, script parameters, file names and contents, module arguments and inventory edits arrive exactly as written, and no other command runs (a canary file every payload tries to create never appears); a value that cannot be carried is refused before anything runs.",
  secrets:
    "Passwords (a sudo password, broker users', a bridge's; one a prefix of another, one full of regex metacharacters) appear in no output mode, failure message or file tsible or smcrelease writes on the controller.",
  "smcrelease-interrupted":
    "smcrelease interrupted: SIGTERM gives every lock back; after SIGKILL the next release takes the locks over only because their holder is provably gone (a dead pid on this controller), or past the lock timeout for another controller's, which a refusal shows; a release is never recorded on a host whose apply failed.",
  "refused-access":
    "A wrong or missing sudo password, a user without sudo, and a host whose host keys were regenerated are refused with a message that says what to do, and nothing on the host changes.",
  "malformed-input":
    "A broken playbook, inventory, vars file, template or -e value ends with exit 4 or 5 and one message naming the file and line, without a stack trace, without hanging, and without touching a host.",
};

interface Result {
  promise: string;
  case: string;
  held: boolean;
  detail?: string;
  seed: number;
  mode: string;
  at: string;
}

export function renderReport(results: Result[]): string {
  const modes = [...new Set(results.map((result) => result.mode))].join(", ");
  const seeds = [...new Set(results.map((result) => result.seed))].join(", ");
  const lines = [
    "# Fault and hostile-input report",
    "",
    `Written by the fault suite (test/faults/), mode ${modes || "none"}, seed ${seeds || "-"} ` +
      `(replay with TSIBLE_FAULTS_SEED), ${results[0]?.at.slice(0, 10) ?? ""}, on ${cpus().length} CPUs ` +
      `(${cpus()[0]?.model.trim() ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(1)} GB; real hosts of test/fleet.`,
    "",
    "| promise | cases tried | held | failed |",
    "| --- | ---: | ---: | ---: |",
  ];
  const byPromise = new Map<string, Result[]>();
  for (const result of results) byPromise.set(result.promise, [...(byPromise.get(result.promise) ?? []), result]);
  const order = [...Object.keys(PROMISES), ...[...byPromise.keys()].filter((id) => !(id in PROMISES))];
  for (const id of order) {
    const tried = byPromise.get(id) ?? [];
    if (tried.length === 0) continue;
    const held = tried.filter((result) => result.held).length;
    lines.push(`| [${id}](#${id}) | ${tried.length} | ${held} | ${tried.length - held} |`);
  }
  for (const id of order) {
    const tried = byPromise.get(id) ?? [];
    if (tried.length === 0) continue;
    lines.push("", `## ${id}`, "", PROMISES[id] ?? "", "");
    const byCase = new Map<string, Result[]>();
    for (const result of tried) byCase.set(result.case, [...(byCase.get(result.case) ?? []), result]);
    for (const [description, runs] of byCase) {
      const failed = runs.filter((run) => !run.held);
      const times = runs.length === 1 ? "" : ` (x${runs.length})`;
      lines.push(`- ${failed.length === 0 ? "held" : `FAILED ${failed.length}`}: ${description}${times}`);
      for (const failure of failed) lines.push(`  - ${failure.detail ?? "no detail"}`);
      const notes = [...new Set(runs.filter((run) => run.held && run.detail).map((run) => run.detail))];
      for (const note of notes.slice(0, 3)) lines.push(`  - ${note}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function readResults(file: string): Result[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Result);
}

/** Writes the report when the results file holds any case; returns where it went */
export function writeReport(resultsFile: string, reportFile: string): string | undefined {
  const results = readResults(resultsFile);
  if (results.length === 0) return undefined;
  writeFileSync(reportFile, renderReport(results));
  return reportFile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [resultsFile = ".faults/results.jsonl", reportFile = ".faults/report.md"] = process.argv.slice(2);
  const written = writeReport(resolve(resultsFile), resolve(reportFile));
  console.log(written ? `wrote ${written}` : `no fault cases in ${resultsFile}`);
}
