/**
 * A connection is a tiny interface, as in pyinfra's connectors: run a command,
 * write a file, read a file. Everything a module does on a host goes through it.
 */
import { TsibleError } from "../errors.js";

export interface BecomeOptions {
  /** user to become, "root" by default */
  user: string;
  /** the sudo password, when sudo needs one (never logged) */
  password?: string | undefined;
}

export interface RunOptions {
  /** run through sudo as another user */
  become?: BecomeOptions | undefined;
  /** bytes written to the command's standard input */
  stdin?: string | Buffer | undefined;
  /** working directory on the host */
  cwd?: string | undefined;
  /** extra environment, passed as `env K=V` arguments */
  env?: Record<string, string> | undefined;
  /** values to mask when the command line is logged */
  secrets?: readonly string[] | undefined;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface WriteFileOptions {
  /** octal string like "0644"; default 0644 for new files */
  mode?: string | undefined;
  owner?: string | undefined;
  group?: string | undefined;
  become?: BecomeOptions | undefined;
}

export interface Connection {
  /** inventory name of the host, for messages */
  readonly hostName: string;
  /** the user commands run as without become (ssh's login user, or this process's user) */
  readonly loginUser: string;
  /**
   * Run one command given as an argv array. Every element is quoted by
   * `quoteArgv`; nothing is pasted into shell text. Never throws for a non-zero
   * exit: the caller decides what an exit code means.
   */
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /**
   * Write a file atomically: temp file beside the destination, owner and mode
   * set on it, then renamed over the destination.
   */
  writeFile(path: string, content: Buffer | string, options?: WriteFileOptions): Promise<void>;
  /** Read a whole file; undefined when it does not exist */
  readFile(path: string, options?: { become?: BecomeOptions | undefined }): Promise<Buffer | undefined>;
  /**
   * Start what commands under this become (or, without one, as the login user) will run
   * through (its shell, sudo's start-up included) ahead of the first such command; failures
   * surface on that command
   */
  prepare?(become?: BecomeOptions): void;
  /** Resolves when the host still answers; throws UnreachableError when the connection is gone */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when a host cannot be reached or the connection breaks: the host is "unreachable" */
export class UnreachableError extends TsibleError {
  constructor(
    readonly hostName: string,
    message: string,
    hint?: string,
  ) {
    super(message, { kind: "unreachable", hint });
    this.name = "UnreachableError";
  }
}

/** Thrown when sudo refuses: wrong or missing become password, or no sudo rights */
export class BecomeError extends TsibleError {
  constructor(
    readonly hostName: string,
    message: string,
  ) {
    super(message, { kind: "failed" });
    this.name = "BecomeError";
  }
}

/** Thrown when writeFile/readFile fail on the host (permission denied, unknown owner, no such directory) */
export class RemoteFileError extends TsibleError {
  constructor(
    readonly hostName: string,
    readonly path: string,
    message: string,
  ) {
    super(`${hostName}: ${message}`, { kind: "failed" });
    this.name = "RemoteFileError";
  }
}

/** Everything needed to open a connection, resolved from inventory vars */
export interface ConnectionSpec {
  /** inventory_hostname */
  name: string;
  /** "ssh" or "local" */
  type: "ssh" | "local";
  /** ansible_host, or the name */
  address: string;
  port?: number | undefined;
  user?: string | undefined;
  password?: string | undefined;
  privateKeyFile?: string | undefined;
  /** "strict" rejects unknown keys, "accept-new" records first-seen keys, "off" checks nothing */
  hostKeyChecking: "strict" | "accept-new" | "off";
  knownHostsFile?: string | undefined;
  /** ~/.ssh/config by default; "" disables */
  sshConfigFile?: string | undefined;
  connectTimeoutMs?: number | undefined;
  /** `-J`/`-o ProxyJump=` from ansible_ssh_common_args/extra_args ("none": no proxy, whatever ssh config says) */
  proxyJump?: string | undefined;
  /** `-o ProxyCommand=` from the same; ProxyJump and ProxyCommand exclude each other */
  proxyCommand?: string | undefined;
  /** ssh options in those variables that tsible cannot honour, for a warning */
  ignoredSshOptions?: string[] | undefined;
}
