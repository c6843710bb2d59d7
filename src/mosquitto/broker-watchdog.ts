/**
 * A broker must never be left down, or on a mix of old and new files, because the connection to
 * its host dropped mid-deploy (tsible can neither verify nor roll back over a dead connection).
 * So before the first file is written, the host gets a rollback kit (the previous bytes, owner,
 * group and mode of every file the deploy writes, or "did not exist") and a watchdog: a detached
 * process that, unless tsible disarms it in time, puts the previous files back and restarts (or
 * reloads) the broker on them. tsible disarms it once the broker is verified on its new files, or
 * once its own rollback is done; that rollback restores from the same kit, on the host.
 *
 * A kit left behind (the watchdog's host rebooted, say) tells the next run that a deploy was cut
 * off: it activates the broker even when every file is already as wanted, and a new arming keeps
 * the kit's records (they hold the files as they were before the cut-off deploy).
 */
import { randomBytes } from "node:crypto";
import { shellScript } from "../connection/quote.js";
import type { CommandResult } from "../connection/types.js";
import { ModuleFailure } from "../modules/types.js";
import type { PreviousFile } from "./broker-plan.js";

export const KIT_ROOT = "/var/lib/tsible/broker-rollback";

export function kitDir(service: string): string {
  return `${KIT_ROOT}/${service}`;
}

/**
 * Puts the kit's files back: each record is N.path, N.meta ("existed uid gid mode") and
 * N.content. Shared by the watchdog and by tsible's own rollback. Prints one line per file it
 * could not put back.
 */
const RESTORE_FUNCTION = `restore_kit() {
  for meta in "$1"/*.meta; do
    [ -e "$meta" ] || continue
    n=\${meta%.meta}
    path=$(cat -- "$n.path")
    read -r existed uid gid mode < "$meta"
    if [ "$existed" = 1 ]; then
      tmp=$(mktemp "$(dirname -- "$path")/.tsible-tmp.XXXXXXXXXX") &&
        cat -- "$n.content" > "$tmp" && chown -- "$uid:$gid" "$tmp" && chmod -- "$mode" "$tmp" && mv -f -- "$tmp" "$path" ||
        { rm -f -- "$tmp"; echo "$path: could not be put back"; }
    else
      rm -f -- "$path" || echo "$path: could not be removed"
    fi
  done
}`;

/**
 * $1 kit dir, $2 token, $3 seconds, then the recovery command. Sleeps; acts only if the kit is
 * still there and still this deploy's (a later deploy re-arms with a token of its own).
 */
const WATCHDOG_SCRIPT = `${RESTORE_FUNCTION}
dir=$1 token=$2 delay=$3
shift 3
sleep "$delay"
[ "$(cat -- "$dir/token" 2>/dev/null)" = "$token" ] || exit 0
log=$dir.log
{
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) tsible did not confirm the deploy within $delay s: putting the previous files back"
  restore_kit "$dir"
  "$@"
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) recovery command exited $?"
} >>"$log" 2>&1
rm -rf -- "$dir"`;

/**
 * $1 kit dir, $2 token, $3 seconds, then the recovery command; stdin holds the records, two
 * lines each: "existed uid gid mode base64(path)" and base64(content). A path already in the
 * kit keeps its record (the older state). The watchdog is detached from this session, so it
 * lives on when the connection drops.
 */
const ARM_SCRIPT = `set -eu
dir=$1 token=$2
mkdir -p -- "$(dirname -- "$dir")"
umask 077
mkdir -p -- "$dir"
n=$(ls -- "$dir" | grep -c '\\.meta$' || true)
while read -r existed uid gid mode path64; do
  read -r content64
  path=$(printf '%s' "$path64" | base64 -d)
  for known in "$dir"/*.path; do
    [ -e "$known" ] && [ "$(cat -- "$known")" = "$path" ] && continue 2
  done
  printf '%s' "$path" > "$dir/$n.path"
  if [ "$existed" = 1 ]; then printf '%s' "$content64" | base64 -d > "$dir/$n.content"; else : > "$dir/$n.content"; fi
  echo "$existed $uid $gid $mode" > "$dir/$n.meta"
  n=$((n + 1))
done
printf '%s' "$token" > "$dir/token"
setsid sh -c "$WATCHDOG" sh "$@" </dev/null >/dev/null 2>&1 &`;

/** $1 kit dir, $2 token: the restore, now, for tsible's own rollback; keeps the kit */
const RESTORE_NOW_SCRIPT = `${RESTORE_FUNCTION}
[ "$(cat -- "$1/token" 2>/dev/null)" = "$2" ] || { echo "the rollback kit in $1 is gone or belongs to another deploy"; exit 0; }
restore_kit "$1"`;

/**
 * $1 kit dir, $2 token: removes the kit, which ends the watchdog's job, and the kits' directory
 * when nothing else is in it (a watchdog that acted leaves its log there): a deploy that went
 * well leaves no trace on the host
 */
const DISARM_SCRIPT = `if [ "$(cat -- "$1/token" 2>/dev/null)" = "$2" ]; then rm -rf -- "$1"; rmdir -- "$(dirname -- "$1")" 2>/dev/null; fi; exit 0`;

/** The records as ARM_SCRIPT reads them on stdin */
export function encodeKit(records: readonly PreviousFile[]): string {
  return records
    .map((record) => {
      const existed = record.existed && record.content !== undefined;
      const header = [existed ? 1 : 0, record.uid ?? 0, record.gid ?? 0, record.mode ?? "0644", Buffer.from(record.path).toString("base64")].join(" ");
      return `${header}\n${existed ? record.content!.toString("base64") : "-"}\n`;
    })
    .join("");
}

export interface BrokerWatchdog {
  readonly armed: boolean;
  /** Writes (or adds to) the kit and starts the watchdog; once per deploy */
  arm(records: readonly PreviousFile[]): Promise<void>;
  /** tsible's own rollback: the kit's files back, on the host; returns what could not be put back */
  restoreNow(): Promise<string[]>;
  /** The deploy is settled (verified, or rolled back): the watchdog has nothing left to do */
  disarm(): Promise<void>;
}

/** Runs one command as the task's user (become applied), with this stdin */
export type RunWithStdin = (argv: readonly string[], stdin?: string) => Promise<CommandResult>;

export function brokerWatchdog(options: {
  run: RunWithStdin;
  service: string;
  seconds: number;
  recovery: readonly string[];
  /** where kits live (tests use a temp dir) */
  kitRoot?: string;
}): BrokerWatchdog {
  const dir = `${options.kitRoot ?? KIT_ROOT}/${options.service}`;
  const token = randomBytes(12).toString("hex");
  let armed = false;
  const checked = async (argv: readonly string[], what: string, stdin?: string) => {
    const result = await options.run(argv, stdin);
    if (result.exitCode !== 0) throw new ModuleFailure(`${what} failed on the host: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
    return result.stdout;
  };
  return {
    get armed() {
      return armed;
    },
    async arm(records) {
      if (armed) return;
      const argv = shellScript(ARM_SCRIPT, [dir, token, String(options.seconds), ...options.recovery]);
      // the watchdog's script travels in the environment of the arming script, as its one fixed text
      await checked(["env", `WATCHDOG=${WATCHDOG_SCRIPT}`, ...argv], `arming the broker's rollback watchdog (${dir})`, encodeKit(records));
      armed = true;
    },
    async restoreNow() {
      const out = await checked(shellScript(RESTORE_NOW_SCRIPT, [dir, token]), `restoring the previous files from ${dir}`);
      return out.split("\n").filter((line) => line.trim() !== "");
    },
    async disarm() {
      if (!armed) return;
      await checked(shellScript(DISARM_SCRIPT, [dir, token]), `disarming the broker's rollback watchdog (${dir})`);
      armed = false;
    },
  };
}
