/**
 * Runs one timed command the way the benchmark counts it: wall time from spawn to exit, the
 * largest single process's peak RSS (GNU time -v, "Maximum resident set size", which is the
 * biggest of the process and the children it reaped), and the peak of the whole process tree's
 * proportional set size (PSS, sampled from /proc every 100 ms), which counts Ansible's forked
 * workers without counting their shared copy-on-write pages once per worker.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface TimedRun {
  wallMs: number;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** GNU time's "Maximum resident set size" of the command (largest single process), KiB */
  maxRssKb: number;
  /** peak of the summed PSS of the command's whole process tree, KiB (sampled) */
  treePeakPssKb: number;
}

export interface TimedOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** the full output is kept here for inspection */
  logFile?: string;
  input?: string;
}

const SAMPLE_MS = 100;

export async function runTimed(command: string, args: string[], options: TimedOptions = {}): Promise<TimedRun> {
  const scratch = mkdtempSync(path.join(tmpdir(), "tsible-bench-time-"));
  const timeFile = path.join(scratch, "time.txt");
  const started = performance.now();
  const child = spawn("/usr/bin/time", ["-v", "-o", timeFile, command, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  let treePeakPssKb = 0;
  const sampler = setInterval(() => {
    if (child.pid !== undefined) treePeakPssKb = Math.max(treePeakPssKb, treePssKb(child.pid));
  }, SAMPLE_MS);
  const exitCode = await new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  const timeText = readFileSync(timeFile, "utf8");
  rmSync(scratch, { recursive: true, force: true });
  const maxRss = /Maximum resident set size \(kbytes\): (\d+)/.exec(timeText);
  if (options.logFile) {
    writeFileSync(options.logFile, `$ ${command} ${args.join(" ")}\n# exit ${exitCode}, ${wallMs.toFixed(0)} ms\n${stdout}\n--- stderr\n${stderr}\n--- time -v\n${timeText}`);
  }
  return { wallMs, exitCode, stdout, stderr, maxRssKb: Number(maxRss?.[1] ?? 0), treePeakPssKb };
}

/** Summed PSS of `root` and all its descendants, KiB; processes that vanish mid-read count 0 */
export function treePssKb(root: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOrEmpty(`/proc/${entry}/stat`);
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  let total = 0;
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    const pss = /^Pss:\s+(\d+) kB/m.exec(readOrEmpty(`/proc/${pid}/smaps_rollup`));
    total += Number(pss?.[1] ?? 0);
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** "ts30h1 : ok=9  changed=0  unreachable=0  failed=0 ..." lines of a PLAY RECAP (tsible and Ansible print the same) */
export interface RecapLine {
  host: string;
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

export function parseRecap(output: string): RecapLine[] {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
  const lines: RecapLine[] = [];
  for (const match of plain.matchAll(/^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    lines.push({ host: match[1]!, ok: Number(match[2]), changed: Number(match[3]), unreachable: Number(match[4]), failed: Number(match[5]) });
  }
  return lines;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
