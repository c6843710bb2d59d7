/**
 * File modes as tsible passes them around: four octal digits ("0644").
 */

/**
 * A file mode as a four-digit octal string ("0644").
 * Strings are octal ("0644", "644", "0o644"). Numbers are the numeric mode, as
 * in Ansible: the playbook loader reads YAML 1.1, where `mode: 0644` is 420.
 * One exception avoids Ansible's best-known trap: `mode: 644` (no leading 0)
 * is decimal 644 = 0o1204, a sticky-bit mode nobody means; a number that is
 * three octal digits and too big to be a plain rwx mode (> 0o777), or too big
 * to be a mode at all, is read as the digits its author typed.
 */
export function normalizeMode(mode: string | number): string {
  let octal: string;
  if (typeof mode === "number") {
    if (!Number.isInteger(mode) || mode < 0) throw new Error(`invalid mode ${mode}`);
    const digits = String(mode);
    const typedAsOctal = /^[0-7]{3,4}$/.test(digits) && (mode > 0o7777 || (digits.length === 3 && mode > 0o777));
    octal = typedAsOctal ? digits : mode.toString(8);
  } else {
    octal = mode.trim().replace(/^0o/i, "");
    if (!/^[0-7]+$/.test(octal)) throw new Error(`invalid mode "${mode}"`);
  }
  const value = parseInt(octal, 8);
  if (value > 0o7777) throw new Error(`invalid mode "${mode}": above 07777`);
  return value.toString(8).padStart(4, "0");
}
