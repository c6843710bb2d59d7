/**
 * One run of one compiled template. Helpers are registered once on a shared
 * Handlebars environment, so what they need to know about the current run (the
 * variables, where the template comes from, where to put a captured value)
 * reaches them through Handlebars' `data` channel as a RenderCall.
 */
import type { HelperOptions } from "handlebars";
import type { VarScope } from "./lazy-vars.js";

/**
 * What a file format cannot carry in a value written into it (a line-based config: a line break),
 * described ("a line break"), or undefined when the text is fine.
 */
export type ValueRule = (text: string) => string | undefined;

export class RenderCall {
  /** set by the CAPTURE helper: the value of a template that is a single `{{ expr }}` */
  captured: { value: unknown } | undefined;

  constructor(
    readonly scope: VarScope,
    /** whole template files report lines of the template; strings in a playbook report the caller's line */
    readonly lines: "template" | "source",
    /** checked on every value the template writes out (`{{x}}`), never on the template's own text */
    readonly valueRule?: ValueRule,
  ) {}

  /** the line to report for a problem at `templateLine` of this template */
  lineFor(templateLine: number | undefined): number | undefined {
    return this.lines === "template" && templateLine !== undefined ? templateLine : this.scope.source.line;
  }
}

/** the data key under which a RenderCall travels */
export const RENDER_CALL_KEY = "tsible";

export function renderCallOf(options: HelperOptions): RenderCall {
  const data: unknown = options.data;
  const call: unknown = typeof data === "object" && data !== null ? Reflect.get(data, RENDER_CALL_KEY) : undefined;
  if (!(call instanceof RenderCall)) throw new Error("tsible bug: template helper called outside a render call");
  return call;
}

/** the template line a helper was called from (Handlebars passes `loc` to helpers) */
export function helperLine(options: HelperOptions): number | undefined {
  const loc: unknown = Reflect.get(options, "loc");
  if (typeof loc !== "object" || loc === null) return undefined;
  const start: unknown = Reflect.get(loc, "start");
  if (typeof start !== "object" || start === null) return undefined;
  const line: unknown = Reflect.get(start, "line");
  return typeof line === "number" ? line : undefined;
}
