/**
 * lineinfile: make sure one line is (or is not) in a text file. The editing is
 * the pure function `editLines`, a port of Ansible's semantics: `regexp`
 * replaces the LAST matching line; without a match the line is inserted per
 * insertafter/insertbefore (EOF by default); an identical line already present
 * changes nothing.
 */
import * as z from "zod";
import { absolutePath, ansibleBool } from "./system-args.js";
import type { Change } from "./types.js";
import { defineModule, ModuleFailure } from "./types.js";
import { fileAttributeArgs } from "./files/file-args.js";
import { assertAttributesKnown, planAttributeChanges } from "./files/attributes.js";
import { planFileWrite, writeTargetRequest } from "./files/file-write.js";

export interface LineEdit {
  state: "present" | "absent";
  line?: string | undefined;
  regexp?: string | undefined;
  search_string?: string | undefined;
  /** "EOF", "BOF" or a regular expression */
  insertafter?: string | undefined;
  /** "BOF" or a regular expression */
  insertbefore?: string | undefined;
  backrefs?: boolean | undefined;
  firstmatch?: boolean | undefined;
}

export interface LineEditResult {
  text: string;
  changed: boolean;
  /** Ansible's msg: "line added", "line replaced", "2 line(s) removed" or "" */
  msg: string;
  /** lines removed (state=absent) */
  found?: number;
}

/**
 * Translate a Python `re` pattern to a JavaScript RegExp: named groups
 * (?P<n>...) and (?P=n), and leading global flags like (?i).
 */
export function pythonRegExp(pattern: string): RegExp {
  let source = pattern;
  let flags = "";
  const leadingFlags = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (leadingFlags) {
    source = source.slice(leadingFlags[0].length);
    for (const flag of leadingFlags[1] ?? "") if ("ims".includes(flag) && !flags.includes(flag)) flags += flag;
  }
  source = source.replace(/\(\?P<([A-Za-z_]\w*)>/g, "(?<$1>").replace(/\(\?P=([A-Za-z_]\w*)\)/g, "\\k<$1>");
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new ModuleFailure(`invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
}

/** Python's Match.expand: \1, \g<1>, \g<name> and the usual escapes; unmatched groups expand to "" */
export function expandBackrefs(template: string, match: RegExpExecArray): string {
  const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", f: "\f", v: "\v", a: "\x07", b: "\b", "\\": "\\" };
  return template.replace(/\\(g<([^>]+)>|\d{1,2}|.)/g, (whole, body: string, groupRef: string | undefined) => {
    if (groupRef !== undefined) {
      const value = /^\d+$/.test(groupRef) ? match[Number(groupRef)] : match.groups?.[groupRef];
      return value ?? "";
    }
    if (/^\d/.test(body)) return match[Number(body)] ?? "";
    return escapes[body] ?? whole;
  });
}

/** Split text into lines that keep their "\n", like Python's readlines() */
function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}

/** A line without its line ending, for comparisons */
function bare(line: string): string {
  return line.replace(/[\r\n]+$/, "");
}

/** Python's `$` also matches before a final newline: match against the line without it */
function searchLine(pattern: RegExp, line: string): RegExpExecArray | null {
  return pattern.exec(line.endsWith("\n") ? line.slice(0, -1) : line);
}

export function editLines(text: string, edit: LineEdit): LineEditResult {
  return edit.state === "present" ? ensurePresent(text, edit) : ensureAbsent(text, edit);
}

function ensureAbsent(text: string, edit: LineEdit): LineEditResult {
  const pattern = edit.regexp !== undefined ? pythonRegExp(edit.regexp) : undefined;
  const matches = (line: string): boolean => {
    if (pattern) return searchLine(pattern, line) !== null;
    if (edit.search_string !== undefined) return line.includes(edit.search_string);
    return bare(line) === edit.line;
  };
  const lines = splitLines(text);
  const kept = lines.filter((line) => !matches(line));
  const found = lines.length - kept.length;
  return { text: kept.join(""), changed: found > 0, msg: found > 0 ? `${found} line(s) removed` : "", found };
}

function ensurePresent(text: string, edit: LineEdit): LineEditResult {
  const line = edit.line ?? "";
  const lines = splitLines(text);
  const insertafter = edit.insertafter ?? (edit.insertbefore === undefined ? "EOF" : undefined);
  const insertbefore = edit.insertbefore;
  const insertPattern =
    insertafter !== undefined && insertafter !== "BOF" && insertafter !== "EOF"
      ? pythonRegExp(insertafter)
      : insertbefore !== undefined && insertbefore !== "BOF"
        ? pythonRegExp(insertbefore)
        : undefined;

  let matchIndex = -1;
  let insertIndex = -1;
  let match: RegExpExecArray | null = null;
  let found = false;

  // 1. regexp or search_string: the last matching line (the first with firstmatch)
  if (edit.regexp !== undefined) {
    const pattern = pythonRegExp(edit.regexp);
    for (const [index, current] of lines.entries()) {
      const result = searchLine(pattern, current);
      if (result) {
        matchIndex = index;
        match = result;
        found = true;
        if (edit.firstmatch) break;
      }
    }
  } else if (edit.search_string !== undefined) {
    for (const [index, current] of lines.entries()) {
      if (current.includes(edit.search_string)) {
        matchIndex = index;
        found = true;
        if (edit.firstmatch) break;
      }
    }
  }

  // 2. no match: the line itself already present, else where to insert
  if (!found) {
    for (const [index, current] of lines.entries()) {
      if (bare(current) === line) {
        matchIndex = index;
      } else if (insertPattern && searchLine(insertPattern, current)) {
        insertIndex = insertafter !== undefined ? index + 1 : index;
        if (edit.firstmatch) break;
      }
    }
  }

  const added = (result: string[]): LineEditResult => ({ text: result.join(""), changed: true, msg: "line added" });
  const unchanged: LineEditResult = { text, changed: false, msg: "" };

  if (matchIndex !== -1) {
    let newLine = edit.backrefs && match ? expandBackrefs(line, match) : line;
    if (!newLine.endsWith("\n")) newLine += "\n";
    if (lines[matchIndex] === newLine) return unchanged;
    lines[matchIndex] = newLine;
    return { text: lines.join(""), changed: true, msg: "line replaced" };
  }
  // backrefs without a match: the line cannot be built, so nothing is done
  if (edit.backrefs) return unchanged;
  if (insertbefore === "BOF" || insertafter === "BOF") {
    lines.unshift(`${line}\n`);
    return added(lines);
  }
  if (insertafter === "EOF" || insertIndex === -1) {
    const last = lines[lines.length - 1];
    if (last !== undefined && !/[\r\n]$/.test(last)) lines.push("\n");
    lines.push(`${line}\n`);
    return added(lines);
  }
  if (insertafter !== undefined) {
    if (insertIndex === lines.length) {
      if (bare(lines[insertIndex - 1] ?? "") === line) return unchanged;
      const last = lines[lines.length - 1];
      if (last !== undefined && !/[\r\n]$/.test(last)) lines[lines.length - 1] = `${last}\n`;
      lines.push(`${line}\n`);
      return added(lines);
    }
    if (bare(lines[insertIndex] ?? "") === line) return unchanged;
    lines.splice(insertIndex, 0, `${line}\n`);
    return added(lines);
  }
  lines.splice(insertIndex, 0, `${line}\n`);
  return added(lines);
}

const lineinfileArgs = z.preprocess(
  renameAliases,
  z
    .object({
      path: absolutePath("path"),
      state: z.enum(["present", "absent"]).default("present"),
      line: z.string().optional(),
      regexp: z.string().optional(),
      search_string: z.string().optional(),
      insertafter: z.string().optional(),
      insertbefore: z.string().optional(),
      backrefs: ansibleBool.default(false),
      firstmatch: ansibleBool.default(false),
      create: ansibleBool.default(false),
      backup: ansibleBool.default(false),
      validate: z.string().min(1).optional(),
      ...fileAttributeArgs,
    })
    .strict()
    .refine((args) => args.insertafter === undefined || args.insertbefore === undefined, { message: "insertafter and insertbefore are mutually exclusive" })
    .refine((args) => args.regexp === undefined || args.search_string === undefined, { message: "regexp and search_string are mutually exclusive" })
    .refine((args) => !(args.backrefs && args.search_string !== undefined), { message: "backrefs and search_string are mutually exclusive" })
    .refine((args) => args.state !== "present" || args.line !== undefined, { message: "line is required with state=present" })
    .refine((args) => !args.backrefs || args.regexp !== undefined, { message: "regexp is required with backrefs=true" })
    .refine((args) => args.state !== "absent" || args.line !== undefined || args.regexp !== undefined || args.search_string !== undefined, {
      message: "one of line, search_string, or regexp is required with state=absent",
    }),
);

/** Ansible's other names: dest/destfile/name for path, regex for regexp, value for line */
function renameAliases(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const { dest, destfile, name, regex, value, ...rest } = raw as Record<string, unknown>;
  const renamed: Record<string, unknown> = { ...rest };
  const path = rest.path ?? dest ?? destfile ?? name;
  if (path !== undefined) renamed.path = path;
  if (rest.regexp === undefined && regex !== undefined) renamed.regexp = regex;
  if (rest.line === undefined && value !== undefined) renamed.line = value;
  return renamed;
}

export const lineinfileModule = defineModule({
  name: "lineinfile",
  args: lineinfileArgs,
  async plan(ctx, args) {
    // the content comes with the probe: one round trip
    const probe = await ctx.host.probePath({ ...writeTargetRequest(args.path, args), content: true });
    assertAttributesKnown(probe, args);
    if (probe.kind === "directory") throw new ModuleFailure(`Path ${args.path} is a directory !`, { rc: 256 });
    if (!probe.exists) {
      if (args.state === "absent") return { changes: [], result: { msg: "file not present", path: probe.realPath } };
      if (!args.create) throw new ModuleFailure(`Destination ${args.path} does not exist !`, { rc: 257 });
    }
    const before = probe.exists ? (probe.content ?? (await ctx.host.readExisting(probe.realPath))) : Buffer.alloc(0);
    const edited = editLines(before.toString("utf8"), args);
    // Ansible always reports `backup`: the backup file's path, "" when none was made
    const result: Record<string, unknown> = { msg: edited.msg, backup: "", path: probe.realPath, ...(edited.found !== undefined ? { found: edited.found } : {}) };
    let changes: Change[];
    if (edited.changed || !probe.exists) {
      changes = await planFileWrite(ctx.host, probe, {
        dest: args.path,
        content: Buffer.from(edited.text, "utf8"),
        attributes: args,
        backup: args.backup,
        validate: args.validate,
        createParents: true,
        before,
      });
    } else {
      changes = planAttributeChanges(ctx.host, probe, args);
    }
    if (changes.length > 0 && !edited.changed && result.msg === "") result.msg = "ownership, perms or SE linux context changed";
    return { changes: changes.map(reportBackupAsAnsible), result };
  },
});

/** lineinfile names the backup `backup` where copy and template say `backup_file` */
function reportBackupAsAnsible(change: Change): Change {
  return {
    ...change,
    apply: async () => {
      const { backup_file: backupFile, ...applied } = (await change.apply()) ?? {};
      return backupFile === undefined ? applied : { ...applied, backup: backupFile };
    },
  };
}
