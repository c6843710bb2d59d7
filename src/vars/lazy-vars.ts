/**
 * Lazy variables. A variable's value may itself hold a template
 * (`mqtt_broker_host: "mqtt.{{ infra_id }}.example.com"`); it is rendered only
 * when a template or condition reads it, so an unused variable that refers to
 * an undefined one costs nothing and breaks nothing.
 *
 * A VarScope wraps one set of variables (those of one task on one host) in
 * read-only Proxy views: reading a key renders its value on the way out,
 * remembers the result for as long as the scope lives, and notices cycles
 * (`a: "{{ b }}"`, `b: "{{ a }}"`). Every render call of the task (when, the
 * arguments, template files, until, changed_when, failed_when) reads through
 * the same scope, so a variable that refers to others is rendered once.
 * A layer (a loop item, a registered result) adds names on top of a scope and
 * takes over what the scope rendered unless that rendering read one of them.
 * Views never leave this package: results are copied into plain data with
 * `materialize` before they are returned.
 */
import { UserError } from "../errors.js";
import { containsTemplateText } from "./template-text.js";
import type { TemplateSource } from "./template-source.js";
import { isPlainObject } from "./values.js";

/** Renders a template found in a variable's value, keeping the value's type (the renderString rule) */
export type NestedRenderer = (template: string, scope: VarScope) => unknown;

/** The top-level variable names a rendering read: what its value depends on */
class NamesRead {
  readonly names = new Set<string>();
  /** the variables were listed (`{{#each @root}}`): the value may depend on any of them */
  all = false;

  addAll(other: NamesRead): void {
    if (other.all) this.all = true;
    for (const name of other.names) this.names.add(name);
  }

  touches(names: ReadonlySet<string>): boolean {
    if (this.all) return true;
    for (const name of this.names) if (names.has(name)) return true;
    return false;
  }
}

interface Rendered {
  value: unknown;
  read: NamesRead;
  /** a top-level variable whose value holds no view of this scope, so another scope may use it as it is */
  shareable: boolean;
}

interface Layer {
  parent: VarScope;
  names: ReadonlySet<string>;
}

export class VarScope {
  /** the variables as seen by templates: values that hold templates are rendered on read */
  readonly root: Record<string, unknown>;
  /** variables being rendered right now, outermost first (for cycle errors and messages) */
  readonly resolving: string[] = [];
  /** what each variable in `resolving` has read so far */
  readonly #reading: NamesRead[] = [];
  /** where the render calls under way come from, innermost last */
  readonly #sources: TemplateSource[] = [];
  readonly #views = new WeakMap<object, object>();
  readonly #ownViews = new WeakSet<object>();
  readonly #rendered = new Map<string, Rendered>();

  constructor(
    /** the variables as given, unrendered (for settings read as they are: become, debug's var) */
    readonly vars: Readonly<Record<string, unknown>>,
    private readonly renderNested: NestedRenderer,
    private readonly layerOf?: Layer,
  ) {
    this.root = this.#view(vars, "") as Record<string, unknown>;
  }

  /** This scope with `names` added or replaced; what it rendered without reading them is not rendered again */
  layer(names: Record<string, unknown>): VarScope {
    return new VarScope({ ...this.vars, ...names }, this.renderNested, { parent: this, names: new Set(Object.keys(names)) });
  }

  /** Runs one render call; variables read meanwhile report their errors at `source` */
  within<T>(source: TemplateSource, render: () => T): T {
    this.#sources.push(source);
    try {
      return render();
    } finally {
      this.#sources.pop();
    }
  }

  /** the file, line and task of the render call under way */
  get source(): TemplateSource {
    const source = this.#sources.at(-1);
    if (source === undefined) throw new Error("tsible bug: variables read outside a render call");
    return source;
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
    const atRoot = path === "";
    // every way of looking at a top-level name counts as reading it, `is defined` included
    const noteRead = (key: string | symbol): void => {
      if (atRoot && typeof key === "string") this.#reading.at(-1)?.names.add(key);
    };
    const view = new Proxy(target, {
      get: (object, key, receiver) => {
        noteRead(key);
        if (typeof key === "symbol" || !Object.hasOwn(object, key)) return Reflect.get(object, key, receiver);
        const raw: unknown = Reflect.get(object, key);
        if (isList && key === "length") return raw;
        return this.#resolve(raw, atRoot ? key : isList ? `${path}[${key}]` : `${path}.${key}`, atRoot);
      },
      has: (object, key) => {
        noteRead(key);
        return Reflect.has(object, key);
      },
      getOwnPropertyDescriptor: (object, key) => {
        noteRead(key);
        return Reflect.getOwnPropertyDescriptor(object, key);
      },
      ownKeys: (object) => {
        const reading = this.#reading.at(-1);
        if (atRoot && reading) reading.all = true;
        return Reflect.ownKeys(object);
      },
      set: () => false,
      deleteProperty: () => false,
      defineProperty: () => false,
    });
    this.#views.set(value, view);
    this.#ownViews.add(view);
    return view;
  }

  #resolve(raw: unknown, path: string, topLevel: boolean): unknown {
    if (typeof raw === "string") return containsTemplateText(raw) ? this.#renderValue(raw, path, topLevel) : raw;
    if (Array.isArray(raw) || isPlainObject(raw)) return this.#view(raw, path);
    return raw;
  }

  #renderValue(template: string, path: string, topLevel: boolean): unknown {
    const known = this.#rendered.get(path) ?? (topLevel ? this.#inherited(path) : undefined);
    if (known) {
      this.#reading.at(-1)?.addAll(known.read);
      return known.value;
    }
    const start = this.resolving.indexOf(path);
    if (start >= 0) {
      const cycle = [...this.resolving.slice(start), path].join(" -> ");
      const task = this.source.task === undefined ? "" : ` in task "${this.source.task}"`;
      throw new UserError(`variable cycle: ${cycle}${task}`, {
        location: { file: this.source.file, line: this.source.line },
        hint: `the value of "${path}" refers back to itself through these variables; give one of them a plain value`,
      });
    }
    const read = new NamesRead();
    this.resolving.push(path);
    this.#reading.push(read);
    let value: unknown;
    try {
      value = this.renderNested(template, this);
    } finally {
      this.resolving.pop();
      this.#reading.pop();
      // a variable that reads this one depends on what this one read
      this.#reading.at(-1)?.addAll(read);
    }
    let shareable = topLevel;
    if (Array.isArray(value) || isPlainObject(value)) {
      value = this.#view(value, path);
      shareable = false;
    }
    const rendered: Rendered = { value, read, shareable };
    this.#rendered.set(path, rendered);
    this.#share(path, rendered);
    return value;
  }

  /** what the scopes under this layer rendered for a top-level variable, when it read none of the layer's names */
  #inherited(name: string): Rendered | undefined {
    if (this.layerOf === undefined) return undefined;
    const { parent, names } = this.layerOf;
    if (names.has(name)) return undefined;
    const found = parent.#rendered.get(name) ?? parent.#inherited(name);
    if (found === undefined || !found.shareable || found.read.touches(names)) return undefined;
    this.#rendered.set(name, found);
    return found;
  }

  /** a rendering that read none of this layer's names holds for the scope under it too (so a loop's items share it) */
  #share(name: string, rendered: Rendered): void {
    if (this.layerOf === undefined || !rendered.shareable) return;
    const { parent, names } = this.layerOf;
    if (names.has(name) || rendered.read.touches(names) || parent.#rendered.has(name)) return;
    parent.#rendered.set(name, rendered);
    parent.#share(name, rendered);
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
