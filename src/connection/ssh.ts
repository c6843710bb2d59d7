/**
 * SSH through ssh2: one persistent connection per host for the whole run, each
 * command an exec channel on it. Connection failures become UnreachableError
 * with a message that says what to fix.
 */
import { constants } from "node:os";
import ssh2, { type Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { CommandConnection, type CommandLogOptions, type Transport } from "./command-connection.js";
import { hostKeyCheck, type HostKeyCheck } from "./host-key-check.js";
import type { StartedProcess } from "./process.js";
import { quoteArgv } from "./quote.js";
import { AuthSetupError, authHandler, describeTried, planAuth, type AuthPlan } from "./ssh-auth.js";
import { resolveSshTarget, type SshTarget } from "./ssh-target.js";
import { type Connection, type ConnectionSpec, UnreachableError } from "./types.js";

/** OpenSSH's sshd allows 10 sessions per connection (MaxSessions); more would fail to open */
const MAX_CHANNELS = 10;
const KEEPALIVE_INTERVAL_MS = 15_000;
/** tries to open a channel that sshd refused for lack of a free session (about 2 s in all) */
const OPEN_ATTEMPTS = 14;

interface OpenedChannel {
  channel: ClientChannel;
  /** the exit status once the command has ended (a signal is 128 + its number) */
  exitCode: () => number | undefined;
}

/** A counting semaphore: channels beyond MAX_CHANNELS wait their turn */
class ChannelSlots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

class SshTransport implements Transport {
  readonly #slots = new ChannelSlots(MAX_CHANNELS);
  #lost: UnreachableError | undefined;
  #closing = false;
  /** set once the client has closed: a closed client never emits "close" again */
  #closed = false;

  constructor(
    readonly hostName: string,
    readonly label: string,
    readonly loginUser: string,
    readonly client: Client,
  ) {
    client.on("error", (error: Error) => this.#markLost(`connection error: ${error.message}`));
    client.on("close", () => {
      this.#closed = true;
      this.#markLost("the connection was closed by the host");
    });
  }

  #markLost(why: string): void {
    if (this.#closing || this.#lost) return;
    this.#lost = new UnreachableError(this.hostName, `${this.label}: ${why}`, "check that the host is up and sshd is running");
  }

  async start(argv: readonly string[]): Promise<StartedProcess> {
    if (this.#lost) throw this.#lost;
    // a value no command line can carry is the caller's problem, not the host's: quote first
    const command = quoteArgv(argv);
    await this.#slots.acquire();
    let opened: OpenedChannel;
    try {
      opened = await this.#openChannel(command);
    } catch (error) {
      this.#slots.release();
      throw this.#lost ?? new UnreachableError(this.hostName, `${this.label}: cannot start a command: ${(error as Error).message}`);
    }
    const { channel, exitCode } = opened;
    const exited = new Promise<number>((resolve, reject) => {
      channel.on("close", () => {
        this.#slots.release();
        const code = exitCode();
        if (code !== undefined) resolve(code);
        else reject(this.#lost ?? new UnreachableError(this.hostName, `${this.label}: the command's channel closed without an exit status`));
      });
    });
    return { stdin: channel, stdout: channel, stderr: channel.stderr, exited };
  }

  /**
   * sshd frees a session slot a moment after the channel closes (when it has
   * reaped the session's process), so an open right after a close can be
   * refused: wait a little and try again.
   */
  async #openChannel(command: string): Promise<OpenedChannel> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await new Promise<OpenedChannel>((resolve, reject) => {
          this.client.exec(command, (error, channel) => {
            if (error) {
              reject(error);
              return;
            }
            // listen now: a quick command's exit status can arrive in the same read as the
            // channel's confirmation, before an awaiting caller would get to attach a listener
            let code: number | undefined;
            channel.on("exit", (status: number | null, signal?: string) => {
              const signals: Record<string, number | undefined> = constants.signals;
              code = status ?? 128 + (signals[signal ?? ""] ?? 0);
            });
            resolve({ channel, exitCode: () => code });
          });
        });
      } catch (error) {
        if (this.#lost || attempt >= OPEN_ATTEMPTS || !/open failed/i.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    // a connection lost earlier has closed already: waiting for its close would wait forever
    if (this.#closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.client.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
      // A dead peer never sends its close: the timer ends the wait. It keeps the event loop
      // alive on purpose: an unref'd one let Node exit with this promise pending, exit code 0,
      // and no recap printed.
    });
  }
}

/** Why the connection failed, in words a user can act on */
function unreachable(
  spec: ConnectionSpec,
  target: SshTarget,
  auth: AuthPlan,
  check: HostKeyCheck,
  error: Error & { code?: string; level?: string },
): UnreachableError {
  const label = `${spec.name} (${target.host}:${target.port})`;
  if (check.rejection) return new UnreachableError(spec.name, check.rejection.message, check.rejection.hint);
  if (error.level === "client-authentication") {
    const notes = auth.notes.length > 0 ? `; ${auth.notes.join("; ")}` : "";
    return new UnreachableError(
      spec.name,
      `${label}: authentication failed for user ${target.user} ${describeTried(auth)}${notes}`,
      "check ansible_user and ansible_ssh_private_key_file (is the public key in the user's authorized_keys?) or ansible_password",
    );
  }
  if (error.level === "client-timeout" || error.code === "ETIMEDOUT") {
    return new UnreachableError(
      spec.name,
      `${label}: connection timed out after ${target.connectTimeoutMs / 1000} s`,
      "is the host up, the address right (ansible_host) and port 22 (or ansible_port) open in its firewall?",
    );
  }
  switch (error.code) {
    case "ECONNREFUSED":
      return new UnreachableError(spec.name, `${label}: connection refused`, `is sshd running on the host and listening on port ${target.port} (ansible_port)?`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new UnreachableError(spec.name, `${label}: cannot resolve host name ${target.host}`, "check ansible_host (or the HostName in ~/.ssh/config) and DNS");
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new UnreachableError(spec.name, `${label}: no route to host`, "is the host up and the address (ansible_host) right?");
    case "ECONNRESET":
      return new UnreachableError(spec.name, `${label}: the host reset the connection during the handshake`, "check sshd's log on the host (MaxStartups, AllowUsers, TCP wrappers)");
    default:
      return new UnreachableError(spec.name, `${label}: cannot connect: ${error.message}`);
  }
}

export async function openSshConnection(spec: ConnectionSpec, logging: CommandLogOptions = {}, signal?: AbortSignal): Promise<Connection> {
  const target = resolveSshTarget(spec);
  const label = `${spec.name} (${target.host}:${target.port})`;
  let auth: AuthPlan;
  try {
    auth = planAuth(target, process.env["SSH_AUTH_SOCK"]);
  } catch (error) {
    if (error instanceof AuthSetupError) {
      throw new UnreachableError(spec.name, `${label}: ${error.message}`, "fix ansible_ssh_private_key_file for this host");
    }
    throw error;
  }
  const check = hostKeyCheck(spec.name, target, spec.hostKeyChecking);
  const client = new ssh2.Client();
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.user,
    readyTimeout: target.connectTimeoutMs,
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer) => check.verify(key),
    authHandler: authHandler(auth),
    algorithms: { serverHostKey: check.algorithms },
  };

  // the transport listens for errors from the start, so none goes unhandled between handshake and use
  const transport = new SshTransport(spec.name, label, target.user, client);
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const abandon = () => {
      if (settled) return;
      settled = true;
      client.destroy();
      reject(new UnreachableError(spec.name, `${label}: the run ended before the login finished`));
    };
    if (signal?.aborted) return abandon();
    signal?.addEventListener("abort", abandon, { once: true });
    client.once("ready", () => {
      signal?.removeEventListener("abort", abandon);
      if (settled) return;
      settled = true;
      resolve();
    });
    client.once("error", (error: Error) => {
      signal?.removeEventListener("abort", abandon);
      if (settled) return;
      settled = true;
      client.end();
      reject(unreachable(spec, target, auth, check, error));
    });
    client.connect(config);
  });
  return new CommandConnection(spec.name, transport, logging);
}
