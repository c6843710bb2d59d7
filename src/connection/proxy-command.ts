/**
 * ProxyCommand, as ssh runs it: the command, with %h %p %r %n %% expanded, run by /bin/sh on
 * this machine; its stdin and stdout carry the SSH connection (ssh2's `sock`).
 */
import { spawn } from "node:child_process";
import { Duplex } from "node:stream";

export interface ProxyCommandTokens {
  /** %h: the host name connected to (after ssh config's HostName) */
  host: string;
  /** %p */
  port: number;
  /** %r: the login user */
  user: string;
  /** %n: the name as given (ansible_host) */
  alias: string;
}

/** Characters a host or user name may carry into the shell command: ssh refuses the others too */
const SAFE_NAME = /^[A-Za-z0-9_.:@[\]-]+$/;

export class ProxyCommandError extends Error {}

/** The command with its % tokens expanded; a name with shell characters in it is refused */
export function expandProxyCommand(command: string, tokens: ProxyCommandTokens): string {
  for (const [what, value] of [["host name", tokens.host], ["user name", tokens.user], ["host alias", tokens.alias]] as const) {
    if (!SAFE_NAME.test(value)) throw new ProxyCommandError(`the ${what} ${JSON.stringify(value)} has characters that cannot go into a ProxyCommand`);
  }
  return command.replace(/%(.)/g, (token: string, letter: string) => {
    switch (letter) {
      case "h":
        return tokens.host;
      case "p":
        return String(tokens.port);
      case "r":
        return tokens.user;
      case "n":
        return tokens.alias;
      case "%":
        return "%";
      default:
        throw new ProxyCommandError(`ProxyCommand has an unknown token ${token} (tsible knows %h %p %r %n %%)`);
    }
  });
}

export interface ProxyProcess {
  /** the command's stdout (read) and stdin (write), as ssh2's `sock` */
  socket: Duplex;
  /** ends the command (when the connection over it closes) */
  stop(): void;
  /**
   * How the command ended, when it has (or does within a moment): "ProxyCommand `x` exited
   * with status 255: <its stderr>"; undefined while it still runs
   */
  ended(): Promise<string | undefined>;
}

const STDERR_KEPT = 2000;
const EXIT_GRACE_MS = 1000;

export function startProxyCommand(command: string): ProxyProcess {
  // as ssh does: exec, so the shell does not linger between the connection and the command
  const child = spawn("/bin/sh", ["-c", `exec ${command}`], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
  });
  let exit: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.on("error", (error) => {
      exit = `ProxyCommand \`${command}\` could not start: ${error.message}`;
      resolve(exit);
    });
    child.on("close", (code, signal) => {
      const how = code !== null ? `exited with status ${code}` : `was killed by ${signal ?? "a signal"}`;
      const said = stderr.trim();
      exit ??= `ProxyCommand \`${command}\` ${how}${said === "" ? "" : `: ${said}`}`;
      resolve(exit);
    });
  });
  // a write after the command died is reported by ended(), not as an unhandled EPIPE
  child.stdin.on("error", () => undefined);
  const socket = Duplex.from({ readable: child.stdout, writable: child.stdin });
  // the command's end (a premature close) is ssh2's to see as the connection ending, and ended()'s to explain
  socket.on("error", () => undefined);
  return {
    socket,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    },
    async ended() {
      if (exit !== undefined) return exit;
      let timer: NodeJS.Timeout | undefined;
      const later = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), EXIT_GRACE_MS);
      });
      const result = await Promise.race([exited, later]);
      clearTimeout(timer);
      return result;
    },
  };
}
