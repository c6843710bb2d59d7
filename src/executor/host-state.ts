/**
 * Everything the run knows about one host: its connection (opened once, on
 * first use), its facts (gathered once), what set_fact and register stored,
 * which handlers it notified, and its counts for the recap.
 */
import type { BecomeOptions, Connection } from "../connection/types.js";
import { factsToVars, gatherFacts } from "../facts/gather.js";
import type { Facts } from "../facts/types.js";
import type { Vars } from "../vars/vars.js";
import { emptyStats, type HostStats } from "./results.js";

export class HostState {
  failed = false;
  unreachable = false;
  /** set by `meta: end_host` / `end_play`, cleared at the next play */
  endedPlay = false;
  readonly stats: HostStats = emptyStats();
  /** set_fact values and registered results: they outlive the play, like Ansible's */
  readonly hostFacts: Vars = {};
  /** gathered facts as variables (ansible_facts, ansible_os_family, ...) */
  factVars: Vars = {};
  readonly notified = new Set<string>();
  /** the play's `remote_user`, used when the inventory sets no ansible_user */
  remoteUser: string | undefined;
  /** one connection per login user: plays with different remote_user log in separately */
  readonly #connections = new Map<string, Promise<Connection>>();
  /** ends logins still in progress when the connections close */
  #logins = new AbortController();
  #facts: Promise<Facts> | undefined;

  constructor(
    readonly name: string,
    private readonly openConnection: (remoteUser: string | undefined, signal: AbortSignal) => Promise<Connection>,
  ) {}

  get active(): boolean {
    return !this.failed && !this.unreachable && !this.endedPlay;
  }

  connection(): Promise<Connection> {
    const key = this.remoteUser ?? "";
    let connection = this.#connections.get(key);
    if (!connection) {
      connection = this.openConnection(this.remoteUser, this.#logins.signal);
      this.#connections.set(key, connection);
    }
    return connection;
  }

  facts(): Promise<Facts> {
    this.#facts ??= this.connection()
      .then(gatherFacts)
      .then((facts) => {
        this.factVars = factsToVars(facts);
        return facts;
      });
    return this.#facts;
  }

  clearFacts(): void {
    this.#facts = undefined;
    this.factVars = {};
  }

  /**
   * Starts the shell that commands as the login user (or under `become`) will run through, and
   * the login before it, ahead of the first such command; a failure is kept for whoever uses the
   * connection, as if it had started then
   */
  prepareShell(become?: BecomeOptions): void {
    this.connection().then(
      (connection) => connection.prepare?.(become),
      () => undefined,
    );
  }

  async close(): Promise<void> {
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    this.#logins.abort();
    this.#logins = new AbortController();
    for (const connection of connections) {
      try {
        await (await connection).close();
      } catch {
        // a connection that never opened has nothing to close
      }
    }
  }
}
