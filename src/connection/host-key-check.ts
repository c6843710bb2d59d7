/**
 * The host key policy applied during the SSH handshake (ssh2's hostVerifier).
 * A changed key is always refused; an unknown one depends on the policy.
 */
import { createHash } from "node:crypto";
import type { ServerHostKeyAlgorithm } from "ssh2";
import {
  appendKnownHost,
  knownHostsName,
  knownKeyTypes,
  readKnownHostsFiles,
  verifyHostKey,
  type KnownHostEntry,
} from "./known-hosts.js";
import { quoteArgv } from "./quote.js";
import type { SshTarget } from "./ssh-target.js";
import type { ConnectionSpec } from "./types.js";

export interface HostKeyRejection {
  message: string;
  hint: string;
}

export interface HostKeyCheck {
  /**
   * ssh2's host key algorithm list with the types we know for this host first,
   * so the server presents a key we can check (OpenSSH orders them the same way)
   */
  algorithms: ServerHostKeyAlgorithm[];
  /** true to continue the handshake; false leaves the reason in `rejection` */
  verify(key: Buffer): boolean;
  rejection: HostKeyRejection | undefined;
}

/** ssh2's default order */
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

/** The algorithms that carry a key of a known_hosts key type ("ssh-rsa" keys sign with rsa-sha2-*) */
function algorithmsOfKeyType(keyType: string): ServerHostKeyAlgorithm[] {
  if (keyType === "ssh-rsa") return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  return HOST_KEY_ALGORITHMS.filter((algorithm) => algorithm === keyType);
}

/** The fingerprint OpenSSH prints (`ssh-keygen -lf`), so users can compare */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

function where(entry: KnownHostEntry): string {
  return `${entry.file}:${entry.line}`;
}

export function hostKeyCheck(
  hostName: string,
  target: SshTarget,
  policy: ConnectionSpec["hostKeyChecking"],
): HostKeyCheck {
  const name = knownHostsName(target.host, target.port);
  const entries = policy === "off" ? [] : readKnownHostsFiles(target.knownHostsFiles);
  const preferred = knownKeyTypes(entries, name).flatMap(algorithmsOfKeyType);
  const algorithms = [...preferred, ...HOST_KEY_ALGORITHMS.filter((algorithm) => !preferred.includes(algorithm))];
  const label = `${hostName} (${target.host}:${target.port})`;
  const removeCommand = quoteArgv(["ssh-keygen", "-f", target.knownHostsWriteFile, "-R", name]);

  const check: HostKeyCheck = {
    algorithms,
    rejection: undefined,
    verify(key: Buffer): boolean {
      if (policy === "off") return true;
      const verdict = verifyHostKey(entries, name, key);
      switch (verdict.kind) {
        case "known":
          return true;
        case "changed":
          check.rejection = {
            message:
              `${label}: HOST KEY HAS CHANGED. The host presents ${verdict.entry.keyType} key ${fingerprint(key)}, ` +
              `but ${where(verdict.entry)} holds a different key for ${name}. ` +
              `Someone may be intercepting the connection, or the host was rebuilt.`,
            hint: `if the host was really rebuilt, remove the old key with: ${removeCommand} (then reconnect with tsible_host_key_policy=accept-new)`,
          };
          return false;
        case "revoked":
          check.rejection = {
            message: `${label}: the host presents a key marked @revoked at ${where(verdict.entry)}.`,
            hint: "the key was revoked on purpose: ask whoever manages the host for its new key",
          };
          return false;
        case "unknown":
          if (policy === "accept-new") {
            appendKnownHost(target.knownHostsWriteFile, name, key);
            return true;
          }
          check.rejection = {
            message:
              `${label}: host key ${fingerprint(key)} is not in ${target.knownHostsFiles.join(" or ")}` +
              (verdict.otherTypes.length > 0
                ? ` (only keys of other types are known: ${verdict.otherTypes.map(where).join(", ")})`
                : "") +
              ` and host key checking is strict.`,
            hint: `verify the fingerprint, then add the key (ssh-keyscan -p ${target.port} ${target.host} >> ${target.knownHostsWriteFile}) or set tsible_host_key_policy=accept-new`,
          };
          return false;
      }
    },
  };
  return check;
}
