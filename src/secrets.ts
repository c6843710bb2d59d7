/**
 * Secrets never reach logs, diffs or JSON output. Two mechanisms work together:
 * - `Secret` wraps a value so that printing it by accident shows a mask;
 * - `SecretMasker` knows every secret value of a run (passwords, keys, no_log
 *   values) and scrubs them from any text on its way out.
 */
export const MASK = "********";

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Secret(${MASK})`;
  }
}

/** Variable names whose values are treated as secrets wherever they appear. */
const SECRET_NAME = /(pass(word|wd|phrase)?|secret|token|private_key|api_key|become_pass)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `text` with every one of `values` replaced by the mask; longest first, so a secret that contains another is masked whole */
export function maskValues(text: string, values: Iterable<string>): string {
  let masked = text;
  for (const value of [...values].filter((value) => value !== "").sort((a, b) => b.length - a.length)) {
    if (masked.includes(value)) masked = masked.split(value).join(MASK);
  }
  return masked;
}

export class SecretMasker {
  readonly #values = new Set<string>();

  /** Remember a secret value; short values (under 4 chars) would mask too much text, so they are kept only when asked */
  add(value: unknown, options: { force?: boolean } = {}): void {
    if (value instanceof Secret) value = value.reveal();
    if (typeof value !== "string" && typeof value !== "number") return;
    const text = String(value);
    if (text.length === 0) return;
    if (text.length < 4 && !options.force) return;
    this.#values.add(text);
  }

  /** Walk a variable tree and remember the values of every secret-looking key */
  addFromVars(vars: unknown, depth = 0): void {
    if (depth > 8 || vars === null || typeof vars !== "object") return;
    if (Array.isArray(vars)) {
      for (const item of vars) this.addFromVars(item, depth + 1);
      return;
    }
    for (const [key, value] of Object.entries(vars as Record<string, unknown>)) {
      if (isSecretName(key) && (typeof value === "string" || typeof value === "number" || value instanceof Secret)) {
        this.add(value);
      } else {
        this.addFromVars(value, depth + 1);
      }
    }
  }

  mask(text: string): string {
    return maskValues(text, this.#values);
  }

  /** Deep copy of a JSON-like value with every string masked */
  maskDeep<T>(value: T): T {
    if (typeof value === "string") return this.mask(value) as T;
    if (value instanceof Secret) return MASK as T;
    if (Array.isArray(value)) return value.map((item) => this.maskDeep(item)) as T;
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = this.maskDeep(item);
      return out as T;
    }
    return value;
  }
}
