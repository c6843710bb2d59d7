/**
 * File content as reports show it: its checksum, and its text when a diff of
 * it can be read.
 */
import { createHash } from "node:crypto";

export function sha256(content: Buffer | string): string {
  return createHash("sha256").update(content).digest("hex");
}

/** Ansible's `checksum` of a file: sha1 of its bytes */
export function sha1(content: Buffer | string): string {
  return createHash("sha1").update(content).digest("hex");
}

/** Ansible's `md5sum` of a copied file */
export function md5(content: Buffer | string): string {
  return createHash("md5").update(content).digest("hex");
}

/** Ansible's max_file_size_for_diff: bigger or binary files get no text diff */
export const MAX_DIFF_BYTES = 104448;

/** The content as diff text; undefined for a binary or too big file */
export function diffableText(content: Buffer): string | undefined {
  if (content.length > MAX_DIFF_BYTES || content.includes(0)) return undefined;
  return content.toString("utf8");
}
