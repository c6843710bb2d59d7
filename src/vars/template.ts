/**
 * Templating: Handlebars over every string of a playbook and over template
 * files. Rules (see also template-rewrite.ts and lazy-vars.ts):
 * - no HTML escaping: these are config files, not web pages;
 * - strict: an undefined variable is a UserError naming the whole path, except
 *   where a template asks about absence (`{{default x "y"}}`, `{{#if x}}`);
 * - a string that is exactly one `{{ expr }}` keeps the value's type;
 * - templates inside variable values are rendered when read, with cycle detection;
 * - strings without `{{` never reach Handlebars.
 */
import Handlebars from "handlebars";
import { UserError } from "../errors.js";
import { HELPERS } from "./helpers.js";
import { VarScope, materialize } from "./lazy-vars.js";
import { RENDER_CALL_KEY, RenderCall, type ValueRule } from "./render-call.js";
import { containsTemplateText } from "./template-text.js";
import { isSingleExpression, rewriteProgram } from "./template-rewrite.js";
import { expressionUserError, inTask, inVariable } from "./user-errors.js";
import { ExpressionError, isPlainObject, textOf } from "./values.js";
import type { TemplateSource } from "./template-source.js";

export type { TemplateSource } from "./template-source.js";

const engine = Handlebars.create();
engine.registerHelper(HELPERS);

interface CompiledTemplate {
  run: HandlebarsTemplateDelegate;
  /** the template is one `{{ expr }}` compiled to capture its value */
  capture: boolean;
}

/** compiled templates by mode and text; bounded so a long run cannot grow it without limit */
const compiledCache = new Map<string, CompiledTemplate>();
const COMPILED_CACHE_LIMIT = 2000;

type Mode = "value" | "text";

export function containsTemplate(text: string): boolean {
  return containsTemplateText(text);
}

/**
 * The variables a render call reads: plain ones, rendered for this call only, or a
 * scope that keeps what it rendered for the calls to come (one task on one host).
 */
export type VarsOrScope = Record<string, unknown> | VarScope;

/** Render a playbook string: one `{{ expr }}` keeps the value's type, anything else is a string */
export function renderString(template: string, vars: VarsOrScope, source: TemplateSource): unknown {
  if (!containsTemplateText(template)) return template;
  const scope = scopeOf(vars);
  return scope.within(source, () => materialize(renderInScope(template, scope, "value", "source")));
}

export interface TextOptions {
  /** what the output format cannot carry in a value: such a value is a UserError naming it */
  valueRule?: ValueRule | undefined;
}

/** Render a whole template file; always a string; errors carry the template's own line numbers */
export function renderText(template: string, vars: VarsOrScope, source: TemplateSource, options: TextOptions = {}): string {
  if (!containsTemplateText(template)) return template;
  const scope = scopeOf(vars);
  return scope.within(source, () => textOf(renderInScope(template, scope, "text", "template", options.valueRule)));
}

/** Render every string in a tree of lists and maps (map keys too), keeping types per renderString */
export function renderDeep(value: unknown, vars: VarsOrScope, source: TemplateSource): unknown {
  const scope = scopeOf(vars);
  const walk = (item: unknown): unknown => {
    if (typeof item === "string") return renderValueInScope(item, scope);
    if (Array.isArray(item)) return item.map(walk);
    if (isPlainObject(item)) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(item)) {
        const renderedKey = containsTemplateText(key) ? textOf(renderInScope(key, scope, "text", "source")) : key;
        out[renderedKey] = walk(child);
      }
      return out;
    }
    return item;
  };
  return scope.within(source, () => walk(value));
}

/** A scope over `vars` whose templated values render lazily, once (shared by templates and conditions) */
export function createScope(vars: Record<string, unknown>): VarScope {
  return new VarScope(vars, (template, scope) => renderInScope(template, scope, "value", "source"));
}

/** the scope a render call reads: the one given, or one for this call only */
export function scopeOf(vars: VarsOrScope): VarScope {
  return vars instanceof VarScope ? vars : createScope(vars);
}

/** renderString inside a render call already under way on `scope`: plain data out */
export function renderValueInScope(template: string, scope: VarScope): unknown {
  if (!containsTemplateText(template)) return template;
  return materialize(renderInScope(template, scope, "value", "source"));
}

function renderInScope(template: string, scope: VarScope, mode: Mode, lines: RenderCall["lines"], valueRule?: ValueRule): unknown {
  const call = new RenderCall(scope, lines, valueRule);
  const compiled = compile(template, mode, call);
  let output: string;
  try {
    output = compiled.run(scope.root, { data: { [RENDER_CALL_KEY]: call } });
  } catch (error) {
    throw toUserError(error, call);
  }
  if (!compiled.capture) return output;
  return call.captured?.value;
}

function compile(template: string, mode: Mode, call: RenderCall): CompiledTemplate {
  const key = `${mode}\u0000${template}`;
  const cached = compiledCache.get(key);
  if (cached) return cached;
  let program: hbs.AST.Program;
  try {
    program = engine.parseWithoutProcessing(template);
  } catch (error) {
    throw syntaxError(error, template, call);
  }
  const capture = mode === "value" && isSingleExpression(program);
  const compiled: CompiledTemplate = {
    run: engine.compile(rewriteProgram(program, capture), { noEscape: true, strict: false }),
    capture,
  };
  if (compiledCache.size >= COMPILED_CACHE_LIMIT) {
    const oldest = compiledCache.keys().next();
    if (!oldest.done) compiledCache.delete(oldest.value);
  }
  compiledCache.set(key, compiled);
  return compiled;
}

const JINJA_HINT =
  'tsible templates are Handlebars: a variable is {{name}} or {{a.b.[0]}}, a helper comes first: {{default x "y"}}, {{join list ", "}}; blocks are {{#if x}}...{{else}}...{{/if}} and {{#each list}}...{{/each}}';

function syntaxError(error: unknown, template: string, call: RenderCall): UserError {
  return templateSyntaxError(error, template, {
    file: call.scope.source.file,
    where: `${inVariable(call.scope)}${inTask(call.scope.source)}`,
    lineFor: (templateLine) => call.lineFor(templateLine),
  });
}

function templateSyntaxError(
  error: unknown,
  template: string,
  context: { file: string; where: string; lineFor: (templateLine: number | undefined) => number | undefined },
): UserError {
  const fullMessage = error instanceof Error ? error.message : String(error);
  // Handlebars appends a list of every token it expected: noise to a user, the pointer line says enough
  const message = fullMessage.split("\n").filter((line) => !line.startsWith("Expecting ")).join("\n");
  const lineMatch = /on line (\d+)/.exec(message);
  const templateLine = lineMatch?.[1] === undefined ? undefined : Number(lineMatch[1]);
  const looksLikeJinja = /\{\{[^}]*(\|\s*\w|\{%|\w\()/.test(template) || template.includes("{%");
  const hint = looksLikeJinja
    ? `Jinja filters and calls ({{ x | default('y') }}, {% if %}) are not supported. ${JINJA_HINT}`
    : JINJA_HINT;
  return new UserError(`template syntax error${context.where}: ${message}`, {
    location: { file: context.file, line: context.lineFor(templateLine) },
    hint,
    cause: error,
  });
}

/**
 * Parses a template file without rendering it, so that a syntax error is found when the
 * playbook is loaded (file and line), before any host is touched, rather than mid-run.
 */
export function checkTemplateSyntax(template: string, file: string): void {
  if (!containsTemplateText(template)) return;
  try {
    engine.parseWithoutProcessing(template);
  } catch (error) {
    throw templateSyntaxError(error, template, { file, where: "", lineFor: (line) => line });
  }
}

function toUserError(error: unknown, call: RenderCall): unknown {
  if (error instanceof UserError) return error;
  if (error instanceof ExpressionError) return expressionUserError(error, call.scope, call.lineFor(error.templateLine));
  if (error instanceof Handlebars.Exception) {
    const line = typeof error.lineNumber === "number" ? error.lineNumber : undefined;
    const missingHelper = /^Missing helper: "(.+)"/.exec(error.message);
    const message = missingHelper
      ? `unknown helper "${missingHelper[1]}"`
      : `template error: ${error.message.replace(/ - \d+:\d+$/, "")}`;
    return new UserError(`${message}${inVariable(call.scope)}${inTask(call.scope.source)}`, {
      location: { file: call.scope.source.file, line: call.lineFor(line) },
      hint: missingHelper ? `known helpers: ${Object.keys(HELPERS).filter((name) => !name.startsWith("__")).join(", ")}` : JINJA_HINT,
      cause: error,
    });
  }
  // anything else is a bug in tsible, reported with its stack
  return error;
}
