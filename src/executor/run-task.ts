/**
 * Runs one task on one host: loop, when, templated arguments, the module's
 * plan, and (outside check mode) its changes; then changed_when, failed_when,
 * until, register and notify. Never throws: every outcome is a TaskResult.
 */
import { ZodError } from "zod";
import type { BecomeOptions } from "../connection/types.js";
import { formatLocation, isTsibleError } from "../errors.js";
import { findModule } from "../module-registry.js";
import type { ModuleContext, Plan } from "../modules/types.js";
import { bindTaskHost } from "../modules/host/task-host.js";
import type { Task } from "../playbook/types.js";
import { evaluateConditions } from "../vars/conditions.js";
import type { VarScope } from "../vars/lazy-vars.js";
import type { Vars } from "../vars/vars.js";
import { createScope, renderDeep, renderText, type TemplateSource } from "../vars/template.js";
import type { HostState } from "./host-state.js";
import { loopItems } from "./loop-items.js";
import { CONDITION_FALSE, registeredValue, type TaskResult } from "./results.js";

/** `default(omit)` renders to this; arguments that hold it are left out */
export const OMIT = "__tsible_omit_place_holder__";

/** What the play gives a task runner */
export interface TaskEnvironment {
  check: boolean;
  displayName: string;
  varsFor(host: HostState): Vars;
  become(host: HostState, vars: Vars): BecomeOptions | undefined;
  findLocalFile(kind: "templates" | "files", name: string): Promise<string>;
  log(host: HostState, line: string): void;
  sleep(ms: number): Promise<void>;
}

export async function runTaskOnHost(task: Task, host: HostState, env: TaskEnvironment): Promise<TaskResult> {
  const source: TemplateSource = { file: task.location.file, line: task.location.line, task: env.displayName, baseDir: task.baseDir };
  try {
    // One scope for the task on this host: a variable that refers to others is rendered once, for
    // when, loop, arguments, templates, until, changed_when and failed_when alike
    const scope = createScope(env.varsFor(host));
    if (task.loop === undefined) {
      if (!evaluateConditions(task.when, scope, source)) return skipped(CONDITION_FALSE);
      return await runWithRetries(task, host, env, scope, source);
    }
    const items = loopItems(task.loopForm, renderDeep(task.loop, scope, source), task.loopControl.searchPaths, task.location);
    const control = task.loopControl;
    const results: TaskResult[] = [];
    for (const [index, item] of items.entries()) {
      if (index > 0 && control.pauseSeconds > 0) await env.sleep(control.pauseSeconds * 1000);
      const ansibleLoop = loopVariable(items, index);
      // what Ansible registers with each item's result: the item under the loop variable's name, ...
      const loopFields: Record<string, unknown> = {
        [task.loopVar]: item,
        ansible_loop_var: task.loopVar,
        ...(control.indexVar !== undefined ? { [control.indexVar]: index, ansible_index_var: control.indexVar } : {}),
        ...(control.extended ? { ansible_loop: ansibleLoop } : {}),
      };
      // ... which the task sees as variables too (ansible_loop always: tsible has it without `extended`)
      const itemScope = scope.layer({ ...loopFields, ansible_loop: ansibleLoop });
      const result = evaluateConditions(task.when, itemScope, source)
        ? await runWithRetries(task, host, env, itemScope, source)
        : skipped(CONDITION_FALSE);
      const label = control.label === undefined ? undefined : String(renderDeep(control.label, itemScope, source));
      results.push({ ...result, item, loopFields, ...(label !== undefined ? { label } : {}) });
      if (result.status === "unreachable") break;
    }
    return combineLoopResults(results);
  } catch (error) {
    return errorResult(error);
  }
}

async function runWithRetries(task: Task, host: HostState, env: TaskEnvironment, scope: VarScope, source: TemplateSource): Promise<TaskResult> {
  let result = await runOnce(task, host, env, scope, source);
  if (!task.until) return result;
  for (let attempt = 1; ; attempt++) {
    if (result.status === "unreachable" || evaluateConditions(task.until, withRegistered(task, scope, result), source)) return result;
    if (attempt > task.retries) return { ...result, status: "failed", failed: true, msg: `still failing 'until' after ${task.retries} retries: ${result.msg ?? ""}`.trim() };
    env.log(host, `retrying (${attempt}/${task.retries}) in ${task.delaySeconds}s`);
    await env.sleep(task.delaySeconds * 1000);
    result = await runOnce(task, host, env, scope, source);
  }
}

async function runOnce(task: Task, host: HostState, env: TaskEnvironment, scope: VarScope, source: TemplateSource): Promise<TaskResult> {
  const module = findModule(task.module);
  if (!module) return failed(`${formatLocation(task.location)}: unknown module '${task.module}'`);
  const rendered = withoutOmitted(renderDeep(task.args, scope, source));
  // jitless: zod would otherwise compile a parser (new Function) for each object schema on its
  // first use, which costs more than it saves when a run checks each task's arguments a few times
  const parsed = module.args.safeParse(rendered, { jitless: true });
  if (!parsed.success) return failed(`${formatLocation(task.location)}: invalid arguments for ${module.name}: ${describeZodError(parsed.error)}`);

  const check = task.checkMode ?? env.check;
  const conn = await host.connection();
  const ctx: ModuleContext = {
    host: bindTaskHost(host.name, conn, env.become(host, scope.vars)),
    facts: () => host.facts(),
    check,
    vars: scope.vars,
    renderTemplate: (text, sourceName, options) => renderText(text, scope, { file: sourceName, task: env.displayName, baseDir: task.baseDir }, options),
    evaluate: (condition) => evaluateConditions([condition], scope, source),
    findLocalFile: (kind, name) => env.findLocalFile(kind, name),
    log: (line) => env.log(host, line),
  };

  let result: TaskResult;
  try {
    const plan: Plan = await module.plan(ctx, parsed.data);
    result = await carryOut(plan, check, host, env);
  } catch (error) {
    result = errorResult(error);
    if (result.status === "unreachable") return result;
  }
  // A host that dies kills the task's command before it drops the connection: the command's
  // failure (exit 137, say) is then the host being gone, which the recap must say
  if (result.status === "failed") {
    const gone = await conn.ping().then(
      () => undefined,
      (error: unknown) => (isTsibleError(error) && error.kind === "unreachable" ? error : undefined),
    );
    if (gone) return errorResult(gone);
  }
  return applyTaskConditions(task, result, scope, source);
}

/** Reports the plan in check mode, applies it otherwise */
async function carryOut(plan: Plan, check: boolean, host: HostState, env: TaskEnvironment): Promise<TaskResult> {
  const data: Record<string, unknown> = { ...(plan.result ?? {}) };
  const changes = plan.changes.map((change) => change.description);
  const diff = plan.changes.flatMap((change) => (change.diff ? [change.diff] : []));
  if (check && plan.unpredictable !== undefined && plan.changes.length > 0) {
    return { ...skipped(`skipped in check mode: ${plan.unpredictable}`), data };
  }
  if (!check) {
    for (const [index, change] of plan.changes.entries()) {
      env.log(host, `apply: ${change.description}`);
      try {
        Object.assign(data, (await change.apply()) ?? {});
      } catch (error) {
        const failure = errorResult(error);
        // what was applied before the failure did change the host; a module may say the failed step did too
        const changed = index > 0 || failure.data.changed === true;
        return { ...failure, changed, changes: changes.slice(0, index + 1), diff, data: { ...data, ...failure.data } };
      }
    }
  }
  const changed = plan.changes.length > 0;
  return { status: changed ? "changed" : "ok", changed, failed: false, skipped: false, msg: typeof data.msg === "string" ? data.msg : undefined, changes, diff, data };
}

/** until, failed_when and changed_when see the result under the register name, or its fields as names without one, as in Ansible */
function withRegistered(task: Task, scope: VarScope, result: TaskResult): VarScope {
  const registered = registeredValue(result);
  return scope.layer(task.register ? { [task.register]: registered } : registered);
}

function applyTaskConditions(task: Task, result: TaskResult, scope: VarScope, source: TemplateSource): TaskResult {
  if (result.skipped || (!task.failedWhen && !task.changedWhen)) return result;
  const bound = withRegistered(task, scope, result);
  let next = result;
  if (task.changedWhen) {
    const changed = evaluateConditions(task.changedWhen, bound, source);
    next = { ...next, changed, status: next.failed ? "failed" : changed ? "changed" : "ok" };
  }
  if (task.failedWhen) {
    const failedNow = evaluateConditions(task.failedWhen, bound, source);
    next = {
      ...next,
      failed: failedNow,
      status: failedNow ? "failed" : next.changed ? "changed" : "ok",
      msg: failedNow ? (next.msg ?? "failed_when condition was true") : next.msg,
    };
  }
  return next;
}

/** `ansible_loop` as Ansible's `loop_control: {extended: true}` sets it */
function loopVariable(items: readonly unknown[], index: number): Record<string, unknown> {
  return {
    allitems: items,
    index: index + 1,
    index0: index,
    revindex: items.length - index,
    revindex0: items.length - index - 1,
    first: index === 0,
    last: index === items.length - 1,
    length: items.length,
    ...(index > 0 ? { previtem: items[index - 1] } : {}),
    ...(index < items.length - 1 ? { nextitem: items[index + 1] } : {}),
  };
}

function combineLoopResults(items: TaskResult[]): TaskResult {
  const failedItem = items.some((item) => item.failed);
  const unreachable = items.some((item) => item.status === "unreachable");
  const changed = items.some((item) => item.changed);
  const allSkipped = items.length === 0 || items.every((item) => item.skipped);
  const status = unreachable ? "unreachable" : failedItem ? "failed" : allSkipped ? "skipped" : changed ? "changed" : "ok";
  return {
    status,
    changed,
    failed: failedItem,
    skipped: allSkipped,
    msg: failedItem ? "One or more items failed" : allSkipped ? "All items skipped" : "All items completed",
    changes: items.flatMap((item) => item.changes),
    diff: items.flatMap((item) => item.diff),
    items,
    data: {},
  };
}

function withoutOmitted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => item !== OMIT).map(withoutOmitted);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== OMIT).map(([key, item]) => [key, withoutOmitted(item)]));
  }
  return value;
}

function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? `'${issue.path.join(".")}'` : "arguments";
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}

export function skipped(msg: string): TaskResult {
  return { status: "skipped", changed: false, failed: false, skipped: true, msg, changes: [], diff: [], data: {} };
}

function failed(msg: string, data: Record<string, unknown> = {}): TaskResult {
  return { status: "failed", changed: false, failed: true, skipped: false, msg, changes: [], diff: [], data };
}

/** Turns anything thrown while running a task into its result, by the error's kind; bugs keep their stack for -v */
export function errorResult(error: unknown): TaskResult {
  if (isTsibleError(error)) {
    if (error.kind === "unreachable") {
      const msg = error.hint ? `${error.message} (${error.hint})` : error.message;
      return { ...failed(msg, error.data), status: "unreachable", failed: false };
    }
    // a step that failed and a mistake in the playbook both fail the task, with what the user can act on
    return failed(error.format(), error.data);
  }
  // a schema check thrown rather than returned (arguments are checked with safeParse above)
  if (error instanceof ZodError) return failed(describeZodError(error));
  const bug = error instanceof Error ? error : new Error(String(error));
  return failed(`internal error in tsible: ${bug.message}`, { exception: bug.stack });
}
