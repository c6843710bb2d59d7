/**
 * The Connection behaviour shared by ssh and local: command lines, become,
 * atomic writes and reads. A transport only supplies `start(argv)`, which
 * starts a process and hands back its streams.
 */
import { createHash } from "node:crypto";
import { maskValues, type SecretMasker } from "../secrets.js";
import { commandArgv, newSudoMarkers, withCwdAndEnv, type SudoMarkers } from "./command-line.js";
import { CommandSession } from "./command-session.js";
import { MISSING_FILE, WRITE_FILE_SCRIPT } from "./file-scripts.js";
import { driveProcess, type RawResult, type StartedProcess } from "./process.js";
import { quoteArgv, shellScript } from "./quote.js";
import {
  type BecomeOptions,
  type CommandResult,
  type Connection,
  RemoteFileError,
  type RunOptions,
  type WriteFileOptions,
} from "./types.js";

export interface Transport {
  /** the user commands run as before any become, for messages */
  readonly loginUser: string;
  start(argv: readonly string[]): Promise<StartedProcess>;
  close(): Promise<void>;
}

export interface CommandLogOptions {
  log?: ((line: string) => void) | undefined;
  masker?: SecretMasker | undefined;
  /**
   * false runs each command as its own process (an exec channel, and a sudo
   * when it becomes) instead of through one shell per become user: slower,
   * kept to measure the difference (TSIBLE_SESSIONS=off)
   */
  sessions?: boolean | undefined;
}

export class CommandConnection implements Connection {
  readonly #transport: Transport;
  readonly #logging: CommandLogOptions;
  readonly #markers: SudoMarkers = newSudoMarkers();
  /** one shell per become user (and password), "" for the login user */
  readonly #sessions = new Map<string, Promise<CommandSession>>();

  constructor(
    readonly hostName: string,
    transport: Transport,
    logging: CommandLogOptions = {},
  ) {
    this.#transport = transport;
    this.#logging = logging;
  }

  get loginUser(): string {
    return this.#transport.loginUser;
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const raw = await this.exec(argv, options);
    return { exitCode: raw.exitCode, stdout: raw.stdout.toString("utf8"), stderr: raw.stderr.toString("utf8") };
  }

  /** Like run, with output kept as bytes */
  async exec(argv: readonly string[], options: RunOptions = {}): Promise<RawResult> {
    if (this.#logging.sessions !== false) {
      const command = withCwdAndEnv(argv, options);
      this.#log(command, options, options.become === undefined ? "" : `[sudo -u ${options.become.user}] `);
      const session = await this.#session(options.become);
      return session.run(command, options.stdin);
    }
    const command = commandArgv(argv, options, this.#markers);
    this.#log(command, options);
    const child = await this.#transport.start(command);
    const become =
      options.become === undefined
        ? undefined
        : { become: options.become, markers: this.#markers, hostName: this.hostName, loginUser: this.#transport.loginUser };
    return driveProcess(child, options.stdin, become);
  }

  async writeFile(path: string, content: Buffer | string, options: WriteFileOptions = {}): Promise<void> {
    const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const argv = shellScript(WRITE_FILE_SCRIPT, [path, options.mode ?? "", options.owner ?? "", options.group ?? "", String(bytes.length), sha256]);
    const result = await this.exec(argv, { stdin: bytes, become: options.become });
    if (result.exitCode !== 0) {
      throw new RemoteFileError(this.hostName, path, `cannot write ${path}: ${firstLines(result.stderr)} (exit ${result.exitCode})`);
    }
  }

  async readFile(path: string, options: { become?: BecomeOptions | undefined } = {}): Promise<Buffer | undefined> {
    const result = await this.exec(["cat", "--", path], { env: { LC_ALL: "C" }, become: options.become });
    if (result.exitCode === 0) return result.stdout;
    const stderr = result.stderr.toString("utf8");
    if (MISSING_FILE.test(stderr)) return undefined;
    throw new RemoteFileError(this.hostName, path, `cannot read ${path}: ${firstLines(result.stderr)} (exit ${result.exitCode})`);
  }

  prepare(become?: BecomeOptions): void {
    if (this.#logging.sessions === false) return;
    this.#session(become).catch(() => undefined);
  }

  async ping(): Promise<void> {
    await this.exec(["true"]);
  }

  async close(): Promise<void> {
    const sessions = await Promise.allSettled(this.#sessions.values());
    for (const session of sessions) if (session.status === "fulfilled") session.value.close();
    return this.#transport.close();
  }

  /** The shell for this become user, started on first use and again if it has ended */
  async #session(become: BecomeOptions | undefined): Promise<CommandSession> {
    const key = become === undefined ? "" : `${become.user}\0${become.password ?? ""}`;
    const known = this.#sessions.get(key);
    if (known !== undefined) {
      const session = await known.catch(() => undefined);
      if (session !== undefined && !session.ended) return session;
      // another command may have started the next shell while this one waited
      if (this.#sessions.get(key) !== known) return this.#session(become);
    }
    const opening = CommandSession.open({
      hostName: this.hostName,
      start: (command) => this.#transport.start(command),
      become:
        become === undefined
          ? undefined
          : { context: { become, markers: this.#markers, hostName: this.hostName, loginUser: this.#transport.loginUser }, markers: this.#markers },
    });
    this.#sessions.set(key, opening);
    // a refused sudo is not kept: the next command asks again, as it would without sessions
    opening.catch(() => {
      if (this.#sessions.get(key) === opening) this.#sessions.delete(key);
    });
    return opening;
  }

  #log(command: readonly string[], options: RunOptions, prefix = ""): void {
    const log = this.#logging.log;
    if (log === undefined) return;
    // a multi-line `sh -c` script would drown the log: show its size, not its body
    const shown = command.map((word, index) =>
      command[index - 1] === "-c" && word.includes("\n") ? `<script: ${word.split("\n").length} lines>` : word,
    );
    let line = prefix + quoteArgv(shown);
    if (this.#logging.masker) line = this.#logging.masker.mask(line);
    line = maskValues(line, [...(options.secrets ?? []), options.become?.password ?? ""]);
    log(`${this.hostName}: ${line}`);
  }
}

function firstLines(stderr: Buffer): string {
  const text = stderr.toString("utf8").trim();
  return text === "" ? "no error message" : text.split("\n").slice(0, 3).join(" / ");
}
