/**
 * Making a broker take new files, and proving it did: reload (SIGHUP), restart
 * or start through the host's service manager, then the port must answer from
 * the host itself, and after a reload the broker's log must show no error
 * about what it re-read. When the broker does not come back, every file this
 * deploy wrote gets its old bytes, owner and mode back (or is removed when it
 * did not exist), the broker is restarted on them and checked again, and the
 * task fails with the broker's own words. A deploy never leaves a broker down
 * without saying so loudly.
 */
import type { ServiceAction, ServiceManager } from "../modules/service-managers.js";
import { ModuleFailure, type ModuleContext } from "../modules/types.js";
import type { Activation } from "./broker-plan.js";
import type { BrokerWatchdog } from "./broker-watchdog.js";
import { brokerErrorLines, linesSinceReload, rollbackListener, type DeployJournal, type Listener } from "./broker-rollback.js";
import { logSince, logSize, reloadLog, runBrokerByHand, waitForPort, type LogExcerpt } from "./broker-watch.js";

export interface BrokerTarget {
  service: string;
  port: number;
  host: string;
  logFile: string;
  configFile: string;
  waitSeconds: number;
}

/** What went wrong, in one line, and the broker's own lines about it */
interface Outcome {
  ok: boolean;
  reason: string;
  log: LogExcerpt;
  /** the broker run by hand on its config file, when the service was not running */
  byHand?: string[] | undefined;
}

/** Seconds a reload has to show up in the log: the broker handles SIGHUP within its next loop turn */
const RELOAD_LOG_SECONDS = 5;

export async function restoreFiles(ctx: ModuleContext, journal: DeployJournal): Promise<string[]> {
  const problems: string[] = [];
  for (const step of journal.restoreSteps()) {
    try {
      if (step.kind === "remove") {
        await ctx.host.runChecked(["rm", "-f", "--", step.path], { what: `removing ${step.path}` });
      } else {
        await ctx.host.write(step.path, step.content, { owner: step.owner, group: step.group, mode: step.mode });
      }
    } catch (error) {
      problems.push(`${step.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}

/** The first line of a service manager's failure: the rest is its own (older) log tail, which we replace with ours */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // "systemctl restart x failed (exit code 1):" introduces the output that follows: not part of the line
  return (message.split("\n")[0] ?? message).replace(/:$/, "");
}

async function isRunning(manager: ServiceManager, service: string): Promise<boolean> {
  try {
    return (await manager.probe(service)).running;
  } catch {
    return false;
  }
}

/**
 * Run `action` and check the broker: the service manager's own check that it
 * runs, then the listener, then (reload) the log since `offset`.
 */
async function actAndVerify(
  ctx: ModuleContext,
  manager: ServiceManager,
  target: BrokerTarget,
  action: ServiceAction,
  listener: Listener | undefined,
): Promise<Outcome> {
  const offset = await logSize(ctx, target.logFile);
  const fail = async (reason: string): Promise<Outcome> => {
    const log = await logSince(ctx, target.logFile, offset);
    const running = await isRunning(manager, target.service);
    const byHand = running ? undefined : await brokerByHand(ctx, target.configFile);
    return { ok: false, reason, log, byHand };
  };

  try {
    await manager.act(target.service, action);
  } catch (error) {
    if (!(error instanceof ModuleFailure)) throw error;
    return fail(firstLine(error));
  }
  if (listener) {
    const address = listener.address ?? target.host;
    if (!(await waitForPort(ctx, address, listener.port, target.waitSeconds))) {
      return fail(`nothing answered on ${address}:${listener.port} within ${target.waitSeconds} s`);
    }
  }
  if (action === "reload") {
    const log = await reloadLog(ctx, target.logFile, offset, RELOAD_LOG_SECONDS);
    if (log.kind === "lines") {
      const errors = brokerErrorLines(linesSinceReload(log.lines) ?? []);
      if (errors.length > 0) return { ok: false, reason: `${target.service} reported errors on reload: ${errors.join(" ")}`, log: { lines: log.lines, from: "since" } };
    } else {
      ctx.log(`${target.service}: ${log.kind === "nolog" ? `no log at ${target.logFile}` : "no 'Reloading config.' line in its log"}; the reload is checked by its port only`);
    }
  }
  return { ok: true, reason: "", log: { lines: [], from: "none" } };
}

async function brokerByHand(ctx: ModuleContext, configFile: string): Promise<string[]> {
  const run = await runBrokerByHand(ctx, configFile);
  if (run.exitCode === 124) return [...run.output, `(it started by hand on ${configFile} and ran until stopped after 3 s)`];
  if (run.exitCode === 127) return ["(mosquitto is not on the PATH: could not run it by hand)"];
  return run.output;
}

function describeOutcome(outcome: Outcome, target: BrokerTarget, heading: string): string {
  const parts: string[] = [];
  if (outcome.byHand && outcome.byHand.length > 0) {
    parts.push(`${heading}: running 'mosquitto -c ${target.configFile}' by hand printed:\n${indent(outcome.byHand)}`);
  }
  if (outcome.log.lines.length > 0) {
    const which = outcome.log.from === "tail" ? "last lines of" : "lines written to";
    parts.push(`${heading}: ${which} ${target.logFile}:\n${indent(outcome.log.lines)}`);
  } else {
    parts.push(`${heading}: nothing was written to ${target.logFile}`);
  }
  return parts.join("\n");
}

/** "/etc/mosquitto/mosquitto.conf has its previous content again; /etc/x was removed (it did not exist before)" */
export function describeRestore(journal: DeployJournal): string {
  return journal
    .restoreSteps()
    .map((step) => (step.kind === "write" ? `${step.path} has its previous content, owner and mode again` : `${step.path} was removed (it did not exist before)`))
    .join("; ");
}

/** What the rollback put back: this deploy's files, or (a deploy that wrote nothing itself) those of the cut-off one */
function restoredText(journal: DeployJournal): string {
  return journal.isEmpty ? "the files from before an earlier, cut-off deploy were put back" : describeRestore(journal);
}

function indent(lines: readonly string[]): string {
  return lines.map((line) => `  ${line}`).join("\n");
}

/**
 * Apply the activation; on failure roll back and throw. Returns the result
 * fields of a successful activation.
 */
export async function activateBroker(
  ctx: ModuleContext,
  manager: ServiceManager,
  target: BrokerTarget,
  activation: Exclude<Activation, "none">,
  journal: DeployJournal,
  watchdog: BrokerWatchdog,
  /** a rollback kit from an earlier, cut-off deploy: something to roll back even when this one wrote nothing */
  kitLeft: boolean,
): Promise<Record<string, unknown>> {
  ctx.log(`${target.service}: ${activation}`);
  const outcome = await actAndVerify(ctx, manager, target, activation, { port: target.port });
  if (outcome.ok) return { activation };

  const where = `${target.service} on ${ctx.host.name}`;
  const reason = outcome.reason.replace(/\.$/, "");
  const failed = describeOutcome(outcome, target, "the new configuration");
  if (journal.isEmpty && !kitLeft) {
    throw new ModuleFailure(`${target.service} did not ${activation} on ${ctx.host.name} (${outcome.reason}); this task changed no file, so there is nothing to roll back.\n${failed}`, {
      activation,
      broker_log: outcome.log.lines,
    });
  }

  ctx.log(`${target.service}: ${activation} failed (${outcome.reason}); restoring the previous files from the rollback kit`);
  // the kit on the host holds every file this deploy wrote (and, after a cut-off deploy, the files from before it)
  const restoreProblems = await watchdog.restoreNow();
  // A broker still running after a failed reload only needs to re-read the old files; otherwise it starts on them afresh.
  const stillRunning = activation === "reload" && (await isRunning(manager, target.service));
  if (!stillRunning) await manager.resetFailures(target.service);
  const listener = rollbackListener(journal, target.port);
  const rollback = await actAndVerify(ctx, manager, target, stillRunning ? "reload" : "restart", listener);
  const fields = {
    activation,
    rolled_back: journal.paths,
    broker_log: outcome.log.lines,
    ...(outcome.byHand ? { broker_output: outcome.byHand } : {}),
  };

  if (rollback.ok && restoreProblems.length === 0) {
    const answering = listener ? `answers on ${listener.address ?? target.host}:${listener.port}` : "runs (its status says so; the restored files name no port to check)";
    throw new ModuleFailure(
      `${where} did not take the new configuration: ${reason}. It was rolled back (${restoredText(journal)}), and ${target.service} ${answering} again.\n${failed}`,
      fields,
    );
  }
  const restoreText = restoreProblems.length > 0 ? `\nfiles that could not be restored:\n${indent(restoreProblems)}` : "";
  const headline = rollback.ok
    ? `THE ROLLBACK IS INCOMPLETE on ${ctx.host.name}: ${target.service} did not take the new configuration (${outcome.reason}); it runs again, but not every file could be put back. Fix them by hand now.`
    : `${target.service.toUpperCase()} IS DOWN on ${ctx.host.name}: it did not take the new configuration (${outcome.reason}), and rolling back (${restoredText(journal)}) did not bring it back either: ${rollback.reason}. Fix it by hand now.`;
  throw new ModuleFailure(
    `${headline}${restoreText}\n${failed}\n${describeOutcome(rollback, target, "the rollback")}`,
    { ...fields, rollback_failed: true, rollback_log: rollback.log.lines },
  );
}
