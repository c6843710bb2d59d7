/**
 * mosquitto_broker: deploy a broker's configuration files and password file,
 * then make the broker take them the gentlest way that works (nothing, SIGHUP,
 * restart, or start), prove it answers, and roll every file back when it does
 * not.
 *
 *   - name: Broker configuration
 *     mosquitto_broker:
 *       port: 20200
 *       files:
 *         - { dest: /etc/mosquitto/mosquitto.conf, template: mosquitto.conf.hbs, group: mosquitto, mode: "0640" }
 *         - { dest: /etc/mosquitto/acl, template: acl.hbs, reload: true }
 *       password_file:
 *         path: /etc/mosquitto/passwd
 *         owner: mosquitto
 *         users: [{ name: smc, password: "{{ smc_password }}" }]
 *
 * plan() reads the host in two round trips run side by side (the files and
 * the version; the service's status), plus one for the old content of the
 * config files that differ. The password file's report names users, never
 * a hash or a password.
 */
import { readFile } from "node:fs/promises";
import { shellScript } from "../connection/quote.js";
import { dirname } from "node:path";
import { UnreachableError } from "../connection/types.js";
import { serviceManagerFor } from "../modules/service.js";
import type { RunArgv, ServiceManager, ServiceStatus } from "../modules/service-managers.js";
import { defineModule, ModuleFailure, type Change, type ModuleContext } from "../modules/types.js";
import type { PathRequest, ProbedPath } from "../modules/host/path-probe.js";
import { assertAttributesKnown } from "../modules/files/attributes.js";
import { configLineProblem } from "./config-line.js";
import { hashFormatForVersion } from "./password-hash.js";
import { activateBroker, restoreFiles, type BrokerTarget } from "./broker-activate.js";
import { brokerArgs, type BrokerArgs, type BrokerFileArgs } from "./broker-args.js";
import {
  chooseActivation,
  contentDiffers,
  describeActivation,
  fileProblem,
  hashFormatName,
  planConfigFile,
  planPasswordFileChange,
  type PlannedFile,
  type PreviousFile,
} from "./broker-plan.js";
import { MOSQUITTO_VERSION_SCRIPT, parseInstalledMosquitto, type InstalledMosquitto } from "./broker-probe.js";
import { DeployJournal } from "./broker-rollback.js";
import { brokerWatchdog, kitDir, type BrokerWatchdog } from "./broker-watchdog.js";

async function fileContent(ctx: ModuleContext, file: BrokerFileArgs): Promise<Buffer> {
  if (file.content !== undefined) return Buffer.from(file.content, "utf8");
  const name = file.template ?? "";
  const source = await ctx.findLocalFile("templates", name);
  return Buffer.from(ctx.renderTemplate(await readFile(source, "utf8"), source, { valueRule: configLineProblem }), "utf8");
}

/** The managed files (links followed: their targets are written), then the password file (with its content), then the rollback kit an interrupted deploy may have left */
function probeRequests(args: BrokerArgs): PathRequest[] {
  const requests: PathRequest[] = args.files.map((file) => ({ path: file.dest, follow: true, checksum: "sha256", owner: file.owner, group: file.group }));
  const passwordFile = args.password_file;
  if (passwordFile) requests.push({ path: passwordFile.path, follow: true, checksum: "sha256", content: true, owner: passwordFile.owner, group: passwordFile.group });
  requests.push({ path: kitDir(args.service) });
  return requests;
}

interface HostState {
  installed: InstalledMosquitto;
  files: ProbedPath[];
  status: ServiceStatus;
}

/** Three read-only round trips side by side: mosquitto's version (which anyone may read), the files, the service */
async function probeHost(ctx: ModuleContext, args: BrokerArgs, manager: ServiceManager): Promise<HostState> {
  const [installed, files, status] = await Promise.allSettled([
    ctx.host.runChecked(shellScript(MOSQUITTO_VERSION_SCRIPT, []), { what: `finding mosquitto's version on ${ctx.host.name}`, unprivileged: true }),
    ctx.host.probePaths(probeRequests(args)),
    manager.probe(args.service),
  ]);
  if (installed.status === "rejected") throw installed.reason;
  if (files.status === "rejected") throw files.reason;
  const probe = parseInstalledMosquitto(installed.value);
  if (probe.version === undefined) {
    throw new ModuleFailure(
      `mosquitto is not installed on ${ctx.host.name} (no 'mosquitto -h', no dpkg or rpm package): install it before deploying its configuration (package: name=mosquitto). In check mode, an install task before this one is only predicted, so this task cannot be.`,
    );
  }
  if (status.status === "rejected") throw status.reason;
  return { installed: probe, files: files.value, status: status.value };
}

/** The old bytes of every config file whose content differs, read side by side: the diff and a rollback need them */
async function oldContents(ctx: ModuleContext, files: readonly ProbedPath[], wanted: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
  return Promise.all(
    files.map(async (probed, index) => {
      const content = wanted[index];
      if (probed.kind !== "file" || content === undefined || !contentDiffers(probed, content)) return undefined;
      return ctx.host.readExisting(probed.realPath);
    }),
  );
}

/** The deploy's rollback watchdog, armed before its first write with every file it will write */
interface Guard {
  watchdog: BrokerWatchdog | undefined;
  records: PreviousFile[];
}

function writeChange(ctx: ModuleContext, file: PlannedFile, journal: DeployJournal, guard: Guard): Change {
  return {
    description: file.description,
    diff: file.diff,
    apply: async () => {
      await guard.watchdog?.arm(guard.records);
      journal.record(file.previous, file.reload);
      try {
        if (file.createParents) await ctx.host.makeDirectories(dirname(file.path));
        await ctx.host.write(file.path, file.content, file.attributes);
      } catch (error) {
        // the broker was not told yet; put back what this task wrote so far, so the next run sees (and activates) every change
        // the write script failed before its rename: this file is as it was (a lost connection tells nothing)
        if (!(error instanceof UnreachableError)) journal.forget(file.path);
        const written = journal.paths;
        const problems = await restoreFiles(ctx, journal);
        // the files are as they were and the broker was not told: nothing is left for the watchdog
        if (problems.length === 0) await guard.watchdog?.disarm();
        const message = error instanceof Error ? error.message : String(error);
        const restored =
          problems.length > 0
            ? `and these files could not be put back:\n${problems.map((problem) => `  ${problem}`).join("\n")}`
            : written.length > 0
              ? `the files this task had written before it were put back (${written.join(", ")}); the broker was not touched`
              : "no other file had been written; the broker was not touched";
        throw new ModuleFailure(`writing ${file.path} failed: ${message}; ${restored}`, { path: file.path });
      }
    },
  };
}

export const mosquittoBrokerModule = defineModule({
  name: "mosquitto_broker",
  args: brokerArgs,
  async plan(ctx, args) {
    const run: RunArgv = (argv) => ctx.host.run(argv);
    const manager = serviceManagerFor(await ctx.facts(), run);
    // the probes are on their way while the templates render: neither needs the other
    const [{ installed, files, status }, wantedContents] = await Promise.all([
      probeHost(ctx, args, manager),
      Promise.all(args.files.map((file) => fileContent(ctx, file))),
    ]);
    const version = installed.version ?? "";
    const format = hashFormatForVersion(version);

    const configProbes = files.slice(0, args.files.length);
    const managedProbes = files.slice(0, args.files.length + (args.password_file ? 1 : 0));
    const kitLeft = files.at(-1)?.exists === true;
    for (const [index, probed] of managedProbes.entries()) {
      assertAttributesKnown(probed, (index < args.files.length ? args.files[index] : args.password_file) ?? {});
      const problem = fileProblem(probed);
      if (problem) throw new ModuleFailure(problem);
    }
    const old = await oldContents(ctx, configProbes, wantedContents);

    const planned: PlannedFile[] = [];
    args.files.forEach((file, index) => {
      const probed = configProbes[index];
      const content = wantedContents[index];
      if (!probed || !content) return;
      const attributes = { owner: file.owner, group: file.group, mode: file.mode };
      const change = planConfigFile(probed, { content, attributes, reload: file.reload }, old[index]);
      if (change) planned.push(change);
    });

    let usersChanged: string[] = [];
    const passwordFile = args.password_file;
    const passwordProbe = files[args.files.length];
    if (passwordFile && passwordProbe) {
      const passwords = planPasswordFileChange(passwordProbe, {
        users: passwordFile.users,
        removeUnlisted: passwordFile.remove_unlisted,
        format,
        attributes: { owner: passwordFile.owner, group: passwordFile.group, mode: passwordFile.mode },
      });
      usersChanged = passwords.changes.map((change) => change.user);
      if (passwords.file) planned.push(passwords.file);
    }

    const computed = chooseActivation(status.running, planned);
    // a kit left by a deploy that was cut off: the broker may not run on the files it wrote
    const activation = computed === "none" && kitLeft ? (status.running ? "restart" : "start") : computed;
    const journal = new DeployJournal();
    const guard: Guard = {
      watchdog:
        activation === "none"
          ? undefined
          : brokerWatchdog({
              run: (argv, stdin) => ctx.host.run(argv, { stdin }),
              service: args.service,
              seconds: args.rollback_after ?? 2 * args.wait_timeout + 60,
              recovery: manager.recoveryArgv(args.service, activation === "reload" ? "reload" : "restart"),
            }),
      records: planned.map((file) => file.previous),
    };
    const changes: Change[] = planned.map((file) => writeChange(ctx, file, journal, guard));
    const watchdog = guard.watchdog;
    if (activation !== "none" && watchdog) {
      const target: BrokerTarget = {
        service: args.service,
        port: args.port,
        host: args.host,
        logFile: args.log_file,
        configFile: args.config_file,
        waitSeconds: args.wait_timeout,
      };
      changes.push({
        description: `${describeActivation(activation, args.service)}${computed === "none" ? ": an earlier deploy was cut off before the broker was verified on its files" : ""}`,
        apply: async () => {
          await watchdog.arm(guard.records);
          // verified, or rolled back by tsible itself: nothing is left for the watchdog either way
          let result: Record<string, unknown>;
          try {
            result = await activateBroker(ctx, manager, target, activation, journal, watchdog, kitLeft);
          } catch (error) {
            // the activation's own failure is what the user needs to read, not a failed disarm after it
            await watchdog.disarm().catch(() => undefined);
            throw error;
          }
          await watchdog.disarm();
          return result;
        },
      });
    }
    return {
      changes,
      result: { version, hash_format: hashFormatName(format), activation, users_changed: usersChanged },
    };
  },
});
