/**
 * Jinja expressions, the subset Ansible content uses: names, `a.b`, `a['b']`, `a[0]`,
 * literals, filters with arguments, `is` tests, `not/and/or`, comparisons, `in`, `~`,
 * `x if c else y` and calls (`lookup(...)`, `d.items()`). Parsed into a tree with the
 * offset of every node, so a construct that cannot be converted is reported where it is.
 * Anything outside the subset is a ParseProblem, never a guess.
 */

export type JinjaExpr =
  | { kind: "name"; name: string; at: number }
  | { kind: "literal"; value: string | number | boolean | null; at: number }
  | { kind: "list"; items: JinjaExpr[]; at: number }
  | { kind: "attr"; object: JinjaExpr; name: string; at: number }
  | { kind: "index"; object: JinjaExpr; key: JinjaExpr; at: number }
  | { kind: "filter"; value: JinjaExpr; name: string; args: JinjaExpr[]; kwargs: Record<string, JinjaExpr>; at: number }
  | { kind: "test"; value: JinjaExpr; name: string; negated: boolean; args: JinjaExpr[]; at: number }
  | { kind: "call"; callee: JinjaExpr; args: JinjaExpr[]; kwargs: Record<string, JinjaExpr>; at: number }
  | { kind: "not"; operand: JinjaExpr; at: number }
  | { kind: "binary"; op: string; left: JinjaExpr; right: JinjaExpr; at: number }
  | { kind: "conditional"; value: JinjaExpr; condition: JinjaExpr; otherwise: JinjaExpr | undefined; at: number };

/** an expression outside the subset, with its offset in the parsed text */
export class ParseProblem extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
    this.name = "ParseProblem";
  }
}

interface Token {
  type: "name" | "string" | "number" | "op" | "end";
  text: string;
  value?: string | number;
  at: number;
}

const OPERATORS = ["==", "!=", "<=", ">=", "//", "**", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "~", "+", "-", "*", "/", "%", "<", ">", "="];
const STRING_ESCAPES: Record<string, string> = { "\\": "\\", "'": "'", '"': '"', n: "\n", t: "\t", r: "\r" };

function tokenize(text: string, base: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] ?? "";
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const at = base + i;
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (word) {
      tokens.push({ type: "name", text: word[0], at });
      i += word[0].length;
      continue;
    }
    const number = /^\d+(\.\d+)?/.exec(text.slice(i));
    if (number) {
      tokens.push({ type: "number", text: number[0], value: Number(number[0]), at });
      i += number[0].length;
      continue;
    }
    if (char === "'" || char === '"') {
      let value = "";
      let j = i + 1;
      for (;;) {
        const c = text[j];
        if (c === undefined) throw new ParseProblem("unterminated string", at);
        if (c === char) break;
        if (c === "\\") {
          const escaped = STRING_ESCAPES[text[j + 1] ?? ""];
          if (escaped === undefined) throw new ParseProblem(`string escape \\${text[j + 1] ?? ""} is not converted`, base + j);
          value += escaped;
          j += 2;
          continue;
        }
        value += c;
        j++;
      }
      tokens.push({ type: "string", text: text.slice(i, j + 1), value, at });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
    if (!op) throw new ParseProblem(`unexpected character ${JSON.stringify(char)}`, at);
    tokens.push({ type: "op", text: op, at });
    i += op.length;
  }
  tokens.push({ type: "end", text: "", at: base + text.length });
  return tokens;
}

const COMPARISONS = new Set(["==", "!=", "<", ">", "<=", ">="]);

/** Parses `text` (found at offset `base` of its file) as one Jinja expression */
export function parseExpression(text: string, base = 0): JinjaExpr {
  const parser = new Parser(tokenize(text, base));
  const expr = parser.expression();
  parser.expectEnd();
  return expr;
}

/** A parser over one tag's tokens; `for` and `if` tags use its parts too */
export class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  static of(text: string, base: number): Parser {
    return new Parser(tokenize(text, base));
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.position + offset, this.tokens.length - 1)] as Token;
  }

  next(): Token {
    const token = this.peek();
    if (token.type !== "end") this.position++;
    return token;
  }

  isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === "name" && token.text === word;
  }

  isOp(op: string): boolean {
    const token = this.peek();
    return token.type === "op" && token.text === op;
  }

  expectOp(op: string): void {
    const token = this.next();
    if (token.type !== "op" || token.text !== op) throw new ParseProblem(`expected "${op}", found ${describe(token)}`, token.at);
  }

  expectName(): Token {
    const token = this.next();
    if (token.type !== "name") throw new ParseProblem(`expected a name, found ${describe(token)}`, token.at);
    return token;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.type !== "end") throw new ParseProblem(`unexpected ${describe(token)}`, token.at);
  }

  /** a full expression, including `x if c else y` */
  expression(): JinjaExpr {
    const value = this.or();
    if (this.isWord("if")) {
      const at = this.next().at;
      const condition = this.or();
      let otherwise: JinjaExpr | undefined;
      if (this.isWord("else")) {
        this.next();
        otherwise = this.expression();
      }
      return { kind: "conditional", value, condition, otherwise, at };
    }
    return value;
  }

  /** an expression without the trailing `if`: what `for x in EXPR if cond` and `if` tags need */
  or(): JinjaExpr {
    let left = this.and();
    while (this.isWord("or")) {
      const at = this.next().at;
      left = { kind: "binary", op: "or", left, right: this.and(), at };
    }
    return left;
  }

  private and(): JinjaExpr {
    let left = this.not();
    while (this.isWord("and")) {
      const at = this.next().at;
      left = { kind: "binary", op: "and", left, right: this.not(), at };
    }
    return left;
  }

  private not(): JinjaExpr {
    if (this.isWord("not")) {
      const at = this.next().at;
      return { kind: "not", operand: this.not(), at };
    }
    return this.comparison();
  }

  private comparison(): JinjaExpr {
    let left = this.concat();
    for (;;) {
      const token = this.peek();
      if (token.type === "op" && COMPARISONS.has(token.text)) {
        this.next();
        left = { kind: "binary", op: token.text, left, right: this.concat(), at: token.at };
      } else if (this.isWord("in")) {
        this.next();
        left = { kind: "binary", op: "in", left, right: this.concat(), at: token.at };
      } else if (this.isWord("not") && this.isWord("in", 1)) {
        this.next();
        this.next();
        left = { kind: "not", operand: { kind: "binary", op: "in", left, right: this.concat(), at: token.at }, at: token.at };
      } else {
        return left;
      }
    }
  }

  private concat(): JinjaExpr {
    let left = this.arithmetic();
    while (this.isOp("~")) {
      const at = this.next().at;
      left = { kind: "binary", op: "~", left, right: this.arithmetic(), at };
    }
    return left;
  }

  private arithmetic(): JinjaExpr {
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      if (token.type !== "op" || !["+", "-", "*", "/", "//", "%", "**"].includes(token.text)) return left;
      this.next();
      left = { kind: "binary", op: token.text, left, right: this.unary(), at: token.at };
    }
  }

  private unary(): JinjaExpr {
    if (this.isOp("-")) {
      const at = this.next().at;
      const operand = this.unary();
      if (operand.kind === "literal" && typeof operand.value === "number") return { kind: "literal", value: -operand.value, at };
      return { kind: "binary", op: "-", left: { kind: "literal", value: 0, at }, right: operand, at };
    }
    return this.filtered();
  }

  /** postfix `| filter(args)` and `is [not] test(args)`, which bind tighter than operators */
  private filtered(): JinjaExpr {
    let value = this.postfix();
    for (;;) {
      if (this.isOp("|")) {
        const at = this.next().at;
        const name = this.expectName().text;
        const { args, kwargs } = this.isOp("(") ? this.callArguments() : { args: [], kwargs: {} };
        value = { kind: "filter", value, name, args, kwargs, at };
      } else if (this.isWord("is")) {
        const at = this.next().at;
        let negated = false;
        if (this.isWord("not")) {
          this.next();
          negated = true;
        }
        const name = this.expectName().text;
        const args: JinjaExpr[] = [];
        if (this.isOp("(")) args.push(...this.callArguments().args);
        value = { kind: "test", value, name, negated, args, at };
      } else {
        return value;
      }
    }
  }

  private postfix(): JinjaExpr {
    let value = this.primary();
    for (;;) {
      if (this.isOp(".")) {
        this.next();
        const token = this.next();
        if (token.type !== "name" && token.type !== "number") throw new ParseProblem(`expected an attribute name after ".", found ${describe(token)}`, token.at);
        value = token.type === "number" ? { kind: "index", object: value, key: { kind: "literal", value: Number(token.text), at: token.at }, at: token.at } : { kind: "attr", object: value, name: token.text, at: token.at };
      } else if (this.isOp("[")) {
        const at = this.next().at;
        const key = this.expression();
        if (this.isOp(":")) throw new ParseProblem("slices ([a:b]) are not converted", this.peek().at);
        this.expectOp("]");
        value = { kind: "index", object: value, key, at };
      } else if (this.isOp("(")) {
        const at = this.peek().at;
        const { args, kwargs } = this.callArguments();
        value = { kind: "call", callee: value, args, kwargs, at };
      } else {
        return value;
      }
    }
  }

  private callArguments(): { args: JinjaExpr[]; kwargs: Record<string, JinjaExpr> } {
    this.expectOp("(");
    const args: JinjaExpr[] = [];
    const kwargs: Record<string, JinjaExpr> = {};
    while (!this.isOp(")")) {
      if (this.peek().type === "name" && this.peek(1).type === "op" && this.peek(1).text === "=") {
        const name = this.next().text;
        this.next();
        kwargs[name] = this.expression();
      } else {
        args.push(this.expression());
      }
      if (!this.isOp(",")) break;
      this.next();
    }
    this.expectOp(")");
    return { args, kwargs };
  }

  private primary(): JinjaExpr {
    const token = this.next();
    if (token.type === "string") {
      let value = String(token.value);
      // Jinja joins adjacent string literals
      while (this.peek().type === "string") value += String(this.next().value);
      return { kind: "literal", value, at: token.at };
    }
    if (token.type === "number") return { kind: "literal", value: Number(token.value), at: token.at };
    if (token.type === "name") {
      const keyword: Record<string, boolean | null> = { true: true, True: true, false: false, False: false, none: null, None: null };
      if (Object.hasOwn(keyword, token.text)) return { kind: "literal", value: keyword[token.text] ?? null, at: token.at };
      return { kind: "name", name: token.text, at: token.at };
    }
    if (token.type === "op" && token.text === "(") {
      const inner = this.expression();
      if (this.isOp(",")) throw new ParseProblem("tuples are not converted", this.peek().at);
      this.expectOp(")");
      return inner;
    }
    if (token.type === "op" && token.text === "[") {
      const items: JinjaExpr[] = [];
      while (!this.isOp("]")) {
        items.push(this.expression());
        if (!this.isOp(",")) break;
        this.next();
      }
      this.expectOp("]");
      return { kind: "list", items, at: token.at };
    }
    if (token.type === "op" && token.text === "{") throw new ParseProblem("dict literals are not converted", token.at);
    throw new ParseProblem(`unexpected ${describe(token)}`, token.at);
  }
}

function describe(token: Token): string {
  return token.type === "end" ? "the end of the expression" : `"${token.text}"`;
}
