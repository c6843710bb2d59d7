/**
 * What the file modules (template, copy, file, lineinfile, stat) share: argument
 * helpers, the one-round-trip probe of a path, and the planning of "this path
 * should hold these bytes with this owner, group and mode".
 */
import { createHash } from "node:crypto";
import { dirname, basename } from "node:path";
import { z } from "zod";
import { shellScript } from "../connection/quote.js";
import { RemoteFileError, type RunOptions } from "../connection/types.js";
import type { Change, FileDiff, ModuleContext } from "./types.js";
import { ModuleFailure } from "./types.js";

// ---------------------------------------------------------------- arguments

/**
 * A file mode as a four-digit octal string ("0644").
 * Strings are octal ("0644", "644", "0o644"). Numbers are the numeric mode, as
 * in Ansible: the playbook loader reads YAML 1.1, where `mode: 0644` is 420.
 * One exception avoids Ansible's best-known trap: `mode: 644` (no leading 0)
 * is decimal 644 = 0o1204, a sticky-bit mode nobody means; a number that is
 * three octal digits and too big to be a plain rwx mode (> 0o777), or too big
 * to be a mode at all, is read as the digits its author typed.
 */
export function normalizeMode(mode: string | number): string {
  let octal: string;
  if (typeof mode === "number") {
    if (!Number.isInteger(mode) || mode < 0) throw new Error(`invalid mode ${mode}`);
    const digits = String(mode);
    const typedAsOctal = /^[0-7]{3,4}$/.test(digits) && (mode > 0o7777 || (digits.length === 3 && mode > 0o777));
    octal = typedAsOctal ? digits : mode.toString(8);
  } else {
    octal = mode.trim().replace(/^0o/i, "");
    if (!/^[0-7]+$/.test(octal)) throw new Error(`invalid mode "${mode}"`);
  }
  const value = parseInt(octal, 8);
  if (value > 0o7777) throw new Error(`invalid mode "${mode}": above 07777`);
  return value.toString(8).padStart(4, "0");
}

/** zod type of `mode:`; yields "0644"-style strings */
export const modeArg = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return normalizeMode(value);
  } catch {
    ctx.addIssue({
      code: "custom",
      message: `mode must be octal like "0644" (symbolic modes such as u+rw are not supported), got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
});

/** owner/group/mode: the attributes every file module can set */
export const fileAttributeArgs = {
  owner: z.union([z.string().min(1), z.number().int().nonnegative().transform(String)]).optional(),
  group: z.union([z.string().min(1), z.number().int().nonnegative().transform(String)]).optional(),
  mode: modeArg.optional(),
};

export interface FileAttributes {
  owner?: string | undefined;
  group?: string | undefined;
  mode?: string | undefined;
}

// ---------------------------------------------------------------- probing

export type PathKind = "file" | "directory" | "link" | "other";

export interface RemotePath {
  /** the path probed (after following a link when asked) */
  path: string;
  exists: boolean;
  kind?: PathKind | undefined;
  owner?: string | undefined;
  group?: string | undefined;
  uid?: number | undefined;
  gid?: number | undefined;
  /** "0644" */
  mode?: string | undefined;
  size?: number | undefined;
  /** sha256 of a regular file's content, when asked */
  sha256?: string | undefined;
  /** a symlink's target as stored in the link */
  linkTarget?: string | undefined;
  /** the parent directory exists */
  parentIsDirectory: boolean;
  /** the user that commands run as (after become) */
  runAs: string;
  /** requested owner/group that the host does not know */
  unknownOwner?: string | undefined;
  unknownGroup?: string | undefined;
}

/*
 * One round trip: the parent, the path's type/owner/group/mode/size, its sha256
 * (regular files, when asked) and a link's target (printed last, since a target
 * may hold any byte but NUL). Numeric owners are not looked up: chown takes ids.
 */
const PROBE_SCRIPT = `
p=$1
if [ "$2" = follow ] && [ -L "$p" ]; then p=$(readlink -f -- "$p") || exit 1; printf 'real=%s\\n' "$p"; fi
printf 'runas=%s\\n' "$(id -un)"
case $4 in ''|*[!0-9]*) if [ -n "$4" ] && ! getent passwd "$4" >/dev/null; then echo nouser; fi;; esac
case $5 in ''|*[!0-9]*) if [ -n "$5" ] && ! getent group "$5" >/dev/null; then echo nogroup; fi;; esac
if [ -d "$(dirname -- "$p")" ]; then echo parent=dir; fi
if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo absent; exit 0; fi
stat -c 'stat=%F|%U|%G|%u|%g|%a|%s' -- "$p" || exit 1
if [ -L "$p" ]; then
  printf 'link=%s' "$(readlink -- "$p")"
elif [ -f "$p" ] && [ "$3" = sum ]; then
  sum=$(sha256sum < "$p") || exit 1
  printf 'sha256=%s\\n' "\${sum%% *}"
fi
`;

export interface ProbeOptions {
  /** compute the sha256 of a regular file */
  checksum?: boolean;
  /** probe the target of a symlink instead of the link */
  follow?: boolean;
  /** owner and group to check for existence on the host */
  attributes?: FileAttributes;
}

export function runOptions(ctx: ModuleContext, extra: RunOptions = {}): RunOptions {
  return { become: ctx.become, ...extra };
}

/** Run a read-only or applying command; a non-zero exit becomes a ModuleFailure naming what failed */
export async function runChecked(ctx: ModuleContext, argv: string[], what: string, extra: RunOptions = {}): Promise<string> {
  const result = await ctx.conn.run(argv, runOptions(ctx, extra));
  if (result.exitCode !== 0) {
    const detail = result.stderr.trim() || result.stdout.trim() || `exit code ${result.exitCode}`;
    throw new ModuleFailure(`${what} failed: ${detail}`, { rc: result.exitCode, stdout: result.stdout, stderr: result.stderr });
  }
  return result.stdout;
}

export async function probePath(ctx: ModuleContext, path: string, options: ProbeOptions = {}): Promise<RemotePath> {
  const argv = shellScript(PROBE_SCRIPT, [
    path,
    options.follow ? "follow" : "",
    options.checksum ? "sum" : "",
    options.attributes?.owner ?? "",
    options.attributes?.group ?? "",
  ]);
  const stdout = await runChecked(ctx, argv, `inspecting ${path}`);
  return parseProbe(path, stdout);
}

export function parseProbe(path: string, stdout: string): RemotePath {
  const probe: RemotePath = { path, exists: true, parentIsDirectory: false, runAs: "" };
  let rest = stdout;
  while (rest.length > 0) {
    if (rest.startsWith("link=")) {
      probe.linkTarget = rest.slice("link=".length);
      break;
    }
    const end = rest.indexOf("\n");
    const line = end === -1 ? rest : rest.slice(0, end);
    rest = end === -1 ? "" : rest.slice(end + 1);
    if (line.startsWith("real=")) probe.path = line.slice(5);
    else if (line.startsWith("runas=")) probe.runAs = line.slice(6);
    else if (line === "nouser") probe.unknownOwner = "yes";
    else if (line === "nogroup") probe.unknownGroup = "yes";
    else if (line === "parent=dir") probe.parentIsDirectory = true;
    else if (line === "absent") probe.exists = false;
    else if (line.startsWith("sha256=")) probe.sha256 = line.slice(7);
    else if (line.startsWith("stat=")) {
      const [type = "", owner, group, uid, gid, mode = "0", size] = line.slice(5).split("|");
      probe.kind = kindOf(type);
      probe.owner = owner;
      probe.group = group;
      probe.uid = Number(uid);
      probe.gid = Number(gid);
      probe.mode = normalizeMode(mode);
      probe.size = Number(size);
    }
  }
  return probe;
}

function kindOf(statType: string): PathKind {
  if (statType === "regular file" || statType === "regular empty file") return "file";
  if (statType === "directory") return "directory";
  if (statType === "symbolic link") return "link";
  return "other";
}

/**
 * Probe a copy/template destination (following links, with checksum). Like
 * Ansible, a dest that ends in "/" or is a directory receives the file under
 * the source's base name; without a source name that is an error.
 */
export async function probeDestination(
  ctx: ModuleContext,
  dest: string,
  sourceName: string | undefined,
  attributes: FileAttributes,
): Promise<RemotePath> {
  const options: ProbeOptions = { checksum: true, follow: true, attributes };
  const intoDirectory = (directory: string): string => {
    if (sourceName === undefined) throw new ModuleFailure(`dest ${dest} is a directory; give the file's full path`);
    return `${directory.replace(/\/+$/, "")}/${basename(sourceName)}`;
  };
  if (dest.endsWith("/")) return probePath(ctx, intoDirectory(dest), options);
  const probe = await probePath(ctx, dest, options);
  if (probe.kind !== "directory") return probe;
  return probePath(ctx, intoDirectory(probe.path), options);
}

/** The result fields Ansible reports for a written file, as they will be after the run */
export function writtenFileResult(probe: RemotePath, attributes: FileAttributes, content: Buffer): Record<string, unknown> {
  return {
    dest: probe.path,
    checksum_sha256: sha256(content),
    size: content.length,
    mode: attributes.mode ?? probe.mode ?? "0644",
    owner: attributes.owner ?? probe.owner ?? probe.runAs,
    ...(attributes.group ?? probe.group ? { group: attributes.group ?? probe.group } : {}),
  };
}

/** Fail (in check mode too) when the requested owner or group does not exist on the host */
export function assertAttributesKnown(probe: RemotePath, attributes: FileAttributes): void {
  if (probe.unknownOwner) throw new ModuleFailure(`chown failed: user "${attributes.owner}" does not exist on the host`);
  if (probe.unknownGroup) throw new ModuleFailure(`chgrp failed: group "${attributes.group}" does not exist on the host`);
}

// ---------------------------------------------------------------- attribute changes

function sameOwner(wanted: string, name: string | undefined, id: number | undefined): boolean {
  return /^\d+$/.test(wanted) ? Number(wanted) === id : wanted === name;
}

/**
 * The owner/group/mode changes an existing path needs, one Change each, so the
 * report says "mode 0644 -> 0600". Links get owner/group only (chown -h); Linux
 * has no link modes.
 */
export function planAttributeChanges(ctx: ModuleContext, probe: RemotePath, wanted: FileAttributes): Change[] {
  const changes: Change[] = [];
  const path = probe.path;
  const noFollow = probe.kind === "link" ? ["-h"] : [];
  if (wanted.owner !== undefined && !sameOwner(wanted.owner, probe.owner, probe.uid)) {
    const owner = wanted.owner;
    changes.push({
      description: `owner of ${path}: ${probe.owner} -> ${owner}`,
      apply: async () => {
        await runChecked(ctx, ["chown", ...noFollow, "--", owner, path], `chown ${owner} ${path}`);
      },
    });
  }
  if (wanted.group !== undefined && !sameOwner(wanted.group, probe.group, probe.gid)) {
    const group = wanted.group;
    changes.push({
      description: `group of ${path}: ${probe.group} -> ${group}`,
      apply: async () => {
        await runChecked(ctx, ["chgrp", ...noFollow, "--", group, path], `chgrp ${group} ${path}`);
      },
    });
  }
  if (wanted.mode !== undefined && probe.kind !== "link" && wanted.mode !== probe.mode) {
    const mode = wanted.mode;
    changes.push({
      description: `mode of ${path}: ${probe.mode} -> ${mode}`,
      apply: async () => {
        await runChecked(ctx, ["chmod", "--", mode, path], `chmod ${mode} ${path}`);
      },
    });
  }
  return changes;
}

/** "mode 0644 -> 0600, owner root -> mosquitto" for folding attribute changes into a write */
function describeAttributeDelta(probe: RemotePath, wanted: FileAttributes): string[] {
  const parts: string[] = [];
  if (wanted.owner !== undefined && !sameOwner(wanted.owner, probe.owner, probe.uid)) parts.push(`owner ${probe.owner} -> ${wanted.owner}`);
  if (wanted.group !== undefined && !sameOwner(wanted.group, probe.group, probe.gid)) parts.push(`group ${probe.group} -> ${wanted.group}`);
  if (wanted.mode !== undefined && wanted.mode !== probe.mode) parts.push(`mode ${probe.mode} -> ${wanted.mode}`);
  return parts;
}

// ---------------------------------------------------------------- content changes

export function sha256(content: Buffer | string): string {
  return createHash("sha256").update(content).digest("hex");
}

/** Ansible's max_file_size_for_diff: bigger or binary files get no text diff */
const MAX_DIFF_BYTES = 104448;

export function diffableText(content: Buffer): string | undefined {
  if (content.length > MAX_DIFF_BYTES || content.includes(0)) return undefined;
  return content.toString("utf8");
}

export interface FileWrite {
  /** what the module calls the file in messages (the dest as given) */
  dest: string;
  content: Buffer;
  attributes: FileAttributes;
  /** keep a timestamped copy of the old file before overwriting it */
  backup: boolean;
  /** command with %s for the path of the new content; run on a temp copy before the rename */
  validate?: string | undefined;
  /** false: never replace an existing file's content (Ansible's force: no) */
  force?: boolean | undefined;
  /** create missing parent directories (lineinfile create: yes) */
  createParents?: boolean | undefined;
  /** the old content, when the module already read it; saves a round trip for the diff */
  before?: Buffer | undefined;
}

/**
 * Plan "dest holds this content with these attributes". The probe must have been
 * made with `checksum: true, follow: true`. A content change and attribute
 * changes of the same file are one write with the wanted owner, group and mode;
 * attributes alone are chown/chgrp/chmod.
 */
export async function planFileWrite(ctx: ModuleContext, probe: RemotePath, write: FileWrite): Promise<Change[]> {
  const path = probe.path;
  assertAttributesKnown(probe, write.attributes);
  if (probe.exists && probe.kind !== "file") {
    throw new ModuleFailure(`${write.dest} exists and is a ${probe.kind === "other" ? "special file" : probe.kind}, not a regular file`);
  }
  if (!probe.parentIsDirectory && !write.createParents) {
    throw new ModuleFailure(`Destination directory ${dirname(path)} does not exist`, { dest: write.dest });
  }
  const contentDiffers = !probe.exists || (probe.sha256 !== sha256(write.content) && write.force !== false);
  if (!contentDiffers) return planAttributeChanges(ctx, probe, write.attributes);

  const afterText = diffableText(write.content);
  // the old content is fetched only when a text diff can be shown
  let beforeText: string | undefined = "";
  if (probe.exists) {
    const readable = afterText !== undefined && (probe.size ?? 0) <= MAX_DIFF_BYTES;
    beforeText = write.before !== undefined ? diffableText(write.before) : readable ? diffableText(await readRemote(ctx, path)) : undefined;
  }
  const diff: FileDiff | undefined = beforeText !== undefined && afterText !== undefined ? { path, before: beforeText, after: afterText } : undefined;

  // an existing file keeps its mode, and its owner and group when we run as root (a non-root user cannot give files away)
  const attributes: FileAttributes = {
    mode: write.attributes.mode ?? probe.mode,
    owner: write.attributes.owner ?? (probe.exists && probe.runAs === "root" ? probe.owner : undefined),
    group: write.attributes.group ?? (probe.exists && probe.runAs === "root" ? probe.group : undefined),
  };
  const delta = probe.exists ? describeAttributeDelta(probe, write.attributes) : describeNewAttributes(write.attributes);
  const what = probe.exists ? `update ${path}` : `create ${path}${!probe.parentIsDirectory ? " (and its parent directories)" : ""}`;
  const backup = write.backup && probe.exists;
  return [
    {
      description: [what, ...delta].join(", "),
      diff,
      apply: async () => {
        if (!probe.parentIsDirectory) await runChecked(ctx, ["mkdir", "-p", "--", dirname(path)], `creating ${dirname(path)}`);
        const backupFile = backup ? await backupRemote(ctx, path) : undefined;
        await writeRemote(ctx, path, write.content, attributes, write.validate);
        return backupFile === undefined ? {} : { backup_file: backupFile };
      },
    },
  ];
}

function describeNewAttributes(attributes: FileAttributes): string[] {
  const parts: string[] = [];
  if (attributes.owner !== undefined) parts.push(`owner ${attributes.owner}`);
  if (attributes.group !== undefined) parts.push(`group ${attributes.group}`);
  if (attributes.mode !== undefined) parts.push(`mode ${attributes.mode}`);
  return parts;
}

export async function readRemote(ctx: ModuleContext, path: string): Promise<Buffer> {
  const content = await asModuleFailure(ctx.conn.readFile(path, { become: ctx.become }));
  if (content === undefined) throw new ModuleFailure(`${path} vanished while tsible was reading it`);
  return content;
}

/*
 * Backups are named like Ansible's, with the host's local time:
 * dest.2024-05-01@12:00:00~ (a numbered suffix when two land in one second).
 */
const BACKUP_SCRIPT = `
stamp=$(date +%Y-%m-%d@%H:%M:%S)
b="$1.$stamp~"; n=0
while [ -e "$b" ]; do n=$((n + 1)); b="$1.$stamp.$n~"; done
cp -p -- "$1" "$b" && printf '%s' "$b"
`;

export async function backupRemote(ctx: ModuleContext, path: string): Promise<string> {
  return runChecked(ctx, shellScript(BACKUP_SCRIPT, [path]), `backing up ${path}`);
}

/**
 * Write atomically. With `validate`, the content first goes to a hidden temp
 * file beside the destination (with its final owner and mode), the validator
 * runs on it, and only then is it renamed over the destination; a failing
 * validator removes the temp file and leaves the destination untouched.
 */
export async function writeRemote(
  ctx: ModuleContext,
  path: string,
  content: Buffer,
  attributes: FileAttributes,
  validate: string | undefined,
): Promise<void> {
  const options = { mode: attributes.mode, owner: attributes.owner, group: attributes.group, become: ctx.become };
  if (validate === undefined) {
    await asModuleFailure(ctx.conn.writeFile(path, content, options));
    return;
  }
  const temp = `${dirname(path)}/.${basename(path)}.tsible-validate-${process.pid}-${Date.now().toString(36)}`;
  await asModuleFailure(ctx.conn.writeFile(temp, content, options));
  try {
    const argv = validateArgv(validate, temp);
    const result = await ctx.conn.run(argv, runOptions(ctx));
    if (result.exitCode !== 0) {
      throw new ModuleFailure(`failed to validate: rc:${result.exitCode} error:${result.stderr.trim() || result.stdout.trim()}`, {
        rc: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr,
        validate,
      });
    }
    await runChecked(ctx, ["mv", "-f", "--", temp, path], `renaming the validated file onto ${path}`);
  } catch (error) {
    await ctx.conn.run(["rm", "-f", "--", temp], runOptions(ctx));
    throw error;
  }
}

/** A host refusing a read or write (permission denied, unknown owner) fails the task, it is no bug in tsible */
export async function asModuleFailure<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof RemoteFileError) throw new ModuleFailure(error.message, { path: error.path });
    throw error;
  }
}

/**
 * `validate: "visudo -cf %s"` -> argv with %s replaced by the temp path. Like
 * Ansible, the validator runs without a shell.
 */
export function validateArgv(validate: string, tempPath: string): string[] {
  if (!validate.includes("%s")) throw new ModuleFailure(`validate must contain %s: ${validate}`);
  return splitCommandLine(validate).map((word) => word.split("%s").join(tempPath));
}

/**
 * Split a command line into words like a POSIX shell does, without running one:
 * whitespace separates words; single quotes keep everything literal; double
 * quotes keep spaces and honour \\ \" \$ \` escapes; a backslash outside quotes
 * escapes the next character. No expansion of variables, globs or operators.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const char = line[i] as string;
    if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new SplitError(`unterminated single quote in: ${line}`);
      word += line.slice(i + 1, end);
      i = end + 1;
    } else if (char === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new SplitError(`unterminated double quote in: ${line}`);
        const inner = line[i] as string;
        if (inner === '"') break;
        const next = line[i + 1];
        if (inner === "\\" && next !== undefined && '\\"$`\n'.includes(next)) {
          if (next !== "\n") word += next;
          i += 2;
        } else {
          word += inner;
          i++;
        }
      }
      i++;
    } else if (char === "\\") {
      const next = line[i + 1];
      if (next === undefined) throw new SplitError(`trailing backslash in: ${line}`);
      // backslash-newline joins lines and is no part of any word
      if (next === "\n") inWord = word.length > 0;
      else word += next;
      i += 2;
    } else {
      word += char;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

export class SplitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SplitError";
  }
}
