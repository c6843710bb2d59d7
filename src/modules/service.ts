/**
 * The `service` module: start, stop, restart, reload a service and turn its
 * start-at-boot on or off, through systemd or through /etc/init.d scripts
 * (sysvinit, or no init system at all), as the host's `service_mgr` fact says.
 *
 * As in Ansible, `restarted` and `reloaded` are always a change; on a stopped
 * service both start it. `started` on a running service is ok.
 *
 * Both paths run for real on the test fleet: init.d on the Debian hosts
 * without init, systemctl on the hosts booted by systemd
 * (test/e2e/modules-systemd-rpm.test.ts, test/e2e/host-kinds.test.ts).
 */
import { commandFailure } from "./host/task-host.js";
import * as z from "zod";
import { ansibleBool, systemName } from "./system-args.js";
import { initdServiceManager } from "./service-initd.js";
import { type RunArgv, type ServiceAction, type ServiceManager, type ServiceStatus } from "./service-managers.js";
import { systemdServiceManager } from "./service-systemd.js";
import { defineModule, ModuleFailure, type Change, type Plan } from "./types.js";
import type { Facts } from "../facts/types.js";

export const serviceArgs = z
  .strictObject({
    name: systemName,
    state: z.enum(["started", "stopped", "restarted", "reloaded"]).optional(),
    enabled: ansibleBool.optional(),
    daemon_reload: ansibleBool.default(false),
  })
  .refine((args) => args.state !== undefined || args.enabled !== undefined || args.daemon_reload, {
    message: "service needs at least one of state, enabled or daemon_reload",
  });

export type ServiceArgs = z.output<typeof serviceArgs>;

export function serviceManagerFor(facts: Pick<Facts, "service_mgr">, run: RunArgv): ServiceManager {
  return facts.service_mgr === "systemd" ? systemdServiceManager(run) : initdServiceManager(run);
}

/** The action a requested state needs, given whether the service runs now; undefined when nothing is to do */
export function actionFor(state: ServiceArgs["state"], running: boolean): ServiceAction | undefined {
  switch (state) {
    case "started":
      return running ? undefined : "start";
    case "stopped":
      return running ? "stop" : undefined;
    case "restarted":
      return running ? "restart" : "start";
    case "reloaded":
      return running ? "reload" : "start";
    default:
      return undefined;
  }
}

export function planService(args: ServiceArgs, status: ServiceStatus, manager: ServiceManager, run: RunArgv, host: string): Plan {
  const changes: Change[] = [];
  if (args.daemon_reload && status.needsDaemonReload) {
    changes.push({ description: "reload the systemd manager configuration", apply: () => manager.daemonReload() });
  }
  if (args.enabled !== undefined && status.enabled !== args.enabled) {
    const argv = args.enabled ? status.enableArgv.on : status.enableArgv.off;
    const verb = args.enabled ? "enable" : "disable";
    if (!argv) {
      throw new ModuleFailure(`cannot ${verb} ${args.name} on ${host}: neither update-rc.d nor chkconfig is installed`);
    }
    changes.push({
      description: `${verb} ${args.name} (${argv.join(" ")})`,
      apply: async () => {
        const result = await run(argv);
        if (result.exitCode !== 0) throw commandFailure(`'${argv.join(" ")}'`, result);
        return { rc: result.exitCode };
      },
    });
  }
  const action = actionFor(args.state, status.running);
  if (action) {
    changes.push({ description: `${action} ${args.name}`, apply: () => manager.act(args.name, action) });
  }
  const running = action ? action !== "stop" : status.running;
  return {
    changes,
    result: { name: args.name, state: running ? "started" : "stopped", enabled: args.enabled ?? status.enabled },
  };
}

export const serviceModule = defineModule({
  name: "service",
  args: serviceArgs,
  async plan(ctx, args) {
    const facts = await ctx.facts();
    const run: RunArgv = (argv) => ctx.host.run(argv);
    const manager = serviceManagerFor(facts, run);
    const status = await manager.probe(args.name);
    return planService(args, status, manager, run, ctx.host.name);
  },
});
