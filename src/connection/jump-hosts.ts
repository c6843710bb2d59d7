/**
 * Reaching a host through jump hosts (ProxyJump, `-J a,b`) or a ProxyCommand, as OpenSSH does:
 * `-J a,b` logs in to a, then to b through a, then to the host through b; a jump host's own ssh
 * config (User, Port, IdentityFile, its own ProxyJump) applies to it, except that the hosts
 * listed before it in `-J` are how it is reached. Every hop's host key is checked with the
 * run's policy. A run logs in to each jump host once and shares that login among all the hosts
 * behind it (JumpHostPool); it logs out when the last of them closes.
 */
import type { Duplex } from "node:stream";
import ssh2, { type Client } from "ssh2";
import { UserError } from "../errors.js";
import { expandProxyCommand, ProxyCommandError, startProxyCommand } from "./proxy-command.js";
import { sshHandshake, targetLabel } from "./ssh-handshake.js";
import { resolveSshTarget, type SshTarget } from "./ssh-target.js";
import { type ConnectionSpec, UnreachableError } from "./types.js";

/** One entry of a ProxyJump list: `[user@]host[:port]` or `ssh://[user@]host[:port]` */
export interface JumpHostEntry {
  user?: string;
  host: string;
  port?: number;
}

/** ssh gives up on a chain this long: it is a loop (a ProxyJump that names itself) */
const MAX_HOPS = 10;

export function parseJumpHosts(text: string): JumpHostEntry[] {
  return text.split(",").map((raw) => {
    const item = raw.trim().replace(/^ssh:\/\//, "");
    const match = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s[\]]+)(?::(\d+))?$/.exec(item);
    if (!match) {
      throw new UserError(`ProxyJump entry ${JSON.stringify(raw.trim())} is not [user@]host[:port]`, { hint: "write jump hosts as -J user@host:port,host2 (or ProxyJump in ssh config)" });
    }
    const [, user, host = "", port] = match;
    const entry: JumpHostEntry = { host: host.replace(/^\[|\]$/g, "") };
    if (user !== undefined) entry.user = user;
    if (port !== undefined) {
      const number = Number(port);
      if (number < 1 || number > 65535) throw new UserError(`ProxyJump entry ${JSON.stringify(raw.trim())}: ${port} is not a port number (1-65535)`);
      entry.port = number;
    }
    return entry;
  });
}

/** How a host (or a jump host) is reached when not directly */
export type Route = { kind: "jump"; hop: JumpHop } | { kind: "command"; command: string };

export interface JumpHop {
  /** the name as written in ProxyJump, for messages */
  name: string;
  target: SshTarget;
  policy: ConnectionSpec["hostKeyChecking"];
  route: Route | undefined;
  /** user@host:port, key files and route: hosts whose hops have the same key share one login */
  key: string;
}

/**
 * The route to a host whose target is resolved. Jump hosts inherit the run-wide settings of the
 * host behind them (host key policy, known_hosts file, ssh config file, connect timeout), not
 * its user, port or key.
 */
export function routeTo(spec: ConnectionSpec, target: SshTarget, depth = 0): Route | undefined {
  const proxy = target.proxy;
  if (proxy === undefined) return undefined;
  if (proxy.kind === "command") return { kind: "command", command: proxy.command };
  if (depth >= MAX_HOPS) {
    throw new UserError(`${spec.name}: more than ${MAX_HOPS} jump hosts in a row (ProxyJump ${proxy.hosts})`, { hint: "a jump host's ssh config probably names itself (or the host) in ProxyJump" });
  }
  const entries = parseJumpHosts(proxy.hosts);
  const last = entries.at(-1);
  if (last === undefined) return undefined;
  const before = entries.slice(0, -1);
  const hopSpec: ConnectionSpec = {
    name: last.host,
    type: "ssh",
    address: last.host,
    port: last.port,
    user: last.user,
    hostKeyChecking: spec.hostKeyChecking,
    knownHostsFile: spec.knownHostsFile,
    sshConfigFile: spec.sshConfigFile,
    connectTimeoutMs: spec.connectTimeoutMs,
    // the hosts before it in the list are its way in; without any, its own config decides
    proxyJump: before.length > 0 ? before.map(formatJumpHost).join(",") : undefined,
  };
  const hopTarget = resolveSshTarget(hopSpec);
  const route = routeTo(hopSpec, hopTarget, depth + 1);
  const via = route === undefined ? "" : route.kind === "jump" ? ` via ${route.hop.key}` : ` via command ${route.command}`;
  const hop: JumpHop = {
    name: last.host,
    target: hopTarget,
    policy: spec.hostKeyChecking,
    route,
    key: `${hopTarget.user}@${hopTarget.host}:${hopTarget.port} keys ${hopTarget.keyFiles.join(",")}${via}`,
  };
  return { kind: "jump", hop };
}

function formatJumpHost(entry: JumpHostEntry): string {
  const host = entry.host.includes(":") ? `[${entry.host}]` : entry.host;
  return `${entry.user === undefined ? "" : `${entry.user}@`}${host}${entry.port === undefined ? "" : `:${entry.port}`}`;
}

/** The stream an SSH login to a host goes over, and what to do when that login ends */
export interface RouteStream {
  sock: Duplex | undefined;
  /** why the stream ended, when it has (a ProxyCommand's exit) */
  ended?: () => Promise<string | undefined>;
  /** frees the jump host login (or stops the ProxyCommand) this stream used */
  release: () => Promise<void>;
}

const direct: RouteStream = { sock: undefined, release: async () => undefined };

interface SharedLogin {
  client: Promise<Client>;
  users: number;
}

/** The run's jump host logins, each shared by every host behind it */
export class JumpHostPool {
  readonly #logins = new Map<string, SharedLogin>();

  /**
   * Open the stream to `name` (`target`) along `route`. Failures are UnreachableErrors of that
   * host, naming the jump host or ProxyCommand at fault.
   */
  async open(name: string, target: SshTarget, route: Route | undefined): Promise<RouteStream> {
    if (route === undefined) return direct;
    if (route.kind === "command") return this.#runCommand(name, target, route.command);
    const label = targetLabel(name, target);
    const hopLabel = targetLabel(route.hop.name, route.hop.target);
    let client: Client;
    try {
      client = await this.#acquire(route.hop);
    } catch (error) {
      if (!(error instanceof UnreachableError)) throw error;
      const about = "this is the jump host: its address, port and user come from ProxyJump/-J and ssh config";
      throw new UnreachableError(name, `${label}: cannot reach it through jump host ${error.message}`, error.hint === undefined ? about : `${error.hint} (${about})`);
    }
    const release = once(() => this.#release(route.hop.key));
    try {
      const sock = await forwardTo(client, target);
      return { sock, release };
    } catch (error) {
      await release();
      throw new UnreachableError(
        name,
        `${label}: jump host ${hopLabel} could not connect to ${target.host}:${target.port}: ${(error as Error).message}`,
        "is the host up and reachable from the jump host, and does the jump host's sshd allow TCP forwarding (AllowTcpForwarding)?",
      );
    }
  }

  #runCommand(name: string, target: SshTarget, command: string): RouteStream {
    let expanded: string;
    try {
      expanded = expandProxyCommand(command, { host: target.host, port: target.port, user: target.user, alias: name });
    } catch (error) {
      if (error instanceof ProxyCommandError) throw new UnreachableError(name, `${targetLabel(name, target)}: ${error.message}`, "check ProxyCommand in ssh config or ansible_ssh_common_args");
      throw error;
    }
    const proxy = startProxyCommand(expanded);
    return {
      sock: proxy.socket,
      ended: () => proxy.ended(),
      release: async () => proxy.stop(),
    };
  }

  async #acquire(hop: JumpHop): Promise<Client> {
    let login = this.#logins.get(hop.key);
    if (!login) {
      login = { client: this.#logIn(hop), users: 0 };
      this.#logins.set(hop.key, login);
      const opened = login;
      // a failed login is forgotten, so a later host tries again, as ssh would
      opened.client.catch(() => this.#forget(hop.key, opened));
    }
    login.users++;
    try {
      return await login.client;
    } catch (error) {
      login.users--;
      throw error;
    }
  }

  async #logIn(hop: JumpHop): Promise<Client> {
    const stream = await this.open(hop.name, hop.target, hop.route);
    const client = new ssh2.Client();
    // after the login, a lost jump host shows as each forwarded connection closing
    client.on("error", () => undefined);
    try {
      await sshHandshake(client, hop.name, hop.target, hop.policy, { sock: stream.sock, streamEnded: stream.ended });
    } catch (error) {
      await stream.release();
      throw error;
    }
    client.once("close", () => {
      const login = this.#logins.get(hop.key);
      if (login !== undefined) void login.client.then((current) => current === client && this.#forget(hop.key, login));
      void stream.release();
    });
    return client;
  }

  #forget(key: string, login: SharedLogin): void {
    if (this.#logins.get(key) === login) this.#logins.delete(key);
  }

  /** The last host behind a jump host is done with it: log out (and wait for that, briefly) */
  async #release(key: string): Promise<void> {
    const login = this.#logins.get(key);
    if (login === undefined) return;
    login.users--;
    if (login.users > 0) return;
    this.#logins.delete(key);
    const client = await login.client.catch(() => undefined);
    if (client !== undefined) await endClient(client);
  }
}

function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= action());
}

/** A direct-tcpip channel from the jump host to the target, as `ssh -W host:port` opens */
function forwardTo(client: Client, target: SshTarget): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut("127.0.0.1", 0, target.host, target.port, (error, channel) => (error ? reject(error) : resolve(channel)));
  });
}

/** End a login and wait for its close, at most 2 s (a dead peer never answers) */
function endClient(client: Client): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    client.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}
