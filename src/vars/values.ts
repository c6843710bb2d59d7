/**
 * Value semantics shared by templates and conditions, modelled on Ansible's
 * (Jinja's): what is true, what `| int` and `| bool` make of a string, when two
 * values are equal. One definition, so `{{#if x}}` and `when: x` agree.
 */
import { TsibleError } from "../errors.js";
import { Secret } from "../secrets.js";
import { parseAnsibleBool } from "../ansible-bool.js";

/**
 * A mistake in a template or condition found while evaluating it (wrong type,
 * unreadable lookup file). The caller turns it into a UserError with the file,
 * line and task it knows about.
 */
export class ExpressionError extends TsibleError {
  constructor(
    message: string,
    hint?: string,
    /** the line inside a template file, when known (helpers know theirs) */
    readonly templateLine?: number,
  ) {
    super(message, { kind: "user", hint });
    this.name = "ExpressionError";
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Jinja truthiness: None, false, 0, "", [] and {} are false; everything else is true */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0 && !Number.isNaN(value);
  if (typeof value === "string") return value.length > 0;
  if (value instanceof Secret) return value.reveal().length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** Words Ansible's `bool` filter does not know, though its keywords do: to the filter they are false */
const NOT_FILTER_WORDS = new Set(["y", "t"]);

/** Ansible's `bool` filter: yes/on/1/true (any case) and the number 1 are true, anything it does not know is false */
export function toAnsibleBool(value: unknown): boolean {
  if (value instanceof Secret) value = value.reveal();
  if (typeof value === "string" && NOT_FILTER_WORDS.has(value.trim().toLowerCase())) return false;
  return parseAnsibleBool(value) === true;
}

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
const FLOAT_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Jinja's `int` filter: numbers are truncated, numeric strings parsed, anything else is `fallback` (0) */
export function toInt(value: unknown, fallback = 0): number {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : fallback;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Secret) value = value.reveal();
  if (typeof value !== "string") return fallback;
  if (INTEGER_TEXT.test(value)) return Number.parseInt(value, 10);
  if (FLOAT_TEXT.test(value)) return Math.trunc(Number.parseFloat(value));
  return fallback;
}

/** Jinja's `float` filter */
export function toFloat(value: unknown, fallback = 0): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && FLOAT_TEXT.test(value)) return Number.parseFloat(value);
  return fallback;
}

/** `length` of a string, list or dict; an error for anything else */
export function lengthOf(value: unknown): number {
  if (value instanceof Secret) return value.reveal().length;
  if (typeof value === "string" || Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  throw new ExpressionError(`length needs a string, list or dict, got ${describeValue(value)}`);
}

/** Deep equality on data (lists, dicts, scalars); a Secret equals its revealed text */
export function valuesEqual(left: unknown, right: unknown): boolean {
  if (left instanceof Secret) left = left.reveal();
  if (right instanceof Secret) right = right.reveal();
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => valuesEqual(item, right[index]));
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const leftKeys = Object.keys(left);
    if (leftKeys.length !== Object.keys(right).length) return false;
    return leftKeys.every((key) => Object.hasOwn(right, key) && valuesEqual(left[key], right[key]));
  }
  return left === right;
}

/** The type of a value in the user's words (YAML/Jinja), for error messages */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "string" || value instanceof Secret) return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  if (Array.isArray(value)) return "list";
  if (isPlainObject(value)) return "dict";
  return typeof value;
}

/** `"8" (string)` for messages; long values are cut, secrets never shown */
export function describeValue(value: unknown): string {
  if (value instanceof Secret) return "a secret string";
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  return `${text} (${typeName(value)})`;
}

/** How a value reads inside rendered text: scalars as themselves, lists and dicts as JSON, none as "" */
export function textOf(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (value instanceof Secret) return value.reveal();
  if (Array.isArray(value) || isPlainObject(value)) return JSON.stringify(revealSecrets(value));
  return String(value);
}

/** A deep copy of plain data with every Secret replaced by its text: for output that is the real content of a file */
export function revealSecrets(value: unknown): unknown {
  if (value instanceof Secret) return value.reveal();
  if (Array.isArray(value)) return Array.from(value, revealSecrets);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = revealSecrets(value[key]);
    return out;
  }
  return value;
}
