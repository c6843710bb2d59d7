/**
 * The bookkeeping that lets a failed deploy put a broker back as it was: every
 * file is recorded (old bytes, numeric owner and group, mode, or "did not
 * exist") before it is written, and a rollback replays the records newest
 * first. Also where a restored configuration listens, so the rollback can check
 * that the old broker answers again. Pure: the I/O is in broker-activate.ts.
 */
import type { PreviousFile } from "./broker-plan.js";

export type RestoreStep =
  | { kind: "write"; path: string; content: Buffer; owner: string | undefined; group: string | undefined; mode: string | undefined }
  | { kind: "remove"; path: string };

export class DeployJournal {
  readonly #records: { previous: PreviousFile; reload: boolean }[] = [];

  /** Call before writing the file; a path recorded twice keeps its first (oldest) state */
  record(previous: PreviousFile, reload: boolean): void {
    if (this.#records.some((record) => record.previous.path === previous.path)) return;
    if (previous.existed && previous.content === undefined) {
      // planning reads the old bytes of every file it will write; without them there is nothing to roll back to
      throw new Error(`bug: no old content of ${previous.path} recorded for a rollback`);
    }
    this.#records.push({ previous, reload });
  }

  /** A write that failed left its file as it was (writes are atomic): nothing to restore there */
  forget(path: string): void {
    const index = this.#records.findIndex((record) => record.previous.path === path);
    if (index !== -1) this.#records.splice(index, 1);
  }

  get isEmpty(): boolean {
    return this.#records.length === 0;
  }

  get paths(): string[] {
    return this.#records.map((record) => record.previous.path);
  }

  /** Old contents of the recorded files the broker reads only at start (where its listeners are configured) */
  restartFilesBefore(): { changed: boolean; contents: string[] } {
    const restartFiles = this.#records.filter((record) => !record.reload);
    return {
      changed: restartFiles.length > 0,
      contents: restartFiles.flatMap((record) => (record.previous.content ? [record.previous.content.toString("utf8")] : [])),
    };
  }

  /** What puts every recorded file back, newest first */
  restoreSteps(): RestoreStep[] {
    return [...this.#records].reverse().map(({ previous }): RestoreStep => {
      if (!previous.existed || previous.content === undefined) return { kind: "remove", path: previous.path };
      return {
        kind: "write",
        path: previous.path,
        content: previous.content,
        owner: previous.uid === undefined ? undefined : String(previous.uid),
        group: previous.gid === undefined ? undefined : String(previous.gid),
        mode: previous.mode,
      };
    });
  }
}

export interface Listener {
  port: number;
  /** the address it binds to, when the config names one */
  address?: string | undefined;
}

/**
 * The TCP listeners a mosquitto configuration declares (`listener PORT [ADDRESS]`,
 * or the older `port PORT`), in file order. `listener 0` is a unix socket, not
 * a port.
 */
export function configListeners(text: string): Listener[] {
  const listeners: Listener[] = [];
  for (const line of text.split("\n")) {
    const match = /^\s*(listener|port)\s+(\d+)(?:\s+(\S+))?\s*$/.exec(line);
    if (!match) continue;
    const port = Number(match[2]);
    if (port < 1 || port > 65535) continue;
    listeners.push(match[1] === "listener" && match[3] !== undefined ? { port, address: match[3] } : { port });
  }
  return listeners;
}

/**
 * Where to check that the broker answers after a rollback: when no file read
 * at start changed, the listener is the task's own `port`; otherwise the first
 * listener of the restored files; none when they declare no port (mosquitto's
 * default listener, or one in a file this task does not manage): then only the
 * service's status can tell.
 */
export function rollbackListener(journal: DeployJournal, taskPort: number): Listener | undefined {
  const restartFiles = journal.restartFilesBefore();
  if (!restartFiles.changed) return { port: taskPort };
  return restartFiles.contents.flatMap(configListeners)[0];
}

/** Lines of the broker's log that report an error ("1700000000: Error: Invalid topic access type ...") */
export function brokerErrorLines(lines: readonly string[]): string[] {
  return lines.filter((line) => /(^|\s)Error:/.test(line));
}

/** The lines of the broker's log from its "Reloading config." line on; undefined when it has not logged one yet */
export function linesSinceReload(lines: readonly string[]): string[] | undefined {
  let start = -1;
  lines.forEach((line, index) => {
    if (/Reloading config\./.test(line)) start = index;
  });
  return start === -1 ? undefined : lines.slice(start);
}
