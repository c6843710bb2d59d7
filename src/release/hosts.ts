/**
 * Connections of the release's own (locks, records, status), separate from the
 * playbook run's: opened from the same inventory variables, in parallel, with
 * root reached by sudo unless the login user is root.
 */
import { userInfo } from "node:os";
import { JumpHostPool } from "../connection/jump-hosts.js";
import { resolveBecome } from "../connection/spec.js";
import { connectHost } from "../executor/connect-host.js";
import { resolveSshTarget } from "../connection/ssh-target.js";
import type { BecomeOptions, ConnectionSpec } from "../connection/types.js";
import type { Inventory } from "../inventory/index.js";
import type { SecretMasker } from "../secrets.js";
import type { Vars } from "../vars/vars.js";
import type { HostTarget } from "./host-target.js";

export interface ConnectionSettings {
  hostKeyPolicy?: "strict" | "accept-new" | "off" | undefined;
  knownHostsFile?: string | undefined;
}

export type OpenedHost = { name: string; target: HostTarget; error?: undefined } | { name: string; target?: undefined; error: Error };

export async function openHosts(
  names: readonly string[],
  context: { inventory: Inventory; extraVars: Vars; masker: SecretMasker; connection: ConnectionSettings },
): Promise<OpenedHost[]> {
  // the hosts behind one bastion share one login to it, as in a playbook run
  const jumpHosts = new JumpHostPool();
  return Promise.all(
    names.map(async (name): Promise<OpenedHost> => {
      try {
        return { name, target: await openHost(name, { ...context, jumpHosts }) };
      } catch (error) {
        return { name, error: error instanceof Error ? error : new Error(String(error)) };
      }
    }),
  );
}

async function openHost(
  name: string,
  context: { inventory: Inventory; extraVars: Vars; masker: SecretMasker; connection: ConnectionSettings; jumpHosts: JumpHostPool },
): Promise<HostTarget> {
  const { connection, spec, connectionVars } = await connectHost(name, context);
  const become = rootBecome(spec, connectionVars);
  if (become?.password) context.masker.add(become.password, { force: true });
  return { name, connection, become };
}

/** sudo to root with the host's become password; none when the login user is root already */
function rootBecome(spec: ConnectionSpec, vars: Vars): BecomeOptions | undefined {
  const loginUser = spec.type === "local" ? userInfo().username : resolveSshTarget(spec).user;
  if (loginUser === "root") return undefined;
  return resolveBecome({ task: { become: true, becomeUser: "root" }, vars });
}

export async function closeHosts(hosts: readonly OpenedHost[]): Promise<void> {
  await Promise.all(hosts.map((host) => host.target?.connection.close().catch(() => undefined)));
}
