/**
 * The filters (`x | int`) and tests (`x is defined`) that conditions know, as
 * Ansible defines them. An undefined value reaches only `default`, `defined`
 * and `undefined`; every other filter or test is given a defined value.
 */
import { Secret } from "../secrets.js";
import { materialize } from "./lazy-vars.js";
import {
  ExpressionError,
  describeValue,
  isPlainObject,
  isTruthy,
  lengthOf,
  textOf,
  toAnsibleBool,
  toFloat,
  toInt,
  valuesEqual,
} from "./values.js";

/** An undefined name or path in a condition; an error only when something uses it */
export class Undefined {
  constructor(readonly name: string) {}
}

type Filter = (value: unknown, args: unknown[]) => unknown;
type Test = (value: unknown, args: unknown[]) => boolean;

function stringOf(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  if (value instanceof Secret) return value.reveal();
  throw new ExpressionError(`${what} needs a string, got ${describeValue(materialize(value))}`);
}

function listOf(value: unknown, what: string): unknown[] {
  if (Array.isArray(value)) return Array.from(value);
  throw new ExpressionError(`${what} needs a list, got ${describeValue(materialize(value))}`);
}

/** Jinja `string`: Python's spelling of booleans and None */
export function jinjaString(value: unknown): string {
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null) return "None";
  return textOf(value);
}

export const FILTERS_ACCEPTING_UNDEFINED = new Set(["default", "d"]);

const defaultFilter: Filter = (value, [fallback = "", onFalsy]) =>
  value instanceof Undefined || (onFalsy === true && !isTruthy(value)) ? fallback : value;

export const FILTERS: Record<string, Filter> = {
  default: defaultFilter,
  d: defaultFilter,
  length: (value) => lengthOf(value),
  count: (value) => lengthOf(value),
  int: (value, [fallback]) => toInt(value, typeof fallback === "number" ? fallback : 0),
  float: (value, [fallback]) => toFloat(value, typeof fallback === "number" ? fallback : 0),
  bool: (value) => toAnsibleBool(value),
  string: (value) => jinjaString(value),
  lower: (value) => stringOf(value, "lower").toLowerCase(),
  upper: (value) => stringOf(value, "upper").toUpperCase(),
  trim: (value) => stringOf(value, "trim").trim(),
  first: (value) => (typeof value === "string" ? value.slice(0, 1) : listOf(value, "first")[0]),
  last: (value) => (typeof value === "string" ? value.slice(-1) : listOf(value, "last").at(-1)),
  join: (value, [separator = ""]) => listOf(value, "join").map(jinjaString).join(stringOf(separator, "join")),
  replace: (value, [old, replacement]) => stringOf(value, "replace").replaceAll(stringOf(old, "replace"), stringOf(replacement, "replace")),
  list: (value) => {
    if (typeof value === "string") return [...value];
    if (isPlainObject(value)) return Object.keys(value);
    return listOf(value, "list");
  },
};

/** `result is failed` and friends look at a registered result's fields */
function registered(value: unknown, test: string): Record<string, unknown> {
  if (isPlainObject(value)) return value;
  throw new ExpressionError(`the "${test}" test needs a registered task result, got ${describeValue(materialize(value))}`, "register the task's result (register: name) and test that name");
}

function regex(pattern: unknown, test: string): RegExp {
  try {
    return new RegExp(stringOf(pattern, test));
  } catch (error) {
    throw new ExpressionError(`the "${test}" test got an invalid regular expression: ${(error as Error).message}`);
  }
}

/** Ansible's loose version comparison: numeric parts compare as numbers, the rest as text */
function compareVersions(left: string, right: string): number {
  const parts = (version: string) => version.split(/[^0-9A-Za-z]+|(?<=\d)(?=[A-Za-z])|(?<=[A-Za-z])(?=\d)/).filter((part) => part !== "");
  const a = parts(left);
  const b = parts(right);
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const x = a[index];
    const y = b[index];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const bothNumbers = /^\d+$/.test(x) && /^\d+$/.test(y);
    const order = bothNumbers ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
    if (order !== 0) return Math.sign(order);
  }
  return 0;
}

const VERSION_OPERATORS: Record<string, (order: number) => boolean> = {
  "<": (o) => o < 0, lt: (o) => o < 0,
  "<=": (o) => o <= 0, le: (o) => o <= 0,
  ">": (o) => o > 0, gt: (o) => o > 0,
  ">=": (o) => o >= 0, ge: (o) => o >= 0,
  "==": (o) => o === 0, "=": (o) => o === 0, eq: (o) => o === 0,
  "!=": (o) => o !== 0, "<>": (o) => o !== 0, ne: (o) => o !== 0,
};

function versionTest(value: unknown, [other, operator = "=="]: unknown[]): boolean {
  const compare = VERSION_OPERATORS[String(operator)];
  if (!compare) throw new ExpressionError(`unknown version operator ${describeValue(operator)}`, `use one of ${Object.keys(VERSION_OPERATORS).join(" ")}`);
  return compare(compareVersions(jinjaString(value), jinjaString(other)));
}

/** `x in y` as Python does it */
export function contains(container: unknown, item: unknown): boolean {
  if (container instanceof Secret) container = container.reveal();
  if (typeof container === "string") return container.includes(stringOf(item, `"in" with a string on its right`));
  if (Array.isArray(container)) return Array.from(container).some((element) => valuesEqual(materialize(element), materialize(item)));
  if (isPlainObject(container)) return (typeof item === "string" || typeof item === "number") && Object.hasOwn(container, String(item));
  throw new ExpressionError(`"in" needs a list, dict or string on its right, got ${describeValue(materialize(container))}`);
}

export const TESTS_ACCEPTING_UNDEFINED = new Set(["defined", "undefined"]);

export const TESTS: Record<string, Test> = {
  defined: (value) => !(value instanceof Undefined),
  undefined: (value) => value instanceof Undefined,
  none: (value) => value === null,
  true: (value) => value === true,
  false: (value) => value === false,
  truthy: (value) => isTruthy(value),
  falsy: (value) => !isTruthy(value),
  boolean: (value) => typeof value === "boolean",
  string: (value) => typeof value === "string" || value instanceof Secret,
  number: (value) => typeof value === "number",
  integer: (value) => typeof value === "number" && Number.isInteger(value),
  float: (value) => typeof value === "number" && !Number.isInteger(value),
  mapping: (value) => isPlainObject(value),
  sequence: (value) => Array.isArray(value) || typeof value === "string",
  iterable: (value) => Array.isArray(value) || typeof value === "string" || isPlainObject(value),
  succeeded: (value) => !isTruthy(registered(value, "succeeded").failed),
  success: (value) => !isTruthy(registered(value, "success").failed),
  failed: (value) => isTruthy(registered(value, "failed").failed),
  failure: (value) => isTruthy(registered(value, "failure").failed),
  changed: (value) => isTruthy(registered(value, "changed").changed),
  change: (value) => isTruthy(registered(value, "change").changed),
  skipped: (value) => isTruthy(registered(value, "skipped").skipped),
  skip: (value) => isTruthy(registered(value, "skip").skipped),
  match: (value, [pattern]) => regex(pattern, "match").exec(stringOf(value, "the match test"))?.index === 0,
  search: (value, [pattern]) => regex(pattern, "search").test(stringOf(value, "the search test")),
  version: versionTest,
  version_compare: versionTest,
  in: (value, [container]) => contains(container, value),
  contains: (value, [item]) => contains(value, item),
  eq: (value, [other]) => valuesEqual(materialize(value), materialize(other)),
  equalto: (value, [other]) => valuesEqual(materialize(value), materialize(other)),
  ne: (value, [other]) => !valuesEqual(materialize(value), materialize(other)),
  divisibleby: (value, [divisor]) => typeof value === "number" && typeof divisor === "number" && divisor !== 0 && value % divisor === 0,
  even: (value) => typeof value === "number" && value % 2 === 0,
  odd: (value) => typeof value === "number" && Math.abs(value % 2) === 1,
};
