/**
 * Parser for Ansible's condition language (Jinja expressions), built on jsep
 * configured with Jinja's operators:
 *   or < and < not < comparisons (== != < > <= >= in, not in) < ~ < + - < * / // % < ** < | filters and `is` tests
 * Two Jinja forms need more than an operator table:
 * - `not in` and `is not` are two words: whitespace outside string literals is
 *   collapsed first, so they are registered as the operators "not in" / "is not";
 * - `not` binds looser than comparisons (`not x == 1` is `not (x == 1)`), but
 *   jsep's unary operators bind tightest; `lowerNot` rotates the tree after
 *   parsing. Parentheses are kept as nodes until then, so `(not x) == 1` stays.
 * jsep's configuration is global; only this module configures it.
 */
import jsep from "jsep";
import { ExpressionError } from "./values.js";

export type Expression = jsep.Expression;

const PAREN = "ParenExpression";
const LOW_OPERATORS = new Set(["and", "or"]);

jsep.plugins.register({
  name: "tsible-jinja",
  init() {
    for (const op of ["||", "??", "&&", "|", "^", "&", "===", "!==", "<<", ">>", ">>>"]) jsep.removeBinaryOp(op);
    for (const op of ["!", "~"]) jsep.removeUnaryOp(op);
    jsep.addBinaryOp("or", 1);
    jsep.addBinaryOp("and", 2);
    jsep.addUnaryOp("not");
    jsep.addBinaryOp("in", 6);
    jsep.addBinaryOp("not in", 6);
    jsep.addBinaryOp("~", 8);
    jsep.addBinaryOp("//", 10);
    jsep.addBinaryOp("|", 20);
    jsep.addBinaryOp("is", 20);
    jsep.addBinaryOp("is not", 20);
    for (const [name, value] of [["True", true], ["False", false], ["None", null], ["none", null]] as const) {
      jsep.addLiteral(name, value);
    }
    jsep.hooks.add("gobble-token", function parenthesized(env) {
      if (this.code !== 40 /* ( */) return;
      this.index++;
      const inner = this.gobbleExpression();
      this.gobbleSpaces();
      if (!inner) this.throwError("empty parentheses");
      if (this.expr.charCodeAt(this.index) !== 41 /* ) */) this.throwError("unclosed (");
      this.index++;
      env.node = this.gobbleTokenProperty({ type: PAREN, expression: inner });
    });
  },
});

/**
 * Outside string literals: whitespace runs become one space, so "is  not" reads as "is not",
 * and a number after a dot is an index, as Jinja reads `item.0`.
 */
function normalizeExpression(text: string): string {
  let out = "";
  let quote: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text.charAt(index);
    if (quote !== undefined) {
      out += char;
      if (char === "\\" && index + 1 < text.length) out += text.charAt(++index);
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
      out += char;
    } else if (/\s/.test(char)) {
      if (!out.endsWith(" ")) out += " ";
    } else if (char === "." && /([A-Za-z_][A-Za-z0-9_]*|[\])])$/.test(out) && /^\d+(?!\w)/.test(text.slice(index + 1))) {
      // Jinja reads `item.0` as `item[0]` (with_together, with_nested and with_subelements items are lists)
      const digits = /^\d+/.exec(text.slice(index + 1))?.[0] ?? "";
      out += `[${digits}]`;
      index += digits.length;
    } else {
      out += char;
    }
  }
  return out.trim();
}

export function isNode(value: unknown): value is Expression {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "type") === "string";
}

export function child(node: Expression, key: string): Expression {
  const value = node[key];
  if (!isNode(value)) throw new Error(`tsible bug: ${node.type} without ${key}`);
  return value;
}

/** the unparenthesized `not` at the left end of a comparison or arithmetic chain, with the path to it */
function leadingNot(node: Expression): Expression | undefined {
  let current = node;
  while (current.type === "BinaryExpression" && !LOW_OPERATORS.has(String(current.operator))) {
    current = child(current, "left");
  }
  return current !== node && current.type === "UnaryExpression" && current.operator === "not" ? current : undefined;
}

function withoutLeadingNot(node: Expression, not: Expression): Expression {
  if (node === not) return child(not, "argument");
  return { ...node, left: withoutLeadingNot(child(node, "left"), not) };
}

/** gives `not` its Jinja precedence and drops the parenthesis markers */
function lowerNot(node: Expression): Expression {
  switch (node.type) {
    case PAREN:
      return lowerNot(child(node, "expression"));
    case "BinaryExpression": {
      const not = LOW_OPERATORS.has(String(node.operator)) ? undefined : leadingNot(node);
      if (not) return { type: "UnaryExpression", operator: "not", prefix: true, argument: lowerNot(withoutLeadingNot(node, not)) };
      return { ...node, left: lowerNot(child(node, "left")), right: lowerNot(child(node, "right")) };
    }
    case "UnaryExpression":
      return { ...node, argument: lowerNot(child(node, "argument")) };
    case "MemberExpression":
      return { ...node, object: lowerNot(child(node, "object")), property: lowerNot(child(node, "property")) };
    case "CallExpression": {
      const args = node.arguments;
      return { ...node, callee: lowerNot(child(node, "callee")), arguments: Array.isArray(args) ? args.filter(isNode).map(lowerNot) : [] };
    }
    case "ArrayExpression": {
      const elements = node.elements;
      return { ...node, elements: Array.isArray(elements) ? elements.map((item) => (isNode(item) ? lowerNot(item) : item)) : [] };
    }
    default:
      return node;
  }
}

const parsedCache = new Map<string, Expression>();
const PARSED_CACHE_LIMIT = 2000;

/** parse a condition; throws ExpressionError on a syntax error */
export function parseExpression(text: string): Expression {
  const cached = parsedCache.get(text);
  if (cached) return cached;
  const normalized = normalizeExpression(text);
  let parsed: Expression;
  try {
    parsed = lowerNot(jsep(normalized));
  } catch (error) {
    const description = error instanceof Error ? (Reflect.get(error, "description") ?? error.message) : String(error);
    const index = error instanceof Error ? Reflect.get(error, "index") : undefined;
    const rest = typeof index === "number" ? normalized.slice(index, index + 12) : undefined;
    const near = rest === undefined ? "" : rest === "" ? " at the end" : ` near "${rest}"`;
    throw new ExpressionError(
      `syntax error (${String(description)})${near}`,
      "conditions use Ansible's expression syntax: x == 'a', x is defined, 'y' in list, x | int > 2, a and not b",
    );
  }
  if (parsedCache.size >= PARSED_CACHE_LIMIT) {
    const oldest = parsedCache.keys().next();
    if (!oldest.done) parsedCache.delete(oldest.value);
  }
  parsedCache.set(text, parsed);
  return parsed;
}
