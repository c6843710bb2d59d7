/**
 * Lays an edit made on a re-rendered YAML document back onto the original text.
 *
 * The yaml package keeps comments and order but re-renders every line (spacing before a
 * comment, flow-map padding, quoting). So the edit is taken as the line difference between
 * the document rendered before and after it, and applied to the original's lines; every
 * other line keeps its bytes. When the original and the rendering do not line up, or the
 * result does not read back as the edited document, the full rendering is used instead
 * (comments still survive) with a warning.
 */
import { isDeepStrictEqual } from "node:util";
import { diffArrays } from "diff";
import { parseDocument } from "yaml";
import { ANSIBLE_YAML_OPTIONS } from "./yaml-file.js";

export interface TransplantResult {
  text: string;
  warnings: string[];
}

interface LineEdit {
  /** index in the rendering before the edit (and, when they line up, in the original) */
  at: number;
  removed: string[];
  inserted: string[];
}

const REFORMATTED =
  "the YAML file could not be edited line by line, so it was rewritten whole by the yaml library: comments are kept, but check the diff for changed spacing or quoting";

export function transplantEdit(original: string, renderedBefore: string, renderedAfter: string, expected: unknown): TransplantResult {
  if (renderedBefore === renderedAfter) return { text: original, warnings: [] };
  if (original === renderedBefore) return { text: renderedAfter, warnings: [] };
  const text = applyLineEdits(original, renderedBefore, lineEdits(renderedBefore, renderedAfter));
  if (text !== undefined && readsAs(text, expected)) return { text, warnings: [] };
  return { text: renderedAfter, warnings: [REFORMATTED] };
}

function lineEdits(before: string, after: string): LineEdit[] {
  const edits: LineEdit[] = [];
  let at = 0;
  for (const change of diffArrays(before.split("\n"), after.split("\n"))) {
    const last = edits[edits.length - 1];
    const current = last && last.at + last.removed.length === at ? last : undefined;
    if (change.added) {
      if (current) current.inserted.push(...change.value);
      else edits.push({ at, removed: [], inserted: [...change.value] });
    } else if (change.removed) {
      if (current && current.inserted.length === 0) current.removed.push(...change.value);
      else edits.push({ at, removed: [...change.value], inserted: [] });
      at += change.value.length;
    } else at += change.value.length;
  }
  return edits;
}

/** The original with the edits applied, or undefined when its lines do not match the rendering's. */
function applyLineEdits(original: string, renderedBefore: string, edits: LineEdit[]): string | undefined {
  const lines = original.split("\n");
  const rendered = renderedBefore.split("\n");
  const crlf = lines.filter((line) => line.endsWith("\r")).length > lines.length / 2;
  // from the bottom, so earlier indexes stay valid
  for (const edit of [...edits].reverse()) {
    const matches = edit.removed.every((line, offset) => same(lines[edit.at + offset], line));
    // the line above the edit anchors it: it must be the same line in both
    const anchored = edit.at === 0 || same(lines[edit.at - 1], rendered[edit.at - 1] ?? "");
    if (!matches || !anchored || edit.at > lines.length) return undefined;
    let at = edit.at;
    if (edit.removed.length === 0) {
      // blank lines, and comments less indented than the new lines, introduce what follows: insert above them
      const indent = indentOf(edit.inserted[0] ?? "");
      while (at > 0 && isOuterCommentOrBlank(lines[at - 1] ?? "", indent)) at--;
    }
    lines.splice(at, edit.removed.length, ...edit.inserted.map((line) => (crlf ? `${line}\r` : line)));
  }
  return lines.join("\n");
}

/** Equal but for spacing: the renderer may move a comment or pad a flow map. */
function same(originalLine: string | undefined, renderedLine: string): boolean {
  if (originalLine === undefined) return false;
  const squeeze = (line: string) => line.replace(/\s+/g, "");
  return squeeze(originalLine) === squeeze(renderedLine);
}

function isOuterCommentOrBlank(line: string, indent: number): boolean {
  const trimmed = line.trim();
  return trimmed === "" || (trimmed.startsWith("#") && indentOf(line) < indent);
}

function indentOf(line: string): number {
  return /^ */.exec(line)?.[0].length ?? 0;
}

function readsAs(text: string, expected: unknown): boolean {
  const document = parseDocument(text, ANSIBLE_YAML_OPTIONS);
  return document.errors.length === 0 && isDeepStrictEqual(document.toJS(), expected);
}
