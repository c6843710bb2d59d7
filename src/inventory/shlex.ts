/**
 * Splits an INI host line the way Ansible does (Python's shlex.split with posix=True and
 * comments=True): whitespace separates words, quotes group them and are removed, a
 * backslash escapes the next character, and `#` outside quotes starts a comment -- also
 * in the middle of a word, so `pass=a#b` is `pass=a`.
 */
import { TsibleError } from "../errors.js";

export class ShlexError extends TsibleError {
  constructor(message: string) {
    super(message, { kind: "user" });
    this.name = "ShlexError";
  }
}

export function shlexSplit(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let at = 0; at < line.length; at++) {
    const char = line[at] ?? "";
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
      continue;
    }
    if (quote === '"') {
      const next = line[at + 1];
      // inside double quotes a backslash escapes only a quote or a backslash
      if (char === "\\" && (next === '"' || next === "\\")) {
        word += next;
        at++;
      } else if (char === '"') quote = undefined;
      else word += char;
      continue;
    }
    if (char === "#") break;
    if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (char === "'" || char === '"') quote = char;
    else if (char === "\\") {
      at++;
      if (at >= line.length) throw new ShlexError("no escaped character after '\\'");
      word += line[at] ?? "";
    } else word += char;
  }
  if (quote !== undefined) throw new ShlexError(`no closing quotation (${quote})`);
  if (inWord) words.push(word);
  return words;
}
