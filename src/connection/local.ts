/**
 * ansible_connection=local: the same Connection, with commands started on this
 * machine by execa from the argv directly (no shell beyond tsible's constant
 * scripts).
 */
import { constants, userInfo } from "node:os";
import { CommandConnection, type CommandLogOptions, type Transport } from "./command-connection.js";
import type { StartedProcess } from "./process.js";
import type { Connection } from "./types.js";

class LocalTransport implements Transport {
  readonly loginUser = userInfo().username;

  async start(argv: readonly string[]): Promise<StartedProcess> {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error("empty command");
    // loaded on first use: execa is a large part of the bundle, and most runs use ssh only
    const { execa } = await import("execa");
    const child = execa(file, args, { stdin: "pipe", stdout: "pipe", stderr: "pipe", buffer: false, reject: false });
    const { stdin, stdout, stderr } = child;
    if (stdin === null || stdout === null || stderr === null) throw new Error("local command started without pipes");
    const exited = child.then((result) => {
      // a missing program is exit 127, as a shell would report it
      if (result.failed && result.exitCode === undefined && result.signal === undefined) return 127;
      return result.exitCode ?? 128 + signalNumber(result.signal);
    });
    return { stdin, stdout, stderr, exited };
  }

  async close(): Promise<void> {}
}

function signalNumber(signal: string | undefined): number {
  const numbers: Record<string, number | undefined> = constants.signals;
  return signal === undefined ? 0 : (numbers[signal] ?? 0);
}

export function openLocalConnection(hostName: string, logging: CommandLogOptions = {}): Connection {
  return new CommandConnection(hostName, new LocalTransport(), logging);
}
