/**
 * The run's hosts: one HostState per inventory host, made on first use and kept for the whole
 * run. Logging in to the first play's hosts can start before the playbook has finished
 * loading: the ssh handshake and the first shell are waits on the network and the host, which
 * the controller spends reading roles and checking templates instead.
 */
import { JumpHostPool } from "../connection/jump-hosts.js";
import { becomeToStartEarly } from "../connection/spec.js";
import type { PlayOutline } from "../playbook/load.js";
import { connectHost } from "./connect-host.js";
import { HostState } from "./host-state.js";
import type { ExecutorOptions } from "./options.js";

export type HostPoolOptions = Pick<ExecutorOptions, "inventory" | "extraVars" | "masker" | "connection" | "verbosity" | "reporter" | "limit" | "forks">;

export class HostPool {
  readonly #states = new Map<string, HostState>();
  /** one login per jump host for the run, shared by the hosts behind it */
  readonly #jumpHosts = new JumpHostPool();
  /** ignored ssh options already warned about */
  readonly #warnedSshOptions = new Set<string>();

  constructor(private readonly options: HostPoolOptions) {}

  get(name: string): HostState {
    let state = this.#states.get(name);
    if (!state) {
      state = new HostState(name, (remoteUser, signal) => this.#connect(name, remoteUser, signal));
      this.#states.set(name, state);
    }
    return state;
  }

  /** the hosts used so far, by name */
  known(): ReadonlyMap<string, HostState> {
    return this.#states;
  }

  /**
   * Starts logging in to the hosts the first play will gather facts from first (at most
   * `forks` of them), and the login and become shells its commands will run through. A pattern
   * or limit that selects nothing, or fails, starts nothing: the run reports it when it gets
   * there, as it would have.
   */
  logInEarly(firstPlay: PlayOutline): void {
    let names: string[];
    try {
      const { inventory, limit } = this.options;
      const limited = limit ? new Set(inventory.selectHosts(limit)) : undefined;
      names = inventory.selectHosts(firstPlay.hosts).filter((name) => !limited || limited.has(name));
    } catch {
      return;
    }
    for (const name of names.slice(0, this.options.forks)) {
      const state = this.get(name);
      state.remoteUser = firstPlay.remoteUser;
      state.prepareShell();
      const become = firstPlay.become ? becomeToStartEarly(firstPlay.becomeUser, { ...this.options.inventory.hostVars(name), ...this.options.extraVars }) : undefined;
      if (become !== undefined) state.prepareShell(become);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#states.values()].map((state) => state.close()));
  }

  async #connect(name: string, remoteUser: string | undefined, signal: AbortSignal) {
    const { masker, reporter, verbosity } = this.options;
    const { connection } = await connectHost(name, {
      ...this.options,
      remoteUser,
      signal,
      log: verbosity > 0 ? (line) => reporter.verbose(name, masker.mask(line)) : undefined,
      jumpHosts: this.#jumpHosts,
      ignoredSshOptions: (host, ignored) => this.#warnIgnoredSshOptions(host, ignored),
    });
    return connection;
  }

  /** Once per run for each set of options: group vars give many hosts the same ones */
  #warnIgnoredSshOptions(host: string, ignored: readonly string[]): void {
    const key = ignored.join(" ");
    if (this.#warnedSshOptions.has(key)) return;
    this.#warnedSshOptions.add(key);
    const { masker, reporter } = this.options;
    reporter.warn(masker.mask(
      `${host}: tsible cannot apply these ssh options of ansible_ssh_common_args/ansible_ssh_extra_args and ignores them: ${ignored.join(" ")}` +
        " (it applies -J, -p, -l, -i, -F and -o ProxyJump, ProxyCommand, Port, User, IdentityFile, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile)",
    ));
  }
}
