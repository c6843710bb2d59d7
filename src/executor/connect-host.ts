/**
 * Opens the connection to one inventory host from its variables: the
 * connection variables may be templates (`ansible_host: "{{ ip }}"`), extra
 * vars win, and the passwords involved are handed to the masker first.
 */
import type { JumpHostPool } from "../connection/jump-hosts.js";
import { openConnection } from "../connection/open.js";
import { connectionSpecFromVars } from "../connection/spec.js";
import type { Connection, ConnectionSpec } from "../connection/types.js";
import type { Inventory } from "../inventory/index.js";
import type { SecretMasker } from "../secrets.js";
import type { Vars } from "../vars/vars.js";
import { renderDeep } from "../vars/template.js";
import type { ExecutorOptions } from "./options.js";

export interface HostConnectionRequest {
  inventory: Inventory;
  extraVars: Vars;
  masker: SecretMasker;
  connection?: ExecutorOptions["connection"];
  /** the play's remote_user, used when the inventory sets no ansible_user */
  remoteUser?: string | undefined;
  /** -v: every remote command line, masked */
  log?: ((line: string) => void) | undefined;
  /** abandons the login when the run no longer needs it */
  signal?: AbortSignal | undefined;
  /** the run's jump host logins, shared by all the hosts behind each */
  jumpHosts?: JumpHostPool | undefined;
  /** told the ssh options of ansible_ssh_common_args/extra_args that tsible cannot apply */
  ignoredSshOptions?: ((host: string, options: readonly string[]) => void) | undefined;
}

export interface HostConnection {
  connection: Connection;
  spec: ConnectionSpec;
  /** the host's rendered ansible_* variables */
  connectionVars: Vars;
}

export async function connectHost(name: string, request: HostConnectionRequest): Promise<HostConnection> {
  const vars = { ...request.inventory.hostVars(name), ...request.extraVars };
  const connectionVars = renderDeep(
    Object.fromEntries(Object.entries(vars).filter(([key]) => key.startsWith("ansible_"))),
    vars,
    { file: `inventory vars of ${name}` },
  ) as Vars;
  const spec = connectionSpecFromVars(name, connectionVars, {
    hostKeyChecking: request.connection?.hostKeyPolicy,
    knownHostsFile: request.connection?.knownHostsFile,
    connectTimeoutMs: request.connection?.connectTimeoutMs,
    privateKeyFile: request.connection?.privateKeyFile,
    user: request.remoteUser,
  });
  if (spec.password) request.masker.add(spec.password, { force: true });
  if (spec.ignoredSshOptions !== undefined) request.ignoredSshOptions?.(name, spec.ignoredSshOptions);
  const connection = await openConnection(spec, { masker: request.masker, log: request.log, signal: request.signal, jumpHosts: request.jumpHosts });
  return { connection, spec, connectionVars };
}
