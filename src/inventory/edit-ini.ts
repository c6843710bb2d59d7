/**
 * Adds, updates and removes one host in an INI inventory by editing only the lines that
 * hold it: every other line (comments, blank lines, spacing, other hosts) stays byte for
 * byte as it was.
 */
import { UserError } from "../errors.js";
import { insertLines, joinLines, removeLines, splitLines, type TextLine } from "./edit-lines.js";
import { expandHostPattern } from "./ranges.js";
import { shlexSplit } from "./shlex.js";

const HEADER = /^\[([^:\]\s]+)(?::(\w+))?\]/;

interface Section {
  group: string;
  kind: string;
  /** -1 for the hosts before the first header (group 'ungrouped') */
  headerIndex: number;
  /** indexes of its non-blank, non-comment lines */
  entries: number[];
}

interface Word {
  /** the word as written, quotes included */
  raw: string;
  /** the word as shlex reads it */
  value: string;
  start: number;
  end: number;
}

interface HostLine {
  index: number;
  pattern: string;
  names: string[];
  port: number | undefined;
  words: Word[];
}

export function addHostIni(text: string, file: string, host: string, group: string, vars: Record<string, string>): string {
  const lines = splitLines(text);
  const sections = readSections(lines);
  const found = hostLinesIn(lines, sections, file, host, (section) => section.group === group);
  if (found.length > 0) {
    const current = Object.assign({}, ...found.map(lineVars)) as Record<string, string>;
    const changed = Object.entries(vars).filter(([key, value]) => current[key] !== value);
    if (changed.length === 0) return text;
    // the last line wins when a host is listed twice, so that is the one to change
    const target = found[found.length - 1] as HostLine;
    if (target.pattern !== host) {
      throw new UserError(`host '${host}' is listed as '${target.pattern}' in [${group}]; tsible changes only lines naming the host alone`, {
        location: { file, line: target.index + 1 },
        hint: `edit this line by hand, or split '${host}' out onto a line of its own`,
      });
    }
    const line = lines[target.index] as TextLine;
    const updated = { ...line, text: updateHostLine(line.text, target.words, Object.fromEntries(changed)) };
    return joinLines(lines.map((each, index) => (index === target.index ? updated : each)));
  }

  const newLine = [host, ...Object.entries(vars).map(([key, value]) => `${key}=${quoteIniValue(value)}`)].join(" ");
  const section = [...sections].reverse().find((each) => each.group === group && each.kind === "hosts" && each.headerIndex >= 0);
  if (section) {
    const after = section.entries[section.entries.length - 1] ?? section.headerIndex;
    return joinLines(insertLines(lines, after + 1, [newLine]));
  }
  // a new section at the end, after one blank line
  const last = lines[lines.length - 1];
  const separator = last === undefined || last.text.trim() === "" ? [] : [""];
  return joinLines(insertLines(lines, lines.length, [...separator, `[${group}]`, newLine]));
}

/** Removes the host's lines from `group`'s sections, or from every hosts section. */
export function removeHostIni(text: string, file: string, host: string, group?: string): string {
  const lines = splitLines(text);
  const sections = readSections(lines);
  const found = hostLinesIn(lines, sections, file, host, (section) => group === undefined || section.group === group);
  if (found.length === 0) return text;
  for (const line of found) {
    if (line.names.length > 1) {
      throw new UserError(`host '${host}' is part of the range '${line.pattern}'; tsible cannot take one host out of a range`, {
        location: { file, line: line.index + 1 },
        hint: "rewrite the range by hand so that it no longer includes the host",
      });
    }
  }
  return joinLines(removeLines(lines, new Set(found.map((line) => line.index))));
}

/** `value` written so that Ansible's shlex reading gives it back unchanged. */
export function quoteIniValue(value: string): string {
  if (/^[^\s'"#\\]+$/.test(value)) return value;
  return `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

function readSections(lines: TextLine[]): Section[] {
  const sections: Section[] = [{ group: "ungrouped", kind: "hosts", headerIndex: -1, entries: [] }];
  lines.forEach((line, index) => {
    const trimmed = line.text.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) return;
    const header = HEADER.exec(trimmed);
    if (header) {
      sections.push({ group: header[1] ?? "", kind: header[2] ?? "hosts", headerIndex: index, entries: [] });
      return;
    }
    sections[sections.length - 1]?.entries.push(index);
  });
  return sections;
}

function hostLinesIn(lines: TextLine[], sections: Section[], file: string, host: string, wanted: (section: Section) => boolean): HostLine[] {
  const found: HostLine[] = [];
  for (const section of sections) {
    if (section.kind !== "hosts" || !wanted(section)) continue;
    for (const index of section.entries) {
      const words = splitWords(lines[index]?.text ?? "");
      const pattern = words[0]?.value;
      if (pattern === undefined) continue;
      let expanded;
      try {
        expanded = expandHostPattern(pattern);
      } catch (error) {
        throw new UserError(`cannot read host '${pattern}': ${error instanceof Error ? error.message : String(error)}`, {
          location: { file, line: index + 1 },
        });
      }
      if (expanded.names.includes(host)) found.push({ index, pattern, names: expanded.names, port: expanded.port, words: words.slice(1) });
    }
  }
  return found;
}

/** The inline vars of a host line as strings (as shlex reads them), with `:port` as ansible_port. */
function lineVars(line: HostLine): Record<string, string> {
  const vars: Record<string, string> = line.port === undefined ? {} : { ansible_port: String(line.port) };
  for (const word of line.words) {
    const equals = word.value.indexOf("=");
    if (equals > 0) vars[word.value.slice(0, equals)] = word.value.slice(equals + 1);
  }
  return vars;
}

/** Replaces the words of changed vars in place and appends new ones after the last word, before any comment. */
function updateHostLine(text: string, words: Word[], changed: Record<string, string>): string {
  let result = text;
  const remaining = new Map(Object.entries(changed));
  // from the right, so earlier offsets stay valid
  for (const word of [...words].reverse()) {
    const key = word.value.slice(0, word.value.indexOf("="));
    const value = remaining.get(key);
    if (value === undefined || word.value.indexOf("=") <= 0) continue;
    result = result.slice(0, word.start) + `${key}=${quoteIniValue(value)}` + result.slice(word.end);
    remaining.delete(key);
  }
  // a key written twice on the line: the last one wins and was replaced; drop nothing else
  const lastWord = words[words.length - 1];
  const lastEnd = lastWord === undefined ? firstWordEnd(text) : lastWord.end + (result.length - text.length);
  const added = [...remaining].map(([key, value]) => ` ${key}=${quoteIniValue(value)}`).join("");
  return result.slice(0, lastEnd) + added + result.slice(lastEnd);
}

function firstWordEnd(text: string): number {
  return splitWords(text)[0]?.end ?? text.length;
}

/** The words of a host line with their offsets, split as Ansible's shlex does (`#` outside quotes ends the line). */
function splitWords(text: string): Word[] {
  const words: Word[] = [];
  let start = -1;
  let quote: string | undefined;
  const close = (end: number) => {
    if (start < 0) return;
    const raw = text.slice(start, end);
    words.push({ raw, value: shlexSplit(raw)[0] ?? "", start, end });
    start = -1;
  };
  for (let at = 0; at < text.length; at++) {
    const char = text[at] ?? "";
    if (quote !== undefined) {
      if (char === "\\" && quote === '"') at++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === "#") {
      close(at);
      return words;
    }
    if (/\s/.test(char)) {
      close(at);
      continue;
    }
    if (start < 0) start = at;
    if (char === "'" || char === '"') quote = char;
    else if (char === "\\") at++;
  }
  close(text.length);
  return words;
}
