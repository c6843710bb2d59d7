/**
 * `tsible vault`: ansible-vault's commands, writing and reading the same bytes (a file either
 * tool encrypts, the other opens). Files are replaced atomically; encrypted and decrypted files
 * are written mode 0600 as ansible-vault writes them, and rekey and edit keep a file's mode.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, resolve } from "node:path";
import { Command } from "commander";
import { UserError } from "../errors.js";
import { replaceFileAtomically } from "../inventory/edit-write.js";
import { SecretMasker } from "../secrets.js";
import { shlexSplit } from "../inventory/shlex.js";
import { isVaulted, parseEnvelope } from "../vault/envelope.js";
import type { VaultKeyring, VaultPassword } from "../vault/keyring.js";
import { hiddenPrompt } from "./prompt.js";
import { addVaultOptions, defaultVaultPasswordFile, vaultKeyring, type VaultFlags } from "./vault-options.js";

interface VaultIo {
  stdout: (data: string | Buffer) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<Buffer>;
}

const processIo: VaultIo = {
  stdout: (data) => process.stdout.write(data),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
};

type EncryptFlags = VaultFlags & { encryptVaultId?: string; output?: string };

const collect = (value: string, previous: string[]) => [...previous, value];

export function vaultCommand(io: VaultIo = processIo): Command {
  const command = new Command("vault").description("encrypt and decrypt files and values the way ansible-vault does (same format, both ways)");
  const subcommands = [
    vaultSubcommand("encrypt", "encrypt files in place (or --output FILE, '-' for stdout); no file reads stdin")
      .argument("[files...]")
      .option("--output <file>", "write here instead of in place ('-' is stdout)")
      .option("--encrypt-vault-id <id>", "the vault id whose password encrypts")
      .action(async (files: string[], flags: EncryptFlags) => {
        const { keyring, password } = await encryptingKeyring(flags);
        for (const file of inputs(files, flags.output)) {
          const plaintext = await readInput(file, io);
          if (isVaulted(plaintext)) throw new UserError(`${file} is already vault-encrypted`, { location: { file } });
          await writeOutput(flags.output ?? file, keyring.encrypt(plaintext, password), io, { mode: 0o600 });
        }
      }),
    vaultSubcommand("decrypt", "decrypt files in place (or --output FILE, '-' for stdout); no file reads stdin")
      .argument("[files...]")
      .option("--output <file>", "write here instead of in place ('-' is stdout)")
      .action(async (files: string[], flags: VaultFlags & { output?: string }) => {
        const keyring = await readingKeyring(flags);
        for (const file of inputs(files, flags.output)) {
          const { plaintext } = keyring.decrypt(await vaultText(file, io), { file });
          await writeOutput(flags.output ?? file, plaintext, io, { mode: 0o600 });
        }
      }),
    vaultSubcommand("view", "print the plaintext of vaulted files")
      .argument("<files...>")
      .action(async (files: string[], flags: VaultFlags) => {
        const keyring = await readingKeyring(flags);
        for (const file of files) io.stdout(keyring.decrypt(await vaultText(file, io), { file }).plaintext);
      }),
    vaultSubcommand("edit", "decrypt a vaulted file into $EDITOR (vi), and encrypt it again if it changed")
      .argument("<files...>")
      .action(async (files: string[], flags: VaultFlags) => {
        const keyring = await readingKeyring(flags);
        for (const file of files) await editFile(file, keyring, io);
      }),
    vaultSubcommand("create", "write a new vaulted file from $EDITOR (vi)")
      .argument("<file>")
      .option("--encrypt-vault-id <id>", "the vault id whose password encrypts")
      .action(async (file: string, flags: EncryptFlags) => {
        if (await stat(file).catch(() => undefined)) throw new UserError(`${file} exists: use 'tsible vault edit' for it`, { location: { file } });
        const { keyring, password } = await encryptingKeyring(flags);
        await editInEditor(file, Buffer.alloc(0), keyring, password, { mode: 0o600 });
      }),
    vaultSubcommand("encrypt_string", "encrypt values for pasting into YAML as '!vault |'; no value (or '-') reads stdin")
      .argument("[values...]")
      .option("-n, --name <name>", "the variable name of each value, in order (repeatable)", collect, [])
      .option("--stdin-name <name>", "the variable name of the value read from stdin")
      .option("-p, --prompt", "ask for the value instead of reading arguments or stdin", false)
      .option("--encrypt-vault-id <id>", "the vault id whose password encrypts")
      .option("--output <file>", "write here instead of to stdout")
      .action(async (values: string[], flags: EncryptFlags & { name: string[]; stdinName?: string; prompt: boolean }) => {
        const { keyring, password } = await encryptingKeyring(flags);
        const given = values.filter((value) => value !== "");
        const stdinNamed = given.includes("-") || flags.stdinName !== undefined;
        if (flags.prompt && stdinNamed) throw new UserError("--prompt does not go with reading a value from stdin ('-' or --stdin-name)");
        const readsStdin = stdinNamed || given.length === 0;
        const plaintexts: Array<{ value: Buffer; name: string | undefined }> = [];
        if (flags.prompt) {
          const prompt = hiddenPrompt();
          try {
            const name = (await prompt.ask("Variable name (enter for no name): ")).trim();
            plaintexts.push({ value: Buffer.from(await prompt.ask("String to encrypt (hidden): ")), name: name || undefined });
          } finally {
            prompt.close();
          }
        } else {
          const names = [...flags.name];
          for (const value of given.filter((value) => value !== "-")) plaintexts.push({ value: Buffer.from(value), name: names.shift() });
          if (readsStdin) plaintexts.push({ value: await io.readStdin(), name: flags.stdinName ?? names.shift() });
        }
        const blocks = plaintexts.map(({ value, name }) => {
          if (value.length === 0) throw new UserError("the value to encrypt is empty");
          return vaultYamlBlock(keyring.encrypt(value, password), name);
        });
        const text = blocks.join("\n");
        if (flags.output === undefined || flags.output === "-") io.stdout(text);
        else await replaceFileAtomically(resolve(flags.output), text, { mode: 0o600 });
      }),
    vaultSubcommand("rekey", "encrypt vaulted files again with a new password (--new-vault-password-file or --new-vault-id)")
      .argument("<files...>")
      .option("--new-vault-password-file <file>", "the new password's file or script")
      .option("--new-vault-id <label@source>", "the new password with its id")
      .option("--encrypt-vault-id <id>", "the vault id whose password encrypts")
      .action(async (files: string[], flags: EncryptFlags & { newVaultPasswordFile?: string; newVaultId?: string }) => {
        const keyring = await readingKeyring(flags);
        const newFlags: VaultFlags = {
          vaultId: flags.newVaultId === undefined ? [] : [flags.newVaultId],
          vaultPasswordFile: flags.newVaultPasswordFile === undefined ? [] : [flags.newVaultPasswordFile],
          askVaultPass: flags.newVaultId === undefined && flags.newVaultPasswordFile === undefined,
        };
        const newKeyring = await vaultKeyring(newFlags, new SecretMasker(), { confirmNew: true, noDefaultFile: true });
        const newPassword = newKeyring.encryptingPassword();
        for (const file of files) {
          const { plaintext } = keyring.decrypt(await vaultText(file, io), { file });
          // the file keeps its mode and owner (as ansible-vault rekey keeps them)
          await replaceFileAtomically(file, newKeyring.encrypt(plaintext, newPassword));
        }
        io.stderr("Rekey successful\n");
      }),
  ];
  for (const subcommand of subcommands) command.addCommand(subcommand.exitOverride());
  return command;
}

function vaultSubcommand(name: string, description: string): Command {
  return addVaultOptions(new Command(name).description(description));
}

/** decrypting needs at least one password; asking for one when none is named, as ansible-vault does */
async function readingKeyring(flags: VaultFlags): Promise<VaultKeyring> {
  return vaultKeyring(withPromptIfNone(flags), new SecretMasker());
}

async function encryptingKeyring(flags: EncryptFlags): Promise<{ keyring: VaultKeyring; password: VaultPassword }> {
  const keyring = await vaultKeyring(withPromptIfNone(flags), new SecretMasker(), { confirmNew: true });
  return { keyring, password: keyring.encryptingPassword(flags.encryptVaultId) };
}

function withPromptIfNone(flags: VaultFlags): VaultFlags {
  const named = flags.vaultId.length > 0 || flags.vaultPasswordFile.length > 0 || flags.askVaultPass;
  const fromEnvironment = defaultVaultPasswordFile() !== undefined;
  return named || fromEnvironment ? flags : { ...flags, askVaultPass: true };
}

/** the files named, or stdin ('-') when none is */
function inputs(files: string[], output: string | undefined): string[] {
  if (output !== undefined && files.length > 1) throw new UserError("--output takes one input file at most");
  return files.length === 0 ? ["-"] : files;
}

async function readInput(file: string, io: VaultIo): Promise<Buffer> {
  if (file === "-") return io.readStdin();
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`, { location: { file } });
  });
}

async function vaultText(file: string, io: VaultIo): Promise<string> {
  const text = (await readInput(file, io)).toString("utf8");
  if (!isVaulted(text)) throw new UserError(`${file === "-" ? "the input" : file} is not vault-encrypted`, { location: { file } });
  return text;
}

async function writeOutput(file: string, data: string | Buffer, io: VaultIo, options: { mode: number }): Promise<void> {
  if (file === "-") io.stdout(data);
  else await replaceFileAtomically(resolve(file), data, options);
}

/** ansible-vault encrypt_string's YAML: `name: !vault |` and the vault text indented by 10 */
export function vaultYamlBlock(vaultText: string, name: string | undefined): string {
  const lines = [`${name === undefined ? "" : `${name}: `}!vault |`, ...vaultText.split("\n").filter((line) => line !== "").map((line) => `          ${line}`)];
  return lines.join("\n");
}

async function editFile(file: string, keyring: VaultKeyring, io: VaultIo): Promise<void> {
  const text = await vaultText(file, io);
  const opened = keyring.decrypt(text, { file });
  // re-encrypted with the password that opened it, keeping the id in its header (as ansible-vault edit)
  const password = keyring.passwords.find((candidate) => candidate.id === opened.passwordId) as VaultPassword;
  const headerId = parseEnvelope(text).vaultId;
  await editInEditor(file, opened.plaintext, keyring, { ...password, id: headerId ?? "default" }, {});
}

/**
 * The plaintext goes to a file only the user can read, in a directory only the user can open,
 * for the editor; it is removed afterwards whatever happens. Unchanged text writes nothing.
 */
async function editInEditor(file: string, plaintext: Buffer, keyring: VaultKeyring, password: VaultPassword, options: { mode?: number }): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tsible-vault-"));
  const temp = join(dir, `edit${extname(file)}`);
  try {
    await writeFile(temp, plaintext, { mode: 0o600 });
    const [editor = "vi", ...editorArgs] = shlexSplit(process.env["EDITOR"] || "vi");
    const result = spawnSync(editor, [...editorArgs, temp], { stdio: "inherit" });
    if (result.error || result.status !== 0) {
      throw new UserError(`the editor '${editor}' ${result.error ? `could not run: ${result.error.message}` : `exited with code ${result.status}`}; ${file} is unchanged`, {
        hint: "set EDITOR to an editor that exits 0 when you save",
      });
    }
    const edited = await readFile(temp);
    if (edited.equals(plaintext) && plaintext.length > 0) return;
    await replaceFileAtomically(resolve(file), keyring.encrypt(edited, password), options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
