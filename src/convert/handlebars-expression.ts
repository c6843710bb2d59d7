/**
 * A Jinja expression in tsible's Handlebars dialect: helpers come first
 * (`x | default('y')` is `(default x "y")`), `a['b']` is the path `a.b`,
 * `hostvars[name]` is `(get hostvars name)`. Inside a loop the converted
 * template runs in `{{#each}}`, where the context is the item: loop variables
 * are block params and every other name is read from `@root`.
 * What has no exact equivalent throws a ConvertProblem; what converts but can
 * print differently for some values is a warning.
 */
import { ConvertProblem } from "./convert-problem.js";
import type { JinjaExpr } from "./jinja-expression.js";

export interface ExpressionContext {
  /** loop variables in scope (block params of the enclosing `{{#each}}`s) */
  loopVariables: ReadonlySet<string>;
  /** inside at least one `{{#each}}`: free names are read from `@root` */
  inLoop: boolean;
  /** the quote for Handlebars string literals (the other one when the text holds it) */
  quote: '"' | "'";
  warn: (message: string, at: number) => void;
  /**
   * paths the left side of an `and`/`or` tests (`x is defined and x.y == 1`): Jinja reads the
   * right side only when the left lets it, Handlebars reads both, so on the right these are
   * read through `(default path null)` and may only reach helpers that take null
   */
  guarded?: ReadonlySet<string>;
}

/** helpers that give the same answer for a guarded (possibly null) value as Jinja never asking */
const NULL_SAFE_HELPERS = new Set(["eq", "ne", "not", "and", "or", "default", "bool"]);

const SIMPLE_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** names Handlebars reads as something else than a variable */
const RESERVED_NAMES = new Set(["this", "else", "true", "false", "null", "undefined"]);

/** same-named helpers taking only the value */
const UNARY_FILTERS: Record<string, string> = {
  upper: "upper",
  lower: "lower",
  trim: "trim",
  first: "first",
  last: "last",
  length: "length",
  count: "length",
  basename: "basename",
  dirname: "dirname",
  b64encode: "b64encode",
  b64decode: "b64decode",
  quote: "quote",
  bool: "bool",
  to_json: "to_json",
};

/** what a filter prints differently in tsible for some values: converted, with this warning */
const FILTER_WARNINGS: Record<string, string> = {
  to_json: "tsible's to_json writes lists and dicts compactly ({\"a\":1}); Ansible's writes {\"a\": 1} and escapes non-ASCII",
  quote: "tsible quotes a value holding ' as '\\'' where Ansible writes '\"'\"' (the shell reads both the same)",
  indent: "Ansible indents lines holding only spaces; tsible leaves them as they are",
};

export function handlebarsString(value: string, context: ExpressionContext, at: number): string {
  const other = context.quote === '"' ? "'" : '"';
  const quote = !value.includes(context.quote) ? context.quote : !value.includes(other) ? other : undefined;
  if (quote === undefined) throw new ConvertProblem("a string holding both quote characters is not converted", at);
  if (value.endsWith("\\")) throw new ConvertProblem("a string ending in a backslash is not converted (Handlebars reads \\\" as a quote)", at);
  return `${quote}${value}${quote}`;
}

function literal(value: string | number | boolean | null, context: ExpressionContext, at: number): string {
  if (value === null) return "null";
  if (typeof value === "string") return handlebarsString(value, context, at);
  return String(value);
}

function segment(key: string | number, at: number): string {
  if (typeof key === "number") {
    if (!Number.isInteger(key) || key < 0) throw new ConvertProblem(`index ${key} is not converted (only 0, 1, ... are)`, at);
    return `[${key}]`;
  }
  if (SIMPLE_SEGMENT.test(key) && !RESERVED_NAMES.has(key)) return key;
  if (key === "" || key.includes("]")) throw new ConvertProblem(`key ${JSON.stringify(key)} is not converted`, at);
  return `[${key}]`;
}

/** `a.b['c'][0]` as a Handlebars path, or undefined when a key is computed */
function literalPath(expr: JinjaExpr, context: ExpressionContext): string | undefined {
  if (expr.kind === "name") return nameOf(expr.name, expr.at, context);
  if (expr.kind === "attr") {
    const object = literalPath(expr.object, context);
    return object === undefined ? undefined : `${object}.${segment(expr.name, expr.at)}`;
  }
  if (expr.kind === "index" && expr.key.kind === "literal" && (typeof expr.key.value === "string" || typeof expr.key.value === "number")) {
    const object = literalPath(expr.object, context);
    return object === undefined ? undefined : `${object}.${segment(expr.key.value, expr.at)}`;
  }
  return undefined;
}

/** variables Ansible's template module sets and tsible's does not */
const ANSIBLE_TEMPLATE_VARIABLES = new Set(["ansible_managed", "template_host", "template_path", "template_fullpath", "template_destpath", "template_uid", "template_run_date"]);

function nameOf(name: string, at: number, context: ExpressionContext): string {
  if (ANSIBLE_TEMPLATE_VARIABLES.has(name) && !context.loopVariables.has(name)) throw new ConvertProblem(`tsible's template module does not set ${name}: write the text you want`, at);
  if (name === "loop") throw new ConvertProblem("loop is converted only as loop.index, loop.index0, loop.first and loop.last", at);
  if (RESERVED_NAMES.has(name)) throw new ConvertProblem(`a variable named "${name}" cannot be written in Handlebars`, at);
  if (context.loopVariables.has(name)) return name;
  return context.inLoop ? `@root.${name}` : name;
}

function loopVariable(expr: JinjaExpr, context: ExpressionContext): string | undefined {
  if (expr.kind !== "attr" || expr.object.kind !== "name" || expr.object.name !== "loop" || context.loopVariables.has("loop")) return undefined;
  if (!context.inLoop) throw new ConvertProblem("loop.* outside a for loop", expr.at);
  const converted: Record<string, string> = { index: "(add @index 1)", index0: "@index", first: "@first", last: "@last" };
  const result = converted[expr.name];
  if (result === undefined) throw new ConvertProblem(`loop.${expr.name} is not converted (loop.index, loop.index0, loop.first and loop.last are)`, expr.at);
  return result;
}

function noKeywords(kwargs: Record<string, JinjaExpr>, name: string, at: number): void {
  const keys = Object.keys(kwargs);
  if (keys.length > 0) throw new ConvertProblem(`${name}(${keys[0]}=...) is not converted`, at);
}

function arity(args: JinjaExpr[], name: string, min: number, max: number, at: number): void {
  if (args.length < min || args.length > max) throw new ConvertProblem(`${name} with ${args.length} argument(s) is not converted`, at);
}

/** A Handlebars expression usable as a helper argument: a path, a literal or `(helper ...)` */
export function toHandlebars(expr: JinjaExpr, context: ExpressionContext): string {
  const loop = loopVariable(expr, context);
  if (loop !== undefined) return loop;
  const path = literalPath(expr, context);
  if (path !== undefined) {
    if (/^(@root\.)?(ansible_distribution|ansible_facts\.distribution)$/.test(path)) {
      context.warn("tsible's distribution fact is the lowercase os-release ID (debian); Ansible's is capitalised (Debian)", expr.at);
    }
    return isGuardedPath(path, context) ? `(default ${path} null)` : path;
  }
  switch (expr.kind) {
    case "literal":
      return literal(expr.value, context, expr.at);
    case "attr":
      return `(get ${toHandlebars(expr.object, context)} ${handlebarsString(expr.name, context, expr.at)})`;
    case "index":
      return `(get ${toHandlebars(expr.object, context)} ${toHandlebars(expr.key, context)})`;
    case "filter":
      return filter(expr, context);
    case "test":
      return test(expr, context);
    case "not":
      return `(not ${toHandlebars(expr.operand, context)})`;
    case "binary":
      return binary(expr, context);
    case "call":
      return call(expr, context);
    case "list":
      // concat splices list arguments in, so only a list of non-lists converts exactly
      if (expr.items.some((item) => item.kind === "list")) throw new ConvertProblem("nested list literals are not converted", expr.at);
      return `(concat${expr.items.map((item) => ` ${toHandlebars(item, context)}`).join("")})`;
    case "conditional":
      throw new ConvertProblem("x if c else y is not converted here (write {% if %} blocks)", expr.at);
    case "name":
      return nameOf(expr.name, expr.at, context);
  }
}

function filter(expr: Extract<JinjaExpr, { kind: "filter" }>, context: ExpressionContext): string {
  const { name, args, kwargs, at } = expr;
  const warning = FILTER_WARNINGS[name];
  const helperName = name === "d" ? "default" : name === "count" ? "length" : name;
  const value = () => {
    if (!NULL_SAFE_HELPERS.has(helperName) && isGuarded(expr.value, context)) throw shortCircuitProblem(expr.at);
    return toHandlebars(expr.value, context);
  };
  const rest = () => args.map((arg) => ` ${toHandlebars(arg, context)}`).join("");
  let result: string;
  if (Object.hasOwn(UNARY_FILTERS, name)) {
    noKeywords(kwargs, name, at);
    arity(args, name, 0, 0, at);
    result = `(${UNARY_FILTERS[name]} ${value()})`;
  } else if (name === "mandatory") {
    // tsible fails on any undefined variable it prints or passes on, naming it: mandatory is the default
    noKeywords(kwargs, name, at);
    arity(args, name, 0, 0, at);
    result = value();
  } else if (name === "default" || name === "d") {
    noKeywords(kwargs, name, at);
    arity(args, name, 0, 2, at);
    const [fallback, onFalsy] = args;
    const fallbackText = fallback === undefined ? handlebarsString("", context, at) : toHandlebars(fallback, context);
    const onFalsyText = onFalsy === undefined ? "" : ` ${toHandlebars(onFalsy, context)}`;
    result = `(default ${value()} ${fallbackText}${onFalsyText})`;
  } else if (name === "join" || name === "int" || name === "to_nice_json") {
    noKeywords(kwargs, name, at);
    arity(args, name, 0, 1, at);
    result = `(${name} ${value()}${rest()})`;
  } else if (name === "replace" || name === "regex_replace" || name === "ternary") {
    noKeywords(kwargs, name, at);
    arity(args, name, 2, 2, at);
    result = `(${name} ${value()}${rest()})`;
  } else if (name === "indent") {
    const { width, first, ...others } = kwargs;
    noKeywords(others, name, at);
    arity(args, name, 0, 2, at);
    const widthExpr = args[0] ?? width;
    const firstExpr = args[1] ?? first;
    const widthText = widthExpr === undefined ? "4" : toHandlebars(widthExpr, context);
    result = `(indent ${value()} ${widthText}${firstExpr === undefined ? "" : ` ${toHandlebars(firstExpr, context)}`})`;
  } else {
    throw new ConvertProblem(`filter "${name}" has no exact tsible helper`, at);
  }
  if (warning !== undefined) context.warn(`${name}: ${warning}`, at);
  return result;
}

function test(expr: Extract<JinjaExpr, { kind: "test" }>, context: ExpressionContext): string {
  const { name, negated, at } = expr;
  if (expr.args.length > 0) throw new ConvertProblem(`test "${name}" with arguments is not converted`, at);
  const value = toHandlebars(expr.value, context);
  // default is the helper that tolerates an undefined value: (default x null) is null exactly when x is undefined or none
  if (name === "defined" || name === "undefined") {
    context.warn(`is ${name}: tsible treats a variable set to null (~) as undefined; Ansible treats it as defined`, at);
    const isDefined = (name === "defined") !== negated;
    return `(${isDefined ? "ne" : "eq"} (default ${value} null) null)`;
  }
  if (name === "none") return `(${negated ? "ne" : "eq"} ${value} null)`;
  if (name === "truthy" || name === "falsy") {
    const truthy = (name === "truthy") !== negated;
    return truthy ? `(and ${value})` : `(not ${value})`;
  }
  throw new ConvertProblem(`test "is ${name}" is not converted`, at);
}

/** a path the left side tests, or one below it (`x.p` when the left side tests `x`) */
function isGuardedPath(path: string, context: ExpressionContext): boolean {
  for (const guarded of context.guarded ?? []) if (path === guarded || path.startsWith(`${guarded}.`)) return true;
  return false;
}

function isGuarded(expr: JinjaExpr, context: ExpressionContext): boolean {
  const path = literalPath(expr, context);
  return path !== undefined && isGuardedPath(path, context);
}

function shortCircuitProblem(at: number): ConvertProblem {
  return new ConvertProblem("the right side of and/or passes a variable the left side tests to a helper that fails on null; Handlebars reads both sides, Jinja only one: write nested {% if %} blocks", at);
}

/** the paths a condition tests for presence or truth: `x is defined`, `x`, `not x`, and the same inside and/or */
function testedPaths(expr: JinjaExpr, context: ExpressionContext, into: Set<string>): Set<string> {
  const path = literalPath(expr, context);
  if (path !== undefined) into.add(path);
  else if (expr.kind === "test" && (expr.name === "defined" || expr.name === "undefined" || expr.name === "none")) testedPaths(expr.value, context, into);
  else if (expr.kind === "not") testedPaths(expr.operand, context, into);
  else if (expr.kind === "binary" && (expr.op === "and" || expr.op === "or")) {
    testedPaths(expr.left, context, into);
    testedPaths(expr.right, context, into);
  }
  return into;
}

function binary(expr: Extract<JinjaExpr, { kind: "binary" }>, context: ExpressionContext): string {
  const { op, at } = expr;
  if (op === "==" || op === "!=") return `(${op === "==" ? "eq" : "ne"} ${toHandlebars(expr.left, context)} ${toHandlebars(expr.right, context)})`;
  if (op === "and" || op === "or") {
    const guarded = testedPaths(expr.left, context, new Set(context.guarded));
    return `(${op} ${toHandlebars(expr.left, context)} ${toHandlebars(expr.right, { ...context, guarded })})`;
  }
  if (op === "+" && isNumeric(expr.left) && isNumeric(expr.right)) return `(add ${toHandlebars(expr.left, context)} ${toHandlebars(expr.right, context)})`;
  if (op === "in") return `(contains ${toHandlebars(expr.right, context)} ${toHandlebars(expr.left, context)})`;
  if (op === "~") throw new ConvertProblem("~ is converted only at the top of {{ }} in text", at);
  throw new ConvertProblem(`operator "${op}" is not converted`, at);
}

function call(expr: Extract<JinjaExpr, { kind: "call" }>, context: ExpressionContext): string {
  const { callee, args, kwargs, at } = expr;
  if (callee.kind === "name" && (callee.name === "lookup" || callee.name === "query")) {
    noKeywords(kwargs, "lookup", at);
    const [kind, argument] = args;
    if (args.length === 2 && kind?.kind === "literal" && (kind.value === "env" || kind.value === "file") && argument) {
      return `(lookup ${handlebarsString(kind.value, context, kind.at)} ${toHandlebars(argument, context)})`;
    }
    throw new ConvertProblem('only lookup("env", NAME) and lookup("file", PATH) are converted', at);
  }
  throw new ConvertProblem("calls are not converted (except lookup, and .items()/.keys()/.values() in for loops)", at);
}

/** an expression that is a number whatever the variables hold (Jinja's + also joins strings and lists) */
function isNumeric(expr: JinjaExpr): boolean {
  if (expr.kind === "literal") return typeof expr.value === "number" && Number.isInteger(expr.value);
  if (expr.kind === "filter") return ["int", "length", "count"].includes(expr.name);
  if (expr.kind === "attr") return expr.object.kind === "name" && expr.object.name === "loop" && (expr.name === "index" || expr.name === "index0");
  if (expr.kind === "binary") return expr.op === "+" && isNumeric(expr.left) && isNumeric(expr.right);
  return false;
}

/** true when Jinja prints this expression as Python's True/False, which tsible prints as true/false */
export function printsPythonBool(expr: JinjaExpr): boolean {
  switch (expr.kind) {
    case "test":
    case "not":
      return true;
    case "binary":
      return ["==", "!=", "<", ">", "<=", ">=", "in", "and", "or"].includes(expr.op);
    case "filter":
      return expr.name === "bool";
    default:
      return false;
  }
}

/** a mustache body: `(helper a b)` loses its parentheses */
export function mustacheBody(handlebars: string): string {
  return handlebars.startsWith("(") && handlebars.endsWith(")") ? handlebars.slice(1, -1) : handlebars;
}
