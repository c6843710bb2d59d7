/**
 * Ansible's boolean words, read one way everywhere: keywords (`become: yes`),
 * connection variables (`ansible_become=on`), module arguments (`enabled: "1"`)
 * and the `bool` filter all build on `parseAnsibleBool`.
 */

/** Ansible's BOOLEANS_TRUE and BOOLEANS_FALSE (module_utils/parsing/convert_bool.py), any case */
const TRUE_WORDS = new Set(["y", "yes", "on", "true", "t", "1"]);
const FALSE_WORDS = new Set(["n", "no", "off", "false", "f", "0"]);

/**
 * true or false for a boolean written the Ansible way: a real boolean, the numbers
 * 1 and 0 (Ansible's 1.0 and 0.0 are the same numbers here), or one of the words;
 * undefined for anything else, so each caller decides what a non-boolean means.
 */
export function parseAnsibleBool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== "string") return undefined;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

const UNMISTAKABLE_WORD = /^(true|false|yes|no)$/i;

/**
 * For text that may equally be a string (INI values, `k=v` arguments): only the words
 * nobody means as text become booleans, since `on`, `off`, `y` or `1` may be a real
 * value there (`tsible_host_key_policy=off`, `line=on`, `port=1`).
 */
export function parseUnmistakableBool(text: string): boolean | undefined {
  return UNMISTAKABLE_WORD.test(text) ? parseAnsibleBool(text) : undefined;
}
