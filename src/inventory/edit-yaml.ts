/**
 * Adds, updates and removes one host in a YAML inventory through the yaml package's
 * Document API, so comments and key order survive. The edited document is then laid back
 * onto the original text line by line (see edit-transplant.ts): other lines keep their bytes.
 */
import { isDeepStrictEqual } from "node:util";
import { isMap, isScalar, Scalar, type Document, type Pair, type YAMLMap } from "yaml";
import { UserError } from "../errors.js";
import { transplantEdit } from "./edit-transplant.js";
import { expandHostPattern } from "./ranges.js";
import { parseYamlFile } from "./yaml-file.js";

export interface YamlEditResult {
  text: string;
  warnings: string[];
}

type AnyPair = Pair<unknown, unknown>;

export function addHostYaml(text: string, file: string, host: string, group: string, vars: Record<string, unknown>): YamlEditResult {
  const { document } = parseYamlFile(text, file);
  const root = rootMap(document, file);
  const before = render(document, text);
  const occurrences = groupPairs(root).filter((pair) => nameOf(pair) === group);

  for (const occurrence of occurrences) {
    const hosts = hostsMap(occurrence);
    const entry = hosts?.items.find((item) => nameOf(item as AnyPair) === host) as AnyPair | undefined;
    if (entry) {
      const current = toPlainObject(document, entry.value);
      const changed = Object.entries(vars).filter(([key, value]) => !isDeepStrictEqual(current[key], value));
      if (changed.length === 0) return { text, warnings: [] };
      if (isMap(entry.value)) for (const [key, value] of changed) setKeepingComment(document, entry.value, key, value);
      else entry.value = document.createNode({ ...current, ...Object.fromEntries(changed) });
      return transplantEdit(text, before, render(document, text), document.toJS());
    }
    const inRange = hosts?.items.find((item) => expandsTo(nameOf(item as AnyPair), host)) as AnyPair | undefined;
    if (inRange) {
      const current = toPlainObject(document, inRange.value);
      if (Object.entries(vars).every(([key, value]) => isDeepStrictEqual(current[key], value))) return { text, warnings: [] };
      throw new UserError(`host '${host}' is listed as '${nameOf(inRange)}' in group '${group}'; tsible changes only entries naming the host alone`, {
        location: { file },
        hint: `edit the entry by hand, or split '${host}' out into an entry of its own`,
      });
    }
  }

  const hostEntry = new Scalar(host);
  const hostValue = Object.keys(vars).length === 0 ? null : document.createNode(vars);
  const target = occurrences[0];
  if (target) {
    if (!isMap(target.value)) target.value = document.createNode({});
    const body = target.value as YAMLMap;
    const hosts = body.get("hosts", true);
    if (isMap(hosts)) hosts.set(hostEntry, hostValue);
    else body.set("hosts", document.createNode({ [host]: hostValue }));
  } else {
    // a new group goes under all.children, as the team's inventories are laid out
    const all = root.get("all", true);
    const newGroup = { hosts: { [host]: hostValue } };
    if (!isMap(all)) root.set("all", document.createNode({ children: { [group]: newGroup } }));
    else {
      const children = all.get("children", true);
      if (isMap(children)) children.set(group, document.createNode(newGroup));
      else all.set("children", document.createNode({ [group]: newGroup }));
    }
  }
  return transplantEdit(text, before, render(document, text), document.toJS());
}

/** Removes the host from `group` (every occurrence of it), or from every group. */
export function removeHostYaml(text: string, file: string, host: string, group?: string): YamlEditResult {
  const { document } = parseYamlFile(text, file);
  const root = rootMap(document, file);
  const before = render(document, text);
  let removed = false;
  for (const pair of groupPairs(root)) {
    if (group !== undefined && nameOf(pair) !== group) continue;
    const hosts = hostsMap(pair);
    if (!hosts) continue;
    for (const item of [...hosts.items] as AnyPair[]) {
      const name = nameOf(item);
      if (name !== host && expandsTo(name, host)) {
        throw new UserError(`host '${host}' is part of the range '${name}' in group '${nameOf(pair)}'; tsible cannot take one host out of a range`, {
          location: { file },
          hint: "rewrite the range by hand so that it no longer includes the host",
        });
      }
      if (name !== host) continue;
      hosts.delete(item.key);
      removed = true;
    }
    // an emptied `hosts:` goes, and a group left with nothing reads as `group:` (keeping its comment)
    if (hosts.items.length === 0 && isMap(pair.value)) {
      pair.value.delete("hosts");
      if (pair.value.items.length === 0) {
        const empty = new Scalar(null);
        empty.comment = pair.value.commentBefore ?? pair.value.comment;
        pair.value = empty;
      }
    }
  }
  if (!removed) return { text, warnings: [] };
  return transplantEdit(text, before, render(document, text), document.toJS());
}

/** A scalar is changed in place, so a comment after it (`key: value # why`) stays. */
function setKeepingComment(document: Document.Parsed, map: YAMLMap, key: string, value: unknown): void {
  const node = map.get(key, true);
  const isPlain = value === null || ["string", "number", "boolean"].includes(typeof value);
  if (isScalar(node) && isPlain) node.value = value;
  else map.set(key, document.createNode(value));
}

function rootMap(document: Document.Parsed, file: string): YAMLMap {
  const root = document.contents;
  if (isMap(root)) return root;
  throw new UserError("a YAML inventory must be a mapping of group names", { location: { file }, hint: "start it with 'all:'" });
}

/** Every `group: {...}` pair: the top-level ones and those under any `children:`, depth first. */
function groupPairs(map: YAMLMap): AnyPair[] {
  const found: AnyPair[] = [];
  for (const pair of map.items as AnyPair[]) {
    found.push(pair);
    if (!isMap(pair.value)) continue;
    const children = pair.value.get("children", true);
    if (isMap(children)) found.push(...groupPairs(children));
  }
  return found;
}

function hostsMap(group: AnyPair): YAMLMap | undefined {
  if (!isMap(group.value)) return undefined;
  const hosts = group.value.get("hosts", true);
  return isMap(hosts) ? hosts : undefined;
}

function nameOf(pair: AnyPair): string {
  const key = pair.key;
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function expandsTo(pattern: string, host: string): boolean {
  try {
    return expandHostPattern(pattern).names.includes(host);
  } catch {
    return false;
  }
}

function toPlainObject(document: Document.Parsed, node: unknown): Record<string, unknown> {
  if (!isMap(node)) return {};
  const value: unknown = node.toJS(document);
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** The document as text, in the original's indentation style, never folding long lines. */
function render(document: Document.Parsed, original: string): string {
  return document.toString({ ...detectStyle(original), lineWidth: 0, minContentWidth: 0, nullStr: "" });
}

function detectStyle(text: string): { indent: number; indentSeq: boolean; flowCollectionPadding: boolean } {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
  const firstIndented = lines.find((line) => /^ +[^\s-]/.test(line));
  const indent = firstIndented === undefined ? 2 : (/^ */.exec(firstIndented)?.[0].length ?? 2);
  let indentSeq = true;
  for (let at = 1; at < lines.length; at++) {
    const dash = /^( *)- /.exec(lines[at] ?? "");
    const key = /^( *)[^\s-][^:]*:\s*(#.*)?$/.exec(lines[at - 1] ?? "");
    if (dash && key) {
      indentSeq = (dash[1] ?? "").length > (key[1] ?? "").length;
      break;
    }
  }
  const flowCollectionPadding = !/\{[^\s}]/.test(text.replace(/#.*$/gm, ""));
  return { indent, indentSeq, flowCollectionPadding };
}
