/**
 * Host patterns for `hosts:` and `--limit`, as Ansible reads them: names, groups, globs
 * (`web*`), regexes (`~web\d+`), subscripts (`mqtt[0]`, `mqtt[1:3]`), joined by `:` or `,`
 * (union), `:&` (intersection) and `:!` (exclusion). Unions apply first, then
 * intersections, then exclusions, whatever their order in the pattern.
 */
import { UserError } from "../errors.js";

export interface PatternScope {
  /** every host, in inventory order */
  hostNames: readonly string[];
  groupNames: readonly string[];
  hostsOf(group: string): readonly string[];
}

/** Names Ansible answers with an implicit local host when the inventory has none of them. */
export const IMPLICIT_LOCALHOSTS: readonly string[] = ["localhost", "127.0.0.1", "::1"];

const SUBSCRIPT = /^(.+)\[(?:(-?\d+)|(-?\d+):(-?\d*))\]$/;

/** Host names matching `pattern`, in inventory order; [] when nothing matches. */
export function selectHosts(pattern: string, scope: PatternScope): string[] {
  const terms = splitPattern(pattern);
  const unions = terms.filter((term) => !term.startsWith("&") && !term.startsWith("!"));
  const intersections = terms.filter((term) => term.startsWith("&")).map((term) => term.slice(1));
  const exclusions = terms.filter((term) => term.startsWith("!")).map((term) => term.slice(1));
  for (const term of [...intersections, ...exclusions]) {
    if (term === "") throw badPattern(pattern, "'&' and '!' must be followed by a host or group name");
  }

  let selected = unions.length > 0 ? unique(unions.flatMap((term) => matchTerm(term, scope, pattern))) : [...scope.hostNames];
  for (const term of intersections) {
    const keep = new Set(matchTerm(term, scope, pattern));
    selected = selected.filter((host) => keep.has(host));
  }
  for (const term of exclusions) {
    const drop = new Set(matchTerm(term, scope, pattern));
    selected = selected.filter((host) => !drop.has(host));
  }
  const order = new Map(scope.hostNames.map((name, index) => [name, index]));
  const rank = (name: string): number => order.get(name) ?? Number.MAX_SAFE_INTEGER;
  return selected.sort((a, b) => rank(a) - rank(b));
}

/** "web:&prod,!db" -> ["web", "&prod", "!db"]; a ':' inside [..] is part of the term. */
function splitPattern(pattern: string): string[] {
  if (pattern.trim() === "") throw badPattern(pattern, "the pattern is empty");
  const terms: string[] = [];
  for (const part of pattern.split(",")) {
    const trimmed = part.trim();
    // an IPv6 address is a name, not a list of terms
    if (/^[0-9a-fA-F]*:[0-9a-fA-F:.]*:[0-9a-fA-F.]*$/.test(trimmed)) {
      terms.push(trimmed);
      continue;
    }
    if (/\s/.test(trimmed)) throw badPattern(pattern, "a pattern has no spaces inside names");
    terms.push(...splitOnColons(trimmed).filter((term) => term !== ""));
  }
  return terms;
}

function splitOnColons(text: string): string[] {
  const terms = [""];
  let inBrackets = false;
  for (const char of text) {
    if (char === "[") inBrackets = true;
    else if (char === "]") inBrackets = false;
    if (char === ":" && !inBrackets) terms.push("");
    else terms[terms.length - 1] += char;
  }
  return terms;
}

function matchTerm(term: string, scope: PatternScope, pattern: string): string[] {
  let expression = term;
  let subscript: RegExpExecArray | null = null;
  if (!term.startsWith("~")) {
    subscript = SUBSCRIPT.exec(term);
    if (subscript) expression = subscript[1] ?? term;
  }
  const matches = compileMatcher(expression, pattern);
  const groups = scope.groupNames.filter(matches);
  let hosts = groups.flatMap((group) => scope.hostsOf(group));
  // a glob or regex may also name hosts; a plain name only when no group has it
  if (groups.length === 0 || /^~|[.?*[]/.test(expression)) hosts.push(...scope.hostNames.filter(matches));
  hosts = unique(hosts);
  if (hosts.length === 0 && IMPLICIT_LOCALHOSTS.includes(expression)) hosts = [expression];
  return subscript ? applySubscript(hosts, subscript) : hosts;
}

function compileMatcher(expression: string, pattern: string): (name: string) => boolean {
  if (expression.startsWith("~")) {
    let regex: RegExp;
    try {
      // Ansible uses Python's re.match: anchored at the start only
      regex = new RegExp(`^(?:${expression.slice(1)})`);
    } catch (error) {
      throw badPattern(pattern, `'${expression}' is not a valid regular expression (${(error as Error).message})`);
    }
    return (name) => regex.test(name);
  }
  const regex = new RegExp(`^${globToRegex(expression)}$`);
  return (name) => regex.test(name);
}

/** fnmatch: `*` any run, `?` one character, `[abc]`/`[!abc]` one of a set. */
function globToRegex(glob: string): string {
  let source = "";
  for (let at = 0; at < glob.length; at++) {
    const char = glob[at] ?? "";
    const close = char === "[" ? glob.indexOf("]", at + 2) : -1;
    if (char === "*") source += ".*";
    else if (char === "?") source += ".";
    else if (close > 0) {
      const set = glob.slice(at + 1, close).replace(/\\/g, "\\\\");
      source += set.startsWith("!") ? `[^${set.slice(1)}]` : `[${set}]`;
      at = close;
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return source;
}

/** Python slice semantics, with Ansible's reading of `[a:b]` as inclusive of b. */
function applySubscript(hosts: string[], subscript: RegExpExecArray): string[] {
  const [, , single, startText, endText] = subscript;
  const index = (text: string): number => {
    const value = Number(text);
    return value < 0 ? Math.max(hosts.length + value, 0) : value;
  };
  if (single !== undefined) {
    const host = hosts.at(Number(single));
    return host === undefined ? [] : [host];
  }
  const start = index(startText ?? "0");
  const end = endText === undefined || endText === "" ? hosts.length : index(endText) + 1;
  return hosts.slice(start, end);
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

function badPattern(pattern: string, reason: string): UserError {
  return new UserError(`invalid host pattern '${pattern}': ${reason}`, {
    hint: "patterns look like 'mqtt', 'web*', '~web\\d+', 'mqtt:&prod', 'all:!db', 'mqtt[0]'",
  });
}
