/**
 * One SSH login with ssh2: host key checked with the run's policy, credentials offered in
 * OpenSSH's order, and every way it can fail turned into an UnreachableError that says what to
 * fix. Used for the hosts a run works on and for the jump hosts in front of them alike.
 */
import type { Duplex } from "node:stream";
import type { Client, ConnectConfig } from "ssh2";
import { hostKeyCheck, type HostKeyCheck } from "./host-key-check.js";
import { AuthSetupError, authHandler, describeTried, planAuth, type AuthPlan } from "./ssh-auth.js";
import type { SshTarget } from "./ssh-target.js";
import { type ConnectionSpec, UnreachableError } from "./types.js";

const KEEPALIVE_INTERVAL_MS = 15_000;

export interface HandshakeOptions {
  /** the stream to speak SSH over (a jump host's forwarded channel, a ProxyCommand); default a TCP connection */
  sock?: Duplex | undefined;
  /** says why the stream ended, when it did (a ProxyCommand that exited), for the message */
  streamEnded?: (() => Promise<string | undefined>) | undefined;
  /** abandons the login when the run no longer needs it */
  signal?: AbortSignal | undefined;
}

/** "name (host:port)", how messages name a host */
export function targetLabel(name: string, target: SshTarget): string {
  return `${name} (${target.host}:${target.port})`;
}

/** Why the connection failed, in words a user can act on */
function unreachable(name: string, target: SshTarget, auth: AuthPlan, check: HostKeyCheck, error: Error & { code?: string; level?: string }): UnreachableError {
  const label = targetLabel(name, target);
  if (check.rejection) return new UnreachableError(name, check.rejection.message, check.rejection.hint);
  if (error.level === "client-authentication") {
    const notes = auth.notes.length > 0 ? `; ${auth.notes.join("; ")}` : "";
    return new UnreachableError(
      name,
      `${label}: authentication failed for user ${target.user} ${describeTried(auth)}${notes}`,
      "check ansible_user and ansible_ssh_private_key_file (is the public key in the user's authorized_keys?) or ansible_password",
    );
  }
  if (error.level === "client-timeout" || error.code === "ETIMEDOUT") {
    return new UnreachableError(
      name,
      `${label}: connection timed out after ${target.connectTimeoutMs / 1000} s`,
      "is the host up, the address right (ansible_host) and port 22 (or ansible_port) open in its firewall?",
    );
  }
  switch (error.code) {
    case "ECONNREFUSED":
      return new UnreachableError(name, `${label}: connection refused`, `is sshd running on the host and listening on port ${target.port} (ansible_port)?`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new UnreachableError(name, `${label}: cannot resolve host name ${target.host}`, "check ansible_host (or the HostName in ~/.ssh/config) and DNS");
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new UnreachableError(name, `${label}: no route to host`, "is the host up and the address (ansible_host) right?");
    case "ECONNRESET":
      return new UnreachableError(name, `${label}: the host reset the connection during the handshake`, "check sshd's log on the host (MaxStartups, AllowUsers, TCP wrappers)");
    default:
      return new UnreachableError(name, `${label}: cannot connect: ${error.message}`);
  }
}

/**
 * Log `client` in to `target` (`name` is how messages call it). The caller made the client and
 * listens for its errors, so none goes unhandled between the handshake and its use.
 */
export async function sshHandshake(
  client: Client,
  name: string,
  target: SshTarget,
  policy: ConnectionSpec["hostKeyChecking"],
  options: HandshakeOptions = {},
): Promise<void> {
  const label = targetLabel(name, target);
  let auth: AuthPlan;
  try {
    auth = planAuth(target, process.env["SSH_AUTH_SOCK"]);
  } catch (error) {
    if (error instanceof AuthSetupError) {
      throw new UnreachableError(name, `${label}: ${error.message}`, "fix ansible_ssh_private_key_file (or IdentityFile in ssh config) for this host");
    }
    throw error;
  }
  const check = hostKeyCheck(name, target, policy);
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
  if (options.sock) config.sock = options.sock;
  const { signal, streamEnded } = options;

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: UnreachableError | Promise<UnreachableError>) => {
      signal?.removeEventListener("abort", abandon);
      if (settled) return;
      settled = true;
      if (error === undefined) resolve();
      else Promise.resolve(error).then(reject, reject);
    };
    /** a stream that ended (a ProxyCommand that exited) says more than the error it caused */
    const failure = async (error: Error): Promise<UnreachableError> => {
      const ended = check.rejection ? undefined : await streamEnded?.();
      if (ended !== undefined) return new UnreachableError(name, `${label}: ${ended}`, "run the ProxyCommand by hand to see why it fails");
      return unreachable(name, target, auth, check, error);
    };
    function abandon() {
      client.destroy();
      settle(new UnreachableError(name, `${label}: the run ended before the login finished`));
    }
    if (signal?.aborted) return abandon();
    signal?.addEventListener("abort", abandon, { once: true });
    client.once("ready", () => settle());
    client.once("error", (error: Error) => {
      client.end();
      settle(failure(error));
    });
    // a stream given as `sock` can end without an error (a ProxyCommand that exits at once)
    client.once("close", () => settle(failure(new Error("the connection closed during the handshake"))));
    client.connect(config);
  });
}
