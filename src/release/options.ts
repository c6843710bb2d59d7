/** What the smcrelease command line hands to the release and status flows */
import type { Vars } from "../vars/vars.js";
import type { ConnectionSettings } from "./hosts.js";

export interface ReleaseRequest {
  infra: string;
  version: string;
  /** the playbook's name in the playbooks directory (mosquitto, _mosquitto.yml, ...) */
  playbook: string;
  /** dry run only */
  check: boolean;
  /** apply without asking */
  yes: boolean;
  limit?: string | undefined;
  extraVars: Vars;
  forks: number;
  verbosity: number;
  inventoriesDir: string;
  playbooksDir: string;
  /** controller locks and the local release log; default <inventories>/../.smcrelease */
  stateDir?: string | undefined;
  /** wait this long for a lock held by another release (0: refuse at once) */
  waitMs: number;
  /** a lock held longer than this is taken over, from any controller */
  lockTimeoutMs?: number | undefined;
  connection: ConnectionSettings;
  /** also list the released hosts in <inventories>/aws/hosts, under this group */
  registerAws?: { group: string } | undefined;
}

export interface StatusRequest {
  infra: string;
  limit?: string | undefined;
  extraVars: Vars;
  inventoriesDir: string;
  json: boolean;
  connection: ConnectionSettings;
}

/** The terminal the release talks to */
export interface ReleaseIo {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
  /** a person can answer a question (stdin is a terminal) */
  interactive: boolean;
  ask(question: string): Promise<string>;
}
