/**
 * Lazy variables. A variable's value may itself hold a template
 * (`mqtt_broker_host: "mqtt.{{ infra_id }}.example.com"`); it is rendered only
 * when a template or condition reads it, so an unused variable that refers to
 * an undefined one costs nothing and breaks nothing.
 *
 * A VarScope wraps the variables of one render call (one task's args, one
 * condition) in read-only Proxy views: reading a key renders its value on the
 * way out, remembers the result for the rest of the call, and notices cycles
 * (`a: "{{ b }}"`, `b: "{{ a }}"`). Views never leave this package: results are
 * copied into plain data with `materialize` before they are returned.
 */
import { UserError } from "../errors.js";
import { containsTemplateText } from "./template-text.js";
import type { TemplateSource } from "./template.js";
import { isPlainObject } from "./values.js";

/** Renders a template found in a variable's value, keeping the value's type (the renderString rule) */
export type NestedRenderer = (template: string, scope: VarScope) => unknown;

export class VarScope {
  /** the variables as seen by templates: values that hold templates are rendered on read */
  readonly root: Record<string, unknown>;
  /** variables being rendered right now, outermost first (for cycle errors and messages) */
  readonly resolving: string[] = [];
  readonly #views = new WeakMap<object, object>();
  readonly #ownViews = new WeakSet<object>();
  readonly #rendered = new Map<string, unknown>();

  constructor(
    vars: Record<string, unknown>,
    readonly source: TemplateSource,
    private readonly renderNested: NestedRenderer,
  ) {
    this.root = this.#view(vars, "") as Record<string, unknown>;
  }

  /** true when `name` is a variable of this scope (even one whose value is null) */
  hasVariable(name: string): boolean {
    return Object.hasOwn(this.root, name);
  }

  #view(value: object, path: string): object {
    if (this.#ownViews.has(value)) return value;
    const existing = this.#views.get(value);
    if (existing) return existing;
    // A Proxy must report a frozen target's own values; a copy lets it report rendered ones instead.
    const target = Object.isExtensible(value) ? value : Array.isArray(value) ? [...value] : { ...value };
    const isList = Array.isArray(target);
    const view = new Proxy(target, {
      get: (object, key, receiver) => {
        if (typeof key === "symbol" || !Object.hasOwn(object, key)) return Reflect.get(object, key, receiver);
        const raw: unknown = Reflect.get(object, key);
        if (isList && key === "length") return raw;
        return this.#resolve(raw, path === "" ? key : isList ? `${path}[${key}]` : `${path}.${key}`);
      },
      set: () => false,
      deleteProperty: () => false,
      defineProperty: () => false,
    });
    this.#views.set(value, view);
    this.#ownViews.add(view);
    return view;
  }

  #resolve(raw: unknown, path: string): unknown {
    if (typeof raw === "string") return containsTemplateText(raw) ? this.#renderValue(raw, path) : raw;
    if (Array.isArray(raw) || isPlainObject(raw)) return this.#view(raw, path);
    return raw;
  }

  #renderValue(template: string, path: string): unknown {
    if (this.#rendered.has(path)) return this.#rendered.get(path);
    const start = this.resolving.indexOf(path);
    if (start >= 0) {
      const cycle = [...this.resolving.slice(start), path].join(" -> ");
      const task = this.source.task === undefined ? "" : ` in task "${this.source.task}"`;
      throw new UserError(`variable cycle: ${cycle}${task}`, {
        location: { file: this.source.file, line: this.source.line },
        hint: `the value of "${path}" refers back to itself through these variables; give one of them a plain value`,
      });
    }
    this.resolving.push(path);
    let value: unknown;
    try {
      value = this.renderNested(template, this);
    } finally {
      this.resolving.pop();
    }
    if (Array.isArray(value) || isPlainObject(value)) value = this.#view(value, path);
    this.#rendered.set(path, value);
    return value;
  }
}

/**
 * A plain deep copy of a value read through a VarScope, with every nested
 * template rendered: what renderString and conditions hand back to callers.
 * Values that are not lists or dicts (Secret, numbers, null) are kept as they are.
 */
export function materialize(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value, materialize);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = materialize(value[key]);
    return out;
  }
  return value;
}
