/**
 * The host as a module sees it: a Connection bound to one task. Like pyinfra's
 * connectors, sudo is applied here from the task's `become`, never by a module;
 * like Ansible's `run_command(check_rc=True)`, `runChecked` turns a non-zero exit
 * into the task's failure. A host refusing a read or write fails the task too.
 * So a module touches neither `become` nor exit codes by hand.
 */
import { RemoteFileError, type BecomeOptions, type CommandResult, type Connection, type RunOptions } from "../../connection/types.js";
import { maskValues } from "../../secrets.js";
import { ModuleFailure } from "../module-failure.js";
import { pathProbeArgv, parsePathProbe, type PathRequest, type ProbedPath } from "./path-probe.js";

/** RunOptions without `become`: the task decides that, not the module */
export interface HostRunOptions extends Omit<RunOptions, "become"> {
  /** a read-only command that needs no privileges runs as the login user: no sudo to start */
  unprivileged?: boolean | undefined;
}

export interface CheckedRunOptions extends HostRunOptions, Omit<FailureOptions, "secrets"> {
  /** what the command does, for the failure message ("creating /etc/x"); the command line by default */
  what?: string | undefined;
}

/** Owner, group and mode a written file gets */
export interface FileAttributes {
  owner?: string | undefined;
  group?: string | undefined;
  /** "0644" */
  mode?: string | undefined;
}

export interface TaskHost {
  /** inventory_hostname, for messages */
  readonly name: string;
  /** Run a command as the task's user; never throws for a non-zero exit */
  run(argv: readonly string[], options?: HostRunOptions): Promise<CommandResult>;
  /** Run a command; a non-zero exit fails the task with the command's output. Resolves to stdout. */
  runChecked(argv: readonly string[], options?: CheckedRunOptions): Promise<string>;
  /** A whole file; undefined when it does not exist */
  read(path: string): Promise<Buffer | undefined>;
  /** A file the module has just probed: its disappearing since is a failure */
  readExisting(path: string): Promise<Buffer>;
  /** Write a file atomically (temp file with owner and mode, then rename) */
  write(path: string, content: Buffer | string, attributes?: FileAttributes): Promise<void>;
  /** mkdir -p */
  makeDirectories(path: string): Promise<void>;
  /** Probe many paths in one round trip (see path-probe.ts) */
  probePaths(requests: readonly PathRequest[]): Promise<ProbedPath[]>;
  probePath(request: PathRequest): Promise<ProbedPath>;
}

export interface FailureOptions {
  /** appended to the message: what the user can do about it */
  hint?: string | undefined;
  /** values masked in the message and the output */
  secrets?: readonly string[] | undefined;
  /** more result fields (cmd, status) */
  data?: Record<string, unknown> | undefined;
}

/** The failure a command that exited non-zero ends its task with: "<what> failed: <its output> (exit code N)" */
export function commandFailure(what: string, result: CommandResult, options: FailureOptions = {}): ModuleFailure {
  const mask = (text: string): string => maskValues(text, options.secrets ?? []);
  const output = mask((result.stderr.trim() || result.stdout.trim()).split("\n").slice(-15).join("\n"));
  const detail = output === "" ? `exit code ${result.exitCode}` : `${output} (exit code ${result.exitCode})`;
  return new ModuleFailure(`${mask(what)} failed: ${detail}${options.hint ? `\n${options.hint}` : ""}`, {
    rc: result.exitCode,
    stdout: mask(result.stdout),
    stderr: mask(result.stderr),
    ...options.data,
  });
}

/** A host refusing a read or write (permission denied, unknown owner) fails the task; it is no bug in tsible */
async function failTaskOnRefusal<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof RemoteFileError) throw new ModuleFailure(error.message, { path: error.path });
    throw error;
  }
}

export function bindTaskHost(name: string, conn: Connection, become: BecomeOptions | undefined): TaskHost {
  const connectionOptions = ({ unprivileged, ...options }: HostRunOptions): RunOptions => ({ ...options, become: unprivileged ? undefined : become });
  const host: TaskHost = {
    name,
    run: (argv, options = {}) => conn.run(argv, connectionOptions(options)),
    async runChecked(argv, options = {}) {
      const { what: _what, hint: _hint, data: _data, ...runOptions } = options;
      const result = await conn.run(argv, connectionOptions(runOptions));
      if (result.exitCode !== 0) throw commandFailure(options.what ?? `'${argv.join(" ")}'`, result, options);
      return result.stdout;
    },
    read: (path) => failTaskOnRefusal(conn.readFile(path, { become })),
    async readExisting(path) {
      const content = await host.read(path);
      if (content === undefined) throw new ModuleFailure(`${path} vanished while tsible was reading it`);
      return content;
    },
    write: (path, content, attributes = {}) => failTaskOnRefusal(conn.writeFile(path, content, { ...attributes, become })),
    async makeDirectories(path) {
      await host.runChecked(["mkdir", "-p", "--", path], { what: `creating ${path}` });
    },
    async probePaths(requests) {
      if (requests.length === 0) return [];
      const stdout = await host.runChecked(pathProbeArgv(requests), { what: `inspecting ${requests.map((request) => request.path).join(", ")}` });
      return parsePathProbe(stdout, requests, become?.user ?? conn.loginUser);
    },
    async probePath(request) {
      const [probed] = await host.probePaths([request]);
      if (probed === undefined) throw new Error(`the probe of ${request.path} returned nothing`);
      return probed;
    },
  };
  return host;
}
