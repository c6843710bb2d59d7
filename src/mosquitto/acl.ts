/**
 * Mosquitto's ACL as a model we can ask "may this client read / write this
 * topic?", answering exactly as mosquitto 2.0's default security plugin does
 * (src/security_default.c mosquitto_acl_check_default, src/security.c
 * acl__check_dollar), so the broker check can predict what must and must not
 * be delivered:
 * - `topic` rules belong to one user; those written before any `user` line
 *   (here: without `user`) belong to anonymous clients;
 * - `pattern` rules apply to every client, with %u (username) and %c (client
 *   id) substituted; a pattern with %u never applies to an anonymous client;
 * - a client's own rules are tried first, then the patterns; in each list the
 *   `deny` rules come first, the others keep their order; the first rule
 *   whose topic matches and that grants the access (or denies) decides;
 * - with pattern rules present, a username or client id containing + or #
 *   is refused everything;
 * - `$SYS` is never writable (except a bridge's connection state) and
 *   `$share/...` cannot be published to;
 * - `#` and `+` never match a topic starting with `$`.
 * Subscribing is always allowed (2.0 does not check subscriptions): a
 * forbidden read shows as a message that is not delivered.
 */

export type AclAccess = "read" | "write" | "readwrite" | "deny";
export type AclOperation = "read" | "write";

export type AclRule =
  /** `topic` line; `user` undefined means the anonymous block (lines before any `user` line) */
  | { kind: "topic"; user: string | undefined; topic: string; access: AclAccess }
  /** `pattern` line, for every client, with %u and %c substituted */
  | { kind: "pattern"; topic: string; access: AclAccess };

/** A connected client as the ACL sees it: undefined username = anonymous */
export interface AclClient {
  username: string | undefined;
  clientId: string;
}

export interface AclDecision {
  allowed: boolean;
  /** the rule that decided; undefined when no rule matched (denied by default) or a fixed broker rule decided */
  rule: AclRule | undefined;
  /** why, in words, for reports */
  reason: string;
}

/**
 * MQTT topic filter matching as mosquitto_topic_matches_sub does it: `+` is
 * one level (possibly empty), `#` the rest including the parent level
 * (`a/#` matches `a`), and a filter starting with a wildcard never matches a
 * `$` topic (`#` does not match `$SYS/...`).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === "" || topic === "") return false;
  if (filter.startsWith("$") !== topic.startsWith("$")) return false;
  const filterLevels = filter.split("/");
  const topicLevels = topic.split("/");
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i];
    if (level === "#") return i === filterLevels.length - 1;
    if (i >= topicLevels.length) return false;
    if (level !== "+" && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}

/** A pattern's topic for one client: %c -> client id, %u -> username; undefined when it has %u and the client is anonymous */
export function expandPattern(topic: string, client: AclClient): string | undefined {
  if (topic.includes("%u") && client.username === undefined) return undefined;
  // one left-to-right pass, as mosquitto copies it: a substituted value is not expanded again
  return topic.replace(/%[cu]/g, (token) => (token === "%c" ? client.clientId : (client.username ?? token)));
}

export function grants(access: AclAccess, operation: AclOperation): boolean {
  return access === "readwrite" || access === operation;
}

/** "user reader: topic read sensors/#", "pattern readwrite devices/%u/#", for reports */
export function describeRule(rule: AclRule): string {
  if (rule.kind === "pattern") return `pattern ${rule.access} ${rule.topic}`;
  return `${rule.user === undefined ? "anonymous" : `user ${rule.user}`}: topic ${rule.access} ${rule.topic}`;
}

/**
 * The rules the role renders when the playbook gives none: the standard
 * (first) user may read and write everything and read $SYS; nobody else gets
 * anything.
 */
export function defaultAclRules(standardUser: string): AclRule[] {
  return [
    { kind: "topic", user: standardUser, topic: "#", access: "readwrite" },
    { kind: "topic", user: standardUser, topic: "$SYS/#", access: "read" },
  ];
}

/** The acl_file text for these rules: anonymous topics first (before any `user` line), then one block per user, then the patterns */
export function renderAclFile(rules: readonly AclRule[]): string {
  const lines: string[] = [];
  const anonymous = rules.filter((rule) => rule.kind === "topic" && rule.user === undefined);
  for (const rule of anonymous) lines.push(`topic ${rule.access} ${rule.topic}`);
  const users = [...new Set(rules.flatMap((rule) => (rule.kind === "topic" && rule.user !== undefined ? [rule.user] : [])))];
  for (const user of users) {
    if (lines.length > 0) lines.push("");
    lines.push(`user ${user}`);
    for (const rule of rules) if (rule.kind === "topic" && rule.user === user) lines.push(`topic ${rule.access} ${rule.topic}`);
  }
  const patterns = rules.filter((rule) => rule.kind === "pattern");
  if (patterns.length > 0 && lines.length > 0) lines.push("");
  for (const rule of patterns) lines.push(`pattern ${rule.access} ${rule.topic}`);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

const BRIDGE_STATE = "$SYS/broker/connection/+/state";
const PATTERN_UNSAFE = /[+#]/;

export class AclModel {
  readonly rules: readonly AclRule[];
  readonly #patterns: AclRule[];

  constructor(rules: readonly AclRule[]) {
    this.rules = rules;
    this.#patterns = denyFirst(rules.filter((rule) => rule.kind === "pattern"));
  }

  allows(client: AclClient, topic: string, operation: AclOperation): boolean {
    return this.decide(client, topic, operation).allowed;
  }

  decide(client: AclClient, topic: string, operation: AclOperation): AclDecision {
    if (operation === "write" && topic.startsWith("$SYS") && !topicMatches(BRIDGE_STATE, topic)) {
      return { allowed: false, rule: undefined, reason: "$SYS topics are read-only" };
    }
    if (operation === "write" && topic.startsWith("$share")) {
      return { allowed: false, rule: undefined, reason: "$share topics cannot be published to" };
    }
    const own = denyFirst(this.rules.filter((rule) => rule.kind === "topic" && rule.user === client.username));
    for (const rule of own) {
      // a `$` topic is matched only by rules that start with `$` (topicMatches enforces it)
      if (!topicMatches(rule.topic, topic)) continue;
      if (rule.access === "deny") return { allowed: false, rule, reason: `denied by ${describeRule(rule)}` };
      if (grants(rule.access, operation)) return { allowed: true, rule, reason: `allowed by ${describeRule(rule)}` };
    }
    if (this.#patterns.length > 0) {
      if ((client.username !== undefined && PATTERN_UNSAFE.test(client.username)) || PATTERN_UNSAFE.test(client.clientId)) {
        return { allowed: false, rule: undefined, reason: "a username or client id with + or # is refused by pattern ACLs" };
      }
      for (const rule of this.#patterns) {
        const filter = expandPattern(rule.topic, client);
        if (filter === undefined || !topicMatches(filter, topic)) continue;
        if (rule.access === "deny") return { allowed: false, rule, reason: `denied by ${describeRule(rule)}` };
        if (grants(rule.access, operation)) return { allowed: true, rule, reason: `allowed by ${describeRule(rule)}` };
      }
    }
    return { allowed: false, rule: undefined, reason: "no ACL rule grants it" };
  }
}

/** mosquitto puts `deny` rules at the front of each list as it loads them; the others keep file order */
function denyFirst(rules: readonly AclRule[]): AclRule[] {
  return [...rules.filter((rule) => rule.access === "deny"), ...rules.filter((rule) => rule.access !== "deny")];
}
