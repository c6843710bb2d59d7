/**
 * Reading a file the user wrote (a playbook, an inventory, vars, a template) as text: a missing
 * or unreadable file, and bytes that are not UTF-8 (a file saved as Latin-1 would otherwise read
 * with replacement characters and run with wrong values), are UserErrors naming the file, and
 * for bad bytes the line and column of the first one.
 */
import { readFile } from "node:fs/promises";
import { UserError } from "./errors.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export async function readUserText(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(code === "ENOENT" ? `file not found: ${file}` : `cannot read ${file}: ${(error as Error).message}`, {
      location: { file },
      hint: code === "ENOENT" ? "check the path; relative paths are resolved from the playbook's directory" : undefined,
    });
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const { line, column } = firstInvalidByte(bytes);
    throw new UserError(`the file is not UTF-8 text (a byte at column ${column} cannot be read)`, {
      location: { file, line, column },
      hint: "save the file as UTF-8 (iconv -f latin1 -t utf-8 FILE, or your editor's encoding setting)",
    });
  }
}

/** Line and column (1-based, in characters) of the first byte that does not decode */
function firstInvalidByte(bytes: Buffer): { line: number; column: number } {
  let low = 0;
  let high = bytes.length;
  // the longest prefix that decodes: binary search on the prefix length
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (decodes(bytes.subarray(0, middle))) low = middle;
    else high = middle - 1;
  }
  // a prefix may end inside a valid multi-byte sequence: step back to a whole character
  let end = low;
  while (end > 0 && !decodes(bytes.subarray(0, end))) end--;
  const before = strictUtf8.decode(bytes.subarray(0, end));
  const lines = before.split("\n");
  return { line: lines.length, column: [...(lines.at(-1) ?? "")].length + 1 };
}

function decodes(bytes: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}
