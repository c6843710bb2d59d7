/**
 * How the `service` module talks to a host's init system. systemd lives in
 * service-systemd.ts; SysV init scripts (sysvinit, and hosts with no init at
 * all, such as containers whose PID 1 is sshd) in service-initd.ts.
 */
import type { CommandResult } from "../connection/types.js";
import { ModuleFailure } from "./types.js";

export type ServiceAction = "start" | "stop" | "restart" | "reload";

export interface ServiceStatus {
  running: boolean;
  enabled: boolean;
  /** systemd: the unit changed on disk and systemd has not re-read it */
  needsDaemonReload: boolean;
  /** the commands that turn start-at-boot on and off; undefined when the host has no tool for it */
  enableArgv: { on: string[] | undefined; off: string[] | undefined };
}

/** Runs one command on the host with the task's become settings */
export type RunArgv = (argv: readonly string[]) => Promise<CommandResult>;

export interface ServiceManager {
  readonly kind: "systemd" | "initd";
  /** one read-only round trip; throws ModuleFailure when the service does not exist */
  probe(name: string): Promise<ServiceStatus>;
  /** run the action, then wait until the service is in the state the action leads to; throws ModuleFailure with the output otherwise */
  act(name: string, action: ServiceAction): Promise<Record<string, unknown>>;
  daemonReload(): Promise<Record<string, unknown>>;
  /**
   * Forget the service's earlier failures before starting it again on purpose (a rollback):
   * systemd restarts a failing unit by itself (Restart=on-failure) and then refuses any start
   * past its start limit. Nothing to forget for init scripts.
   */
  resetFailures(name: string): Promise<void>;
  /** The command that restarts (or reloads) the service with nobody watching: a watchdog's recovery */
  recoveryArgv(name: string, action: "restart" | "reload"): string[];
}

