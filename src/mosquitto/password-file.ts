/**
 * Mosquitto's password file (`password_file`): one `user:hash` line per user.
 *
 * Read as the broker reads it (2.0 src/security_default.c pwfile__parse): a
 * line starting with '#' is a comment; a line without ':' is skipped; otherwise
 * the first ':'-separated token (strtok, so empty tokens vanish) is the user
 * and the second the hash, both with blanks trimmed (misc__trimblanks); a user
 * line without a hash is ignored. mosquitto_passwd refuses comments and blank
 * lines ("Corrupt password file") but the broker does not, so we keep them.
 *
 * The planner changes only what must change: a user whose line already holds
 * the wanted password, in a hash this host's broker loads, keeps that line
 * byte for byte, so a second run changes nothing and an older but valid hash
 * ($6$ on a 2.x host) is not churned. Its summary names users, never hashes.
 */
import { UserError } from "../errors.js";
import { brokerAcceptsHash, hashPassword, parseHash, verifyPassword, type HashFormat } from "./password-hash.js";

export type PasswordFileLine =
  /** a line the broker loads as a user */
  | { kind: "user"; text: string; user: string; hash: string }
  /** a comment, a blank line, or a line the broker skips */
  | { kind: "other"; text: string };

export interface WantedUser {
  name: string;
  password: string;
  /** default "present" */
  state?: "present" | "absent";
}

export interface PasswordChange {
  user: string;
  action: "added" | "password changed" | "removed";
}

export interface PasswordFilePlan {
  /** the whole new file; equal to the current text when nothing changes */
  text: string;
  changes: PasswordChange[];
}

export interface PasswordFileOptions {
  /** the format this host's broker writes (hashFormatForVersion) */
  format: HashFormat;
  /** remove users the file has but `wanted` does not list */
  removeUnlisted: boolean;
  /** salt source for new hashes (tests); random bytes of the format's size otherwise */
  salt?: () => Buffer;
}

/** Longest user name and password mosquitto_passwd and MQTT's 16-bit length prefix allow */
const MAX_FIELD_BYTES = 65535;
/** isspace() as misc__trimblanks uses it */
const BLANKS = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

export function parsePasswordFile(text: string): PasswordFileLine[] {
  if (text === "") return [];
  const rawLines = text.split("\n");
  if (rawLines[rawLines.length - 1] === "") rawLines.pop();
  return rawLines.map((line): PasswordFileLine => {
    if (line.startsWith("#") || !line.includes(":")) return { kind: "other", text: line };
    const tokens = line.split(":").filter((token) => token !== "");
    const user = tokens[0]?.replace(BLANKS, "");
    const hash = tokens[1]?.replace(BLANKS, "");
    if (user === undefined || hash === undefined) return { kind: "other", text: line };
    return { kind: "user", text: line, user, hash };
  });
}

export function planPasswordFile(
  currentText: string | undefined,
  wanted: WantedUser[],
  options: PasswordFileOptions,
): PasswordFilePlan {
  const wantedByName = indexWanted(wanted);
  const lines = parsePasswordFile(currentText ?? "");
  const linesPerUser = new Map<string, number>();
  for (const line of lines) {
    if (line.kind === "user") linesPerUser.set(line.user, (linesPerUser.get(line.user) ?? 0) + 1);
  }

  const output: string[] = [];
  const changes: PasswordChange[] = [];
  const reported = new Set<string>();
  const written = new Set<string>();
  const report = (user: string, action: PasswordChange["action"]): void => {
    if (reported.has(user)) return;
    reported.add(user);
    changes.push({ user, action });
  };
  const newLine = (user: WantedUser): string =>
    `${user.name}:${hashPassword(user.password, options.format, options.salt ? { salt: options.salt() } : {})}`;

  for (const line of lines) {
    if (line.kind === "other") {
      output.push(line.text);
      continue;
    }
    const want = wantedByName.get(line.user);
    if (want === undefined) {
      if (options.removeUnlisted) report(line.user, "removed");
      else output.push(line.text);
      continue;
    }
    if (want.state === "absent") {
      report(line.user, "removed");
      continue;
    }
    // A user listed twice: the broker keeps only one of the lines, so the
    // duplicates go and the password in force may change.
    if (written.has(line.user)) continue;
    written.add(line.user);
    const current = brokerAcceptsHash(parseHash(line.hash), options.format) && verifyPassword(want.password, line.hash);
    output.push(current ? line.text : newLine(want));
    if (!current || (linesPerUser.get(line.user) ?? 0) > 1) report(line.user, "password changed");
  }

  for (const want of wantedByName.values()) {
    if (want.state === "absent" || written.has(want.name)) continue;
    output.push(newLine(want));
    report(want.name, "added");
  }

  if (changes.length === 0) return { text: currentText ?? "", changes };
  return { text: output.map((line) => `${line}\n`).join(""), changes };
}

/** "user smc added" / "user ops: password changed" / "user old removed", one per line */
export function describePasswordChanges(changes: PasswordChange[]): string {
  return changes
    .map(({ user, action }) => (action === "password changed" ? `user ${user}: password changed` : `user ${user} ${action}`))
    .join("\n");
}

/**
 * A name mosquitto can store and the broker can read back: mosquitto_passwd's
 * is_username_valid (no ':', no control characters, under 64 KiB), plus what
 * the broker's reader would silently change: leading '#' makes the line a
 * comment, surrounding blanks are trimmed away.
 */
export function validateUserName(name: string): void {
  const problem =
    name === ""
      ? "is empty"
      : name.includes(":")
        ? "contains ':', which separates the user from the hash in mosquitto's password file"
        : /[\u0000-\u001f\u007f]/.test(name)
          ? "contains a control character"
          : name.startsWith("#")
            ? "starts with '#', which makes its line a comment to mosquitto"
            : name !== name.replace(BLANKS, "")
              ? "starts or ends with a blank, which mosquitto trims away"
              : Buffer.byteLength(name, "utf8") > MAX_FIELD_BYTES
                ? `is longer than ${MAX_FIELD_BYTES} bytes`
                : undefined;
  if (problem) {
    throw new UserError(`mosquitto user name ${JSON.stringify(name)} ${problem}`, {
      hint: "choose a user name without ':', control characters, a leading '#' or surrounding blanks",
    });
  }
}

function validatePassword(user: string, password: string): void {
  // mosquitto_passwd stores "", but the broker reads a zero-length password as
  // none and refuses the login (checked with 2.0.11, MQTT.js and mosquitto_pub).
  if (password === "") {
    throw new UserError(`the password of mosquitto user ${JSON.stringify(user)} is empty`, {
      hint: "mosquitto refuses every login with an empty password; give the user a password, or state: absent",
    });
  }
  // The broker compares strlen() bytes: a NUL would cut the password short.
  if (password.includes("\u0000")) {
    throw new UserError(`the password of mosquitto user ${JSON.stringify(user)} contains a NUL character`, {
      hint: "mosquitto reads passwords as C strings; remove the NUL character",
    });
  }
  if (Buffer.byteLength(password, "utf8") > MAX_FIELD_BYTES) {
    throw new UserError(`the password of mosquitto user ${JSON.stringify(user)} is longer than ${MAX_FIELD_BYTES} bytes`, {
      hint: "MQTT carries passwords of at most 65535 bytes",
    });
  }
}

function indexWanted(wanted: WantedUser[]): Map<string, WantedUser> {
  const byName = new Map<string, WantedUser>();
  for (const user of wanted) {
    validateUserName(user.name);
    if (byName.has(user.name)) {
      throw new UserError(`mosquitto user ${JSON.stringify(user.name)} is listed twice`, {
        hint: "list each user once, with state present or absent",
      });
    }
    if (user.state !== "absent") validatePassword(user.name, user.password);
    byName.set(user.name, user);
  }
  return byName;
}
