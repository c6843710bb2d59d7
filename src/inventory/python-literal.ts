/**
 * Ansible types INI values with Python's ast.literal_eval: `5` is an int, `'5'` a string,
 * `True` a bool, `[1, 2]` a list, and anything that is not a Python literal (`web01`,
 * `0644`, `true`) stays the string it was. This is a small reader for that grammar.
 */

type Literal = null | boolean | number | string | Literal[] | { [key: string]: Literal };

/** The value of `text` as a Python literal, or undefined when it is not one. */
export function parsePythonLiteral(text: string): { value: Literal } | undefined {
  const reader = new LiteralReader(text);
  try {
    const value = reader.value();
    reader.end();
    return { value };
  } catch (error) {
    if (error instanceof NotALiteral) return undefined;
    throw error;
  }
}

class NotALiteral extends Error {}

const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?)/;

class LiteralReader {
  private at = 0;
  constructor(private readonly text: string) {}

  value(): Literal {
    this.skipSpace();
    const char = this.text[this.at];
    if (char === undefined) throw new NotALiteral();
    if (char === "'" || char === '"') return this.string();
    if (char === "[") return this.sequence("[", "]");
    if (char === "(") return this.sequence("(", ")");
    if (char === "{") return this.mapping();
    if (char === "-" || char === "+") {
      this.at++;
      const operand = this.value();
      if (typeof operand !== "number") throw new NotALiteral();
      return char === "-" ? -operand : operand;
    }
    const word = /^[A-Za-z_]\w*/.exec(this.text.slice(this.at))?.[0];
    if (word !== undefined) {
      this.at += word.length;
      if (word === "True") return true;
      if (word === "False") return false;
      if (word === "None") return null;
      throw new NotALiteral();
    }
    return this.number();
  }

  /** Only whitespace or a Python comment may follow the value. */
  end(): void {
    this.skipSpace();
    if (this.at < this.text.length && this.text[this.at] !== "#") throw new NotALiteral();
  }

  private number(): number {
    const match = NUMBER.exec(this.text.slice(this.at))?.[0];
    if (match === undefined || match === "") throw new NotALiteral();
    // Python 3 rejects decimal ints with leading zeros, so `0644` stays a string
    if (/^0\d*[1-9]/.test(match) && !/[.eE]/.test(match)) throw new NotALiteral();
    if (/^\d/.test(this.text.slice(this.at + match.length))) throw new NotALiteral();
    this.at += match.length;
    const plain = match.replace(/_/g, "");
    const value = /^0[oO]/.test(plain) ? parseInt(plain.slice(2), 8) : Number(plain);
    if (!Number.isFinite(value)) throw new NotALiteral();
    return value;
  }

  private string(): string {
    const quote = this.text[this.at];
    this.at++;
    let result = "";
    for (;;) {
      const char = this.text[this.at];
      if (char === undefined) throw new NotALiteral();
      this.at++;
      if (char === quote) return result;
      if (char !== "\\") {
        result += char;
        continue;
      }
      const escaped = this.text[this.at];
      this.at++;
      result += ESCAPES[escaped ?? ""] ?? `\\${escaped ?? ""}`;
    }
  }

  private sequence(open: string, close: string): Literal {
    this.at++; // past the opening bracket
    const items: Literal[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === close) {
        this.at++;
        // `(5)` is just 5 in Python; only `(5,)` is a tuple
        if (open === "(" && items.length === 1 && this.text[this.at - 2] !== ",") return items[0] ?? null;
        return items;
      }
      items.push(this.value());
      this.skipSpace();
      if (this.text[this.at] === ",") this.at++;
      else if (this.text[this.at] !== close) throw new NotALiteral();
    }
  }

  private mapping(): Literal {
    this.at++;
    const entries: Record<string, Literal> = {};
    const setItems: Literal[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === "}") {
        this.at++;
        // a Python set {1, 2} has no list type of its own here
        return setItems.length > 0 ? setItems : entries;
      }
      const key = this.value();
      this.skipSpace();
      if (this.text[this.at] === ":") {
        if (setItems.length > 0) throw new NotALiteral();
        this.at++;
        entries[String(key)] = this.value();
      } else {
        if (Object.keys(entries).length > 0) throw new NotALiteral();
        setItems.push(key);
      }
      this.skipSpace();
      if (this.text[this.at] === ",") this.at++;
      else if (this.text[this.at] !== "}") throw new NotALiteral();
    }
  }

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at] ?? "")) this.at++;
  }
}

const ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  "0": "\0",
  "\n": "",
};
