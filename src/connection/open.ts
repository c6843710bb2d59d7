/** Open the right kind of connection for a host: ssh, or local for ansible_connection=local */
import type { SecretMasker } from "../secrets.js";
import { openLocalConnection } from "./local.js";
import type { JumpHostPool } from "./jump-hosts.js";
import { openSshConnection } from "./ssh.js";
import type { Connection, ConnectionSpec } from "./types.js";

export interface OpenConnectionOptions {
  /** receives each command line (verbose mode), secrets masked */
  log?: (line: string) => void;
  masker?: SecretMasker;
  /** stops a login still in progress: the run ended before it needed the host */
  signal?: AbortSignal | undefined;
  /** the run's jump host logins, shared by the hosts behind each (one per connection without it) */
  jumpHosts?: JumpHostPool | undefined;
}

export async function openConnection(spec: ConnectionSpec, options: OpenConnectionOptions = {}): Promise<Connection> {
  // TSIBLE_SESSIONS=off: a process per command, as before sessions (bench/results-notes.md compares them)
  const logging = { log: options.log, masker: options.masker, sessions: process.env["TSIBLE_SESSIONS"] !== "off" };
  if (spec.type === "local") return openLocalConnection(spec.name, logging);
  return openSshConnection(spec, logging, { signal: options.signal, jumpHosts: options.jumpHosts });
}
