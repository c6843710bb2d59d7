/**
 * The pure half of the `mosquitto_broker` module: from what the probe saw and
 * what the task wants, which files change (content, or only owner/group/mode),
 * what the report shows for each, and how the broker must take the change
 * (nothing, SIGHUP, restart, or start). No I/O here, so every decision is unit
 * tested without a host.
 */
import type { FileDiff } from "../modules/types.js";
import { sha256 } from "../modules/remote-file.js";
import type { HashFormat } from "./password-hash.js";
import { describePasswordChanges, parsePasswordFile, planPasswordFile, type PasswordChange, type WantedUser } from "./password-file.js";
import type { ProbedFile } from "./broker-probe.js";

export interface WantedAttributes {
  owner?: string | undefined;
  group?: string | undefined;
  mode?: string | undefined;
}

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
  attributes: WantedAttributes;
  /** missing parent directories are created first */
  createParents: boolean;
  /** "content": the bytes change; "attributes": only owner, group or mode */
  kind: "content" | "attributes";
  /** the broker takes this change on SIGHUP */
  reload: boolean;
  previous: PreviousFile;
}

export type Activation = "none" | "reload" | "restart" | "start";

/** Ansible's max_file_size_for_diff: bigger or binary files get no text diff */
const MAX_DIFF_BYTES = 104448;

function diffable(content: Buffer): string | undefined {
  if (content.length > MAX_DIFF_BYTES || content.includes(0)) return undefined;
  return content.toString("utf8");
}

function sameOwner(wanted: string, name: string | undefined, id: number | undefined): boolean {
  return /^\d+$/.test(wanted) ? Number(wanted) === id : wanted === name;
}

/** "mode 0644 -> 0640", "owner root -> mosquitto": what differs from the wanted attributes */
export function attributeDelta(probe: ProbedFile, wanted: WantedAttributes): string[] {
  const parts: string[] = [];
  if (wanted.owner !== undefined && !sameOwner(wanted.owner, probe.owner, probe.uid)) parts.push(`owner ${probe.owner} -> ${wanted.owner}`);
  if (wanted.group !== undefined && !sameOwner(wanted.group, probe.group, probe.gid)) parts.push(`group ${probe.group} -> ${wanted.group}`);
  if (wanted.mode !== undefined && wanted.mode !== probe.mode) parts.push(`mode ${probe.mode} -> ${wanted.mode}`);
  return parts;
}

function newAttributes(wanted: WantedAttributes): string[] {
  return [
    wanted.owner !== undefined ? `owner ${wanted.owner}` : "",
    wanted.group !== undefined ? `group ${wanted.group}` : "",
    wanted.mode !== undefined ? `mode ${wanted.mode}` : "",
  ].filter((part) => part !== "");
}

/** What a rollback must restore: the old bytes (read during planning) with the old numeric owner, group and mode */
export function previousFile(probe: ProbedFile, oldContent: Buffer | undefined): PreviousFile {
  if (probe.kind === "absent") return { path: probe.realPath, existed: false };
  return { path: probe.realPath, existed: true, content: oldContent, uid: probe.uid, gid: probe.gid, mode: probe.mode };
}

/** Fail early (in check mode too) on what a write could not do */
export function fileProblem(probe: ProbedFile, wanted: WantedAttributes): string | undefined {
  if (probe.unknownOwner) return `user "${wanted.owner}" (owner of ${probe.path}) does not exist on the host`;
  if (probe.unknownGroup) return `group "${wanted.group}" (group of ${probe.path}) does not exist on the host`;
  if (probe.kind === "other") return `${probe.path} exists and is not a regular file`;
  return undefined;
}

export interface ConfigFileWant {
  content: Buffer;
  attributes: WantedAttributes;
  reload: boolean;
}

/** The content differs: the old bytes must be read (for the diff, and for a rollback) */
export function contentDiffers(probe: ProbedFile, content: Buffer): boolean {
  return probe.kind === "absent" || probe.sha256 !== sha256(content);
}

/** A content write, an attributes-only rewrite, or undefined when the file is as wanted */
export function planConfigFile(probe: ProbedFile, want: ConfigFileWant, oldContent: Buffer | undefined): PlannedFile | undefined {
  const path = probe.realPath;
  if (contentDiffers(probe, want.content)) {
    const before = probe.kind === "absent" ? "" : oldContent === undefined ? undefined : diffable(oldContent);
    const after = diffable(want.content);
    const parts =
      probe.kind === "absent"
        ? [`create ${path}${probe.parentIsDirectory ? "" : " (and its parent directories)"}`, ...newAttributes(want.attributes)]
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
  attributes: WantedAttributes;
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
export function planPasswordFileChange(probe: ProbedFile, want: PasswordFileWant): PlannedPasswordFile {
  const path = probe.realPath;
  const current = probe.kind === "absent" ? undefined : (probe.content ?? Buffer.alloc(0)).toString("utf8");
  const plan = planPasswordFile(current, want.users, {
    format: want.format,
    removeUnlisted: want.removeUnlisted,
    ...(want.salt ? { salt: want.salt } : {}),
  });
  const content = Buffer.from(plan.text, "utf8");
  const attributes: WantedAttributes =
    probe.kind === "absent" ? { ...want.attributes, mode: want.attributes.mode ?? NEW_PASSWORD_FILE_MODE } : want.attributes;
  const summary = describePasswordChanges(plan.changes).split("\n").filter((line) => line !== "").join("; ");

  if (probe.kind === "absent" || plan.changes.length > 0) {
    const parts =
      probe.kind === "absent"
        ? [`create password file ${path}${probe.parentIsDirectory ? "" : " (and its parent directories)"}`, ...newAttributes(attributes)]
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
