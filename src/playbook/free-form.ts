/**
 * String arguments: `name=hello state=present` for most modules, and the
 * free form of command/shell (`command: ls -l chdir=/tmp`), as Ansible reads them.
 */
import { UserError, type SourceLocation } from "../errors.js";
import { parseUnmistakableBool } from "../ansible-bool.js";

/** Options that Ansible lets command/shell carry inside their free-form text */
const FREE_FORM_OPTIONS = ["creates", "removes", "chdir", "stdin"];

/** Splits on spaces outside quotes; quotes are removed from the words */
function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: string | undefined;
  let inWord = false;
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new UserError(`unclosed ${quote} quote in: ${text}`, { hint: "close the quote, or give the arguments as a mapping" });
  if (inWord) words.push(current);
  return words;
}

/** k=v values are strings, except the obvious booleans and whole numbers (`update_cache=yes`, `port=20200`) */
function typedValue(value: string): unknown {
  const bool = parseUnmistakableBool(value);
  if (bool !== undefined) return bool;
  if (/^(0|-?[1-9][0-9]*)$/.test(value)) return Number(value);
  return value;
}

export function parseKeyValueArgs(text: string, location: SourceLocation): Record<string, unknown> {
  let words: string[];
  try {
    words = splitWords(text);
  } catch (error) {
    throw new UserError(`cannot parse arguments '${text}': ${(error as Error).message}`, { location });
  }
  const args: Record<string, unknown> = {};
  for (const word of words) {
    const equals = word.indexOf("=");
    if (equals <= 0) {
      throw new UserError(`argument '${word}' is not key=value`, {
        location,
        hint: "write module arguments as 'key=value key2=value2' or as a YAML mapping",
      });
    }
    args[word.slice(0, equals)] = typedValue(word.slice(equals + 1));
  }
  return args;
}

/** `ls -l chdir=/tmp creates=/x` -> { cmd: "ls -l", chdir: "/tmp", creates: "/x" } */
export function splitFreeFormArgs(text: string, freeFormKey: string): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  let rest = text.trim();
  const trailingOption = new RegExp(`\\s+(${FREE_FORM_OPTIONS.join("|")})=("[^"]*"|'[^']*'|\\S+)$`);
  for (let match = trailingOption.exec(rest); match; match = trailingOption.exec(rest)) {
    const [, key, rawValue] = match;
    args[key as string] = (rawValue as string).replace(/^(["'])(.*)\1$/, "$2");
    rest = rest.slice(0, match.index).trimEnd();
  }
  args[freeFormKey] = rest;
  return args;
}
