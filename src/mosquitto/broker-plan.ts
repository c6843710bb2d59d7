/**
 * The pure half of the `mosquitto_broker` module: from what the probe saw and
 * what the task wants, which files change (content, or only owner/group/mode),
 * what the report shows for each, and how the broker must take the change
 * (nothing, SIGHUP, restart, or start). No I/O here, so every decision is unit
 * tested without a host.
 */
import type { FileDiff } from "../modules/types.js";
import type { FileAttributes } from "../modules/host/task-host.js";
import type { ProbedPath } from "../modules/host/path-probe.js";
import { attributeDelta, describeCreate, newAttributes } from "../modules/files/attributes.js";
import { diffableText, sha256 } from "../modules/files/content.js";
import type { HashFormat } from "./password-hash.js";
import { describePasswordChanges, parsePasswordFile, planPasswordFile, type PasswordChange, type WantedUser } from "./password-file.js";

/** A file as it was before the deploy: what a rollback puts back */
export interface PreviousFile {
  path: string;
  existed: boolean;
  content?: Buffer | undefined;
  uid?: number | undefined;
  gid?: number | undefined;
  mode?: string | undefined;
}

export interface PlannedFile {
  /** the path written (a symlink's target) */
  path: string;
  description: string;
  diff?: FileDiff | undefined;
  content: Buffer;
  /** the attributes the written file gets */
  attributes: FileAttributes;
  /** missing parent directories are created first */
  createParents: boolean;
  /** "content": the bytes change; "attributes": only owner, group or mode */
  kind: "content" | "attributes";
  /** the broker takes this change on SIGHUP */
  reload: boolean;
  previous: PreviousFile;
}

export type Activation = "none" | "reload" | "restart" | "start";

/** What a rollback must restore: the old bytes (read during planning) with the old numeric owner, group and mode */
export function previousFile(probe: ProbedPath, oldContent: Buffer | undefined): PreviousFile {
  if (!probe.exists) return { path: probe.realPath, existed: false };
  return { path: probe.realPath, existed: true, content: oldContent, uid: probe.uid, gid: probe.gid, mode: probe.mode };
}

/** Fail early (in check mode too) on what a write could not do */
export function fileProblem(probe: ProbedPath): string | undefined {
  if (probe.exists && probe.kind !== "file") return `${probe.path} exists and is not a regular file`;
  if (probe.exists && probe.checksum === undefined) return `${probe.realPath} cannot be read as ${probe.runAs}`;
  return undefined;
}

export interface ConfigFileWant {
  content: Buffer;
  attributes: FileAttributes;
  reload: boolean;
}

/** The content differs: the old bytes must be read (for the diff, and for a rollback) */
export function contentDiffers(probe: ProbedPath, content: Buffer): boolean {
  return !probe.exists || probe.checksum !== sha256(content);
}

/** A content write, an attributes-only rewrite, or undefined when the file is as wanted */
export function planConfigFile(probe: ProbedPath, want: ConfigFileWant, oldContent: Buffer | undefined): PlannedFile | undefined {
  const path = probe.realPath;
  if (contentDiffers(probe, want.content)) {
    const before = !probe.exists ? "" : oldContent === undefined ? undefined : diffableText(oldContent);
    const after = diffableText(want.content);
    const parts = !probe.exists
        ? [describeCreate(path, probe), ...newAttributes(want.attributes)]
        : [`update ${path}`, ...attributeDelta(probe, want.attributes)];
    return {
      path,
      description: parts.join(", "),
      diff: before !== undefined && after !== undefined ? { path, before, after } : undefined,
      content: want.content,
      attributes: want.attributes,
      createParents: !probe.parentIsDirectory,
      kind: "content",
      reload: want.reload,
      previous: previousFile(probe, oldContent),
    };
  }
  const delta = attributeDelta(probe, want.attributes);
  if (delta.length === 0) return undefined;
  return {
    path,
    description: `set ${delta.join(", ")} of ${path}`,
    content: want.content,
    attributes: want.attributes,
    createParents: false,
    kind: "attributes",
    reload: want.reload,
    // same bytes as wanted: only the attributes go back
    previous: previousFile(probe, want.content),
  };
}

export interface PasswordFileWant {
  users: WantedUser[];
  removeUnlisted: boolean;
  format: HashFormat;
  attributes: FileAttributes;
  /** tests fix the salt; random otherwise */
  salt?: () => Buffer;
}

export interface PlannedPasswordFile {
  file: PlannedFile | undefined;
  changes: PasswordChange[];
}

/** A new password file holds hashes: nobody but its owner reads it unless the task says otherwise */
export const NEW_PASSWORD_FILE_MODE = "0600";

/**
 * The password file: users added, re-hashed or removed as planPasswordFile
 * decides (an unchanged file stays byte-identical). Its report names users
 * only; the diff is a list of user names with a marker, never a line of the
 * file, since every line holds a hash.
 */
export function planPasswordFileChange(probe: ProbedPath, want: PasswordFileWant): PlannedPasswordFile {
  const path = probe.realPath;
  const current = !probe.exists ? undefined : (probe.content ?? Buffer.alloc(0)).toString("utf8");
  const plan = planPasswordFile(current, want.users, {
    format: want.format,
    removeUnlisted: want.removeUnlisted,
    ...(want.salt ? { salt: want.salt } : {}),
  });
  const content = Buffer.from(plan.text, "utf8");
  const attributes: FileAttributes =
    !probe.exists ? { ...want.attributes, mode: want.attributes.mode ?? NEW_PASSWORD_FILE_MODE } : want.attributes;
  const summary = describePasswordChanges(plan.changes).split("\n").filter((line) => line !== "").join("; ");

  if (!probe.exists || plan.changes.length > 0) {
    const parts = !probe.exists
        ? [describeCreate(`password file ${path}`, probe), ...newAttributes(attributes)]
        : [`update password file ${path}`, ...attributeDelta(probe, attributes)];
    return {
      changes: plan.changes,
      file: {
        path,
        description: `${parts.join(", ")}: ${summary || "no users"}`,
        diff: { path, before: userListing(current ?? "", []), after: userListing(plan.text, plan.changes) },
        content,
        attributes,
        createParents: !probe.parentIsDirectory,
        kind: "content",
        reload: true,
        previous: previousFile(probe, probe.content),
      },
    };
  }
  const delta = attributeDelta(probe, attributes);
  if (delta.length === 0) return { changes: [], file: undefined };
  return {
    changes: [],
    file: {
      path,
      description: `set ${delta.join(", ")} of password file ${path}`,
      // the bytes on the host, untouched by a text round trip
      content: probe.content ?? content,
      attributes,
      createParents: false,
      kind: "attributes",
      reload: true,
      previous: previousFile(probe, probe.content),
    },
  };
}

/** The users of a password file's text, one a line, with "(added)" or "(password changed)" after the ones this run touches */
export function userListing(text: string, changes: readonly PasswordChange[]): string {
  const marker = new Map(changes.filter((change) => change.action !== "removed").map((change) => [change.user, change.action]));
  return parsePasswordFile(text)
    .flatMap((line) => (line.kind === "user" ? [line.user] : []))
    .map((user) => {
      const action = marker.get(user);
      return action === undefined ? `${user}\n` : `${user} (${action})\n`;
    })
    .join("");
}

/**
 * How the broker takes this deploy: a stopped broker is started (on the new
 * files); a changed file the broker reads only at start needs a restart; a
 * change it re-reads on SIGHUP (acl file, password file), or only an owner or
 * mode change, needs a reload; nothing changed on a running broker needs nothing.
 */
export function chooseActivation(running: boolean, files: readonly Pick<PlannedFile, "kind" | "reload">[]): Activation {
  if (!running) return "start";
  if (files.some((file) => file.kind === "content" && !file.reload)) return "restart";
  if (files.length > 0) return "reload";
  return "none";
}

export function describeActivation(activation: Exclude<Activation, "none">, service: string): string {
  switch (activation) {
    case "start":
      return `start ${service}`;
    case "reload":
      return `reload ${service} (SIGHUP)`;
    case "restart":
      return `restart ${service}`;
  }
}

/** The format in a form a result can show */
export function hashFormatName(format: HashFormat): string {
  return format.kind === "sha512" ? "$6$ (sha512)" : `$7$ (pbkdf2-sha512, ${format.iterations} iterations, ${format.saltBytes}-byte salt)`;
}
