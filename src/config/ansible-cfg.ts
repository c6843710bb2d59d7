/**
 * ansible.cfg, found as Ansible finds it: the file ANSIBLE_CONFIG names, else ./ansible.cfg,
 * else ~/.ansible.cfg, else /etc/ansible/ansible.cfg; only the first one found is read. tsible
 * takes the settings that mean something to it and lists the rest as ignored (shown with -v).
 * Paths in it are relative to the file's directory, as Ansible resolves them.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseAnsibleBool } from "../ansible-bool.js";
import { UserError, type SourceLocation } from "../errors.js";

export interface AnsibleConfig {
  /** the file read, or undefined when there is none */
  file: string | undefined;
  inventory?: string[];
  remoteUser?: string;
  forks?: number;
  hostKeyChecking?: boolean;
  rolesPath?: string[];
  vaultPasswordFile?: string;
  privateKeyFile?: string;
  timeoutSeconds?: number;
  become?: boolean;
  becomeUser?: string;
  /** `section.key` of every setting tsible does not use, with its line */
  ignored: Array<{ key: string; line: number }>;
  /** a ./ansible.cfg skipped because its directory is world-writable (as Ansible skips it) */
  skipped?: string;
}

interface Setting {
  section: string;
  key: string;
  value: string;
  line: number;
}

/** Where the configuration comes from, in Ansible's order */
export function findAnsibleConfig(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): { file: string | undefined; skipped?: string } {
  const named = env["ANSIBLE_CONFIG"];
  if (named) {
    const path = resolve(cwd, named.replace(/^~(?=\/|$)/, homedir()));
    const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "ansible.cfg") : path;
    if (existsSync(file)) return { file };
  }
  const local = join(cwd, "ansible.cfg");
  let skipped: string | undefined;
  if (existsSync(local)) {
    // anyone could have put it there: Ansible refuses a world-writable current directory's config
    if ((statSync(cwd).mode & 0o002) === 0) return { file: local };
    skipped = local;
  }
  for (const file of [join(homedir(), ".ansible.cfg"), "/etc/ansible/ansible.cfg"]) {
    if (existsSync(file)) return { file, ...(skipped ? { skipped } : {}) };
  }
  return { file: undefined, ...(skipped ? { skipped } : {}) };
}

export function loadAnsibleConfig(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): AnsibleConfig {
  const { file, skipped } = findAnsibleConfig(cwd, env);
  if (file === undefined) return { file, ignored: [], ...(skipped ? { skipped } : {}) };
  const config = readAnsibleConfig(readFileSync(file, "utf8"), file);
  return skipped ? { ...config, skipped } : config;
}

/** The settings of one ansible.cfg text */
export function readAnsibleConfig(text: string, file: string): AnsibleConfig {
  const config: AnsibleConfig = { file, ignored: [] };
  const base = dirname(file);
  const path = (value: string) => resolve(base, value.replace(/^~(?=\/|$)/, homedir()));
  for (const { section, key, value, line } of parseIni(text, file)) {
    const location: SourceLocation = { file, line };
    switch (`${section}.${key}`) {
      case "defaults.inventory":
      case "defaults.hostfile":
        config.inventory = value.split(",").map((entry) => entry.trim()).filter(Boolean).map(path);
        break;
      case "defaults.remote_user":
        config.remoteUser = value;
        break;
      case "defaults.forks":
        config.forks = positiveInteger(value, location, key);
        break;
      case "defaults.host_key_checking":
        config.hostKeyChecking = bool(value, location, key);
        break;
      case "defaults.roles_path":
        config.rolesPath = value.split(":").filter(Boolean).map(path);
        break;
      case "defaults.vault_password_file":
        config.vaultPasswordFile = path(value);
        break;
      case "defaults.private_key_file":
        config.privateKeyFile = path(value);
        break;
      case "defaults.timeout":
        config.timeoutSeconds = positiveInteger(value, location, key);
        break;
      case "privilege_escalation.become":
        config.become = bool(value, location, key);
        break;
      case "privilege_escalation.become_user":
        config.becomeUser = value;
        break;
      default:
        config.ignored.push({ key: `${section}.${key}`, line });
    }
  }
  return config;
}

/**
 * Python's configparser as Ansible sets it up: `[section]`, `key = value` or `key: value`,
 * whole-line comments with # or ;, inline comments after ' ;', indented lines continuing a value.
 */
function parseIni(text: string, file: string): Setting[] {
  const settings: Setting[] = [];
  let section: string | undefined;
  let last: Setting | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (/^\s*([#;]|$)/.test(raw)) return;
    if (/^\s/.test(raw) && last) {
      last.value = `${last.value}\n${stripInlineComment(raw).trim()}`.trim();
      return;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(raw.trim());
    if (header) {
      section = (header[1] as string).trim();
      last = undefined;
      return;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw.trim());
    if (!pair) {
      throw new UserError(`cannot read this line of ansible.cfg: ${JSON.stringify(raw.trim())}`, {
        location: { file, line },
        hint: "settings are 'key = value' lines under a [section] header such as [defaults]",
      });
    }
    if (section === undefined) {
      throw new UserError("ansible.cfg has a setting before any [section] header", { location: { file, line }, hint: "put it under [defaults]" });
    }
    last = { section, key: (pair[1] as string).toLowerCase(), value: stripInlineComment(pair[2] as string).trim(), line };
    settings.push(last);
  });
  return settings;
}

function stripInlineComment(value: string): string {
  const at = value.search(/\s;/);
  return at < 0 ? value : value.slice(0, at);
}

function positiveInteger(value: string, location: SourceLocation, key: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UserError(`${key} must be a positive whole number, not ${JSON.stringify(value)}`, { location });
  return number;
}

function bool(value: string, location: SourceLocation, key: string): boolean {
  const parsed = parseAnsibleBool(value);
  if (parsed === undefined) throw new UserError(`${key} must be true or false, not ${JSON.stringify(value)}`, { location });
  return parsed;
}

/** What -v says about the configuration: which file, and the settings tsible leaves alone */
export function describeConfig(config: AnsibleConfig): string {
  const lines: string[] = [];
  if (config.skipped) lines.push(`[WARNING]: ignoring ${config.skipped}: its directory is world-writable (as Ansible does)`);
  if (config.file === undefined) return lines.map((line) => `${line}\n`).join("");
  lines.push(`Using ${config.file} as config file`);
  if (config.ignored.length > 0) {
    lines.push(`${config.file}: tsible ignores ${config.ignored.map(({ key, line }) => `${key} (line ${line})`).join(", ")}`);
  }
  return lines.map((line) => `${line}\n`).join("");
}
