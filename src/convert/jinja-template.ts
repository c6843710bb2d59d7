/**
 * The tags of a Jinja template, cut the way Ansible's template module cuts them:
 * `{{ }}`, `{% %}` and `{# #}` with their `-` whitespace control, trim_blocks=True
 * (the newline right after a block tag or comment is dropped), lstrip_blocks=False,
 * and keep_trailing_newline=False (one final newline is dropped before lexing;
 * Ansible adds newlines back afterwards, see convert-template.ts).
 */
import { ConvertProblem } from "./convert-problem.js";

export interface TextToken {
  kind: "text";
  start: number;
  /** the text as written */
  raw: string;
}

export interface TagToken {
  kind: "output" | "block" | "comment";
  start: number;
  end: number;
  /** what is between the delimiters, without the whitespace-control signs */
  inner: string;
  innerStart: number;
  /** `{%-`: whitespace before the tag is dropped */
  stripBefore: boolean;
  /** `-%}`: whitespace after the tag is dropped */
  stripAfter: boolean;
  /** `+%}`: trim_blocks is off for this tag */
  keepNewlineAfter: boolean;
}

export type TemplateToken = TextToken | TagToken;

/** Python's whitespace (str.isspace, and `\s` in a str regex), which Jinja's stripping uses */
const PY_SPACE = "[ \\t\\n\\r\\f\\v\\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const LEADING_SPACE = new RegExp(`^${PY_SPACE}+`);
const TRAILING_SPACE = new RegExp(`${PY_SPACE}+$`);

export function lstripPython(text: string): string {
  return text.replace(LEADING_SPACE, "");
}

export function rstripPython(text: string): string {
  return text.replace(TRAILING_SPACE, "");
}

const CLOSERS = { "{{": "}}", "{%": "%}", "{#": "#}" } as const;
const KINDS = { "{{": "output", "{%": "block", "{#": "comment" } as const;

/** The tokens of `source` (already without its final newline) */
export function lexTemplate(source: string): TemplateToken[] {
  const tokens: TemplateToken[] = [];
  let position = 0;
  for (;;) {
    const open = /\{[{%#]/g;
    open.lastIndex = position;
    const match = open.exec(source);
    const textEnd = match ? match.index : source.length;
    tokens.push({ kind: "text", start: position, raw: source.slice(position, textEnd) });
    if (!match) return tokens;
    const opener = match[0] as keyof typeof CLOSERS;
    const closer = CLOSERS[opener];
    const end = findCloser(source, textEnd + 2, closer, opener !== "{#");
    if (end < 0) throw new ConvertProblem(`no closing "${closer}"`, textEnd);
    let innerStart = textEnd + 2;
    let innerEnd = end;
    const sign = source[innerStart];
    const stripBefore = sign === "-";
    if (sign === "-" || sign === "+") innerStart++;
    const closeSign = source[innerEnd - 1];
    const stripAfter = closeSign === "-" && innerEnd - 1 >= innerStart;
    const keepNewlineAfter = closeSign === "+" && opener !== "{{" && innerEnd - 1 >= innerStart;
    if (stripAfter || keepNewlineAfter) innerEnd--;
    tokens.push({
      kind: KINDS[opener],
      start: textEnd,
      end: end + 2,
      inner: source.slice(innerStart, innerEnd),
      innerStart,
      stripBefore,
      stripAfter,
      keepNewlineAfter,
    });
    position = end + 2;
    // a raw block is one tag to its reader (it is reported as such): its text is not lexed
    if (opener === "{%" && /^\s*raw\s*$/.test(source.slice(innerStart, innerEnd))) {
      const endRaw = /\{%[-+]?\s*endraw\s*[-+]?%\}/g;
      endRaw.lastIndex = position;
      const found = endRaw.exec(source);
      if (!found) throw new ConvertProblem("{% raw %} is never closed", textEnd);
      position = found.index + found[0].length;
    }
  }
}

/** index of `closer`, skipping quoted strings inside expressions */
function findCloser(source: string, from: number, closer: string, skipStrings: boolean): number {
  let i = from;
  while (i < source.length) {
    if (source.startsWith(closer, i)) return i;
    const char = source[i];
    if (skipStrings && (char === "'" || char === '"')) {
      let j = i + 1;
      while (j < source.length && source[j] !== char) j += source[j] === "\\" ? 2 : 1;
      i = j + 1;
      continue;
    }
    i++;
  }
  return -1;
}

/**
 * The text Jinja outputs for a text token, given its neighbouring tags:
 * trim_blocks first (it is part of the previous tag's match), then `-` signs.
 */
export function jinjaText(raw: string, previous: TagToken | undefined, next: TagToken | undefined): string {
  let text = raw;
  if (previous?.stripAfter) text = lstripPython(text);
  else if (previous && previous.kind !== "output" && !previous.keepNewlineAfter && text.startsWith("\n")) text = text.slice(1);
  if (next?.stripBefore) text = rstripPython(text);
  return text;
}
