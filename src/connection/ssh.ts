/**
 * SSH through ssh2: one persistent connection per host for the whole run, each
 * command an exec channel on it, directly or through jump hosts / a ProxyCommand
 * (jump-hosts.ts). Connection failures become UnreachableError with a message
 * that says what to fix (ssh-handshake.ts).
 */
import { constants } from "node:os";
import ssh2, { type Client, type ClientChannel } from "ssh2";
import { CommandConnection, type CommandLogOptions, type Transport } from "./command-connection.js";
import { JumpHostPool, routeTo } from "./jump-hosts.js";
import type { StartedProcess } from "./process.js";
import { quoteArgv } from "./quote.js";
import { sshHandshake, targetLabel } from "./ssh-handshake.js";
import { resolveSshTarget } from "./ssh-target.js";
import { type Connection, type ConnectionSpec, UnreachableError } from "./types.js";

/** OpenSSH's sshd allows 10 sessions per connection (MaxSessions); more would fail to open */
const MAX_CHANNELS = 10;
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
    /** frees what the connection went through (a shared jump host login, a ProxyCommand) */
    private readonly releaseRoute: () => Promise<void>,
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
    await this.#endClient();
    await this.releaseRoute();
  }

  async #endClient(): Promise<void> {
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

export interface SshConnectionOptions {
  /** the run's shared jump host logins; without one, this connection has its own */
  jumpHosts?: JumpHostPool | undefined;
  /** abandons the login when the run no longer needs it */
  signal?: AbortSignal | undefined;
}

export async function openSshConnection(spec: ConnectionSpec, logging: CommandLogOptions = {}, options: SshConnectionOptions = {}): Promise<Connection> {
  const target = resolveSshTarget(spec);
  const label = targetLabel(spec.name, target);
  const route = routeTo(spec, target);
  const stream = await (options.jumpHosts ?? new JumpHostPool()).open(spec.name, target, route);
  const client = new ssh2.Client();
  // the transport listens for errors from the start, so none goes unhandled between handshake and use
  const transport = new SshTransport(spec.name, label, target.user, client, stream.release);
  try {
    await sshHandshake(client, spec.name, target, spec.hostKeyChecking, { sock: stream.sock, streamEnded: stream.ended, signal: options.signal });
  } catch (error) {
    await stream.release();
    throw error;
  }
  return new CommandConnection(spec.name, transport, logging);
}
