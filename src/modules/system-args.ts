/**
 * Argument shapes shared by the modules (the system modules package, service,
 * user, group, and the file modules for booleans and remote paths). Task
 * arguments arrive after templating, so a boolean may be the YAML `yes` or the
 * string "true", and a number may be the string "1500": these schemas accept
 * what Ansible accepts and hand the module clean types.
 */
import * as z from "zod";
import { parseAnsibleBool } from "../ansible-bool.js";

/** A boolean written the Ansible way: true/false, yes/no, on/off, y/n, t/f, 1/0 */
export const ansibleBool = z.preprocess((value) => parseAnsibleBool(value) ?? value, z.boolean());

/** A non-negative integer, also when templating made it a string ("1500") */
export const nonNegativeInt = z.preprocess(
  (value) => (typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
  z.number().int().nonnegative(),
);

/** A list of names: a YAML list, or one string with commas ("adm,dialout") as Ansible allows */
export const nameList = z.preprocess(
  (value) => {
    if (typeof value === "string") return value.split(",").map((item) => item.trim()).filter((item) => item !== "");
    if (Array.isArray(value)) return value.map((item) => (typeof item === "number" ? String(item) : item));
    return value;
  },
  z.array(z.string().min(1)),
);

/** A user, group or service name: no whitespace, no option-looking leading dash, no path separators */
export const systemName = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.@+-]*\$?$/, "must be a plain name (letters, digits, _ . @ + -)");

/**
 * A path on the host, which must be absolute. Commands run in the login user's
 * home, so a relative path there is a path in that home: a templated
 * `{{dirname pid_file}}` with an empty pid_file is ".", and `file: state=directory
 * owner=mosquitto` on it once gave the home away and locked the operator out of
 * sshd. Like `~/x` (no shell expands it), such a path is refused before anything
 * reaches the host.
 */
export function absolutePath(field: string) {
  return z.string().superRefine((value, ctx) => {
    const problem = notAbsolute(field, value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** Why `value` is no absolute path, for schemas that accept a relative one in some cases (file's link src) */
export function notAbsolute(field: string, value: string): string | undefined {
  if (value.startsWith("/")) return undefined;
  return `${field} must be an absolute path (got ${JSON.stringify(value)}): tsible does not resolve paths against the login user's home`;
}
