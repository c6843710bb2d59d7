/**
 * A task's loop items from its (templated) loop terms, per Ansible's lookup
 * plugins of the same names, so items have Ansible's shapes: `with_dict` gives
 * {key, value}, `with_together` and `with_nested` lists, `with_subelements`
 * [parent, subelement] pairs, `with_sequence` formatted strings, `with_fileglob`
 * and `with_first_found` controller paths. Pure but for the controller's file
 * system, which `with_fileglob` and `with_first_found` read.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { globSync } from "tinyglobby";
import { parseAnsibleBool } from "../ansible-bool.js";
import { UserError, type SourceLocation } from "../errors.js";
import { parseKeyValueArgs } from "../playbook/free-form.js";
import type { LoopForm } from "../playbook/types.js";

/** The items; a mistake in the terms is a UserError at the task's location */
export function loopItems(form: LoopForm, terms: unknown, searchPaths: readonly string[], location: SourceLocation): unknown[] {
  try {
    return itemsOf(form, terms, searchPaths, location);
  } catch (error) {
    if (error instanceof UserError && error.location === undefined) throw new UserError(error.message, { location, hint: error.hint });
    throw error;
  }
}

function itemsOf(form: LoopForm, terms: unknown, searchPaths: readonly string[], location: SourceLocation): unknown[] {
  switch (form) {
    case "list":
      if (!Array.isArray(terms)) throw new UserError(`Invalid data passed to 'loop', it requires a list, got this instead: ${JSON.stringify(terms)}`);
      return terms;
    case "items":
      return flattenOnce(listOf(terms));
    case "together":
      return together(listOf(terms));
    case "nested":
      return nested(listOf(terms));
    case "dict":
      return dictItems(terms);
    case "subelements":
      return subelements(terms);
    case "sequence":
      return listOf(terms).flatMap((term) => sequence(String(term), location));
    case "fileglob":
      return listOf(terms).flatMap((term) => fileglob(String(term), searchPaths));
    case "first_found":
      return firstFound(terms, searchPaths);
  }
}

/** A lookup's terms: a single value stands for a list of one */
function listOf(terms: unknown): unknown[] {
  if (terms === undefined || terms === null) return [];
  return Array.isArray(terms) ? terms : [terms];
}

/** Ansible's LookupBase._flatten: lists among the values are spread, one level */
function flattenOnce(values: readonly unknown[]): unknown[] {
  return values.flatMap((value) => (Array.isArray(value) ? value : [value]));
}

/** [1, 2], [a] -> [1, a], [2, null]: Python's zip_longest, each tuple flattened */
function together(lists: unknown[]): unknown[] {
  if (lists.length === 0) throw new UserError("with_together requires at least one element in each list");
  const columns = lists.map(listOf);
  const length = Math.max(...columns.map((column) => column.length));
  return Array.from({ length }, (_, index) => flattenOnce(columns.map((column) => (index < column.length ? column[index] : null))));
}

/** [a, b], [1, 2] -> [a, 1], [a, 2], [b, 1], [b, 2] */
function nested(lists: unknown[]): unknown[] {
  const [first, ...rest] = lists.map(listOf);
  if (first === undefined) throw new UserError("with_nested requires at least one element in the nested list");
  let combined = first.map((value) => [value]);
  for (const list of rest) combined = combined.flatMap((prefix) => list.map((value) => flattenOnce([...prefix, value])));
  return combined.map((combination) => flattenOnce(combination));
}

function dictItems(terms: unknown): unknown[] {
  return listOf(terms).flatMap((term) => {
    if (!isMapping(term)) throw new UserError("with_dict expects a dict", { hint: `got ${JSON.stringify(term)}` });
    return Object.entries(term).map(([key, value]) => ({ key, value }));
  });
}

/**
 * [list of mappings (or a mapping of them), "key.subkey", {skip_missing}] ->
 * [parent, subelement] for each subelement; the parent is given without the
 * subelements' key, as Ansible's lookup pops it.
 */
function subelements(terms: unknown): unknown[] {
  const usage = "with_subelements takes a list of two or three items: the list (or mapping) of mappings, the subkey, and optionally {skip_missing: true}";
  if (!Array.isArray(terms) || terms.length < 2 || terms.length > 3) throw new UserError(usage);
  const [elements, subkey, flags = {}] = terms as [unknown, unknown, unknown];
  if (typeof subkey !== "string" || !(Array.isArray(elements) || isMapping(elements)) || !isMapping(flags)) throw new UserError(usage);
  if (isMapping(elements) && elements.skipped !== undefined && elements.skipped !== false) return [];
  const skipMissing = parseAnsibleBool(flags.skip_missing ?? false) === true;
  const keys = subkey.split(".");
  const pairs: unknown[] = [];
  for (const element of Array.isArray(elements) ? elements : Object.values(elements)) {
    if (!isMapping(element)) throw new UserError(`subelements lookup expects a dictionary, got '${JSON.stringify(element)}'`);
    if (element.skipped !== undefined && element.skipped !== false) continue;
    const parent = structuredClone(element);
    let holder: Record<string, unknown> = parent;
    let sublist: unknown[] = [];
    for (const [index, key] of keys.entries()) {
      if (!(key in holder)) {
        if (skipMissing) break;
        throw new UserError(`could not find '${key}' key in iterated item '${JSON.stringify(holder)}'`, { hint: "add the key, or pass {skip_missing: true}" });
      }
      const value = holder[key];
      if (index < keys.length - 1) {
        if (!isMapping(value)) {
          if (skipMissing) break;
          throw new UserError(`the key ${key} should point to a dictionary, got '${JSON.stringify(value)}'`);
        }
        holder = value;
        continue;
      }
      if (!Array.isArray(value)) throw new UserError(`the key ${key} should point to a list, got '${JSON.stringify(value)}'`);
      sublist = value;
      delete holder[key];
    }
    for (const subelement of sublist) pairs.push([parent, subelement]);
  }
  return pairs;
}

/**
 * `start=1 end=5 stride=2 format=host%02d`, `count=4`, or the shortcut
 * `[start-]end[/stride][:format]`: the numbers as strings, printf-formatted.
 */
export function sequence(term: string, location: SourceLocation): string[] {
  const spec = { start: 1, end: undefined as number | undefined, count: undefined as number | undefined, stride: 1, format: "%d" };
  const shortcut = /^((0?x?[0-9a-f]+)-)?(0?x?[0-9a-f]+)(\/(0?x?[0-9a-f]+))?(:(.+))?$/i.exec(term.trim());
  if (shortcut) {
    const [, , start, end, , stride, , format] = shortcut;
    if (start !== undefined) spec.start = pythonInt(start, "start");
    spec.end = pythonInt(end ?? "", "end");
    if (stride !== undefined) spec.stride = pythonInt(stride, "stride");
    if (format !== undefined) spec.format = format;
  } else {
    const { format, ...numbers } = parseKeyValueArgs(term, location);
    for (const [key, value] of Object.entries(numbers)) {
      if (key !== "start" && key !== "end" && key !== "count" && key !== "stride") {
        throw new UserError(`unrecognized arguments to with_sequence: ['${key}']`, { hint: "use start, end, count, stride and format" });
      }
      spec[key] = pythonInt(String(value), key);
    }
    if (format !== undefined) spec.format = String(format);
  }
  if (spec.count === undefined && spec.end === undefined) throw new UserError("must specify count or end in with_sequence");
  if (spec.count !== undefined && spec.end !== undefined) throw new UserError("can't specify both count and end in with_sequence");
  let { start, stride } = spec;
  let end = spec.end ?? 0;
  if (spec.count !== undefined) {
    if (spec.count !== 0) end = start + spec.count * stride - 1;
    else [start, end, stride] = [0, 0, 0];
  }
  if (stride > 0 && end < start) throw new UserError("to count backwards make stride negative");
  if (stride < 0 && end > start) throw new UserError("to count forward don't make stride negative");
  if ((spec.format.match(/%/g) ?? []).length !== 1) throw new UserError(`bad formatting string: ${spec.format}`);
  const numbers: number[] = [];
  if (stride > 0) for (let i = start; i <= end; i += stride) numbers.push(i);
  else if (stride < 0) for (let i = start; i >= end; i += stride) numbers.push(i);
  return numbers.map((number) => printfNumber(spec.format, number));
}

/** Python's int(text, 0): decimal, 0x hex, 0o or legacy 0 octal */
function pythonInt(text: string, what: string): number {
  const match = /^([+-]?)(0x[0-9a-f]+|0o?[0-7]+|0b[01]+|\d+)$/i.exec(text.trim());
  if (!match) throw new UserError(`can't parse ${what}=${text} as integer`);
  const [, sign = "", digits = ""] = match;
  const lower = digits.toLowerCase();
  const value = /^0[0-7]+$/.test(lower) ? parseInt(lower.slice(1), 8) : /^0o/.test(lower) ? parseInt(lower.slice(2), 8) : Number(lower);
  return sign === "-" ? -value : value;
}

/** One printf conversion of an integer (%d %i %u %x %X %o %s with flags and width) in a format */
function printfNumber(format: string, value: number): string {
  return format.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([diuxXos])/, (_whole, flags: string, width: string, precision: string | undefined, conversion: string) => {
    const negative = value < 0;
    let digits = Math.abs(value).toString(conversion === "x" || conversion === "X" ? 16 : conversion === "o" ? 8 : 10);
    if (conversion === "X") digits = digits.toUpperCase();
    if (precision !== undefined) digits = digits.padStart(Number(precision), "0");
    if (flags.includes("#") && conversion !== "d" && conversion !== "i" && conversion !== "u" && conversion !== "s") digits = (conversion === "o" ? "0o" : `0${conversion}`) + digits;
    const sign = negative ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
    const size = Number(width || 0);
    if (flags.includes("-")) return (sign + digits).padEnd(size, " ");
    if (flags.includes("0") && precision === undefined) return sign + digits.padStart(size - sign.length, "0");
    return (sign + digits).padStart(size, " ");
  });
}

/**
 * The controller's files a pattern matches. A bare pattern is looked for in
 * each search path's files/ and then the path itself; one with a directory in
 * the first of those directories that exists. The first place with a match
 * gives all the results, as in Ansible; directories never match.
 */
export function fileglob(pattern: string, searchPaths: readonly string[]): string[] {
  const dir = path.dirname(pattern);
  const name = path.basename(pattern);
  const places =
    dir === "."
      ? searchPaths.flatMap((base) => [path.join(base, "files"), base])
      : path.isAbsolute(dir)
        ? [dir]
        : [searchPaths.flatMap((base) => [path.join(base, "files", dir), path.join(base, dir)]).find(isDirectory) ?? ""].filter(Boolean);
  for (const place of places) {
    // files only (as Python's glob plus isfile), hidden ones only when the pattern says so, as Python's glob
    const found = globSync(name, { cwd: place, absolute: true, onlyFiles: true, expandDirectories: false }).filter(
      (file) => statSync(file, { throwIfNoEntry: false })?.isFile() === true,
    );
    if (found.length > 0) return found.sort();
  }
  return [];
}

/**
 * The first of the named files that exists, as a list of one: names are
 * strings (split at , and ;) or mappings {files, paths, skip}; relative names
 * are looked for in each search path's files/ and the path itself. None found
 * is an error, unless `skip: true` makes it an empty loop.
 */
function firstFound(terms: unknown, searchPaths: readonly string[]): unknown[] {
  let skip = false;
  const candidates: string[] = [];
  for (const term of listOf(terms)) {
    if (isMapping(term)) {
      const files = splitNames(term.files ?? term.file);
      const paths = splitNames(term.paths ?? term.path);
      skip ||= parseAnsibleBool(term.skip ?? false) === true;
      candidates.push(...(paths.length === 0 ? files : paths.flatMap((dir) => files.map((file) => path.join(dir, file)))));
    } else {
      candidates.push(...splitNames(term));
    }
  }
  for (const candidate of candidates) {
    const places = path.isAbsolute(candidate) ? [candidate] : searchPaths.flatMap((base) => [path.join(base, "files", candidate), path.join(base, candidate)]);
    const found = places.find((place) => existsSync(place));
    if (found !== undefined) return [found];
  }
  if (skip) return [];
  throw new UserError("No file was found when using first_found.", {
    hint: `looked for ${candidates.join(", ")} in ${searchPaths.map((base) => `${base}/files and ${base}`).join(", ")}; add skip: true to loop over nothing instead`,
  });
}

function splitNames(value: unknown): string[] {
  return listOf(value).flatMap((name) => String(name).split(/[,;]/)).map((name) => name.trim()).filter(Boolean);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isDirectory(candidate: string): boolean {
  return statSync(candidate, { throwIfNoEntry: false })?.isDirectory() === true;
}
