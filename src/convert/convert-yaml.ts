/**
 * The templated strings of a playbook, role or vars file, converted where they
 * stand: every other byte of the file stays as it is (each string is replaced
 * through its source range, never by re-writing the YAML). Only one-line plain
 * and quoted strings and `|` blocks are rewritten; the result is parsed again and
 * must hold the same data with just those strings changed.
 *
 * `when`, `that`, `changed_when`, `failed_when` and `until` are Ansible
 * expressions, which tsible reads as they are; they are only checked for
 * filters and tests tsible's condition evaluator does not know.
 * `template:` tasks' `src: x.j2` become `x.hbs` when that template is converted.
 */
import { isMap, isPair, isScalar, isSeq, parseAllDocuments, Scalar, visit, type Document, type Node as YamlNode } from "yaml";
import { FILTERS, TESTS } from "../vars/condition-functions.js";
import { HELPERS } from "../vars/helpers.js";
import { convertJinja, type Finding } from "./convert-template.js";
import { parseExpression, ParseProblem, type JinjaExpr } from "./jinja-expression.js";

const CONDITION_KEYS = new Set(["when", "that", "changed_when", "failed_when", "until"]);
const TEMPLATE_MODULES = new Set(["template", "ansible.builtin.template", "ansible.legacy.template"]);
const TEMPLATE_TEXT = /\{\{|\{%|\{#/;
/** template task arguments that change how Jinja reads the template, which the conversion takes at Ansible's defaults */
const TEMPLATE_SYNTAX_ARGS = new Set([
  "trim_blocks",
  "lstrip_blocks",
  "newline_sequence",
  "block_start_string",
  "block_end_string",
  "variable_start_string",
  "variable_end_string",
  "comment_start_string",
  "comment_end_string",
]);

export type YamlResult = { ok: true; text: string; warnings: Finding[] } | { ok: false; problems: Finding[]; warnings: Finding[] };

export interface YamlOptions {
  /** the new `src` of a template task (x.hbs) when its template is converted, else undefined */
  renamedTemplate: (src: string) => string | undefined;
}

interface Replacement {
  start: number;
  end: number;
  raw: string;
  value: string;
}

export function convertYaml(source: string, options: YamlOptions): YamlResult {
  const problems: Finding[] = [];
  const warnings: Finding[] = [];
  const position = (offset: number) => {
    const before = source.slice(0, offset);
    return { line: before.split("\n").length, column: offset - before.lastIndexOf("\n") };
  };
  const documents = parseAllDocuments(source);
  if (!Array.isArray(documents)) return { ok: true, text: source, warnings };
  for (const document of documents) {
    for (const error of document.errors) problems.push({ ...position(error.pos[0]), message: `YAML: ${error.message.split("\n")[0] ?? ""}` });
  }
  if (problems.length > 0) return { ok: false, problems, warnings };

  const replacements: Replacement[] = [];
  for (const document of documents) {
    visit(document, {
      Scalar(key, node, path) {
        if (typeof node.value !== "string" || !node.range) return;
        const offset = node.range[0];
        const here = (found: Finding[], at: number) => (message: string) => found.push({ ...position(at), message });
        const ownerKey = owningKey(path);
        if (key === "key") {
          if (TEMPLATE_TEXT.test(node.value)) here(problems, offset)("a templated mapping key is not converted");
          if (TEMPLATE_SYNTAX_ARGS.has(node.value) && TEMPLATE_MODULES.has(moduleKey(path) ?? "")) {
            here(problems, offset)(`this template task sets ${node.value}; templates are converted for Ansible's defaults`);
          }
          return;
        }
        if (ownerKey !== undefined && CONDITION_KEYS.has(ownerKey)) {
          if (!TEMPLATE_TEXT.test(node.value)) checkCondition(node.value, here(problems, offset), here(warnings, offset));
          return;
        }
        if (ownerKey === "src" && TEMPLATE_MODULES.has(moduleKey(path) ?? "") && node.value.endsWith(".j2") && !TEMPLATE_TEXT.test(node.value)) {
          const renamed = options.renamedTemplate(node.value);
          if (renamed !== undefined) replaceScalar(node, source, renamed, replacements, here(problems, offset));
          return;
        }
        if (ownerKey !== undefined && TEMPLATE_MODULES.has(ownerKey) && /(^|\s)src=\S+\.j2(\s|$)/.test(node.value)) {
          here(problems, offset)("template arguments written as one string (src=x.j2 dest=...) are not rewritten: write them as a map");
          return;
        }
        if (!TEMPLATE_TEXT.test(node.value) || looksConverted(node.value)) return;
        const quote = node.type === Scalar.QUOTE_DOUBLE ? "'" : '"';
        const converted = convertJinja(node.value, { mode: "string", quote });
        // findings inside the string, placed in the file (strings are one line, so only the first line shifts)
        const valueStart = position(offset + (node.type === Scalar.PLAIN ? 0 : 1));
        const lineOf = (finding: Finding) =>
          finding.line === 1 ? { ...finding, line: valueStart.line, column: valueStart.column + finding.column - 1 } : { ...finding, line: valueStart.line + finding.line - 1 };
        warnings.push(...converted.warnings.map(lineOf));
        if (!converted.ok) {
          problems.push(...converted.problems.map(lineOf));
          return;
        }
        replaceScalar(node, source, converted.text, replacements, here(problems, offset));
      },
    });
  }
  if (problems.length > 0) return { ok: false, problems, warnings };
  if (replacements.length === 0) return { ok: true, text: source, warnings };

  let text = "";
  let last = 0;
  for (const replacement of replacements.sort((a, b) => a.start - b.start)) {
    text += source.slice(last, replacement.start) + replacement.raw;
    last = replacement.end;
  }
  text += source.slice(last);
  const mismatch = verify(documents, text, replacements);
  if (mismatch !== undefined) return { ok: false, problems: [{ ...position(mismatch), message: "the converted string does not read back as the same YAML (quote the original string)" }], warnings };
  return { ok: true, text, warnings };
}

/** tsible helpers whose name cannot start a Jinja expression followed by an argument */
const HELPER_NAMES = Object.keys(HELPERS).filter((name) => !name.startsWith("__") && !["not", "and", "or", "if", "unless"].includes(name));
/** `{{#`, `{{/`, `{{!`, `{{~`, `{{else`, or a helper followed by an argument (Jinja puts an operator or `|` there) */
const HANDLEBARS_ONLY = new RegExp(`\\{\\{(~|#|/|!|else\\b|(${HELPER_NAMES.join("|")})\\s+(?!(if|is|in|and|or|not|else)\\b)[A-Za-z_@"'0-9(])`);

/** a string already in tsible's Handlebars (a second run over the same files): left as it is */
function looksConverted(text: string): boolean {
  return HANDLEBARS_ONLY.test(text);
}

/** the mapping key a scalar is the value of, directly or as an item of a list under it */
function owningKey(path: readonly unknown[]): string | undefined {
  for (let index = path.length - 1; index >= 0; index--) {
    const item = path[index];
    if (isPair(item)) return isScalar(item.key) ? String(item.key.value) : undefined;
    if (!isSeq(item)) return undefined;
  }
  return undefined;
}

/** for `template: {src: x}`, the key above the map holding `src` */
function moduleKey(path: readonly unknown[]): string | undefined {
  const pairs = path.filter(isPair);
  const module = pairs.at(-2);
  if (!module || !isMap(module.value)) return undefined;
  return isScalar(module.key) ? String(module.key.value) : undefined;
}

function replaceScalar(node: Scalar, source: string, value: string, replacements: Replacement[], problem: (message: string) => void): void {
  const [start, end] = node.range ?? [0, 0];
  const raw = source.slice(start, end);
  const original = String(node.value);
  let written: string | undefined;
  if (node.type === Scalar.BLOCK_LITERAL) {
    written = blockLiteral(raw, original, value);
    if (written === undefined) problem("this block string is not converted: write it with | and the same indentation on every line (no indentation digit)");
    else replacements.push({ start, end, raw: written, value });
    return;
  }
  if (raw.includes("\n")) {
    problem("a string over several lines is not converted (a | block is)");
    return;
  }
  if (node.type === Scalar.PLAIN && raw === original) written = value;
  else if (node.type === Scalar.QUOTE_SINGLE && raw === `'${original.replaceAll("'", "''")}'`) written = `'${value.replaceAll("'", "''")}'`;
  else if (node.type === Scalar.QUOTE_DOUBLE && raw === `"${original}"` && !/["\\]/.test(value)) written = `"${value}"`;
  if (written === undefined) {
    problem(`this ${node.type === Scalar.QUOTE_DOUBLE ? "double-quoted string with escapes or quotes" : "string"} is not converted: write it as a plain or single-quoted string`);
    return;
  }
  replacements.push({ start, end, raw: written, value });
}

/**
 * A `|` block with `original` as its value, written again with `value`: the header and the
 * indentation stay, and so does whatever follows the text (chomping keeps the value's own ending).
 * Undefined when the block is not plainly its value indented (an indentation digit, spaces on
 * blank lines).
 */
function blockLiteral(raw: string, original: string, value: string): string | undefined {
  const headerEnd = raw.indexOf("\n");
  const header = raw.slice(0, headerEnd + 1);
  if (headerEnd < 0 || /\d/.test(header)) return undefined;
  const indentation = /^( +)\S/m.exec(raw.slice(headerEnd + 1))?.[1];
  if (indentation === undefined) return undefined;
  const indent = (text: string) => text.split("\n").map((line) => (line === "" ? "" : indentation + line)).join("\n");
  const body = indent(original);
  if (!raw.startsWith(header + body)) return undefined;
  const rest = raw.slice(header.length + body.length);
  if (!/^\s*$/.test(rest)) return undefined;
  return header + indent(value) + rest;
}

/** offset of the first string that does not read back as intended, if any */
function verify(documents: Document[], text: string, replacements: Replacement[]): number | undefined {
  const expected = scalars(documents, new Map(replacements.map((replacement) => [replacement.start, replacement.value])));
  const actual = scalars(parseAllDocuments(text) as Document[], new Map());
  if (expected.length !== actual.length) return replacements[0]?.start ?? 0;
  for (const [index, value] of expected.entries()) {
    if (JSON.stringify(actual[index]?.value) !== JSON.stringify(value.value)) return value.at;
  }
  return undefined;
}

function scalars(documents: Document[], replaced: Map<number, string>): { at: number; value: unknown }[] {
  const found: { at: number; value: unknown }[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) return [{ at: 0, value: Symbol("unparsable") }];
    visit(document, {
      Node(_key, node: YamlNode) {
        if (!isScalar(node)) return;
        const at = node.range?.[0] ?? 0;
        found.push({ at, value: replaced.get(at) ?? node.value });
      },
    });
  }
  return found;
}

function checkCondition(condition: string, problem: (message: string) => void, warning: (message: string) => void): void {
  let expr: JinjaExpr;
  try {
    expr = parseExpression(condition);
  } catch (error) {
    if (error instanceof ParseProblem) warning(`condition not checked (${error.message})`);
    return;
  }
  const walk = (node: JinjaExpr): void => {
    if (node.kind === "filter" && !Object.hasOwn(FILTERS, node.name)) problem(`tsible's conditions do not know the filter "${node.name}"`);
    if (node.kind === "test" && !Object.hasOwn(TESTS, node.name)) problem(`tsible's conditions do not know the test "is ${node.name}"`);
    for (const child of children(node)) walk(child);
  };
  walk(expr);
}

function children(node: JinjaExpr): JinjaExpr[] {
  switch (node.kind) {
    case "list":
      return node.items;
    case "attr":
      return [node.object];
    case "index":
      return [node.object, node.key];
    case "filter":
      return [node.value, ...node.args, ...Object.values(node.kwargs)];
    case "test":
      return [node.value, ...node.args];
    case "call":
      return [node.callee, ...node.args, ...Object.values(node.kwargs)];
    case "not":
      return [node.operand];
    case "binary":
      return [node.left, node.right];
    case "conditional":
      return [node.value, node.condition, ...(node.otherwise ? [node.otherwise] : [])];
    default:
      return [];
  }
}
