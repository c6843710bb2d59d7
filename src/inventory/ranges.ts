/**
 * Host names as written in an inventory: `web[01:10]`, `db-[a:c]`, `node[1:10:2]`,
 * optionally followed by `:port`. Mirrors Ansible's expand_hostname_range and
 * parse_address(allow_ranges=True).
 */
import { TsibleError } from "../errors.js";

export interface HostPattern {
  names: string[];
  port: number | undefined;
}

/** Thrown as a plain message; the caller wraps it in a UserError with file:line. */
export class HostPatternError extends TsibleError {
  constructor(message: string) {
    super(message, { kind: "user" });
    this.name = "HostPatternError";
  }
}

const RANGE = /\[([^\]]*)\]/;
const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** "web[01:02]:2222" -> { names: ["web01", "web02"], port: 2222 } */
export function expandHostPattern(pattern: string): HostPattern {
  const { host, port } = splitPort(pattern.trim());
  if (host === "") throw new HostPatternError(`empty host name in '${pattern}'`);
  if (host === "---") throw new HostPatternError("'---' starts a YAML document: name the file .yml to read it as YAML");
  return { names: expandRanges(host), port };
}

function splitPort(text: string): { host: string; port: number | undefined } {
  // [::1]:22 or [fe80::1] -- a bracketed IPv6 address, not a range
  const ipv6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  if (ipv6?.[1] !== undefined && ipv6[1].includes(":")) {
    return { host: ipv6[1], port: ipv6[2] === undefined ? undefined : parsePort(ipv6[2], text) };
  }
  // a bare IPv6 address has several colons outside brackets and no port
  const outside = text.replace(/\[[^\]]*\]/g, "");
  const colons = outside.split(":").length - 1;
  if (colons === 0) return { host: text, port: undefined };
  if (colons > 1) return { host: text, port: undefined };
  const at = text.lastIndexOf(":");
  const portText = text.slice(at + 1);
  if (!/^\d+$/.test(portText)) {
    throw new HostPatternError(`'${text}': the part after ':' must be a port number (':' is reserved for the port)`);
  }
  return { host: text.slice(0, at), port: parsePort(portText, text) };
}

function parsePort(text: string, whole: string): number {
  const port = Number(text);
  if (port < 1 || port > 65535) throw new HostPatternError(`'${whole}': port ${text} is not between 1 and 65535`);
  return port;
}

function expandRanges(name: string): string[] {
  const match = RANGE.exec(name);
  if (!match || match[1] === undefined) {
    if (name.includes("[") || name.includes("]")) throw new HostPatternError(`'${name}': unbalanced '[' or ']' in host range`);
    return [name];
  }
  const head = name.slice(0, match.index);
  const tail = name.slice(match.index + match[0].length);
  const tails = expandRanges(tail);
  const names: string[] = [];
  for (const item of rangeItems(match[1], name)) {
    for (const rest of tails) names.push(head + item + rest);
  }
  return names;
}

/** "01:03" -> 01 02 03; "a:c" -> a b c; "1:9:4" -> 1 5 9 */
function rangeItems(spec: string, name: string): string[] {
  const parts = spec.split(":");
  if (parts.length < 2 || parts.length > 3) {
    throw new HostPatternError(`'${name}': a host range is [begin:end] or [begin:end:step]`);
  }
  const begin = parts[0] === "" ? "0" : (parts[0] ?? "0");
  const end = parts[1] ?? "";
  const stepText = parts[2] ?? "1";
  if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
    throw new HostPatternError(`'${name}': the range step '${stepText}' must be a positive integer`);
  }
  const step = Number(stepText);
  if (/^\d+$/.test(begin) && /^\d+$/.test(end)) return numericRange(begin, end, step, name);
  if (/^[a-zA-Z]$/.test(begin) && /^[a-zA-Z]$/.test(end)) return letterRange(begin, end, step, name);
  throw new HostPatternError(`'${name}': range [${spec}] must use two numbers or two single letters`);
}

function numericRange(begin: string, end: string, step: number, name: string): string[] {
  // a leading zero fixes the width, as in web[01:10]
  const width = begin.length > 1 && begin.startsWith("0") ? begin.length : 0;
  if (width > 0 && end.length !== width) {
    throw new HostPatternError(`'${name}': a zero-padded range needs begin and end of the same width`);
  }
  const from = Number(begin);
  const to = Number(end);
  if (from > to) throw new HostPatternError(`'${name}': range begin ${begin} is greater than end ${end}`);
  const items: string[] = [];
  for (let value = from; value <= to; value += step) items.push(String(value).padStart(width, "0"));
  return items;
}

function letterRange(begin: string, end: string, step: number, name: string): string[] {
  const from = LETTERS.indexOf(begin);
  const to = LETTERS.indexOf(end);
  if (from > to) throw new HostPatternError(`'${name}': range begin '${begin}' comes after end '${end}'`);
  const items: string[] = [];
  for (let index = from; index <= to; index += step) items.push(LETTERS[index] ?? "");
  return items;
}
