/**
 * The ssh command-line options an inventory passes in `ansible_ssh_common_args` and
 * `ansible_ssh_extra_args`, read into settings tsible's ssh2 connection applies. Ansible hands
 * these words to the `ssh` program; tsible has none, so it reads the options that say where
 * and how to connect (-o ProxyJump/ProxyCommand, -J, -p, -l, -i, -F, -o ConnectTimeout, ...)
 * and names the rest, which it cannot honour, for one warning. As in ssh, the first value of an
 * option wins (IdentityFile adds up).
 */
import { UserError } from "../errors.js";
import { splitCommandLine } from "./command-words.js";

export interface SshArgs {
  port?: number;
  user?: string;
  identityFiles: string[];
  /** -F */
  configFile?: string;
  connectTimeoutSeconds?: number;
  /** "none" when the options switch off a proxy ~/.ssh/config would set */
  proxyJump?: string;
  proxyCommand?: string;
  strictHostKeyChecking?: "strict" | "accept-new" | "off";
  userKnownHostsFile?: string;
  /** the options tsible cannot honour, as written ("-o ForwardAgent=yes", "-L 8080:x:80") */
  ignored: string[];
}

/** ssh's flags that take a value (`man ssh`: -B -b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w) */
const FLAGS_WITH_VALUE = new Set("BbcDEeFIiJLlmOopQRSWw".split(""));
/** flags without a value that change nothing for an ssh2 connection that never prompts or prints */
const HARMLESS_FLAGS = new Set("qvCTtn".split(""));
/**
 * -o options with nothing to do here: tsible already keeps one connection per host for the
 * run (ControlMaster/Persist/Path), never prompts (BatchMode), sends keepalives of its own.
 */
const HARMLESS_OPTIONS = new Set(
  ["ControlMaster", "ControlPersist", "ControlPath", "BatchMode", "LogLevel", "Compression", "ServerAliveInterval", "ServerAliveCountMax", "ConnectionAttempts"].map((name) =>
    name.toLowerCase(),
  ),
);

function positiveInteger(value: string, what: string, variable: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1) throw new UserError(`${variable}: ${what} must be a positive whole number, not ${JSON.stringify(value)}`);
  return number;
}

function hostKeyPolicyOf(value: string, variable: string): SshArgs["strictHostKeyChecking"] {
  switch (value.toLowerCase()) {
    case "yes":
    case "ask":
      return "strict";
    case "accept-new":
      return "accept-new";
    case "no":
    case "off":
      return "off";
    default:
      throw new UserError(`${variable}: StrictHostKeyChecking must be yes, accept-new or no, not ${JSON.stringify(value)}`);
  }
}

/** Apply one `-o Name=value` (or `-o Name value`) unless an earlier one set it */
function applyOption(args: SshArgs, option: string, variable: string): void {
  const match = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/s.exec(option);
  if (!match) throw new UserError(`${variable}: -o ${JSON.stringify(option)} is not Name=value`, { hint: "write ssh options as -o Name=value" });
  const [, rawName = "", rawValue = ""] = match;
  const name = rawName.toLowerCase();
  const value = rawValue.trim();
  switch (name) {
    case "port":
      args.port ??= positiveInteger(value, "Port", variable);
      return;
    case "user":
      args.user ??= value;
      return;
    case "identityfile":
      args.identityFiles.push(value);
      return;
    case "connecttimeout":
      args.connectTimeoutSeconds ??= positiveInteger(value, "ConnectTimeout", variable);
      return;
    case "proxyjump":
      // ssh takes whichever of ProxyJump and ProxyCommand comes first
      if (args.proxyJump === undefined && args.proxyCommand === undefined) args.proxyJump = value;
      return;
    case "proxycommand":
      if (args.proxyJump === undefined && args.proxyCommand === undefined) args.proxyCommand = value;
      return;
    case "stricthostkeychecking":
      args.strictHostKeyChecking ??= hostKeyPolicyOf(value, variable);
      return;
    case "userknownhostsfile":
      args.userKnownHostsFile ??= value.split(/\s+/)[0];
      return;
    default:
      if (!HARMLESS_OPTIONS.has(name)) args.ignored.push(`-o ${rawName}=${value}`);
  }
}

/** Read ssh options from words already split; `variable` names where they came from, for messages */
export function readSshArgs(words: readonly string[], variable: string, into?: SshArgs): SshArgs {
  const args: SshArgs = into ?? { identityFiles: [], ignored: [] };
  for (let at = 0; at < words.length; at++) {
    const word = words[at] ?? "";
    if (!word.startsWith("-") || word === "-") {
      args.ignored.push(word);
      continue;
    }
    // a cluster of flags (-Cq), the last of which may take a value, joined (-p2222) or next (-p 2222)
    for (let index = 1; index < word.length; index++) {
      const flag = word[index] ?? "";
      if (!FLAGS_WITH_VALUE.has(flag)) {
        if (!HARMLESS_FLAGS.has(flag)) args.ignored.push(`-${flag}`);
        continue;
      }
      let value = word.slice(index + 1);
      if (value === "") {
        at++;
        if (at >= words.length) throw new UserError(`${variable}: ssh option -${flag} needs a value`);
        value = words[at] ?? "";
      }
      applyFlag(args, flag, value, variable);
      break;
    }
  }
  return args;
}

function applyFlag(args: SshArgs, flag: string, value: string, variable: string): void {
  switch (flag) {
    case "o":
      applyOption(args, value, variable);
      return;
    case "p":
      args.port ??= positiveInteger(value, "the port (-p)", variable);
      return;
    case "l":
      args.user ??= value;
      return;
    case "i":
      args.identityFiles.push(value);
      return;
    case "F":
      args.configFile ??= value;
      return;
    case "J":
      applyOption(args, `ProxyJump=${value}`, variable);
      return;
    default:
      args.ignored.push(`-${flag} ${value}`);
  }
}

/**
 * Read the ssh options of a host's variables: common args first, then extra args, as Ansible
 * puts them on ssh's command line (so the first value wins across both)
 */
export function sshArgsFromVars(lines: ReadonlyArray<{ variable: string; text: string | undefined }>): SshArgs {
  const args: SshArgs = { identityFiles: [], ignored: [] };
  for (const { variable, text } of lines) {
    if (text === undefined || text.trim() === "") continue;
    let words: string[];
    try {
      words = splitCommandLine(text);
    } catch (error) {
      throw new UserError(`${variable}: ${(error as Error).message}`, { hint: `check the quotes in ${variable}` });
    }
    readSshArgs(words, variable, args);
  }
  return args;
}
