/**
 * "This path should hold these bytes with this owner, group and mode": the
 * planning and writing that copy, template and lineinfile share, with
 * backups and `validate:`.
 */
import { basename, dirname } from "node:path";
import { splitCommandLine } from "../../connection/command-words.js";
import { shellScript } from "../../connection/quote.js";
import type { FileAttributes, TaskHost } from "../host/task-host.js";
import type { PathRequest, ProbedPath } from "../host/path-probe.js";
import { ModuleFailure } from "../module-failure.js";
import type { Change, FileDiff } from "../types.js";
import { assertAttributesKnown, attributeDelta, describeCreate, newAttributes, planAttributeChanges } from "./attributes.js";
import { diffableText, MAX_DIFF_BYTES, md5, sha1, sha256 } from "./content.js";

/** How a file to be written is probed: following links (the target is what gets replaced), with its checksum */
export function writeTargetRequest(path: string, attributes: FileAttributes): PathRequest {
  return { path, follow: true, checksum: "sha256", owner: attributes.owner, group: attributes.group };
}

/**
 * Probe a copy/template destination. Like Ansible, a dest that ends in "/" or
 * is a directory receives the file under the source's base name; without a
 * source name that is an error.
 */
export async function probeDestination(host: TaskHost, dest: string, sourceName: string | undefined, attributes: FileAttributes): Promise<ProbedPath> {
  const intoDirectory = (directory: string): string => {
    if (sourceName === undefined) throw new ModuleFailure(`dest ${dest} is a directory; give the file's full path`);
    return `${directory.replace(/\/+$/, "")}/${basename(sourceName)}`;
  };
  if (dest.endsWith("/")) return host.probePath(writeTargetRequest(intoDirectory(dest), attributes));
  const probe = await host.probePath(writeTargetRequest(dest, attributes));
  if (probe.kind !== "directory") return probe;
  return host.probePath(writeTargetRequest(intoDirectory(probe.realPath), attributes));
}

/**
 * The result fields Ansible documents for a written file (copy, template), as
 * they will be after the run: `checksum` is sha1 and `md5sum` md5 as in
 * Ansible; `checksum_sha256` is tsible's own. uid and gid are known here only
 * for a file whose owner and group stay; `withPathInfo` reads them after a
 * change.
 */
export function writtenFileResult(probe: ProbedPath, attributes: FileAttributes, content: Buffer): Record<string, unknown> {
  const ownerStays = attributes.owner === undefined || attributes.owner === probe.owner;
  const groupStays = attributes.group === undefined || attributes.group === probe.group;
  return {
    dest: probe.realPath,
    // Ansible's copy names the file `path` too when it left it unchanged; harmless always
    path: probe.realPath,
    checksum: sha1(content),
    md5sum: md5(content),
    checksum_sha256: sha256(content),
    size: content.length,
    state: "file",
    mode: attributes.mode ?? probe.mode ?? "0644",
    owner: attributes.owner ?? probe.owner ?? probe.runAs,
    ...(attributes.group ?? probe.group ? { group: attributes.group ?? probe.group } : {}),
    ...(probe.exists && ownerStays && probe.uid !== undefined ? { uid: probe.uid } : {}),
    ...(probe.exists && groupStays && probe.gid !== undefined ? { gid: probe.gid } : {}),
  };
}

/**
 * What Ansible adds to the result of every module that names a `path` or
 * `dest` that exists (its add_path_info): uid, gid, owner, group, mode, size,
 * and the state the path is in (file, directory, link, or hard for a file
 * with several links).
 */
export function pathInfo(probe: ProbedPath): Record<string, unknown> {
  if (!probe.exists) return {};
  const state = probe.kind === "link" ? "link" : probe.kind === "directory" ? "directory" : (probe.nlink ?? 1) > 1 ? "hard" : "file";
  return { uid: probe.uid, gid: probe.gid, owner: probe.owner, group: probe.group, mode: probe.mode, state, size: probe.size };
}

/**
 * The changes, the last of which reports the path info (see `pathInfo`) as
 * the host has it once it is done: a name given as `owner:` has its uid
 * known only to the host (one more round trip, taken only when something
 * changed).
 */
export function withPathInfo(host: TaskHost, request: PathRequest, changes: Change[]): Change[] {
  const last = changes.at(-1);
  if (last === undefined) return changes;
  const reported: Change = {
    ...last,
    apply: async () => {
      const applied = (await last.apply()) ?? {};
      return { ...applied, ...pathInfo(await host.probePath(request)) };
    },
  };
  return [...changes.slice(0, -1), reported];
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
 * Plan "dest holds this content with these attributes". The probe must have
 * been made with `writeTargetRequest`. A content change and attribute changes
 * of the same file are one write with the wanted owner, group and mode;
 * attributes alone are chown/chgrp/chmod.
 */
export async function planFileWrite(host: TaskHost, probe: ProbedPath, write: FileWrite): Promise<Change[]> {
  const path = probe.realPath;
  assertAttributesKnown(probe, write.attributes);
  if (probe.exists && probe.kind !== "file") {
    throw new ModuleFailure(`${write.dest} exists and is a ${probe.kind === "other" ? "special file" : probe.kind}, not a regular file`);
  }
  if (probe.exists && probe.checksum === undefined) throw new ModuleFailure(`${path} cannot be read as ${probe.runAs}: cannot compare its content`);
  if (!probe.parentIsDirectory && !write.createParents) {
    throw new ModuleFailure(`Destination directory ${dirname(path)} does not exist`, { dest: write.dest });
  }
  const contentDiffers = !probe.exists || (probe.checksum !== sha256(write.content) && write.force !== false);
  if (!contentDiffers) return planAttributeChanges(host, probe, write.attributes);

  const afterText = diffableText(write.content);
  // the old content is fetched only when a text diff can be shown
  let beforeText: string | undefined = "";
  if (probe.exists) {
    const readable = afterText !== undefined && (probe.size ?? 0) <= MAX_DIFF_BYTES;
    beforeText = write.before !== undefined ? diffableText(write.before) : readable ? diffableText(await host.readExisting(path)) : undefined;
  }
  const diff: FileDiff | undefined = beforeText !== undefined && afterText !== undefined ? { path, before: beforeText, after: afterText } : undefined;

  // an existing file keeps its mode, and its owner and group when we run as root (a non-root user cannot give files away)
  const attributes: FileAttributes = {
    mode: write.attributes.mode ?? probe.mode,
    owner: write.attributes.owner ?? (probe.exists && probe.runAs === "root" ? probe.owner : undefined),
    group: write.attributes.group ?? (probe.exists && probe.runAs === "root" ? probe.group : undefined),
  };
  const description = probe.exists ? [`update ${path}`, ...attributeDelta(probe, write.attributes)] : [describeCreate(path, probe), ...newAttributes(write.attributes)];
  const backup = write.backup && probe.exists;
  return [
    {
      description: description.join(", "),
      diff,
      apply: async () => {
        if (!probe.parentIsDirectory) await host.makeDirectories(dirname(path));
        const backupFile = backup ? await backUp(host, path) : undefined;
        await writeValidated(host, path, write.content, attributes, write.validate);
        return backupFile === undefined ? {} : { backup_file: backupFile };
      },
    },
  ];
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

/** Copy a file beside itself under a timestamped name; resolves to that name */
export async function backUp(host: TaskHost, path: string): Promise<string> {
  return host.runChecked(shellScript(BACKUP_SCRIPT, [path]), { what: `backing up ${path}` });
}

/**
 * Write atomically. With `validate`, the content first goes to a hidden temp
 * file beside the destination (with its final owner and mode), the validator
 * runs on it, and only then is it renamed over the destination; a failing
 * validator removes the temp file and leaves the destination untouched.
 */
export async function writeValidated(host: TaskHost, path: string, content: Buffer, attributes: FileAttributes, validate: string | undefined): Promise<void> {
  if (validate === undefined) {
    await host.write(path, content, attributes);
    return;
  }
  const temp = `${dirname(path)}/.${basename(path)}.tsible-validate-${process.pid}-${Date.now().toString(36)}`;
  await host.write(temp, content, attributes);
  try {
    const result = await host.run(validateArgv(validate, temp));
    if (result.exitCode !== 0) {
      throw new ModuleFailure(`failed to validate: rc:${result.exitCode} error:${result.stderr.trim() || result.stdout.trim()}`, {
        rc: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr,
        validate,
      });
    }
    await host.runChecked(["mv", "-f", "--", temp, path], { what: `renaming the validated file onto ${path}` });
  } catch (error) {
    await host.run(["rm", "-f", "--", temp]);
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
