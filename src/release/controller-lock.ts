/**
 * The controller's lock on an infra: `<state dir>/<infra>.lock`, created with
 * O_EXCL so two releases of one infra on this machine cannot both start. A lock
 * whose process is gone (crash, kill -9) is taken over with a warning.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { link, mkdir, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { ReleaseError, ReleaseExit } from "./exit-codes.js";
import { describeHolder, parseHolder, staleReason, takeoverTime, type LockHolder } from "./holder.js";

export interface ControllerLock {
  readonly file: string;
  /** Removes the lock if it is still ours; safe to call twice, and synchronous so an exit handler can call it */
  release(): void;
}

export interface AcquireOptions {
  /** keep trying this long before refusing (0: refuse at once) */
  waitMs?: number;
  pollMs?: number;
  /** a lock held longer than this is taken over (default DEFAULT_LOCK_TIMEOUT_MS) */
  lockTimeoutMs?: number;
  warn?: (message: string) => void;
}

export function controllerLockFile(stateDir: string, infra: string): string {
  return path.join(stateDir, `${infra}.lock`);
}

export async function acquireControllerLock(stateDir: string, holder: LockHolder, options: AcquireOptions = {}): Promise<ControllerLock> {
  const infra = holder.infra ?? "infra";
  const file = controllerLockFile(stateDir, infra);
  await mkdir(stateDir, { recursive: true }).catch((error: unknown) => {
    throw new ReleaseError(`cannot create the release state directory ${stateDir}: ${(error as Error).message}`, ReleaseExit.badOptions, {
      hint: "pass --state-dir DIR (a directory you can write) or fix its permissions",
    });
  });
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    if (tryCreate(file, holder)) return ownedLock(file, holder);
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text === undefined) continue; // removed between our open and read: try again
    const current = parseHolder(text);
    const stale = current && staleReason(current, { timeoutMs: options.lockTimeoutMs });
    if (current && stale) {
      options.warn?.(`taking over a stale release lock ${file}: ${describeHolder(current)}: ${stale}`);
      if (await takeOver(file, text)) continue;
    }
    if (Date.now() >= deadline) {
      throw new ReleaseError(
        current
          ? `infra ${infra} is being released by ${describeHolder(current)}`
          : `infra ${infra} is locked by ${file}, which does not say who holds it`,
        ReleaseExit.locked,
        {
          hint: current
            ? `wait for that release to end, or pass --wait SECONDS; if it is never given back, it is taken over at ${takeoverTime(current, options.lockTimeoutMs)}`
            : `if no release is running, remove ${file}`,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs ?? 1000, Math.max(0, deadline - Date.now()))));
  }
}

/** O_EXCL: exactly one process creates the file */
function tryCreate(file: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new ReleaseError(`cannot create the release lock ${file}: ${(error as Error).message}`, ReleaseExit.badOptions, {
      hint: "pass --state-dir DIR (a directory you can write) or fix its permissions",
    });
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a stale lock only if it still holds the text we judged stale: it is
 * renamed aside first, so of two processes taking over, one wins the rename.
 */
async function takeOver(file: string, staleText: string): Promise<boolean> {
  const aside = `${file}.stale-${process.pid}`;
  try {
    await rename(file, aside);
  } catch {
    return false;
  }
  const moved = await readFile(aside, "utf8").catch(() => undefined);
  if (moved !== staleText) {
    // someone else's fresh lock: put it back, unless yet another lock took the name meanwhile
    await link(aside, file).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return false;
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

function ownedLock(file: string, holder: LockHolder): ControllerLock {
  const ours = `${JSON.stringify(holder)}\n`;
  let released = false;
  return {
    file,
    release(): void {
      if (released) return;
      released = true;
      try {
        if (readFileSync(file, "utf8") === ours) unlinkSync(file);
      } catch {
        // already gone: nothing to release
      }
    },
  };
}
