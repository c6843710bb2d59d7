/**
 * ansible-vault's format, byte for byte: a header line `$ANSIBLE_VAULT;1.1;AES256` (or
 * `;1.2;AES256;<vault id>`), then the hex of "hex(salt)\nhex(hmac)\nhex(ciphertext)" in lines
 * of 80 characters, each ending in a newline. The key material is PBKDF2-SHA256 (10000
 * iterations, 32-byte salt) of the password: 32 bytes of AES-256 key, 32 of HMAC-SHA256 key
 * and a 16-byte initial counter; the plaintext is PKCS#7 padded and AES-CTR encrypted, and
 * the HMAC covers the ciphertext.
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

export const VAULT_HEADER = "$ANSIBLE_VAULT";
const CIPHER = "AES256";
const ITERATIONS = 10_000;
const KEY_LENGTH = 32;
const COUNTER_LENGTH = 16;
const SALT_LENGTH = 32;
const LINE_LENGTH = 80;
/** Ansible's default vault id: it writes no id (format 1.1) for it */
export const DEFAULT_VAULT_ID = "default";

export interface VaultEnvelope {
  version: string;
  cipher: string;
  /** the id in a 1.2 header; a label for choosing a password, not part of what is signed */
  vaultId?: string;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

/** A vault text that cannot be read as one (as opposed to a wrong password) */
export class VaultFormatError extends Error {}

/** Whether `text` is vault-encrypted data (Ansible checks only the start) */
export function isVaulted(text: string | Buffer): boolean {
  return (typeof text === "string" ? text : text.subarray(0, VAULT_HEADER.length).toString("latin1")).startsWith(VAULT_HEADER);
}

export function parseEnvelope(text: string): VaultEnvelope {
  const [headerLine = "", ...bodyLines] = text.split(/\r?\n/);
  const header = headerLine.trim().split(";").map((part) => part.trim());
  const [magic, version, cipher, vaultId] = header;
  if (magic !== VAULT_HEADER || version === undefined || cipher === undefined) {
    throw new VaultFormatError(`the first line is not a vault header like '${VAULT_HEADER};1.1;${CIPHER}'`);
  }
  if (cipher !== CIPHER) throw new VaultFormatError(`the cipher '${cipher}' is not supported (only ${CIPHER} is)`);
  const outer = unhex(bodyLines.map((line) => line.trim()).join(""), "the vault body").toString("latin1");
  const parts = outer.split("\n");
  if (parts.length < 3) throw new VaultFormatError("the vault body does not hold a salt, an HMAC and a ciphertext");
  const [salt = "", hmac = "", ...rest] = parts;
  return {
    version,
    cipher,
    ...(vaultId !== undefined && vaultId !== "" ? { vaultId } : {}),
    salt: unhex(salt, "the salt"),
    hmac: unhex(hmac, "the HMAC"),
    ciphertext: unhex(rest.join("\n"), "the ciphertext"),
  };
}

function unhex(text: string, what: string): Buffer {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new VaultFormatError(`${what} is not hexadecimal`);
  return Buffer.from(text, "hex");
}

interface Keys {
  cipherKey: Buffer;
  hmacKey: Buffer;
  counter: Buffer;
}

function deriveKeys(password: Buffer, salt: Buffer): Keys {
  const derived = pbkdf2Sync(password, salt, ITERATIONS, 2 * KEY_LENGTH + COUNTER_LENGTH, "sha256");
  return {
    cipherKey: derived.subarray(0, KEY_LENGTH),
    hmacKey: derived.subarray(KEY_LENGTH, 2 * KEY_LENGTH),
    counter: derived.subarray(2 * KEY_LENGTH),
  };
}

/** The plaintext, or undefined when the password is not the one it was encrypted with */
export function decryptEnvelope(envelope: VaultEnvelope, password: Buffer): Buffer | undefined {
  const keys = deriveKeys(password, envelope.salt);
  const expected = createHmac("sha256", keys.hmacKey).update(envelope.ciphertext).digest();
  if (envelope.hmac.length !== expected.length || !timingSafeEqual(envelope.hmac, expected)) return undefined;
  const decipher = createDecipheriv("aes-256-ctr", keys.cipherKey, keys.counter);
  const padded = Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  return unpad(padded);
}

function unpad(padded: Buffer): Buffer {
  const count = padded.at(-1) ?? 0;
  if (count < 1 || count > 16 || count > padded.length || !padded.subarray(padded.length - count).every((byte) => byte === count)) {
    throw new VaultFormatError("the decrypted data has invalid padding");
  }
  return padded.subarray(0, padded.length - count);
}

/**
 * The vault text of `plaintext` as ansible-vault writes it. `vaultId` other than "default"
 * makes a 1.2 header that names it. `salt` is for tests that compare bytes with Ansible's.
 */
export function encryptToVault(plaintext: Buffer, password: Buffer, vaultId = DEFAULT_VAULT_ID, salt: Buffer = randomBytes(SALT_LENGTH)): string {
  const keys = deriveKeys(password, salt);
  const blockPadding = 16 - (plaintext.length % 16);
  const padded = Buffer.concat([plaintext, Buffer.alloc(blockPadding, blockPadding)]);
  const cipher = createCipheriv("aes-256-ctr", keys.cipherKey, keys.counter);
  const ciphertext = Buffer.concat([cipher.update(padded), cipher.final()]);
  const hmac = createHmac("sha256", keys.hmacKey).update(ciphertext).digest("hex");
  const body = Buffer.from([salt.toString("hex"), hmac, ciphertext.toString("hex")].join("\n"), "latin1").toString("hex");
  const header = vaultId !== DEFAULT_VAULT_ID && vaultId !== "" ? `${VAULT_HEADER};1.2;${CIPHER};${vaultId}` : `${VAULT_HEADER};1.1;${CIPHER}`;
  const lines = [header];
  for (let start = 0; start < body.length; start += LINE_LENGTH) lines.push(body.slice(start, start + LINE_LENGTH));
  return lines.join("\n") + "\n";
}
