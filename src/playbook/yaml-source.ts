/**
 * Reads YAML the way Ansible does (YAML 1.1: `yes`/`no` are booleans, `0644`
 * is octal) and remembers where every mapping and list came from, so errors
 * found later can name the file and line.
 */
import { isMap, isScalar, isSeq, isAlias, LineCounter, parseDocument, type Node } from "yaml";
import { UserError, type SourceLocation } from "../errors.js";
import { readMaybeVaultedText } from "../vault/vaulted-file.js";
import { activeVaultKeyring } from "../vault/keyring.js";
import { locateVaultedValues, VAULT_TAG, VaultScalar } from "../vault/yaml-tag.js";

const locations = new WeakMap<object, SourceLocation>();

/** Where a mapping or list produced by `parseYaml` was written */
export function locationOf(value: unknown, fallback: SourceLocation): SourceLocation {
  if (value !== null && typeof value === "object") return locations.get(value) ?? fallback;
  return fallback;
}

/**
 * How many values aliases may add to a document. Anchors and aliases (`<<: *defaults`) legitimately
 * repeat a few values; nested aliases can repeat them exponentially (a "billion laughs" bomb: 8
 * levels of 9 aliases is 43 million values), which would take minutes and gigabytes to expand.
 */
export const MAX_ALIAS_EXPANSION = 10_000;

export function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, version: "1.1", customTags: [VAULT_TAG] });
  const [firstError] = document.errors;
  if (firstError) {
    const position = firstError.linePos?.[0];
    const firstLine = (firstError.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    throw new UserError(`invalid YAML: ${firstLine}`, {
      location: { file, line: position?.line, column: position?.col },
      hint: "fix the YAML syntax at that line (indentation, a missing ':' or an unclosed quote are the usual causes)",
    });
  }
  const locate = (node: Node): SourceLocation => {
    const offset = node.range?.[0] ?? 0;
    const position = lineCounter.linePos(offset);
    return { file, line: position.line, column: position.col };
  };
  locateVaultedValues(text, document, locate);
  let expandedByAliases = 0;
  let outermostAlias: Node | undefined;
  const convert = (node: unknown): unknown => {
    if (node === null || node === undefined) return null;
    if (outermostAlias && ++expandedByAliases > MAX_ALIAS_EXPANSION) {
      throw new UserError(`YAML aliases here expand to more than ${MAX_ALIAS_EXPANSION} values`, {
        location: locate(outermostAlias),
        hint: "this looks like an alias bomb (aliases of aliases of aliases); write the values out, or use fewer levels of aliases",
      });
    }
    if (isAlias(node)) {
      const outermost = outermostAlias === undefined;
      if (outermost) outermostAlias = node;
      try {
        return convert(node.resolve(document));
      } finally {
        if (outermost) outermostAlias = undefined;
      }
    }
    if (node instanceof VaultScalar) return node.toJSON();
    if (isScalar(node)) {
      // PyYAML, which Ansible uses, reads y/n as strings; the yaml library's 1.1 schema would make them booleans
      if (typeof node.value === "boolean" && node.type === "PLAIN" && /^[yYnN]$/.test(node.source ?? "")) return node.source;
      return node.value;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keySource = isScalar(pair.key) ? (pair.key.source ?? String(pair.key.value)) : String(pair.key);
        if (keySource === "<<") {
          // a merge key (`<<: *defaults`) fills in keys the mapping does not set itself
          const merged = convert(pair.value);
          for (const source of Array.isArray(merged) ? merged : [merged]) {
            if (source !== null && typeof source === "object") {
              for (const [key, value] of Object.entries(source)) if (!(key in out)) out[key] = value;
            }
          }
          continue;
        }
        out[keySource] = convert(pair.value);
      }
      locations.set(out, locate(node));
      return out;
    }
    if (isSeq(node)) {
      const out = node.items.map(convert);
      locations.set(out, locate(node));
      return out;
    }
    return null;
  };
  return convert(document.contents);
}

/** A YAML file, which may be vault-encrypted as a whole: then every value in it is a secret */
export async function loadYamlFile(file: string): Promise<unknown> {
  const { text, vaulted } = await readMaybeVaultedText(file);
  const value = parseYaml(text, file);
  if (vaulted) activeVaultKeyring().reveal(value);
  return value;
}
