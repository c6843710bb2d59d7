/**
 * One long-lived shell per host and become user, running every command of the
 * run, instead of one exec channel (and one `sudo`) per command. Opening an
 * ssh channel costs sshd a session (fork, PAM, login shell) and sudo its own
 * start: together 60-100 ms per command, most of a no-op run. Through the
 * session a command costs one round trip and the processes it runs itself.
 *
 * The protocol is line-framed and carries no value as shell text:
 * - start: the controller sends a random end token on the first line (never in
 *   argv, where `ps` would show it);
 * - request: a line with the stdin byte count, a line with the command quoted
 *   by `quoteArgv` (newlines inside quoted values are sent as `'"$nl"'`, which
 *   the shell turns back into a newline), then the stdin bytes;
 * - response: the command's own stdout and stderr, each stream ended by the
 *   token (stdout's followed by the exit code), so the command's output is
 *   never copied or parsed on the host.
 * A command runs in a subshell with stdin from /dev/null or from exactly the
 * bytes sent (drained if it stops reading), so it cannot read the protocol.
 * A constant script of tsible's (`sh -c SCRIPT sh ARGS...`, made by
 * `shellScript`) is run by that subshell itself, with ARGS as its positional
 * parameters: a process fewer per command, and processes are what a command
 * costs on a small host. A user's `shell:` (/bin/sh -c) runs as given.
 */
import { randomBytes } from "node:crypto";
import { TsibleError } from "../errors.js";
import type { SudoMarkers } from "./command-line.js";
import { withSudo } from "./command-line.js";
import { routeStderr, SudoGate, type BecomeContext, type RawResult, type StartedProcess } from "./process.js";
import { quoteArgv, shellScript } from "./quote.js";

/**
 * $tsible_nl is a newline, for the encoded command lines. `read` reads byte by
 * byte from a pipe, so it never takes the bytes of the next part; `head -c`
 * reads at most what is asked.
 */
export const SESSION_SCRIPT = `tsible_nl='
'
tsible_script() { tsible_body=$1; shift 2; eval "$tsible_body"; }
IFS= read -r tsible_token || exit 0
while IFS= read -r tsible_size && IFS= read -r tsible_line; do
  if [ "$tsible_size" -gt 0 ]; then
    head -c "$tsible_size" | { ( eval "$tsible_line" ); tsible_rc=$?; cat >/dev/null; exit "$tsible_rc"; }
  else
    ( eval "$tsible_line" ) </dev/null
  fi
  tsible_rc=$?
  printf '%s %s\\n' "$tsible_token" "$tsible_rc"
  printf '%s\\n' "$tsible_token" >&2
done
`;

/** The command as one line of shell words: a newline can only be inside single quotes */
export function encodeCommandLine(argv: readonly string[]): string {
  // exactly the form `shellScript` makes (the name is "sh", as the session's own $0)
  const [program, flag, script, name, ...args] = argv;
  // any other command replaces the subshell (`exec`, as sudo's wrapper did): no second fork; a
  // shell builtin is not a program, and fails as it did behind sudo
  const words = program === "sh" && flag === "-c" && script !== undefined && name === "sh" ? ["tsible_script", script, name, ...args] : ["exec", ...argv];
  return quoteArgv(words).replace(/\n/g, `'"$tsible_nl"'`);
}

/**
 * Splits one output stream into the parts each command wrote, at the token.
 * Only the bytes that could be the start of a token are held back, so a large
 * output is never copied more than once.
 */
class StreamFramer {
  readonly #token: Buffer;
  #body: Buffer[] = [];
  #pending: Buffer = Buffer.alloc(0);

  constructor(
    token: string,
    readonly onFrame: (body: Buffer, trailer: string) => void,
  ) {
    this.#token = Buffer.from(token);
  }

  /** What arrived since the last token: the words of a shell that ended mid-command */
  unframed(): string {
    return Buffer.concat([...this.#body, this.#pending]).toString("utf8").trim();
  }

  push(chunk: Buffer): void {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    for (;;) {
      const at = this.#pending.indexOf(this.#token);
      if (at === -1) {
        const keep = Math.min(this.#pending.length, this.#token.length - 1);
        this.#body.push(this.#pending.subarray(0, this.#pending.length - keep));
        this.#pending = this.#pending.subarray(this.#pending.length - keep);
        return;
      }
      const lineEnd = this.#pending.indexOf(10, at + this.#token.length);
      if (lineEnd === -1) {
        this.#body.push(this.#pending.subarray(0, at));
        this.#pending = this.#pending.subarray(at);
        return;
      }
      this.#body.push(this.#pending.subarray(0, at));
      const trailer = this.#pending.subarray(at + this.#token.length, lineEnd).toString("latin1").trim();
      const body = Buffer.concat(this.#body);
      this.#body = [];
      this.#pending = this.#pending.subarray(lineEnd + 1);
      this.onFrame(body, trailer);
    }
  }
}

interface PendingCommand {
  resolve: (result: RawResult) => void;
  reject: (error: Error) => void;
  stdout?: Buffer;
  exitCode?: number;
  stderr?: Buffer;
}

/** Thrown when the session's shell ends while a command runs; whether the command ran is unknown */
export class SessionEndedError extends TsibleError {
  constructor(hostName: string, who: string, exitCode: number, said: string) {
    const words = said === "" ? "" : `: ${said.split("\n").slice(-3).join(" / ")}`;
    super(
      `${hostName}: the shell running tsible's commands${who} ended (exit ${exitCode}) before the command finished; it may or may not have run${words}`,
      { kind: "failed", hint: "run again; if it happens again, look at the host's logs (was the shell killed?)" },
    );
    this.name = "SessionEndedError";
  }
}

export interface SessionOptions {
  hostName: string;
  /** starts a process on the host (an exec channel, or a local child) */
  start: (argv: readonly string[]) => Promise<StartedProcess>;
  /** sudo in front of the shell; undefined runs it as the login user */
  become?: { context: BecomeContext; markers: SudoMarkers } | undefined;
}

export class CommandSession {
  readonly #options: SessionOptions;
  readonly #token = `tsible-end-${randomBytes(16).toString("hex")}`;
  #process: StartedProcess | undefined;
  /** set when the shell has ended; later commands get this error */
  #ended: Error | undefined;
  /** the one command in flight: the shell runs one at a time */
  #current: PendingCommand | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: SessionOptions) {
    this.#options = options;
  }

  /** Start the shell (through sudo when asked): rejects with BecomeError when sudo refuses */
  static async open(options: SessionOptions): Promise<CommandSession> {
    const session = new CommandSession(options);
    await session.#start();
    return session;
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /** Run one command (already wrapped for cwd and env); commands run in the order given */
  run(argv: readonly string[], stdin?: string | Buffer): Promise<RawResult> {
    const turn = this.#queue.then(() => this.#runNow(argv, stdin));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** End the shell: EOF on its stdin ends its read loop */
  close(): void {
    this.#process?.stdin.end();
  }

  async #start(): Promise<void> {
    const { become } = this.#options;
    const shell = shellScript(SESSION_SCRIPT);
    const child = await this.#options.start(become === undefined ? shell : withSudo(shell, become.context.become, become.markers));
    this.#process = child;
    child.stdin.on("error", () => undefined);
    const stdout = new StreamFramer(this.#token, (body, trailer) => this.#frame("stdout", body, trailer));
    const stderr = new StreamFramer(this.#token, (body) => this.#frame("stderr", body, ""));
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));

    const gate = become === undefined ? undefined : new SudoGate(become.context, child.stdin);
    const whenStarted = new Promise<void>((resolve, reject) => {
      const routed = routeStderr(child.stderr, gate, (chunk) => stderr.push(chunk), resolve);
      child.exited.then(
        (exitCode) => {
          const error =
            !routed.started && gate !== undefined ? gate.failure(exitCode) : new SessionEndedError(this.#options.hostName, this.#who(), exitCode, stderr.unframed());
          this.#end(error);
          reject(error);
        },
        (error: Error) => {
          this.#end(error);
          reject(error);
        },
      );
    });
    await whenStarted;
    child.stdin.write(`${this.#token}\n`);
  }

  #who(): string {
    const become = this.#options.become;
    return become === undefined ? "" : ` as ${become.context.become.user}`;
  }

  #runNow(argv: readonly string[], stdin: string | Buffer | undefined): Promise<RawResult> {
    if (this.#ended) return Promise.reject(this.#ended);
    const child = this.#process;
    if (child === undefined) return Promise.reject(new Error("session not started"));
    const bytes = stdin === undefined ? Buffer.alloc(0) : typeof stdin === "string" ? Buffer.from(stdin, "utf8") : stdin;
    const line = encodeCommandLine(argv);
    return new Promise<RawResult>((resolve, reject) => {
      this.#current = { resolve, reject };
      child.stdin.write(`${bytes.length}\n${line}\n`);
      if (bytes.length > 0) child.stdin.write(bytes);
    });
  }

  #frame(stream: "stdout" | "stderr", body: Buffer, trailer: string): void {
    const current = this.#current;
    if (current === undefined) return;
    if (stream === "stdout") {
      current.stdout = body;
      current.exitCode = Number(trailer);
    } else {
      current.stderr = body;
    }
    if (current.stdout === undefined || current.stderr === undefined || current.exitCode === undefined) return;
    this.#current = undefined;
    current.resolve({ exitCode: current.exitCode, stdout: current.stdout, stderr: current.stderr });
  }

  #end(error: Error): void {
    if (this.#ended) return;
    this.#ended = error;
    const current = this.#current;
    this.#current = undefined;
    current?.reject(error);
  }
}
