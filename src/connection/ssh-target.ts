/**
 * Where, as whom and through what to connect: inventory values first, then ~/.ssh/config,
 * then OpenSSH's defaults.
 */
import { existsSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { expandHome, sshConfigForHost, type SshConfigForHost } from "./ssh-config.js";
import type { ConnectionSpec } from "./types.js";

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** key files to offer, in order */
  keyFiles: string[];
  /** the key file came from the inventory, so a missing file is an error rather than skipped */
  keyFileRequired: boolean;
  password: string | undefined;
  /** every known_hosts file read for checking */
  knownHostsFiles: string[];
  /** the one new keys are appended to (accept-new) */
  knownHostsWriteFile: string;
  connectTimeoutMs: number;
  /** how the host is reached when not directly: ProxyJump's hosts, or a ProxyCommand */
  proxy: SshProxy | undefined;
}

export type SshProxy = { kind: "jump"; hosts: string } | { kind: "command"; command: string };

const DEFAULT_IDENTITIES = ["id_ed25519", "id_ecdsa", "id_rsa"];
const GLOBAL_KNOWN_HOSTS = "/etc/ssh/ssh_known_hosts";

export function resolveSshTarget(spec: ConnectionSpec): SshTarget {
  const config = sshConfigForHost(spec.address, spec.sshConfigFile);
  let keyFiles: string[];
  const keyFileRequired = spec.privateKeyFile !== undefined;
  if (spec.privateKeyFile !== undefined) keyFiles = [expandHome(spec.privateKeyFile)];
  else if (config.identityFiles.length > 0) keyFiles = config.identityFiles;
  // like OpenSSH, the default identities are offered only when none was configured
  else keyFiles = DEFAULT_IDENTITIES.map((name) => join(homedir(), ".ssh", name)).filter((file) => existsSync(file));

  const userKnownHosts = spec.knownHostsFile ?? config.userKnownHostsFile ?? join(homedir(), ".ssh", "known_hosts");
  const knownHostsFiles = spec.knownHostsFile === undefined ? [userKnownHosts, GLOBAL_KNOWN_HOSTS] : [userKnownHosts];

  return {
    host: config.hostName ?? spec.address,
    port: spec.port ?? config.port ?? 22,
    user: spec.user ?? config.user ?? userInfo().username,
    keyFiles,
    keyFileRequired,
    password: spec.password,
    knownHostsFiles,
    knownHostsWriteFile: userKnownHosts,
    connectTimeoutMs: spec.connectTimeoutMs ?? (config.connectTimeoutSeconds === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : config.connectTimeoutSeconds * 1000),
    proxy: proxyOf(spec, config.proxy),
  };
}

/** The inventory's ProxyJump or ProxyCommand first, then ssh config's; "none" means directly */
function proxyOf(spec: ConnectionSpec, configured: SshConfigForHost["proxy"]): SshProxy | undefined {
  let proxy: SshProxy | undefined;
  if (spec.proxyJump !== undefined) proxy = { kind: "jump", hosts: spec.proxyJump };
  else if (spec.proxyCommand !== undefined) proxy = { kind: "command", command: spec.proxyCommand };
  else if (configured?.kind === "jump") proxy = { kind: "jump", hosts: configured.value };
  else if (configured?.kind === "command") proxy = { kind: "command", command: configured.value };
  const value = proxy?.kind === "jump" ? proxy.hosts : proxy?.command;
  return value === undefined || value.trim() === "" || value.trim().toLowerCase() === "none" ? undefined : proxy;
}
