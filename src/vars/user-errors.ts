/**
 * The UserErrors of templating and conditions, worded in one place so that a
 * missing variable reads the same in a task argument, a template file and a
 * `when:`.
 */
import { UserError } from "../errors.js";
import type { VarScope } from "./lazy-vars.js";
import type { TemplateSource } from "./template-source.js";
import { ExpressionError } from "./values.js";

export const DEFINE_HINT = "define it in group_vars, host_vars, vars or -e";

/** ` in task "write config"`, or nothing when there is no task */
export function inTask(source: TemplateSource): string {
  return source.task === undefined ? "" : ` in task "${source.task}"`;
}

/** ` in the value of "mqtt_broker_host"` while a variable's own template is being rendered */
export function inVariable(scope: VarScope): string {
  const current = scope.resolving.at(-1);
  return current === undefined ? "" : ` in the value of "${current}"`;
}

export function undefinedVariableError(
  name: string,
  scope: VarScope,
  where: { line: number | undefined; condition?: string; insideBlock?: boolean },
): UserError {
  const condition = where.condition === undefined ? "" : ` in condition "${where.condition}"`;
  const message = `undefined variable "${name}"${condition}${inVariable(scope)}${inTask(scope.source)}`;
  const topName = name.split(/[.[]/, 1)[0] ?? name;
  let hint = DEFINE_HINT;
  if (where.condition !== undefined) hint += `, or test it with "${name} is defined" or "${name} | default(...)"`;
  else if (where.insideBlock && scope.hasVariable(topName)) {
    hint = `inside {{#each}} and {{#with}} names refer to the current item: write @root.${name} for the variable`;
  }
  return new UserError(message, { location: { file: scope.source.file, line: where.line }, hint });
}

/** an ExpressionError from a helper, filter or operator, placed at the caller's file and line */
export function expressionUserError(error: ExpressionError, scope: VarScope, line: number | undefined, condition?: string): UserError {
  const inCondition = condition === undefined ? "" : ` in condition "${condition}"`;
  return new UserError(`${error.message}${inCondition}${inVariable(scope)}${inTask(scope.source)}`, {
    location: { file: scope.source.file, line },
    hint: error.hint,
    cause: error,
  });
}
