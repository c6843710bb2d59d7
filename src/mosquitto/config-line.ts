/**
 * Mosquitto's config, ACL and password files are read line by line: a value is the rest of its
 * line (a topic, a bridge's remote_password), so a line break inside a value starts a line of its
 * own choosing (`x\ntopic readwrite #` grants readwrite on everything). Values are checked before
 * anything is written; the file's own text (the template) may hold any line it likes.
 */

/** What in `text` a mosquitto config line cannot carry, in words; undefined when it can carry it all */
export function configLineProblem(text: string): string | undefined {
  for (const char of text) {
    if (char === "\n" || char === "\r") return "a line break";
    if (char === "\0") return "a NUL byte";
    const code = char.codePointAt(0) ?? 0;
    // tabs are blanks to mosquitto; every other control character is garbage in a config line
    if ((code < 0x20 && char !== "\t") || code === 0x7f) return `a control character (U+${code.toString(16).toUpperCase().padStart(4, "0")})`;
  }
  return undefined;
}
