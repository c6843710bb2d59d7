/**
 * Drive one started command to its end, the same way for an ssh2 exec channel
 * and a local child process: feed stdin, collect stdout/stderr as bytes, and
 * when sudo is in front, answer its password prompt and strip everything sudo
 * said before the command started.
 */
import type { Readable, Writable } from "node:stream";
import type { SudoMarkers } from "./command-line.js";
import { BecomeError, type BecomeOptions } from "./types.js";

export interface StartedProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** the exit code, once all output has been read (a signal is reported as 128 + its number) */
  exited: Promise<number>;
}

export interface RawResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
}

export interface BecomeContext {
  become: BecomeOptions;
  markers: SudoMarkers;
  hostName: string;
  /** the user the connection runs as, for messages */
  loginUser: string;
}

function countOccurrences(haystack: Buffer, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

function writeAndEnd(stdin: Writable, data: string | Buffer | undefined): void {
  if (data !== undefined && data.length > 0) stdin.write(data);
  stdin.end();
}

/**
 * The part of a sudo'd process's life before the command starts: sudo's stderr
 * is watched for our prompt (answered once with the password; asked again
 * means it was wrong, and EOF makes sudo give up) and for the start line the
 * wrapper prints once sudo has let the command through.
 */
export class SudoGate {
  #beforeStart = Buffer.alloc(0);
  #passwordsSent = 0;
  #promptsSeen = 0;

  constructor(
    readonly context: BecomeContext,
    readonly stdin: Writable,
  ) {}

  /** Feed stderr; once the command has started, the bytes after the start line, else undefined */
  feed(chunk: Buffer): Buffer | undefined {
    this.#beforeStart = Buffer.concat([this.#beforeStart, chunk]);
    this.#promptsSeen = countOccurrences(this.#beforeStart, this.context.markers.prompt);
    const startLine = `${this.context.markers.started}\n`;
    const startAt = this.#beforeStart.indexOf(startLine);
    if (startAt !== -1) return this.#beforeStart.subarray(startAt + startLine.length);
    if (this.#promptsSeen > this.#passwordsSent) {
      if (this.#passwordsSent === 0 && this.context.become.password !== undefined) {
        this.#passwordsSent++;
        this.stdin.write(`${this.context.become.password}\n`);
      } else {
        this.#passwordsSent = this.#promptsSeen;
        this.stdin.end();
      }
    }
    return undefined;
  }

  /** Why the command never started, once the process has ended */
  failure(exitCode: number): BecomeError {
    return becomeFailure(this.context, this.#beforeStart, exitCode, this.#promptsSeen);
  }
}

/**
 * Route a process's stderr: through the gate until the command has started (so sudo's words
 * never reach the output), then every byte to `take`. `onStart` runs once, as it starts (at
 * once without a gate). The returned state says whether it has started.
 */
export function routeStderr(
  stderr: Readable,
  gate: SudoGate | undefined,
  take: (chunk: Buffer) => void,
  onStart: () => void,
): { readonly started: boolean } {
  const state = { started: gate === undefined };
  if (state.started) onStart();
  stderr.on("data", (chunk: Buffer) => {
    if (state.started || gate === undefined) {
      take(chunk);
      return;
    }
    const afterStart = gate.feed(chunk);
    if (afterStart === undefined) return;
    state.started = true;
    take(afterStart);
    onStart();
  });
  return state;
}

export async function driveProcess(
  child: StartedProcess,
  stdinData: string | Buffer | undefined,
  become: BecomeContext | undefined,
): Promise<RawResult> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  // a command that exits without reading its stdin must not fail the run
  child.stdin.on("error", () => undefined);
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  const gate = become === undefined ? undefined : new SudoGate(become, child.stdin);
  const command = routeStderr(child.stderr, gate, (chunk) => stderr.push(chunk), () => writeAndEnd(child.stdin, stdinData));

  const exitCode = await child.exited;
  if (!command.started && gate !== undefined) throw gate.failure(exitCode);
  return { exitCode, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
}

/** Explain why sudo did not run the command, in words a user can act on */
export function becomeFailure(context: BecomeContext, sudoOutput: Buffer, exitCode: number, promptsSeen: number): BecomeError {
  const said = sudoOutput.toString("utf8").split(context.markers.prompt).join("").trim();
  const who = `${context.hostName}: sudo as ${context.loginUser} (become_user ${context.become.user})`;
  if (promptsSeen > 1 || /incorrect password|Sorry, try again/i.test(said)) {
    return new BecomeError(
      context.hostName,
      `${who}: incorrect sudo password; the command did not run. Fix ansible_become_password for this host.`,
    );
  }
  if (/a password is required|no password was provided|a terminal is required/i.test(said)) {
    return new BecomeError(
      context.hostName,
      `${who}: sudo needs a password; the command did not run. Set ansible_become_password (or give ${context.loginUser} NOPASSWD sudo).`,
    );
  }
  if (/not in the sudoers|is not allowed to|may not run sudo/i.test(said)) {
    return new BecomeError(
      context.hostName,
      `${who}: ${context.loginUser} may not use sudo to become ${context.become.user} (${said.split("\n")[0] ?? ""}); the command did not run.`,
    );
  }
  if (exitCode === 127 || /sudo: (command )?not found/i.test(said)) {
    return new BecomeError(context.hostName, `${who}: sudo is not installed on the host; the command did not run.`);
  }
  return new BecomeError(context.hostName, `${who}: sudo failed (exit ${exitCode}): ${said || "no message"}; the command did not run.`);
}
