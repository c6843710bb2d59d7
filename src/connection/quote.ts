/**
 * The one function that turns values into shell words. Every remote command is
 * an argv array passed through here; no value is ever pasted into shell text.
 */
import { UserError } from "../errors.js";

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteWord(word: string): string {
  if (word.length > 0 && SAFE_WORD.test(word)) return word;
  // a C string ends at NUL: the remote shell would get a truncated command, never the value
  if (word.includes("\0")) {
    throw new UserError("a command argument holds a NUL byte, which no command line can carry", {
      hint: "remove it from the variable that supplies the value",
    });
  }
  // single quotes keep everything literal; a single quote is closed, escaped, reopened
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error("quoteArgv: empty command");
  return argv.map(quoteWord).join(" ");
}

/**
 * A constant shell script run with `sh -c SCRIPT sh ARG1 ARG2...`: the script
 * text is fixed in tsible's source and every value arrives as a positional
 * parameter ("$1", "$2"), so values are never parsed as shell.
 */
export function shellScript(script: string, args: readonly string[] = []): string[] {
  return ["sh", "-c", script, "sh", ...args];
}
