/**
 * Mosquitto's password hashes, written and checked exactly as mosquitto does.
 *
 *   $6$<salt b64>$<hash b64>               sha512(password || salt)          mosquitto 1.x (and 2.x `-H sha512`)
 *   $7$<iterations>$<salt b64>$<hash b64>  PBKDF2-HMAC-SHA512, 64-byte key   mosquitto 2.x
 *
 * Sources mirrored (eclipse/mosquitto):
 * - 1.x src/mosquitto_passwd.c output_new_password: 12-byte salt, SHA-512 over
 *   the password bytes then the salt bytes, "%s:$6$%s$%s".
 * - 2.0 common/password_mosq.c pw__hash: same SHA-512 for $6$; PKCS5_PBKDF2_HMAC
 *   over strlen(password) bytes for $7$; SALT_LEN 12, PW_DEFAULT_ITERATIONS 101.
 * - 2.1 libcommon/password_common.c pw__create_sha512_pbkdf2: salt_len HASH_LEN
 *   (EVP_MAX_MD_SIZE = 64), PW_DEFAULT_ITERATIONS 1000; pw__encode_sha512_pbkdf2
 *   "$%d$%d$%s$%s". (2.1's mosquitto_passwd defaults to $argon2id$ when built
 *   with libargon2; we write $7$, which every 2.x broker verifies.)
 * - Base64 is OpenSSL's BIO_f_base64 with BIO_FLAGS_BASE64_NO_NL: the standard
 *   alphabet, with '=' padding, on one line.
 */
import { createHash, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { UserError } from "../errors.js";
import { versionParts } from "./version.js";

export type HashFormat =
  | { kind: "sha512" }
  | { kind: "pbkdf2-sha512"; iterations: number; saltBytes: number };

/** What an encoded hash carries; "unknown" names why it cannot be checked */
export type ParsedHash =
  | { kind: "sha512"; salt: Buffer; hash: Buffer }
  | { kind: "pbkdf2-sha512"; iterations: number; salt: Buffer; hash: Buffer }
  | { kind: "unknown"; reason: string };

/** mosquitto_passwd's SALT_LEN (1.x, 2.0) */
export const LEGACY_SALT_BYTES = 12;
/** SHA-512's output, and the only hash length any mosquitto accepts (password_len == 64) */
export const HASH_BYTES = 64;
/**
 * The broker accepts any iteration count (atoi >= 1), but a file on a host is
 * not a reason to spend minutes in PBKDF2: beyond this, a hash is treated as
 * unverifiable and rewritten.
 */
export const MAX_VERIFY_ITERATIONS = 1_000_000;

/**
 * The format the broker of `version` ("2.0.11") writes itself: 1.x knows only
 * $6$; 2.0 writes $7$ with 101 iterations and a 12-byte salt and refuses any
 * other salt size; 2.1 and later write $7$ with 1000 iterations and a 64-byte salt.
 */
export function hashFormatForVersion(version: string): HashFormat {
  const parts = versionParts(version);
  if (!parts) {
    throw new UserError(`cannot tell which password hash mosquitto "${version}" uses: not a version number`, {
      hint: 'give the mosquitto version as "major.minor.patch", e.g. "2.0.11"',
    });
  }
  const [major, minor] = parts;
  if (major < 2) return { kind: "sha512" };
  if (major === 2 && minor === 0) return { kind: "pbkdf2-sha512", iterations: 101, saltBytes: LEGACY_SALT_BYTES };
  return { kind: "pbkdf2-sha512", iterations: 1000, saltBytes: 64 };
}

/** Encode `password` as mosquitto_passwd would in `format`; `salt` fixes the salt (tests, vectors) */
export function hashPassword(password: string, format: HashFormat, options: { salt?: Buffer } = {}): string {
  const saltBytes = format.kind === "sha512" ? LEGACY_SALT_BYTES : format.saltBytes;
  if (format.kind === "pbkdf2-sha512" && !(Number.isInteger(format.iterations) && format.iterations >= 1)) {
    throw new Error(`PBKDF2 iterations must be a positive integer, got ${format.iterations}`);
  }
  const salt = options.salt ?? randomBytes(saltBytes);
  if (salt.length !== saltBytes) {
    throw new Error(`a ${format.kind} salt must be ${saltBytes} bytes, got ${salt.length}`);
  }
  if (format.kind === "sha512") {
    return `$6$${salt.toString("base64")}$${digestSha512(password, salt).toString("base64")}`;
  }
  const hash = digestPbkdf2(password, salt, format.iterations);
  return `$7$${format.iterations}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/**
 * Does `password` match `encoded`, using the iterations and salt the hash
 * carries (mirrors pw__verify / mosquitto_unpwd_check_default)? Never throws:
 * a hash we cannot read simply does not match.
 */
export function verifyPassword(password: string, encoded: string): boolean {
  const parsed = parseHash(encoded);
  if (parsed.kind === "unknown") return false;
  if (parsed.kind === "pbkdf2-sha512" && parsed.iterations > MAX_VERIFY_ITERATIONS) return false;
  const computed =
    parsed.kind === "sha512"
      ? digestSha512(password, parsed.salt)
      : digestPbkdf2(password, parsed.salt, parsed.iterations);
  return computed.length === parsed.hash.length && timingSafeEqual(computed, parsed.hash);
}

/**
 * Split an encoded hash into its parts, the way the broker's
 * unpwd__decode_passwords (2.0) / mosquitto_pw_decode (2.1) reads it, but
 * strictly: only what mosquitto itself writes is understood. Which salt sizes a
 * given broker loads is `brokerAcceptsHash`'s question, not this one's.
 */
export function parseHash(encoded: string): ParsedHash {
  const fields = encoded.split("$");
  // "$6$salt$hash" splits into ["", "6", salt, hash]
  if (fields[0] !== "" || fields.length < 2) return unknown("does not start with $<type>$");
  const type = fields[1];
  if (type === "6") {
    if (fields.length !== 4) return unknown("a $6$ hash has the form $6$<salt>$<hash>");
    const salt = decodeBase64(fields[2] ?? "");
    const hash = decodeBase64(fields[3] ?? "");
    if (!salt || salt.length === 0) return unknown("the salt is not base64");
    if (!hash || hash.length !== HASH_BYTES) return unknown(`the hash is not ${HASH_BYTES} bytes of base64`);
    return { kind: "sha512", salt, hash };
  }
  if (type === "7") {
    if (fields.length !== 5) return unknown("a $7$ hash has the form $7$<iterations>$<salt>$<hash>");
    const iterationsText = fields[2] ?? "";
    if (!/^[1-9][0-9]{0,9}$/.test(iterationsText)) return unknown("the iteration count is not a positive number");
    const salt = decodeBase64(fields[3] ?? "");
    const hash = decodeBase64(fields[4] ?? "");
    if (!salt || salt.length === 0) return unknown("the salt is not base64");
    if (!hash || hash.length !== HASH_BYTES) return unknown(`the hash is not ${HASH_BYTES} bytes of base64`);
    return { kind: "pbkdf2-sha512", iterations: Number(iterationsText), salt, hash };
  }
  if (type === "argon2id") return unknown("$argon2id$ hashes (mosquitto 2.1 built with libargon2) are not supported");
  return unknown(`unknown hash type $${type}$`);
}

/**
 * Would the broker that writes `format` load this hash at all? Every version
 * loads salts of 12 bytes and of the size it writes itself, and a 64-byte hash:
 * 1.x knows only $6$ with a 12-byte salt; 2.0's unpwd__decode_passwords refuses
 * any salt but 12 bytes (`salt_len == 12`); 2.1's decoders take 12 or 64.
 */
export function brokerAcceptsHash(parsed: ParsedHash, format: HashFormat): boolean {
  if (parsed.kind === "unknown") return false;
  if (format.kind === "sha512") return parsed.kind === "sha512" && parsed.salt.length === LEGACY_SALT_BYTES;
  return parsed.salt.length === LEGACY_SALT_BYTES || parsed.salt.length === format.saltBytes;
}

/** EVP_DigestUpdate(password, strlen) then EVP_DigestUpdate(salt): password first */
function digestSha512(password: string, salt: Buffer): Buffer {
  return createHash("sha512").update(Buffer.from(password, "utf8")).update(salt).digest();
}

/** PKCS5_PBKDF2_HMAC(password, strlen, salt, iterations, sha512, 64) */
function digestPbkdf2(password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, HASH_BYTES, "sha512");
}

/** Strict standard base64: only the canonical encoding of some bytes is accepted */
function decodeBase64(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}

function unknown(reason: string): ParsedHash {
  return { kind: "unknown", reason };
}
