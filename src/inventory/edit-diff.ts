/**
 * The unified diff of an inventory edit, with secrets masked: the values of every
 * secret-looking variable in the file (before and after), and any `key=value` or
 * `key: value` whose key looks secret, however short its value.
 */
import { createTwoFilesPatch } from "diff";
import { isSecretName, MASK, SecretMasker } from "../secrets.js";
import type { InventoryData } from "./model.js";

const ASSIGNMENT = /([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*|:[ \t]+)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s#,}]+)/g;

export function maskedInventoryDiff(file: string, before: string, after: string, inventories: InventoryData[]): string {
  const masker = new SecretMasker();
  for (const data of inventories) {
    for (const host of data.hosts.values()) masker.addFromVars(host.vars);
    for (const group of data.groups.values()) masker.addFromVars(group.vars);
  }
  const patch = createTwoFilesPatch(`before: ${file}`, `after: ${file}`, before, after, undefined, undefined, { context: 3 });
  // the first line is a "====" separator that `diff -u` does not print
  return maskAssignments(masker.mask(patch.replace(/^=+\n/, "")));
}

function maskAssignments(text: string): string {
  return text
    .split("\n")
    .map((line) => (/^(\+\+\+|---) /.test(line) ? line : line.replace(ASSIGNMENT, (whole, key: string, separator: string) => (isSecretName(key) ? `${key}${separator}${MASK}` : whole))))
    .join("\n");
}
