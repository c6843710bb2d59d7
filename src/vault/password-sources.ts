/**
 * Where vault passwords come from, as Ansible reads them: `--vault-id LABEL@SOURCE` (SOURCE a
 * file, an executable that prints the password, or `prompt`), `--vault-password-file FILE`
 * (id `default`), and `--ask-vault-pass` (a prompt, id `default`). A file's password is its
 * content without surrounding white space; a script's is its output without the line ending.
 * A script whose name ends in `-client` is asked for one id: `SCRIPT --vault-id LABEL`.
 */
import { readFile, stat } from "node:fs/promises";
import { basename, extname, resolve } from "node:path";
import { execa } from "execa";
import { UserError } from "../errors.js";
import { Secret } from "../secrets.js";
import { DEFAULT_VAULT_ID } from "./envelope.js";
import type { VaultPassword } from "./keyring.js";

export interface VaultPasswordRequest {
  /** `--vault-id` values, in order */
  vaultIds: readonly string[];
  /** `--vault-password-file` values, then the configured default (environment, ansible.cfg) */
  passwordFiles: readonly string[];
  askVaultPass: boolean;
  /** a new password is being set (encrypt, create, rekey's new one): the prompt asks twice */
  confirmNew?: boolean;
  /** asks one question with the answer hidden; the command line's terminal by default */
  prompt: (question: string) => Promise<string>;
  cwd?: string;
}

const PROMPT_SOURCES = new Set(["prompt", "prompt_ask_vault_pass"]);

export async function loadVaultPasswords(request: VaultPasswordRequest): Promise<VaultPassword[]> {
  const slugs = [...request.vaultIds, ...request.passwordFiles.map((file) => `${DEFAULT_VAULT_ID}@${file}`)];
  if (request.askVaultPass) slugs.push(`${DEFAULT_VAULT_ID}@prompt_ask_vault_pass`);
  const passwords: VaultPassword[] = [];
  for (const slug of slugs) {
    if (slug.includes(";")) throw new UserError(`'${slug}' is not a valid vault id: ';' is not allowed in vault ids`, { location: { file: "--vault-id" } });
    const at = slug.indexOf("@");
    const id = at < 0 ? DEFAULT_VAULT_ID : slug.slice(0, at) || DEFAULT_VAULT_ID;
    const source = at < 0 ? slug : slug.slice(at + 1);
    const password = PROMPT_SOURCES.has(source)
      ? await promptedPassword(id, source === "prompt_ask_vault_pass", request)
      : await passwordFromFile(resolve(request.cwd ?? process.cwd(), source), id);
    passwords.push({ id, password: new Secret(password), source: PROMPT_SOURCES.has(source) ? "the prompt" : source });
  }
  return passwords;
}

async function promptedPassword(id: string, askVaultPassForm: boolean, request: VaultPasswordRequest): Promise<string> {
  const label = askVaultPassForm ? "" : ` (${id})`;
  const first = (await request.prompt(request.confirmNew ? `New vault password${label}: ` : `Vault password${label}: `)).trim();
  if (first === "") throw new UserError("the vault password given at the prompt is empty", { hint: "type the password, or use --vault-password-file FILE" });
  if (request.confirmNew) {
    const again = (await request.prompt(`Confirm new vault password${label}: `)).trim();
    if (again !== first) throw new UserError("the two vault passwords typed do not match", { hint: "run the command again and type the same password twice" });
  }
  return first;
}

async function passwordFromFile(file: string, id: string): Promise<string> {
  const info = await stat(file).catch(() => undefined);
  if (!info) {
    throw new UserError(`the vault password file ${file} was not found`, {
      location: { file },
      hint: "check the path given to --vault-password-file / --vault-id (relative paths start at the current directory)",
    });
  }
  const executable = info.isFile() && (info.mode & 0o111) !== 0;
  const password = executable ? await passwordFromScript(file, id) : (await readFile(file)).toString("utf8").trim();
  if (password === "") {
    throw new UserError(`the vault password ${executable ? "script" : "file"} ${file} gave an empty password`, {
      location: { file },
      hint: executable ? "the script must print the password on its standard output" : "put the password on the file's first line",
    });
  }
  return password;
}

/** A client script (name ending in -client) is told which vault id is wanted; exit code 2 means it has none */
async function passwordFromScript(file: string, id: string): Promise<string> {
  const isClient = basename(file, extname(file)).endsWith("-client");
  const args = isClient ? ["--vault-id", id] : [];
  const result = await execa(file, args, { reject: false, stdin: "ignore", stripFinalNewline: false, encoding: "utf8" });
  if (result.failed) {
    const why = result.exitCode === 2 && isClient ? `has no password for vault id '${id}'` : `failed (${result.exitCode === undefined ? result.shortMessage : `exit code ${result.exitCode}`})`;
    throw new UserError(`the vault password script ${file} ${why}${result.stderr ? `: ${String(result.stderr).trim()}` : ""}`, {
      location: { file },
      hint: "run the script by hand: it must print the password and exit 0; a file that is not a script must not be executable (chmod -x)",
    });
  }
  return String(result.stdout).replace(/^[\r\n]+|[\r\n]+$/g, "");
}
