/**
 * Which checks prove a broker works, computed from what it was configured
 * with (users, ACL rules, anonymous access, bridges) without touching it.
 * Pure: client ids and random topic parts come from `newToken`, so tests can
 * pin them. Passwords are not part of a plan; checks name users only.
 *
 * Delivery pairs are chosen greedily to cover every facet (read, write) of
 * every testable ACL rule with few pairs: a pair "W publishes T, R receives
 * it" covers the rule that lets W write T and the rule that lets R read T.
 * A readwrite rule is preferably covered by a self round trip.
 */
import { AclModel, defaultAclRules, describeRule, expandPattern, grants, type AclClient, type AclOperation, type AclRule } from "./acl.js";

/** One client connection in a check: undefined user = anonymous */
export interface Party {
  user: string | undefined;
  clientId: string;
}

export type BrokerCheck =
  | { kind: "login"; name: string; party: Party }
  /** must get CONNACK "bad username or password" / "not authorized" */
  | { kind: "refused"; name: string; party: Party; password: "wrong" | "own" | "none" }
  /** reader subscribes, writer publishes, reader must receive (writer === reader: self round trip) */
  | { kind: "delivery"; name: string; topic: string; writer: Party; reader: Party; covers: string[] }
  /** witness and reader subscribe, writer publishes; the witness receives it, the reader must not */
  | { kind: "not-delivered"; name: string; topic: string; writer: Party; reader: Party; witness: Party }
  /** the publisher may not write: its message must not reach the witness; a control message from `control` must */
  | { kind: "publish-dropped"; name: string; topic: string; publisher: Party; witness: Party; control: Party | undefined }
  /** $SYS/broker/connection/<remote_clientid>/state must be "1" */
  | { kind: "bridge"; name: string; topic: string; bridge: string; reader: Party; readerAllowed: boolean };

export interface CheckPlanInput {
  /** present users, in order: the first is the standard user */
  users: readonly string[];
  absentUsers: readonly string[];
  /** the ACL rules as configured; empty = the role's default */
  rules: readonly AclRule[];
  allowAnonymous: boolean;
  bridges: readonly { name: string; remoteClientId: string }[];
}

export interface CheckPlan {
  checks: BrokerCheck[];
  /** ACL rule facets no check covers, with why ("nobody may write a topic it matches") */
  untested: string[];
}

/** `tsible-check-<token>` client ids and `tsible-check/<token>` topic parts */
export type TokenSource = () => string;

const CHECK_LEVEL = "tsible-check";

/** The identities that can log in: every present user, and anonymous when allowed */
type Identity = string | undefined;

export function planBrokerChecks(input: CheckPlanInput, newToken: TokenSource): CheckPlan {
  const party = (user: Identity): Party => ({ user, clientId: `${CHECK_LEVEL}-${newToken()}` });
  const identities: Identity[] = [...input.users, ...(input.allowAnonymous ? [undefined] : [])];
  const rules = input.rules.length > 0 || input.users[0] === undefined ? input.rules : defaultAclRules(input.users[0]);
  const model = new AclModel(rules);
  const checks: BrokerCheck[] = [];

  for (const user of input.users) checks.push({ kind: "login", name: `login ${user}`, party: party(user) });
  const standard = input.users[0];
  if (standard !== undefined) {
    checks.push({ kind: "refused", name: `wrong password refused for ${standard}`, party: party(standard), password: "wrong" });
  }
  for (const user of input.absentUsers) {
    checks.push({ kind: "refused", name: `removed user ${user} refused`, party: party(user), password: "own" });
  }
  checks.push(
    input.allowAnonymous
      ? { kind: "login", name: "anonymous accepted", party: party(undefined) }
      : { kind: "refused", name: "anonymous refused", party: party(undefined), password: "none" },
  );

  const topics = candidateTopics(rules, identities, party, newToken);
  const delivery = planDeliveries(model, rules, identities, topics, party);
  checks.push(...delivery.checks);
  checks.push(...planForbidden(model, rules, identities, topics, party, newToken));

  for (const bridge of input.bridges) {
    const topic = `$SYS/broker/connection/${bridge.remoteClientId}/state`;
    const reader = identities.find((who) => model.allows(client(party(who)), topic, "read"));
    const readerParty = party(reader ?? standard);
    checks.push({ kind: "bridge", name: `bridge ${bridge.name} connected`, topic, bridge: bridge.name, reader: readerParty, readerAllowed: reader !== undefined });
  }
  return { checks, untested: delivery.untested };
}

/** A rule's filter made concrete: + -> tsible-check, # -> tsible-check/<token>, %u/%c for patterns */
export function concreteTopic(rule: AclRule, who: Party, newToken: TokenSource): string | undefined {
  const filter = rule.kind === "pattern" ? expandPattern(rule.topic, client(who)) : rule.topic;
  if (filter === undefined) return undefined;
  return filter
    .split("/")
    .map((level) => (level === "+" ? CHECK_LEVEL : level === "#" ? `${CHECK_LEVEL}/${newToken()}` : level))
    .join("/");
}

/** A concrete test topic and the client whose id/name it embeds (for %c/%u) */
interface CandidateTopic {
  topic: string;
  owner: Party;
}

function candidateTopics(rules: readonly AclRule[], identities: readonly Identity[], party: (who: Identity) => Party, newToken: TokenSource): CandidateTopic[] {
  const out: CandidateTopic[] = [];
  for (const rule of rules) {
    // $SYS is written by the broker only: those rules are exercised by the bridge checks
    if (rule.topic.startsWith("$")) continue;
    const owners = rule.kind === "topic" ? identities.filter((who) => who === rule.user) : identities;
    for (const who of owners) {
      const owner = party(who);
      const topic = concreteTopic(rule, owner, newToken);
      if (topic !== undefined) out.push({ topic, owner });
    }
  }
  // a topic no rule names, for "may not read" checks of users without deny rules
  out.push({ topic: `${CHECK_LEVEL}/${newToken()}/elsewhere`, owner: party(identities[0]) });
  return out;
}

function facetKey(rule: AclRule, operation: AclOperation): string {
  return `${operation}\u0000${describeRule(rule)}`;
}

function planDeliveries(
  model: AclModel,
  rules: readonly AclRule[],
  identities: readonly Identity[],
  topics: readonly CandidateTopic[],
  party: (who: Identity) => Party,
): { checks: BrokerCheck[]; untested: string[] } {
  const wanted = new Map<string, string>();
  for (const rule of rules) {
    if (rule.access === "deny" || rule.topic.startsWith("$")) continue;
    if (rule.kind === "topic" && !identities.includes(rule.user)) continue;
    for (const operation of ["read", "write"] as const) {
      if (grants(rule.access, operation)) wanted.set(facetKey(rule, operation), `${operation} by ${describeRule(rule)}`);
    }
  }

  interface Candidate {
    topic: string;
    writer: Party;
    reader: Party;
    facets: string[];
  }
  let candidates: Candidate[] = [];
  for (const { topic, owner } of topics) {
    // the owner's own client is one side (a %c topic is only its own); the other side is any identity, or the owner itself
    const partners = [owner, ...identities.map(party)];
    for (const partner of partners) {
      for (const [writer, reader] of partner === owner ? [[owner, owner]] : [[owner, partner], [partner, owner]]) {
        if (writer === undefined || reader === undefined) continue;
        const write = model.decide(client(writer), topic, "write");
        const read = model.decide(client(reader), topic, "read");
        if (!write.allowed || !read.allowed || write.rule === undefined || read.rule === undefined) continue;
        const facets = [...new Set([facetKey(write.rule, "write"), facetKey(read.rule, "read")])].filter((key) => wanted.has(key));
        if (facets.length > 0) candidates.push({ topic, writer, reader, facets });
      }
    }
  }

  const covered = new Set<string>();
  const checks: BrokerCheck[] = [];
  for (;;) {
    let best: Candidate | undefined;
    let bestScore = 0;
    for (const candidate of candidates) {
      const fresh = candidate.facets.filter((key) => !covered.has(key)).length;
      if (fresh === 0) continue;
      // more new facets first; at equal count a self round trip first (one client proves both directions)
      const score = fresh * 2 + (candidate.writer === candidate.reader ? 1 : 0);
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    if (best === undefined) break;
    for (const key of best.facets) covered.add(key);
    // the owner's client is now taken by this check (its id may be in the topic): no other pair may use it
    const taken = best.topic;
    candidates = candidates.filter((candidate) => candidate.topic !== taken);
    const self = best.writer === best.reader;
    checks.push({
      kind: "delivery",
      name: self ? `${who(best.reader)} round trip ${best.topic}` : `${who(best.reader)} receives ${best.topic} from ${who(best.writer)}`,
      topic: best.topic,
      writer: best.writer,
      reader: best.reader,
      covers: best.facets.map((key) => wanted.get(key) ?? key),
    });
  }
  const untested = [...wanted].filter(([key]) => !covered.has(key)).map(([, text]) => `${text}: no client may ${text.startsWith("read") ? "write" : "read"} a topic it matches`);
  return { checks, untested };
}

function planForbidden(
  model: AclModel,
  rules: readonly AclRule[],
  identities: readonly Identity[],
  topics: readonly CandidateTopic[],
  party: (who: Identity) => Party,
  newToken: TokenSource,
): BrokerCheck[] {
  const checks: BrokerCheck[] = [];
  for (const me of identities) {
    const others = identities.filter((identity) => identity !== me);
    const mine = rules.filter((rule) => (rule.kind === "pattern" || rule.user === me) && !rule.topic.startsWith("$"));
    // each check connects its own client: a topic made from a %c rule names that client's id
    const ownTopic = (rule: AclRule): { self: Party; topic: string } | undefined => {
      const self = party(me);
      const topic = concreteTopic(rule, self, newToken);
      return topic === undefined ? undefined : { self, topic };
    };
    const denies = mine.filter((rule) => rule.access === "deny");

    // may not read: each of its deny rules; without those, the first topic someone else may write
    const notDelivered = (self: Party, topic: string): BrokerCheck | undefined => {
      if (model.allows(client(self), topic, "read")) return undefined;
      const writer = firstAllowed(model, [...others, me], topic, "write", party);
      if (writer === undefined) return undefined;
      const witness = writer.user !== me && model.allows(client(writer), topic, "read") ? writer : firstAllowed(model, others, topic, "read", party);
      if (witness === undefined) return undefined;
      return { kind: "not-delivered", name: `${who(self)} does not receive ${topic}`, topic, writer, reader: self, witness };
    };
    const readChecks = denies.flatMap((rule) => {
      const own = ownTopic(rule);
      return own === undefined ? [] : (notDelivered(own.self, own.topic) ?? []);
    });
    if (readChecks.length === 0) {
      const first = topics.map((candidate) => notDelivered(party(me), candidate.topic)).find((check) => check !== undefined);
      if (first !== undefined) readChecks.push(first);
    }
    checks.push(...readChecks);

    // may not write: each of its deny rules, and the first topic it may read but not write
    const readOnly = mine
      .filter((rule) => rule.access === "read")
      .map(ownTopic)
      .find((own) => own !== undefined && model.allows(client(own.self), own.topic, "read") && !model.allows(client(own.self), own.topic, "write"));
    const writeTargets = [...denies.map(ownTopic), readOnly].flatMap((own) => own ?? []);
    for (const { self, topic } of writeTargets) {
      if (model.allows(client(self), topic, "write")) continue;
      const witness = firstAllowed(model, others, topic, "read", party);
      if (witness === undefined) continue;
      const control = model.allows(client(witness), topic, "write") ? witness : firstAllowed(model, others, topic, "write", party);
      checks.push({ kind: "publish-dropped", name: `${who(self)} may not publish to ${topic}`, topic, publisher: self, witness, control });
    }
  }
  return checks;
}

function firstAllowed(model: AclModel, candidates: readonly Identity[], topic: string, operation: AclOperation, party: (who: Identity) => Party): Party | undefined {
  for (const candidate of candidates) {
    const who = party(candidate);
    if (model.allows(client(who), topic, operation)) return who;
  }
  return undefined;
}

export function client(who: Party): AclClient {
  return { username: who.user, clientId: who.clientId };
}

export function who(partyOrUser: Party | Identity): string {
  const user = typeof partyOrUser === "object" ? partyOrUser.user : partyOrUser;
  return user ?? "anonymous";
}
