/**
 * Argument shapes shared by the system modules (package, service, user,
 * group). Task arguments arrive after templating, so a boolean may be the
 * YAML `yes` or the string "true", and a number may be the string "1500":
 * these schemas accept what Ansible accepts and hand the module clean types.
 */
import { z } from "zod";

const TRUE_WORDS = new Set(["yes", "true", "on", "1", "y"]);
const FALSE_WORDS = new Set(["no", "false", "off", "0", "n"]);

/** A boolean written the Ansible way: true/false, yes/no, on/off, 1/0 */
export const ansibleBool = z.preprocess((value) => {
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  if (value === 1) return true;
  if (value === 0) return false;
  return value;
}, z.boolean());

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
