/**
 * Command lines given as one string (command:, validate:) split into argv
 * words without a shell, so no value of a task is ever shell text.
 */
import { UserError } from "../errors.js";

/**
 * Split a command line into words like a POSIX shell does, without running one:
 * whitespace separates words; single quotes keep everything literal; double
 * quotes keep spaces and honour \\ \" \$ \` escapes; a backslash outside quotes
 * escapes the next character. No expansion of variables, globs or operators.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const char = line[i] as string;
    if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new SplitError(`unterminated single quote in: ${line}`);
      word += line.slice(i + 1, end);
      i = end + 1;
    } else if (char === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new SplitError(`unterminated double quote in: ${line}`);
        const inner = line[i] as string;
        if (inner === '"') break;
        const next = line[i + 1];
        if (inner === "\\" && next !== undefined && '\\"$`\n'.includes(next)) {
          if (next !== "\n") word += next;
          i += 2;
        } else {
          word += inner;
          i++;
        }
      }
      i++;
    } else if (char === "\\") {
      const next = line[i + 1];
      if (next === undefined) throw new SplitError(`trailing backslash in: ${line}`);
      // backslash-newline joins lines and is no part of any word
      if (next === "\n") inWord = word.length > 0;
      else word += next;
      i += 2;
    } else {
      word += char;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** A command line the user wrote that cannot be split (an unterminated quote) */
export class SplitError extends UserError {
  constructor(message: string) {
    super(message, { hint: "check the quotes, or give the words as argv: [...]" });
    this.name = "SplitError";
  }
}
