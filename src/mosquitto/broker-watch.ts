/**
 * Watching a broker on its host: the size of its log before an activation and
 * the lines written since, whether its port answers (a TCP connect from the
 * host itself, in bash's /dev/tcp, since a listener may be bound to loopback
 * only), and its own words when it will not start. Constant scripts; values
 * arrive as positional arguments.
 */
import { ModuleFailure, type ModuleContext } from "../modules/types.js";
import { splitSections } from "../modules/package-managers.js";

const LOG_SIZE_SCRIPT = `if [ -f "$1" ]; then stat -c %s -- "$1"; else echo 0; fi`;

/*
 * $1 log, $2 offset, $3 lines. "@@since" then the last lines written after
 * the offset; "@@tail" then the file's last lines when it shrank (rotated or
 * truncated) below the offset; nothing when there is no log.
 */
const LOG_SINCE_SCRIPT = `[ -f "$1" ] || exit 0
size=$(stat -c %s -- "$1") || exit 1
if [ "$size" -ge "$2" ]; then echo @@since; tail -c +"$(($2 + 1))" -- "$1" | tail -n "$3"
else echo @@tail; tail -n "$3" -- "$1"; fi`;

/* $1 host, $2 port, $3 seconds. Exit 0 as soon as a TCP connect succeeds, 3 when time runs out. */
const WAIT_PORT_SCRIPT = `deadline=$((SECONDS + $3))
while :; do
  if timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' check "$1" "$2" 2>/dev/null; then exit 0; fi
  [ "$SECONDS" -ge "$deadline" ] && exit 3
  sleep 0.2
done`;

/*
 * $1 log, $2 offset, $3 seconds. Wait for the broker to log "Reloading config."
 * after the offset (it handles SIGHUP in its main loop, a moment after the
 * signal), give it half a second to report what it could not load, then print
 * the lines since the offset. "@@nolog" when there is no log file to read,
 * "@@noreload" when the line never came.
 */
const RELOAD_LOG_SCRIPT = `[ -f "$1" ] || { echo @@nolog; exit 0; }
deadline=$((SECONDS + $3))
while ! tail -c +"$(($2 + 1))" -- "$1" | grep -q 'Reloading config\\.'; do
  if [ "$SECONDS" -ge "$deadline" ]; then echo @@noreload; exit 0; fi
  sleep 0.2
done
sleep 0.5
echo @@lines
tail -c +"$(($2 + 1))" -- "$1" | tail -n 50`;

/*
 * $1 config file. Run the broker in the foreground on the file for at most 3
 * seconds and print what it says: a broker that cannot start says why on
 * stderr before it opens its log. "@@rc" 124 means it was still running.
 */
const RUN_BY_HAND_SCRIPT = `PATH=$PATH:/usr/sbin:/sbin:/usr/local/sbin
command -v mosquitto >/dev/null 2>&1 || { echo @@rc; echo 127; exit 0; }
out=$(timeout 3 mosquitto -c "$1" </dev/null 2>&1)
rc=$?
echo @@output
printf '%s\\n' "$out" | tail -n 20
echo @@rc
echo "$rc"`;

/** How many of the broker's log lines a failure shows */
export const LOG_LINES = 20;

async function run(ctx: ModuleContext, argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return ctx.host.run(argv);
}

export async function logSize(ctx: ModuleContext, logFile: string): Promise<number> {
  const result = await run(ctx, ["sh", "-c", LOG_SIZE_SCRIPT, "sh", logFile]);
  const size = Number(result.stdout.trim());
  return result.exitCode === 0 && Number.isInteger(size) ? size : 0;
}

export interface LogExcerpt {
  lines: string[];
  /** "since": written after the offset; "tail": the file shrank, these are its last lines */
  from: "since" | "tail" | "none";
}

export async function logSince(ctx: ModuleContext, logFile: string, offset: number, lines = LOG_LINES): Promise<LogExcerpt> {
  const result = await run(ctx, ["sh", "-c", LOG_SINCE_SCRIPT, "sh", logFile, String(offset), String(lines)]);
  const sections = splitSections(result.stdout);
  for (const from of ["since", "tail"] as const) {
    const section = sections.get(from);
    if (section) return { lines: section.filter((line) => line !== ""), from };
  }
  return { lines: [], from: "none" };
}

/** true when host:port accepted a TCP connection within `seconds` */
export async function waitForPort(ctx: ModuleContext, host: string, port: number, seconds: number): Promise<boolean> {
  const result = await run(ctx, ["bash", "-c", WAIT_PORT_SCRIPT, "wait-port", host, String(port), String(Math.ceil(seconds))]);
  if (result.exitCode === 0) return true;
  if (result.exitCode === 3) return false;
  throw new ModuleFailure(`waiting for ${host}:${port} could not run on ${ctx.host.name}: ${result.stderr.trim() || `exit code ${result.exitCode}`}`);
}

export type ReloadLog = { kind: "lines"; lines: string[] } | { kind: "nolog" } | { kind: "noreload" };

export async function reloadLog(ctx: ModuleContext, logFile: string, offset: number, seconds: number): Promise<ReloadLog> {
  const result = await run(ctx, ["bash", "-c", RELOAD_LOG_SCRIPT, "reload-log", logFile, String(offset), String(Math.ceil(seconds))]);
  const sections = splitSections(result.stdout);
  if (sections.has("nolog")) return { kind: "nolog" };
  const lines = sections.get("lines");
  if (!lines) return { kind: "noreload" };
  return { kind: "lines", lines: lines.filter((line) => line !== "") };
}

export interface HandRun {
  /** what the broker printed */
  output: string[];
  /** its exit code; 124 when it was still running after 3 s (it starts on this file) */
  exitCode: number;
}

export async function runBrokerByHand(ctx: ModuleContext, configFile: string): Promise<HandRun> {
  const result = await run(ctx, ["sh", "-c", RUN_BY_HAND_SCRIPT, "sh", configFile]);
  const sections = splitSections(result.stdout);
  return {
    output: (sections.get("output") ?? []).filter((line) => line !== ""),
    exitCode: Number((sections.get("rc") ?? [])[0]?.trim() ?? result.exitCode),
  };
}
