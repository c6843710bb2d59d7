/**
 * Inventory variables -> ConnectionSpec and BecomeOptions. The one place that
 * knows the ansible_* connection variable names.
 */
import { UserError } from "../errors.js";
import { Secret } from "../secrets.js";
import { parseAnsibleBool } from "../ansible-bool.js";
import { sshArgsFromVars } from "./ssh-args.js";
import type { BecomeOptions, ConnectionSpec } from "./types.js";

export type HostKeyPolicy = ConnectionSpec["hostKeyChecking"];

/** Run-wide settings a host's variables may override */
export interface ConnectionDefaults {
  hostKeyChecking?: HostKeyPolicy;
  knownHostsFile?: string;
  sshConfigFile?: string;
  connectTimeoutMs?: number;
  user?: string;
  /** ansible.cfg's private_key_file: like ansible_ssh_private_key_file, below it */
  privateKeyFile?: string;
}

function text(vars: Record<string, unknown>, name: string): string | undefined {
  const value = vars[name];
  if (value === undefined || value === null) return undefined;
  if (value instanceof Secret) return value.reveal();
  if (typeof value === "string" || typeof value === "number") return String(value);
  throw new UserError(`${name} must be a string, not ${typeof value}`, { hint: `check the value of ${name} in the inventory` });
}

function firstText(vars: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = text(vars, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

function flag(vars: Record<string, unknown>, name: string): boolean | undefined {
  const value = vars[name];
  if (value === undefined || value === null) return undefined;
  const bool = parseAnsibleBool(value);
  if (bool !== undefined) return bool;
  throw new UserError(`${name} must be true or false, not ${JSON.stringify(value)}`, { hint: `set ${name}: true or ${name}: false` });
}

function port(vars: Record<string, unknown>): number | undefined {
  const value = text(vars, "ansible_port");
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535) {
    throw new UserError(`ansible_port must be a port number (1-65535), not ${JSON.stringify(value)}`);
  }
  return number;
}

function hostKeyPolicy(vars: Record<string, unknown>, fallback: HostKeyPolicy): HostKeyPolicy {
  const policy = text(vars, "tsible_host_key_policy");
  if (policy !== undefined) {
    if (policy === "strict" || policy === "accept-new" || policy === "off") return policy;
    throw new UserError(`tsible_host_key_policy must be strict, accept-new or off, not ${JSON.stringify(policy)}`);
  }
  // Ansible's switch: false turns checking off; true keeps the run's policy
  if (flag(vars, "ansible_host_key_checking") === false) return "off";
  return fallback;
}

function connectionType(vars: Record<string, unknown>): ConnectionSpec["type"] {
  const type = text(vars, "ansible_connection") ?? "ssh";
  if (type === "ssh" || type === "paramiko" || type === "smart") return "ssh";
  if (type === "local") return "local";
  throw new UserError(`ansible_connection ${JSON.stringify(type)} is not supported`, { hint: "use ssh (the default) or local" });
}

/**
 * Precedence as Ansible's ssh command line has it: ansible_port/user/private_key_file (and the
 * play's remote_user) come before ansible_ssh_common_args and ansible_ssh_extra_args, and ssh
 * takes the first value of an option, so they win; the args win over ~/.ssh/config (applied
 * later, in resolveSshTarget).
 */
export function connectionSpecFromVars(name: string, vars: Record<string, unknown>, defaults: ConnectionDefaults = {}): ConnectionSpec {
  const args = sshArgsFromVars([
    { variable: "ansible_ssh_common_args", text: text(vars, "ansible_ssh_common_args") },
    { variable: "ansible_ssh_extra_args", text: text(vars, "ansible_ssh_extra_args") },
  ]);
  const inventoryKey = text(vars, "ansible_ssh_private_key_file") ?? text(vars, "ansible_private_key_file") ?? defaults.privateKeyFile;
  const fallbackPolicy = args.strictHostKeyChecking ?? defaults.hostKeyChecking ?? "strict";
  const spec: ConnectionSpec = {
    name,
    type: connectionType(vars),
    address: text(vars, "ansible_host") ?? name,
    port: port(vars) ?? args.port,
    user: text(vars, "ansible_user") ?? defaults.user ?? args.user,
    password: firstText(vars, ["ansible_password", "ansible_ssh_pass", "ansible_ssh_password"]),
    privateKeyFile: inventoryKey ?? args.identityFiles[0],
    hostKeyChecking: hostKeyPolicy(vars, fallbackPolicy),
    knownHostsFile: args.userKnownHostsFile ?? defaults.knownHostsFile,
    sshConfigFile: args.configFile ?? defaults.sshConfigFile,
    connectTimeoutMs: defaults.connectTimeoutMs,
  };
  if (args.proxyJump !== undefined) spec.proxyJump = args.proxyJump;
  if (args.proxyCommand !== undefined) spec.proxyCommand = args.proxyCommand;
  // tsible offers one key file per host; ssh would try every -i in turn
  const unusedKeys = inventoryKey === undefined ? args.identityFiles.slice(1) : args.identityFiles;
  const ignored = [...args.ignored, ...unusedKeys.map((file) => `-i ${file}`)];
  if (ignored.length > 0) spec.ignoredSshOptions = ignored;
  const timeout = text(vars, "ansible_timeout");
  if (timeout !== undefined) {
    const seconds = Number(timeout);
    if (!(seconds > 0)) throw new UserError(`ansible_timeout must be a number of seconds, not ${JSON.stringify(timeout)}`);
    spec.connectTimeoutMs = seconds * 1000;
  } else if (args.connectTimeoutSeconds !== undefined && defaults.connectTimeoutMs === undefined) {
    spec.connectTimeoutMs = args.connectTimeoutSeconds * 1000;
  }
  return spec;
}

/** The become keywords of a play, block or task (undefined: not set there) */
export interface BecomeKeywords {
  become?: boolean | undefined;
  becomeUser?: string | undefined;
}

export interface BecomeSettings {
  play?: BecomeKeywords | undefined;
  task?: BecomeKeywords | undefined;
  /** the host's variables: ansible_become, ansible_become_user, ansible_become_password */
  vars: Record<string, unknown>;
}

/**
 * Whether and as whom to become. The most specific setting wins: task keyword,
 * then play keyword, then the host's ansible_become* variables (tsible does not
 * copy Ansible's rule that variables beat keywords: a play saying
 * `become: false` means it). The password always comes from the variables.
 */
export function resolveBecome(settings: BecomeSettings): BecomeOptions | undefined {
  const { play, task, vars } = settings;
  const become = task?.become ?? play?.become ?? flag(vars, "ansible_become") ?? false;
  if (!become) return undefined;
  const user = task?.becomeUser ?? play?.becomeUser ?? text(vars, "ansible_become_user") ?? "root";
  const password = firstText(vars, ["ansible_become_password", "ansible_become_pass"]);
  return password === undefined ? { user } : { user, password };
}

/**
 * The become a play that becomes will run its commands under, when it is plain enough to start
 * ahead of them: no password to send and nothing to template. Otherwise undefined, and the
 * first command starts it.
 */
export function becomeToStartEarly(becomeUser: string | undefined, vars: Record<string, unknown>): BecomeOptions | undefined {
  const become = resolveBecome({ play: { become: true, becomeUser }, vars });
  if (become === undefined || become.password !== undefined || become.user.includes("{{")) return undefined;
  return become;
}

/** Shorthand when only the host's variables (and maybe a task's keywords) matter */
export function becomeFromVars(vars: Record<string, unknown>, task?: BecomeKeywords): BecomeOptions | undefined {
  return resolveBecome({ task, vars });
}
