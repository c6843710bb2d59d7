/**
 * Template helpers, named after Ansible's filters so a playbook reads familiar.
 * In Handlebars the value comes first: Ansible `{{ x | default('y') }}` is
 * tsible `{{default x "y"}}`.
 *
 * | helper         | use                                   | result                                               |
 * |----------------|---------------------------------------|------------------------------------------------------|
 * | default        | default v fallback [onFalsy]          | v, or fallback when v is undefined or none (also when v is falsy if onFalsy is true, like default(x, true)) |
 * | join           | join list [sep]                       | items joined by sep ("" by default)                  |
 * | to_json        | to_json v                             | compact JSON                                         |
 * | to_nice_json   | to_nice_json v [indent]               | JSON with sorted keys, indented 4                    |
 * | to_yaml        | to_yaml v                             | YAML (the `yaml` package)                            |
 * | lookup         | lookup "env" NAME / lookup "file" P   | environment variable ("" if unset) / file text (relative to the playbook dir, trailing whitespace dropped) |
 * | upper, lower   | upper s                               | case-changed string                                  |
 * | trim           | trim s                                | s without surrounding whitespace                     |
 * | replace        | replace s old new                     | every `old` replaced by `new` (literal text)         |
 * | regex_replace  | regex_replace s pattern repl          | every match replaced; \1 and \g<name> refer to groups |
 * | int            | int v [fallback]                      | Jinja's int(): "42" -> 42, "x" -> 0                  |
 * | bool           | bool v                                | Ansible's bool: yes/on/1/true (any case) are true    |
 * | length         | length v                              | length of string, list or dict                       |
 * | quote          | quote s                               | s quoted as one shell word                           |
 * | basename       | basename path                         | last path component                                  |
 * | dirname        | dirname path                          | path without its last component                      |
 * | first, last    | first list                            | first / last item (or character)                     |
 * | concat         | concat a b ...                        | one list: list arguments spliced in, others added as items; (concat) is [] |
 * | get            | get dict key                          | dict[key] (Jinja's `dict[key]`), an error when the key is missing |
 * | indent         | indent s [width] [first]              | lines after the first indented by width (4); all lines when first is true; blank lines untouched |
 * | b64encode      | b64encode s                           | base64 of the UTF-8 text                             |
 * | b64decode      | b64decode s                           | UTF-8 text of base64                                 |
 * | ternary        | ternary cond a b                      | a when cond is true (Jinja truthiness), else b       |
 * | contains       | (contains container item)             | Jinja's `item in container`: list member, dict key, substring |
 * | add            | add a b                               | a + b, numbers only (`{{add @index 1}}` is Jinja's loop.index) |
 * | eq, ne         | (eq a b)                              | deep equality / inequality                           |
 * | and, or, not   | (and a b ...), (not a)                | booleans by Jinja truthiness                         |
 * | if, unless     | {{#if v}}..{{else}}..{{/if}}          | Jinja truthiness: "", 0, [], {}, none and undefined are false |
 *
 * `each`, `with` and `lookup`'s Handlebars meaning are replaced or kept as
 * noted: `each` and `with` are Handlebars' own; `lookup` is Ansible's.
 * default, if, unless, and, or, not accept undefined arguments; every other
 * helper fails naming the undefined variable (see template-rewrite.ts).
 */
import { readFileSync } from "node:fs";
import { posix, resolve, dirname } from "node:path";
import type { HelperDelegate, HelperOptions } from "handlebars";
import { stringify as toYamlText } from "yaml";
import { quoteWord } from "../connection/quote.js";
import { Secret } from "../secrets.js";
import { contains } from "./condition-functions.js";
import { materialize } from "./lazy-vars.js";
import { helperLine, renderCallOf } from "./render-call.js";
import { CAPTURE_HELPER, OUT_HELPER, REQUIRE_HELPER } from "./template-rewrite.js";
import { UserError } from "../errors.js";
import { inTask, undefinedVariableError } from "./user-errors.js";
import {
  ExpressionError,
  describeValue,
  isPlainObject,
  isTruthy,
  lengthOf,
  revealSecrets,
  textOf,
  toAnsibleBool,
  toInt,
  valuesEqual,
} from "./values.js";

type HelperBody = (args: unknown[], options: HelperOptions, context: unknown) => unknown;

/** Handlebars passes the arguments, then an options object; this splits them */
function helper(name: string, body: HelperBody, arity?: { min: number; max: number }): HelperDelegate {
  return function (this: unknown, ...all: unknown[]): unknown {
    const options = all.pop() as HelperOptions;
    if (arity && (all.length < arity.min || all.length > arity.max)) {
      const expected = arity.min === arity.max ? `${arity.min}` : `${arity.min} to ${arity.max}`;
      throw new ExpressionError(
        `helper "${name}" takes ${expected} argument(s), got ${all.length}`,
        `write {{${name} value ...}}: the value comes first`,
        helperLine(options),
      );
    }
    try {
      return body(all, options, this);
    } catch (error) {
      if (error instanceof ExpressionError && error.templateLine === undefined) {
        throw new ExpressionError(error.message, error.hint, helperLine(options));
      }
      throw error;
    }
  };
}

function text(value: unknown, helperName: string): string {
  if (typeof value === "string") return value;
  if (value instanceof Secret) return value.reveal();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new ExpressionError(`${helperName} needs a string, got ${describeValue(materialize(value))}`);
}

function numberArgument(value: unknown, helperName: string): number {
  if (typeof value === "number") return value;
  throw new ExpressionError(`${helperName} needs numbers, got ${describeValue(materialize(value))}`);
}

function list(value: unknown, helperName: string): unknown[] {
  if (Array.isArray(value)) return Array.from(value);
  throw new ExpressionError(`${helperName} needs a list, got ${describeValue(materialize(value))}`);
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortedKeys(value[key]);
    return out;
  }
  return value;
}

/** Python's `\1` and `\g<name>` group references, in JavaScript's `$1` / `$<name>` form */
function pythonReplacement(replacement: string): string {
  return replacement
    .replace(/\$/g, "$$$$")
    .replace(/\\g<(\w+)>/g, (_match, group: string) => (/^\d+$/.test(group) ? `$${group}` : `$<${group}>`))
    .replace(/\\(\d+)/g, "$$$1");
}

function lookup(kind: unknown, argument: unknown, options: HelperOptions): string {
  const name = text(argument, "lookup");
  if (kind === "env") return process.env[name] ?? "";
  if (kind === "file") {
    const source = renderCallOf(options).scope.source;
    const path = resolve(source.baseDir ?? dirname(source.file), name);
    try {
      return readFileSync(path, "utf8").replace(/\s+$/, "");
    } catch (error) {
      const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
      throw new ExpressionError(`lookup "file" "${name}": cannot read ${path} (${reason})`, "the path is relative to the playbook's directory");
    }
  }
  throw new ExpressionError(`unknown lookup kind ${describeValue(kind)}`, 'tsible knows {{lookup "env" "NAME"}} and {{lookup "file" "path"}}');
}

function indent(value: string, width: number, indentFirst: boolean): string {
  const pad = " ".repeat(width);
  return value
    .split("\n")
    .map((line, index) => ((index > 0 || indentFirst) && line.trim() !== "" ? pad + line : line))
    .join("\n");
}

const DOTTED_NAME = /^[A-Za-z_][\w-]*(\.[\w-]+)+$/;

/**
 * The part of a dotted name that is missing: "mqtt.nope" for `mqtt.nope.port`.
 * Also tells a path through a null (Handlebars reads `a.b.c` as null when
 * `a.b` is null) from a value that is really null. Only for plain dotted names
 * that start in the current context (block params and @data live elsewhere).
 */
function missingPrefix(name: string, context: unknown, atRoot: boolean): string | undefined {
  if (!DOTTED_NAME.test(name)) return undefined;
  const parts = name.split(".");
  if (typeof context !== "object" || context === null) return undefined;
  // at the top level no block params exist, so a missing first part is the variable itself
  if (!atRoot && !Object.hasOwn(context, parts[0] ?? "")) return undefined;
  let current: unknown = context;
  for (const [index, part] of parts.entries()) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, part)) return parts.slice(0, index + 1).join(".");
    current = Reflect.get(current, part);
  }
  return undefined;
}

/** fails on an undefined value, naming the variable; the check behind every strict variable use */
function requireDefined(value: unknown, nameArgument: unknown, options: HelperOptions, context: unknown): unknown {
  const fullName = String(nameArgument);
  const call = renderCallOf(options);
  const missing = value === undefined || value === null ? missingPrefix(fullName, context, context === call.scope.root) : undefined;
  if (value !== undefined && missing === undefined) return value;
  const name = missing ?? fullName;
  throw undefinedVariableError(name, call.scope, {
    line: call.lineFor(helperLine(options)),
    insideBlock: context !== call.scope.root,
  });
}

/** A value the template writes out, held to the render's value rule (e.g. nothing that breaks a config line) */
function checkedOutput(text: string, nameArgument: unknown, options: HelperOptions): string {
  const call = renderCallOf(options);
  const problem = call.valueRule?.(text);
  if (problem === undefined) return text;
  const data: unknown = options.data;
  const index: unknown = typeof data === "object" && data !== null ? Reflect.get(data, "index") : undefined;
  const what = nameArgument === undefined ? "a value" : `the value of ${String(nameArgument)}`;
  const item = typeof index === "number" ? ` (item ${index + 1} of the list)` : "";
  throw new UserError(`${what}${item} holds ${problem}, which this file cannot carry${inTask(call.scope.source)}`, {
    location: { file: call.scope.source.file, line: call.lineFor(helperLine(options)) },
    hint: "nothing was written; remove it from the variable (in a line-based config file every value must stay on its line)",
  });
}

export const HELPERS: Record<string, HelperDelegate> = {
  // internal: inserted by template-rewrite.ts, never written by users
  [OUT_HELPER]: helper(OUT_HELPER, ([value, name], options, context) =>
    checkedOutput(textOf(name === undefined ? value : requireDefined(value, name, options, context)), name, options),
  ),
  [CAPTURE_HELPER]: helper(CAPTURE_HELPER, ([value, name], options, context) => {
    renderCallOf(options).captured = { value: name === undefined ? value : requireDefined(value, name, options, context) };
    return "";
  }),
  [REQUIRE_HELPER]: helper(REQUIRE_HELPER, ([value, name], options, context) => requireDefined(value, name, options, context)),

  default: helper(
    "default",
    ([value, fallback, onFalsy]) => (value === undefined || value === null || (onFalsy === true && !isTruthy(value)) ? fallback : value),
    { min: 2, max: 3 },
  ),
  join: helper("join", ([items, separator]) => list(items, "join").map((item) => textOf(item)).join(separator === undefined ? "" : text(separator, "join")), { min: 1, max: 2 }),
  to_json: helper("to_json", ([value]) => JSON.stringify(revealSecrets(value)) ?? "null", { min: 1, max: 1 }),
  to_nice_json: helper(
    "to_nice_json",
    ([value, width]) => JSON.stringify(sortedKeys(revealSecrets(value)), null, typeof width === "number" ? width : 4) ?? "null",
    { min: 1, max: 2 },
  ),
  to_yaml: helper("to_yaml", ([value]) => toYamlText(revealSecrets(value)), { min: 1, max: 1 }),
  lookup: helper("lookup", ([kind, argument], options) => lookup(kind, argument, options), { min: 2, max: 2 }),
  upper: helper("upper", ([value]) => text(value, "upper").toUpperCase(), { min: 1, max: 1 }),
  lower: helper("lower", ([value]) => text(value, "lower").toLowerCase(), { min: 1, max: 1 }),
  trim: helper("trim", ([value]) => text(value, "trim").trim(), { min: 1, max: 1 }),
  replace: helper("replace", ([value, old, replacement]) => text(value, "replace").replaceAll(text(old, "replace"), text(replacement, "replace")), { min: 3, max: 3 }),
  regex_replace: helper(
    "regex_replace",
    ([value, pattern, replacement]) => {
      let regex: RegExp;
      try {
        regex = new RegExp(text(pattern, "regex_replace"), "g");
      } catch (error) {
        throw new ExpressionError(`regex_replace: invalid regular expression ${describeValue(pattern)}: ${(error as Error).message}`);
      }
      return text(value, "regex_replace").replace(regex, pythonReplacement(text(replacement, "regex_replace")));
    },
    { min: 3, max: 3 },
  ),
  int: helper("int", ([value, fallback]) => toInt(value, typeof fallback === "number" ? fallback : 0), { min: 1, max: 2 }),
  bool: helper("bool", ([value]) => toAnsibleBool(value), { min: 1, max: 1 }),
  length: helper("length", ([value]) => lengthOf(value), { min: 1, max: 1 }),
  quote: helper("quote", ([value]) => quoteWord(text(value, "quote")), { min: 1, max: 1 }),
  basename: helper("basename", ([value]) => posix.basename(text(value, "basename")), { min: 1, max: 1 }),
  dirname: helper("dirname", ([value]) => posix.dirname(text(value, "dirname")), { min: 1, max: 1 }),
  first: helper("first", ([value]) => (typeof value === "string" ? value.slice(0, 1) : list(value, "first")[0]), { min: 1, max: 1 }),
  last: helper("last", ([value]) => (typeof value === "string" ? value.slice(-1) : list(value, "last").at(-1)), { min: 1, max: 1 }),
  concat: helper("concat", (values) => values.flatMap((value) => (Array.isArray(value) ? Array.from(value) : [value])), { min: 0, max: Infinity }),
  get: helper(
    "get",
    ([container, key]) => {
      const name = textOf(key);
      if (container !== null && typeof container === "object" && Object.hasOwn(container, name)) return Reflect.get(container, name);
      throw new ExpressionError(`get: no key "${name}" in ${describeValue(materialize(container))}`);
    },
    { min: 2, max: 2 },
  ),
  indent: helper(
    "indent",
    ([value, width, indentFirst]) => indent(text(value, "indent"), typeof width === "number" ? width : 4, indentFirst === true),
    { min: 1, max: 3 },
  ),
  b64encode: helper("b64encode", ([value]) => Buffer.from(text(value, "b64encode"), "utf8").toString("base64"), { min: 1, max: 1 }),
  b64decode: helper("b64decode", ([value]) => Buffer.from(text(value, "b64decode"), "base64").toString("utf8"), { min: 1, max: 1 }),
  ternary: helper("ternary", ([condition, whenTrue, whenFalse]) => (isTruthy(condition) ? whenTrue : whenFalse), { min: 3, max: 3 }),
  contains: helper("contains", ([container, item]) => contains(materialize(container), item), { min: 2, max: 2 }),
  add: helper("add", ([left, right]) => numberArgument(left, "add") + numberArgument(right, "add"), { min: 2, max: 2 }),
  eq: helper("eq", ([left, right]) => valuesEqual(materialize(left), materialize(right)), { min: 2, max: 2 }),
  ne: helper("ne", ([left, right]) => !valuesEqual(materialize(left), materialize(right)), { min: 2, max: 2 }),
  and: helper("and", (values) => values.length > 0 && values.every(isTruthy), { min: 1, max: Infinity }),
  or: helper("or", (values) => values.some(isTruthy), { min: 1, max: Infinity }),
  not: helper("not", ([value]) => !isTruthy(value), { min: 1, max: 1 }),
  if: helper("if", ([value], options, context) => (isTruthy(value) ? options.fn(context) : options.inverse(context)), { min: 1, max: 1 }),
  unless: helper("unless", ([value], options, context) => (isTruthy(value) ? options.inverse(context) : options.fn(context)), { min: 1, max: 1 }),
};
