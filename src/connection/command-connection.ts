/**
 * The Connection behaviour shared by ssh and local: command lines, become,
 * atomic writes and reads. A transport only supplies `start(argv)`, which
 * starts a process and hands back its streams.
 */
import { createHash } from "node:crypto";
import { maskValues, type SecretMasker } from "../secrets.js";
import { commandArgv, newSudoMarkers, type SudoMarkers } from "./command-line.js";
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
}

export class CommandConnection implements Connection {
  readonly #transport: Transport;
  readonly #logging: CommandLogOptions;
  readonly #markers: SudoMarkers = newSudoMarkers();

  constructor(
    readonly hostName: string,
    transport: Transport,
    logging: CommandLogOptions = {},
  ) {
    this.#transport = transport;
    this.#logging = logging;
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const raw = await this.exec(argv, options);
    return { exitCode: raw.exitCode, stdout: raw.stdout.toString("utf8"), stderr: raw.stderr.toString("utf8") };
  }

  /** Like run, with output kept as bytes */
  async exec(argv: readonly string[], options: RunOptions = {}): Promise<RawResult> {
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

  async ping(): Promise<void> {
    await this.exec(["true"]);
  }

  close(): Promise<void> {
    return this.#transport.close();
  }

  #log(command: readonly string[], options: RunOptions): void {
    const log = this.#logging.log;
    if (log === undefined) return;
    // a multi-line `sh -c` script would drown the log: show its size, not its body
    const shown = command.map((word, index) =>
      command[index - 1] === "-c" && word.includes("\n") ? `<script: ${word.split("\n").length} lines>` : word,
    );
    let line = quoteArgv(shown);
    if (this.#logging.masker) line = this.#logging.masker.mask(line);
    line = maskValues(line, [...(options.secrets ?? []), options.become?.password ?? ""]);
    log(`${this.hostName}: ${line}`);
  }
}

function firstLines(stderr: Buffer): string {
  const text = stderr.toString("utf8").trim();
  return text === "" ? "no error message" : text.split("\n").slice(0, 3).join(" / ");
}
