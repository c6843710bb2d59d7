/**
 * The host's lock: `/var/lib/tsible/release.lock`, holding the same JSON as the
 * controller's lock, so a release from another controller is refused by name.
 * It is created by a hard link from a complete temp file: link(2) fails when
 * the name exists, so exactly one release wins, and the lock is never seen half-written.
 */
import os from "node:os";
import { shellScript } from "../connection/quote.js";
import { ReleaseError, ReleaseExit } from "./exit-codes.js";
import { describeHolder, parseHolder, staleReason, takeoverTime, type LockHolder } from "./holder.js";
import type { HostTarget } from "./host-target.js";
import { REMOTE_LOCK, REMOTE_STATE_DIR } from "./remote-paths.js";

/** $1 directory, $2 lock file; the holder JSON on stdin. Exit 0: ours; 3: held (holder on stdout) */
const ACQUIRE_SCRIPT = `set -eu
dir=$1 lock=$2
mkdir -p -- "$dir"
chmod 0755 -- "$dir"
tmp=$(mktemp "$dir/.release.lock.XXXXXXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
chmod 0644 -- "$tmp"
if ln -- "$tmp" "$lock" 2>/dev/null; then exit 0; fi
if [ -e "$lock" ]; then cat -- "$lock"; exit 3; fi
echo "cannot create $lock" >&2
exit 1
`;

/** $1 lock file, $2 the exact text it must hold: removes only that holder's lock */
const RELEASE_SCRIPT = `lock=$1 expected=$2
if [ "$(cat -- "$lock" 2>/dev/null)" = "$expected" ]; then rm -f -- "$lock"; fi
exit 0
`;

const HELD = 3;

export interface HostLockOptions {
  warn?: (message: string) => void;
  /** keep trying this long before refusing */
  waitMs?: number;
  pollMs?: number;
  /** a lock held longer than this is taken over, whoever holds it (default DEFAULT_LOCK_TIMEOUT_MS) */
  lockTimeoutMs?: number;
  /** stop trying (an interrupted release): no new attempt starts once it is aborted */
  signal?: AbortSignal;
}

export async function acquireHostLock(target: HostTarget, holder: LockHolder, options: HostLockOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    if (options.signal?.aborted) throw new ReleaseError(`${target.name}: the release was interrupted before its lock was taken`, ReleaseExit.hostFailed);
    const result = await target.connection.run(shellScript(ACQUIRE_SCRIPT, [REMOTE_STATE_DIR, REMOTE_LOCK]), {
      become: target.become,
      stdin: JSON.stringify(holder),
    });
    if (result.exitCode === 0) return;
    if (result.exitCode !== HELD) {
      throw new ReleaseError(
        `${target.name}: cannot create the release lock ${REMOTE_LOCK}: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
        ReleaseExit.hostFailed,
      );
    }
    const text = result.stdout.trim();
    const current = parseHolder(text);
    // a process is only seen on this controller; another machine's holder goes stale by age only
    const stale = current && staleReason(current, { hostname: os.hostname(), timeoutMs: options.lockTimeoutMs });
    if (current && stale) {
      options.warn?.(`${target.name}: taking over a stale release lock: ${describeHolder(current)}: ${stale}`);
      await removeIfHeldBy(target, text);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new ReleaseError(
        `${target.name} is being released by ${current ? describeHolder(current) : "an unknown holder"} (lock ${REMOTE_LOCK})`,
        ReleaseExit.locked,
        {
          hint: current
            ? `wait for that release to end (or pass --wait SECONDS); if it is never given back, it is taken over at ${takeoverTime(current, options.lockTimeoutMs)}`
            : `if no release is running, remove ${REMOTE_LOCK} on ${target.name}`,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs ?? 1000, Math.max(0, deadline - Date.now()))));
  }
}

/** Removes our lock (never another holder's) */
export async function releaseHostLock(target: HostTarget, holder: LockHolder): Promise<void> {
  await removeIfHeldBy(target, JSON.stringify(holder));
}

async function removeIfHeldBy(target: HostTarget, text: string): Promise<void> {
  await target.connection.run(shellScript(RELEASE_SCRIPT, [REMOTE_LOCK, text]), { become: target.become });
}

/** Who holds the host's lock now, if anyone (for --status and --check, read-only) */
export async function readHostLock(target: HostTarget): Promise<LockHolder | "unreadable" | undefined> {
  const content = await target.connection.readFile(REMOTE_LOCK);
  if (content === undefined) return undefined;
  return parseHolder(content.toString("utf8")) ?? "unreadable";
}
