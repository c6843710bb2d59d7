/**
 * Ansible's "constructed" features, as the aws_ec2 plugin applies them to each host:
 * `compose` sets variables from expressions over the instance's variables; `groups` adds the
 * host to a group when an expression is true; `keyed_groups` adds it to a group named after
 * a value (`tags.Role` = broker -> `role_broker`). Expressions are Ansible's (Jinja's),
 * evaluated by tsible's own evaluator.
 *
 * Ansible skips an entry whose expression fails unless `strict` is set, because an instance
 * may lack a tag or attribute. tsible skips only for that reason (an undefined variable): a
 * syntax error or a filter tsible does not know is an error whatever `strict` says, as it
 * would silently drop every host from the group.
 */
import { UserError, type SourceLocation } from "../errors.js";
import { jinjaString } from "../vars/condition-functions.js";
import { evaluateExpression, type ExpressionResult } from "../vars/conditions.js";
import { VarScope } from "../vars/lazy-vars.js";
import { isPlainObject, isTruthy } from "../vars/values.js";
import type { Vars } from "../vars/vars.js";
import type { AwsEc2Config, KeyedGroup } from "./aws-ec2-config.js";
import { safeGroupName } from "./aws-ec2-hostvars.js";
import type { InventoryData } from "./model.js";

const GUARD_HINT = "an instance may lack the tag or attribute: guard it (tags.Role | default('none')), or drop 'strict: true' to skip such hosts";

/** Applies compose, then groups, then keyed_groups to one host, as the plugin does */
export function addConstructed(inventory: InventoryData, host: string, instanceVars: Vars, config: AwsEc2Config): void {
  // compose sees the instance's variables only; groups and keyed groups see the composed ones too
  const instanceScope = dataScope(instanceVars);
  for (const entry of config.compose) {
    const result = evaluate(`compose '${entry.name}'`, entry.expression, instanceScope, entry.location);
    if (!result.defined) {
      if (config.strict) throw undefinedError(`could not set '${entry.name}' for host ${host}`, result.variable, entry.location);
      continue;
    }
    inventory.setHostVar(host, entry.name, result.value, entry.location);
  }
  const hostScope = dataScope({ ...instanceVars, ...inventory.hosts.get(host)?.vars });
  for (const entry of config.groups) {
    const result = evaluate(`group '${entry.name}'`, entry.expression, hostScope, entry.location);
    if (!result.defined) {
      if (config.strict) throw undefinedError(`could not decide whether host ${host} is in group '${entry.name}'`, result.variable, entry.location);
      continue;
    }
    if (isTruthy(result.value)) inventory.addHost(host, safeGroupName(entry.name), entry.location);
  }
  for (const keyed of config.keyedGroups) addToKeyedGroups(inventory, host, hostScope, keyed, config);
}

function addToKeyedGroups(inventory: InventoryData, host: string, scope: VarScope, keyed: KeyedGroup, config: AwsEc2Config): void {
  const result = evaluate(`keyed group key`, keyed.key, scope, keyed.location);
  if (!result.defined) {
    if (config.strict) throw undefinedError(`could not make a keyed group for host ${host} from "${keyed.key}"`, result.variable, keyed.location);
    return;
  }
  const key = typeof result.value === "number" || typeof result.value === "boolean" ? jinjaString(result.value) : result.value;
  if (!isTruthy(key) && !(key === "" && keyed.defaultValue !== undefined)) {
    // an empty list or dict is a host with nothing to group by, not a mistake
    const emptyCollection = (Array.isArray(key) && key.length === 0) || (isPlainObject(key) && Object.keys(key).length === 0);
    if (config.strict && !emptyCollection) {
      throw new UserError(`keyed group key "${keyed.key}" is empty for host ${host}`, { location: keyed.location, hint: GUARD_HINT });
    }
    return;
  }
  const orDefault = (value: unknown): string => (value === "" && keyed.defaultValue !== undefined ? keyed.defaultValue : pythonStr(value));
  let names: string[];
  if (typeof key === "string") names = [orDefault(key)];
  else if (Array.isArray(key)) names = key.map(orDefault);
  else if (isPlainObject(key)) names = Object.entries(key).map(([name, value]) => dictGroupName(name, value, keyed));
  else {
    throw new UserError(`keyed group key "${keyed.key}" must give a string, a list or a dict, got ${jinjaString(key)}`, {
      location: keyed.location,
      hint: "pick one value out of it, for example tags.Role",
    });
  }
  const separator = keyed.prefix === "" && !config.leadingSeparator ? "" : keyed.separator;
  for (const name of names) {
    const group = safeGroupName(`${keyed.prefix}${separator}${name}`);
    inventory.addHost(host, group, keyed.location);
    if (keyed.parentGroup !== undefined) inventory.addChild(safeGroupName(keyed.parentGroup), group, keyed.location);
  }
}

/** `tags` as a key gives one group per tag: `Name_broker1`; an empty value takes default_value or drops the separator */
function dictGroupName(name: string, value: unknown, keyed: KeyedGroup): string {
  if (value !== "") return `${name}${keyed.separator}${pythonStr(value)}`;
  if (keyed.defaultValue !== undefined) return `${name}${keyed.separator}${keyed.defaultValue}`;
  return keyed.trailingSeparator === false ? name : `${name}${keyed.separator}`;
}

/** what Python's '%s' makes of a value, as in a group name built from a list or dict item */
function pythonStr(value: unknown): string {
  return typeof value === "string" ? value : pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    return `${quote}${value.replaceAll("\\", "\\\\").replaceAll(quote, `\\${quote}`)}${quote}`;
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (isPlainObject(value)) return `{${Object.entries(value).map(([key, item]) => `${pythonRepr(key)}: ${pythonRepr(item)}`).join(", ")}}`;
  return jinjaString(value);
}

/**
 * The variables as they are: tag values come from whoever may tag an instance, so a `{{` in
 * one is text, never a template to render.
 */
function dataScope(vars: Vars): VarScope {
  return new VarScope(vars, (template) => template);
}

function evaluate(what: string, expression: string, scope: VarScope, location: SourceLocation): ExpressionResult {
  try {
    return evaluateExpression(expression, scope, { file: location.file, line: location.line });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(`${what} "${expression}": ${error.message}`, { location, hint: error.hint, cause: error });
  }
}

function undefinedError(what: string, variable: string, location: SourceLocation): UserError {
  return new UserError(`${what}: undefined variable "${variable}"`, { location, hint: GUARD_HINT });
}
