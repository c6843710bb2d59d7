/**
 * Prove a deployed broker works, from the controller, with a real MQTT client:
 * every user logs in, wrong and removed credentials and (when not allowed)
 * anonymous clients are refused, messages flow as the ACL allows and do not
 * flow where it forbids, and each bridge reports itself connected. The
 * checks come from planBrokerChecks (verify-plan.ts); this file runs them.
 *
 * A "must not arrive" check is only worth something when the message was
 * really published: each has a witness client that must receive the
 * forbidden message (or a control message sent after it) first.
 * Reports name users and topics, never passwords.
 */
import { mapWithLimit } from "../map-with-limit.js";
import { randomBytes } from "node:crypto";
import { Secret } from "../secrets.js";
import type { AclRule } from "./acl.js";
import { NOT_AUTHORIZED_CODES, openSession, seconds, type BrokerEndpoint, type ConnectOutcome, type Session } from "./verify-client.js";
import { planBrokerChecks, who, type BrokerCheck, type Party, type TokenSource } from "./verify-plan.js";

export interface BrokerUser {
  name: string;
  password: Secret;
}

export interface BrokerCheckSettings {
  endpoint: BrokerEndpoint;
  /** present users; the first is the standard user */
  users: readonly BrokerUser[];
  /** users that were removed: their old passwords must be refused */
  absentUsers?: readonly BrokerUser[] | undefined;
  /** the rules the broker's acl file was rendered from; empty = the role's default */
  acl: readonly AclRule[];
  allowAnonymous: boolean;
  bridges?: readonly { name: string; remoteClientId: string }[] | undefined;
  /** how long a forbidden message may take to show up after the witness saw its own (default 1000 ms) */
  quietMs?: number | undefined;
  /** checks run at a time (default 4) */
  concurrency?: number | undefined;
  /** client id and topic tokens (tests pin them); random hex otherwise */
  newToken?: TokenSource | undefined;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface BrokerReport {
  checks: CheckResult[];
  /** ACL rule facets no check could exercise, with why */
  untested: string[];
  failed: number;
  /** "12 checks passed" or "2 of 12 checks failed" */
  msg: string;
}

export function randomToken(): string {
  return randomBytes(4).toString("hex");
}

export async function verifyBroker(settings: BrokerCheckSettings): Promise<BrokerReport> {
  const newToken = settings.newToken ?? randomToken;
  const plan = planBrokerChecks(
    {
      users: settings.users.map((user) => user.name),
      absentUsers: (settings.absentUsers ?? []).map((user) => user.name),
      rules: settings.acl,
      allowAnonymous: settings.allowAnonymous,
      bridges: settings.bridges ?? [],
    },
    newToken,
  );
  const runner = new CheckRunner(settings, newToken);
  const checks = await mapWithLimit(plan.checks, settings.concurrency ?? 4, (check) => runner.run(check));
  const failed = checks.filter((check) => !check.ok).length;
  const msg = failed === 0 ? `${checks.length} checks passed` : `${failed} of ${checks.length} checks failed`;
  return { checks, untested: plan.untested, failed, msg };
}

/** "PASS login smc" lines, then the failed checks' details */
export function formatReport(report: BrokerReport): string {
  return report.checks.map((check) => `${check.ok ? "PASS" : "FAIL"} ${check.name}${check.ok ? "" : `: ${check.detail}`}`).join("\n");
}

/** A check that cannot go on; its message becomes the FAIL detail */
class CheckFailed extends Error {}

class CheckRunner {
  readonly #settings: BrokerCheckSettings;
  readonly #passwords: Map<string, Secret>;
  readonly #newToken: TokenSource;

  constructor(settings: BrokerCheckSettings, newToken: TokenSource) {
    this.#settings = settings;
    this.#newToken = newToken;
    this.#passwords = new Map([...(settings.absentUsers ?? []), ...settings.users].map((user) => [user.name, user.password]));
  }

  async run(check: BrokerCheck): Promise<CheckResult> {
    const sessions = new Sessions(this);
    try {
      return { name: check.name, ok: true, detail: await this.#perform(check, sessions) };
    } catch (error) {
      return { name: check.name, ok: false, detail: error instanceof Error ? error.message : String(error) };
    } finally {
      await sessions.closeAll();
    }
  }

  connect(party: Party, password: "own" | "wrong" | "none" = "own"): Promise<ConnectOutcome> {
    const own = party.user === undefined ? undefined : this.#passwords.get(party.user);
    const secret = password === "none" ? undefined : password === "wrong" ? new Secret(`tsible-wrong-${this.#newToken()}`) : own;
    return openSession(this.#settings.endpoint, { username: party.user, password: secret, clientId: party.clientId });
  }

  async #perform(check: BrokerCheck, sessions: Sessions): Promise<string> {
    const quietMs = this.#settings.quietMs ?? 1000;
    switch (check.kind) {
      case "login": {
        await sessions.get(check.party);
        return `${who(check.party)} logged in`;
      }
      case "refused": {
        const outcome = await this.connect(check.party, check.password);
        if (outcome.kind === "connected") {
          await outcome.session.close();
          throw new CheckFailed(`the broker accepted ${refusedSubject(check.party, check.password)}`);
        }
        if (outcome.kind === "failed") throw new CheckFailed(`could not reach the broker: ${outcome.reason}`);
        if (!NOT_AUTHORIZED_CODES.includes(outcome.code)) throw new CheckFailed(`refused for another reason: ${outcome.reason} (rc ${outcome.code})`);
        return `refused: ${outcome.reason} (rc ${outcome.code})`;
      }
      case "delivery": {
        const reader = await sessions.get(check.reader);
        await subscribeOrFail(reader, check.reader, check.topic);
        const writer = await sessions.get(check.writer);
        const payload = `tsible-check ${this.#newToken()}`;
        const started = Date.now();
        await writer.publish(check.topic, payload);
        const received = await reader.waitFor((message) => message.topic === check.topic && message.payload === payload);
        if (received === undefined) throw new CheckFailed(`${who(check.reader)} received nothing within ${seconds(this.#timeoutMs)}`);
        return `delivered in ${Date.now() - started} ms`;
      }
      case "not-delivered": {
        const witness = await sessions.get(check.witness);
        await subscribeOrFail(witness, check.witness, check.topic);
        const reader = await sessions.get(check.reader);
        const granted = await reader.subscribe(check.topic);
        const writer = await sessions.get(check.writer);
        const payload = `tsible-check ${this.#newToken()}`;
        await writer.publish(check.topic, payload);
        const isProbe = (message: { topic: string; payload: string }): boolean => message.topic === check.topic && message.payload === payload;
        if ((await witness.waitFor(isProbe)) === undefined) {
          throw new CheckFailed(`inconclusive: ${who(check.witness)} did not receive the message from ${who(check.writer)} either`);
        }
        if ((await reader.waitFor(isProbe, quietMs)) !== undefined) {
          throw new CheckFailed(`${who(check.reader)} received a message on ${check.topic} that the ACL forbids it to read`);
        }
        return granted >= 0x80 ? "subscription refused" : `not delivered (${who(check.witness)} received it)`;
      }
      case "publish-dropped": {
        const witness = await sessions.get(check.witness);
        await subscribeOrFail(witness, check.witness, check.topic);
        const publisher = await sessions.get(check.publisher);
        const forbidden = `tsible-check forbidden ${this.#newToken()}`;
        await publisher.publish(check.topic, forbidden);
        if (check.control !== undefined) {
          // sent after the forbidden one: once it has arrived, the forbidden one would have too
          const control = await sessions.get(check.control);
          const payload = `tsible-check control ${this.#newToken()}`;
          await control.publish(check.topic, payload);
          if ((await witness.waitFor((message) => message.topic === check.topic && message.payload === payload)) === undefined) {
            throw new CheckFailed(`inconclusive: ${who(check.witness)} did not receive ${who(check.control)}'s control message either`);
          }
        }
        if ((await witness.waitFor((message) => message.topic === check.topic && message.payload === forbidden, quietMs)) !== undefined) {
          throw new CheckFailed(`${who(check.publisher)} published to ${check.topic}, which the ACL forbids it to write, and ${who(check.witness)} received it`);
        }
        return `dropped (${check.control === undefined ? `nothing arrived within ${seconds(quietMs)}` : "a later control message arrived, it did not"})`;
      }
      case "bridge": {
        const reader = await sessions.get(check.reader);
        await subscribeOrFail(reader, check.reader, check.topic);
        // "0" may come first (retained from before the bridge connected): wait for "1", report the last state otherwise
        const connected = await reader.waitFor((message) => message.topic === check.topic && message.payload === "1");
        if (connected === undefined) {
          const last = reader.received.filter((message) => message.topic === check.topic).at(-1);
          if (last !== undefined) throw new CheckFailed(`bridge ${check.bridge} is not connected: state ${JSON.stringify(last.payload)} for ${seconds(this.#timeoutMs)}`);
          const access = check.readerAllowed ? "" : ` (the ACL lets no user read it; tried ${who(check.reader)})`;
          throw new CheckFailed(`no state on ${check.topic} within ${seconds(this.#timeoutMs)}: this broker has no bridge with that remote_clientid, or it never connected${access}`);
        }
        return "state 1 (connected)";
      }
    }
  }

  get #timeoutMs(): number {
    return this.#settings.endpoint.timeoutMs;
  }
}

/** The connections of one check, one per party, all closed when the check ends */
class Sessions {
  readonly #runner: CheckRunner;
  readonly #open = new Map<Party, Session>();

  constructor(runner: CheckRunner) {
    this.#runner = runner;
  }

  async get(party: Party): Promise<Session> {
    const existing = this.#open.get(party);
    if (existing !== undefined) return existing;
    const outcome = await this.#runner.connect(party);
    if (outcome.kind === "refused") throw new CheckFailed(`${who(party)} could not log in: ${outcome.reason} (rc ${outcome.code})`);
    if (outcome.kind === "failed") throw new CheckFailed(`${who(party)} could not connect: ${outcome.reason}`);
    this.#open.set(party, outcome.session);
    return outcome.session;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#open.values()].map((session) => session.close()));
    this.#open.clear();
  }
}

async function subscribeOrFail(session: Session, party: Party, topic: string): Promise<void> {
  const granted = await session.subscribe(topic);
  if (granted >= 0x80) throw new CheckFailed(`the broker refused ${who(party)}'s subscription to ${topic} (code ${granted})`);
}

function refusedSubject(party: Party, password: "own" | "wrong" | "none"): string {
  if (password === "none") return "an anonymous client";
  if (password === "wrong") return `${who(party)} with a wrong password`;
  return `removed user ${who(party)}`;
}

