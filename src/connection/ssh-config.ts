/**
 * What ~/.ssh/config says about a host (HostName, User, Port, IdentityFile,
 * UserKnownHostsFile, ConnectTimeout, ProxyJump or ProxyCommand), computed by the
 * `ssh-config` package. Inventory values override these; the caller does the merging.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import SSHConfig from "ssh-config";

export interface SshConfigForHost {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  userKnownHostsFile?: string;
  connectTimeoutSeconds?: number;
  /** whichever of ProxyJump and ProxyCommand the config gives first (ssh ignores the other); may be "none" */
  proxy?: { kind: "jump"; value: string } | { kind: "command"; value: string };
}

export function defaultSshConfigFile(): string {
  return join(homedir(), ".ssh", "config");
}

/** `~/x` and `~` become paths under the home directory, as ssh does */
export function expandHome(path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return path;
}

function first(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : value;
}

function all(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Compute the settings for `host` from ssh config text (pure; `Match exec` never runs) */
export function sshConfigFromText(text: string, host: string): SshConfigForHost {
  const computed = SSHConfig.parse(text).compute(host, { ignoreCase: true, matchExec: false });
  const port = first(computed["port"]);
  const hostName = first(computed["hostname"]);
  const user = first(computed["user"]);
  const knownHosts = first(computed["userknownhostsfile"])?.split(/\s+/)[0];
  const result: SshConfigForHost = {
    identityFiles: all(computed["identityfile"]).map((file) => expandHome(file.replace(/%d/g, homedir()))),
  };
  // %h in HostName stands for the name given on the command line
  if (hostName !== undefined) result.hostName = hostName.replace(/%h/g, host);
  if (user !== undefined) result.user = user;
  if (port !== undefined && /^\d+$/.test(port)) result.port = Number(port);
  if (knownHosts !== undefined && knownHosts !== "none") result.userKnownHostsFile = expandHome(knownHosts);
  const timeout = first(computed["connecttimeout"]);
  if (timeout !== undefined && /^\d+$/.test(timeout) && Number(timeout) > 0) result.connectTimeoutSeconds = Number(timeout);
  // compute() keeps the first value of each keyword in the order met, so the key order says which came first
  const proxyKey = Object.keys(computed).find((key) => key === "proxyjump" || key === "proxycommand");
  const proxyValue = proxyKey === undefined ? undefined : first(computed[proxyKey]);
  if (proxyValue !== undefined) result.proxy = { kind: proxyKey === "proxyjump" ? "jump" : "command", value: proxyValue };
  return result;
}

/** Read `file` (default ~/.ssh/config); "" or a missing file yields no settings */
export function sshConfigForHost(host: string, file: string | undefined): SshConfigForHost {
  const path = file === undefined ? defaultSshConfigFile() : expandHome(file);
  if (path === "" || !existsSync(path)) return { identityFiles: [] };
  return sshConfigFromText(readFileSync(path, "utf8"), host);
}
