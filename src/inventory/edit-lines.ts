/**
 * A text file as lines that keep their own line endings, so an edit touches only the lines
 * it means to: a CRLF file stays CRLF, and a file without a final newline keeps lacking one.
 */
export interface TextLine {
  text: string;
  /** "\n", "\r\n", or "" for a last line without a newline */
  eol: string;
}

export function splitLines(text: string): TextLine[] {
  if (text === "") return [];
  const lines: TextLine[] = [];
  const pattern = /(.*?)(\r?\n|$)/gy;
  let at = 0;
  while (at < text.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) break;
    lines.push({ text: match[1] ?? "", eol: match[2] ?? "" });
    at = pattern.lastIndex;
  }
  return lines;
}

export function joinLines(lines: TextLine[]): string {
  return lines.map((line) => line.text + line.eol).join("");
}

/** The line ending the file uses most (new lines get it); "\n" for a file without one. */
export function dominantEol(lines: TextLine[]): string {
  const crlf = lines.filter((line) => line.eol === "\r\n").length;
  const lf = lines.filter((line) => line.eol === "\n").length;
  return crlf > lf ? "\r\n" : "\n";
}

/**
 * Inserts `texts` as new lines before index `at` (lines.length appends). When they go after a
 * last line that has no newline, that line gets one and the last new line goes without.
 */
export function insertLines(lines: TextLine[], at: number, texts: string[]): TextLine[] {
  const eol = dominantEol(lines);
  const inserted = texts.map((text) => ({ text, eol }));
  const before = lines.slice(0, at).map((line) => ({ ...line }));
  const after = lines.slice(at);
  const previous = before[before.length - 1];
  const last = inserted[inserted.length - 1];
  if (after.length === 0 && previous !== undefined && previous.eol === "" && last !== undefined) {
    previous.eol = eol;
    last.eol = "";
  }
  return [...before, ...inserted, ...after];
}

/** Removes the lines at `indexes`; when the old last line goes, the new last line takes its (missing) newline. */
export function removeLines(lines: TextLine[], indexes: Set<number>): TextLine[] {
  const kept = lines.filter((_, index) => !indexes.has(index)).map((line) => ({ ...line }));
  const lastRemoved = lines.length > 0 && indexes.has(lines.length - 1);
  const newLast = kept[kept.length - 1];
  if (lastRemoved && newLast !== undefined) newLast.eol = lines[lines.length - 1]?.eol ?? newLast.eol;
  return kept;
}
