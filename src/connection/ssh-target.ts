/**
 * Where and as whom to connect: inventory values first, then ~/.ssh/config,
 * then OpenSSH's defaults.
 */
import { existsSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { expandHome, sshConfigForHost } from "./ssh-config.js";
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
}

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
    connectTimeoutMs: spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
}
