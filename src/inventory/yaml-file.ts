/**
 * Reads YAML the way Ansible does (YAML 1.1: `yes`/`no` are booleans, `<<` merges), with
 * file:line:column on every syntax error and a way to find the line of any node.
 */
import { isNode, LineCounter, parseDocument, type Document, type DocumentOptions, type Node, type ParseOptions, type SchemaOptions, type Tags } from "yaml";
import { UserError, type SourceLocation } from "../errors.js";
import { locateVaultedValues, VAULT_TAG } from "../vault/yaml-tag.js";

/**
 * PyYAML's YAML 1.1, which Ansible uses: unlike the 1.1 spec, `y` and `n` stay strings,
 * and timestamps stay strings rather than becoming dates; Ansible's `!vault` values.
 */
export const ANSIBLE_YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  customTags: (tags: Tags) => [
    ...tags.flatMap((tag): Tags => {
      if (typeof tag === "string") return [tag];
      if (tag.tag === "tag:yaml.org,2002:timestamp") return [];
      if (tag.tag === "tag:yaml.org,2002:bool" && "test" in tag && tag.test) {
        return [{ ...tag, test: new RegExp(tag.test.source.replace(/^\^\(\?:[YN]\|[yn]\|/, "^(?:")) }];
      }
      return [tag];
    }),
    VAULT_TAG,
  ],
};

export interface YamlFile {
  file: string;
  document: Document.Parsed;
  /** where a node starts, for error messages */
  locate(node: Node | null | undefined): SourceLocation;
}

export function parseYamlFile(text: string, file: string): YamlFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { ...ANSIBLE_YAML_OPTIONS, lineCounter, prettyErrors: true });
  const error = document.errors[0];
  if (error) {
    const position = error.linePos?.[0];
    throw new UserError(`invalid YAML: ${(error.message.split("\n")[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, "")}`, {
      location: { file, line: position?.line, column: position?.col },
      hint: "fix the YAML syntax at this position (indentation, a missing ':' or an unclosed quote)",
    });
  }
  const locate = (node: Node | null | undefined): SourceLocation => {
    const offset = node?.range?.[0];
    if (offset === undefined) return { file };
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  locateVaultedValues(text, document, locate);
  return { file, document, locate };
}

/**
 * The plain JavaScript value of a node (or of the whole document). The yaml library refuses to
 * expand an alias bomb (its maxAliasCount); that refusal names the file here.
 */
export function toValue(yaml: YamlFile, node?: unknown): unknown {
  try {
    if (node === undefined) return yaml.document.toJS();
    return isNode(node) ? node.toJS(yaml.document) : node;
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new UserError(`YAML aliases expand to too many values: ${error.message}`, {
        location: yaml.locate(isNode(node) ? node : yaml.document.contents),
        hint: "this looks like an alias bomb (aliases of aliases of aliases); write the values out, or use fewer levels of aliases",
      });
    }
    throw error;
  }
}
