/**
 * OpenSSH known_hosts files: parsing, matching a host's presented key, and
 * recording a first-seen key. Pure except for `readKnownHostsFiles` and
 * `appendKnownHost`, so the matching rules are unit tested without a host.
 */
import { createHmac } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

export interface KnownHostEntry {
  file: string;
  /** 1-based line number in `file` */
  line: number;
  /** "@revoked" or "@cert-authority" when the line starts with a marker */
  marker: string | undefined;
  /** the raw host field: comma-separated patterns or one `|1|salt|hash` */
  hosts: string;
  keyType: string;
  /** base64 of the key blob, exactly as ssh2 presents it */
  keyBase64: string;
}

export type HostKeyVerdict =
  | { kind: "known"; entry: KnownHostEntry }
  | { kind: "changed"; entry: KnownHostEntry }
  | { kind: "revoked"; entry: KnownHostEntry }
  /** no key of the presented type; `otherTypes` lists keys of other types we do know */
  | { kind: "unknown"; otherTypes: KnownHostEntry[] };

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith("@")) marker = fields.shift();
    const [hosts, keyType, keyBase64] = fields;
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined) return;
    entries.push({ file, line: index + 1, marker, hosts, keyType, keyBase64 });
  });
  return entries;
}

/** The name a host is stored under: `addr` on port 22, `[addr]:port` otherwise */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** OpenSSH's glob: `*` any run of characters, `?` exactly one */
function globMatches(pattern: string, name: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "i").test(name);
}

function hashedMatches(field: string, name: string): boolean {
  // |1|base64(salt)|base64(HMAC-SHA1(salt, name))
  const [, magic, salt, hash] = field.split("|");
  if (magic !== "1" || salt === undefined || hash === undefined) return false;
  const digest = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64");
  return digest === hash;
}

/** Does a host field match `name`? Negated patterns (`!pat`) veto a match, as in OpenSSH */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith("|")) return hashedMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(",")) {
    if (pattern.startsWith("!")) {
      if (globMatches(pattern.slice(1), name)) return false;
    } else if (globMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** The key type name at the start of an SSH wire-format key blob (`string type, ...`) */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString("latin1");
}

/** Judge the key a host presented against every known_hosts entry, as OpenSSH does */
export function verifyHostKey(entries: readonly KnownHostEntry[], name: string, presented: Buffer): HostKeyVerdict {
  const presentedType = keyTypeOfBlob(presented);
  const presentedBase64 = presented.toString("base64");
  const forHost = entries.filter((entry) => entry.marker !== "@cert-authority" && hostFieldMatches(entry.hosts, name));

  // a revoked key is refused whatever else is listed
  const revoked = forHost.find((entry) => entry.marker === "@revoked" && entry.keyBase64 === presentedBase64);
  if (revoked) return { kind: "revoked", entry: revoked };

  const plain = forHost.filter((entry) => entry.marker === undefined);
  const same = plain.find((entry) => entry.keyBase64 === presentedBase64);
  if (same) return { kind: "known", entry: same };
  const sameType = plain.find((entry) => entry.keyType === presentedType);
  if (sameType) return { kind: "changed", entry: sameType };
  return { kind: "unknown", otherTypes: plain };
}

/** Key types known for a host, so the handshake can prefer them (as OpenSSH orders its host key algorithms) */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types = new Set<string>();
  for (const entry of entries) {
    if (entry.marker === undefined && hostFieldMatches(entry.hosts, name)) types.add(entry.keyType);
  }
  return [...types];
}

export function readKnownHostsFiles(files: readonly string[]): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    entries.push(...parseKnownHosts(readFileSync(file, "utf8"), file));
  }
  return entries;
}

/** Record a first-seen key (accept-new): one appended line, so parallel hosts do not clobber each other */
export function appendKnownHost(file: string, name: string, key: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const line = `${name} ${keyTypeOfBlob(key)} ${key.toString("base64")}\n`;
  let prefix = "";
  if (existsSync(file)) {
    const existing = readFileSync(file);
    if (existing.length > 0 && existing[existing.length - 1] !== 0x0a) prefix = "\n";
  }
  appendFileSync(file, prefix + line, { mode: 0o600 });
}
