/**
 * Conditions: `when`, `changed_when`, `failed_when` and `assert: that`, in
 * Ansible's (Jinja's) expression language, parsed by jsep (expression.ts) and
 * evaluated here over the same lazy variables as templates. Never eval.
 *
 * An undefined name is a value (`Undefined`) until something uses it: only
 * `is defined`, `is undefined` and `| default(...)` may look at it; anything
 * else fails naming the variable.
 */
import { UserError } from "../errors.js";
import { Secret } from "../secrets.js";
import { FILTERS, FILTERS_ACCEPTING_UNDEFINED, TESTS, TESTS_ACCEPTING_UNDEFINED, Undefined, contains, jinjaString } from "./condition-functions.js";
import { child, type Expression, isNode, parseExpression } from "./expression.js";
import { type VarScope, materialize } from "./lazy-vars.js";
import { containsTemplateText } from "./template-text.js";
import { type TemplateSource, type VarsOrScope, renderValueInScope, scopeOf } from "./template.js";
import { expressionUserError, inTask, undefinedVariableError } from "./user-errors.js";
import { ExpressionError, describeValue, isPlainObject, isTruthy, typeName, valuesEqual } from "./values.js";

/** Evaluate one condition: an expression string, a boolean, or null/"" (no condition: true) */
export function evaluateCondition(condition: unknown, vars: VarsOrScope, source: TemplateSource): boolean {
  const scope = scopeOf(vars);
  return scope.within(source, () => conditionInScope(condition, scope));
}

/** Evaluate a condition or a list of them (all must hold; evaluation stops at the first false one) */
export function evaluateConditions(conditions: unknown, vars: VarsOrScope, source: TemplateSource): boolean {
  const scope = scopeOf(vars);
  return scope.within(source, () =>
    Array.isArray(conditions) ? conditions.every((condition) => conditionInScope(condition, scope)) : conditionInScope(conditions, scope),
  );
}

/** an expression's value, or the undefined variable it needed (the caller decides whether that is an error) */
export type ExpressionResult = { defined: true; value: unknown } | { defined: false; variable: string };

/**
 * The value of one expression as plain data, for what Ansible templates as `{{ expr }}` to get a
 * value (an inventory plugin's `compose` and keyed group `key`). Other mistakes (syntax, an
 * unknown filter, a type error) are UserErrors at `source`.
 */
export function evaluateExpression(expression: string, vars: VarsOrScope, source: TemplateSource): ExpressionResult {
  const scope = scopeOf(vars);
  return scope.within(source, (): ExpressionResult => {
    try {
      return { defined: true, value: materialize(need(new ConditionEvaluator(scope).evaluate(parseExpression(expression)))) };
    } catch (error) {
      if (error instanceof UndefinedUse) return { defined: false, variable: error.variable };
      if (error instanceof ExpressionError) throw expressionUserError(error, scope, source.line);
      throw error;
    }
  });
}

/** thrown when an undefined value is used; becomes a UserError naming the variable */
class UndefinedUse extends Error {
  constructor(readonly variable: string) {
    super(`undefined variable "${variable}"`);
  }
}

function need(value: unknown): unknown {
  if (value instanceof Undefined) throw new UndefinedUse(value.name);
  return value;
}

function conditionInScope(condition: unknown, scope: VarScope): boolean {
  if (typeof condition === "boolean") return condition;
  // Ansible treats an empty condition as no condition
  if (condition === null || condition === undefined) return true;
  if (typeof condition === "number") return condition !== 0;
  const location = { file: scope.source.file, line: scope.source.line };
  if (typeof condition !== "string") {
    throw new UserError(`a condition must be an expression, a boolean or a list of them, got a ${typeName(condition)}${inTask(scope.source)}`, {
      location,
      hint: "write it as a string: when: result.rc == 0",
    });
  }
  let text = condition.trim();
  if (text === "") return true;
  if (containsTemplateText(text)) {
    // Ansible allows `when: "{{ x }}"`: render first, then read the result as a condition
    const rendered = renderValueInScope(text, scope);
    if (typeof rendered !== "string") return isTruthy(rendered);
    text = rendered.trim();
    if (text === "") return false;
  }
  try {
    return isTruthy(need(new ConditionEvaluator(scope).evaluate(parseExpression(text))));
  } catch (error) {
    const failure =
      error instanceof UndefinedUse
        ? undefinedVariableError(error.variable, scope, { line: scope.source.line, condition: text })
        : error instanceof ExpressionError
          ? expressionUserError(error, scope, scope.source.line, text)
          : undefined;
    if (!failure) throw error;
    if (text === condition.trim()) throw failure;
    throw new UserError(`${failure.message} (rendered from "${condition.trim()}")`, {
      location: failure.location,
      hint: `${failure.hint ?? ""}; a condition needs no {{ }}: write env == 'prod', not {{ env }} == 'prod'`,
      cause: error,
    });
  }
}


function children(node: Expression, key: string): Expression[] {
  const value = node[key];
  if (!Array.isArray(value)) return [];
  return value.map((item) => {
    if (!isNode(item)) throw new ExpressionError("a list with an empty item");
    return item;
  });
}

function identifierName(node: Expression): string | undefined {
  return node.type === "Identifier" && typeof node.name === "string" ? node.name : undefined;
}

/** how a node reads in a message: `result.stdout_lines[0]` */
function pathText(node: Expression): string {
  switch (node.type) {
    case "Identifier":
      return String(node.name);
    case "Literal":
      return String(node.raw);
    case "MemberExpression": {
      const property = child(node, "property");
      return node.computed ? `${pathText(child(node, "object"))}[${pathText(property)}]` : `${pathText(child(node, "object"))}.${pathText(property)}`;
    }
    case "CallExpression":
      return `${pathText(child(node, "callee"))}(...)`;
    default:
      return "(expression)";
  }
}

function number(value: unknown, operator: string): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  throw new ExpressionError(`"${operator}" needs numbers, got ${describeValue(materialize(value))}`, "convert first: x | int");
}

function revealed(value: unknown): unknown {
  return value instanceof Secret ? value.reveal() : value;
}

class ConditionEvaluator {
  constructor(private readonly scope: VarScope) {}

  evaluate(node: Expression): unknown {
    switch (node.type) {
      case "Literal":
        return node.value;
      case "Identifier":
        return this.variable(String(node.name));
      case "ThisExpression":
        return this.variable("this");
      case "ArrayExpression":
        return children(node, "elements").map((element) => need(this.evaluate(element)));
      case "MemberExpression":
        return this.member(node);
      case "UnaryExpression":
        return this.unary(String(node.operator), child(node, "argument"));
      case "BinaryExpression":
        return this.binary(String(node.operator), child(node, "left"), child(node, "right"));
      case "CallExpression":
        return this.methodCall(node);
      case "Compound":
        throw new ExpressionError(
          "two expressions with no operator between them",
          "join conditions with and/or; test membership with 'x' in y; filters need a pipe: x | length",
        );
      default:
        throw new ExpressionError(`unsupported syntax (${node.type})`, "conditions use Ansible's expression syntax: x == 'a', x is defined, 'y' in list, x | int > 2");
    }
  }

  private variable(name: string): unknown {
    if (!this.scope.hasVariable(name)) return new Undefined(name);
    const value = this.scope.root[name];
    return value === undefined ? new Undefined(name) : value;
  }

  private member(node: Expression): unknown {
    const object = this.evaluate(child(node, "object"));
    // the first missing part is the one to name: `reslt.rc` reports "reslt"
    if (object instanceof Undefined) return object;
    const path = pathText(node);
    const propertyNode = child(node, "property");
    const key = node.computed ? need(this.evaluate(propertyNode)) : identifierName(propertyNode);
    const container = revealed(object);
    let value: unknown;
    if ((Array.isArray(container) || typeof container === "string") && typeof key === "number" && Number.isInteger(key)) {
      value = container.length === 0 ? undefined : container[key < 0 ? container.length + key : key];
    } else if (isPlainObject(container) && (typeof key === "string" || typeof key === "number") && Object.hasOwn(container, String(key))) {
      value = container[String(key)];
    }
    return value === undefined ? new Undefined(path) : value;
  }

  private unary(operator: string, argumentNode: Expression): unknown {
    const value = need(this.evaluate(argumentNode));
    if (operator === "not") return !isTruthy(value);
    if (operator === "-") return -number(value, "-");
    if (operator === "+") return number(value, "+");
    throw new ExpressionError(`unsupported operator "${operator}"`);
  }

  private binary(operator: string, leftNode: Expression, rightNode: Expression): unknown {
    if (operator === "and" || operator === "or") {
      const left = need(this.evaluate(leftNode));
      if (isTruthy(left) === (operator === "or")) return left;
      return need(this.evaluate(rightNode));
    }
    if (operator === "|") return this.filter(leftNode, rightNode);
    if (operator === "is" || operator === "is not") return this.test(leftNode, rightNode) === (operator === "is");
    const left = need(this.evaluate(leftNode));
    const right = need(this.evaluate(rightNode));
    switch (operator) {
      case "==":
        return valuesEqual(materialize(left), materialize(right));
      case "!=":
        return !valuesEqual(materialize(left), materialize(right));
      case "<":
      case ">":
      case "<=":
      case ">=":
        return compare(left, right, operator);
      case "in":
        return contains(right, left);
      case "not in":
        return !contains(right, left);
      case "~":
        return jinjaString(left) + jinjaString(right);
      case "+":
        return add(left, right);
      case "-":
        return number(left, operator) - number(right, operator);
      case "*":
        return number(left, operator) * number(right, operator);
      case "/":
        return number(left, operator) / number(right, operator);
      case "//":
        return Math.floor(number(left, operator) / number(right, operator));
      case "%":
        return number(left, operator) % number(right, operator);
      case "**":
        return number(left, operator) ** number(right, operator);
      default:
        throw new ExpressionError(`unsupported operator "${operator}"`);
    }
  }

  /** `x | name` or `x | name(args)` */
  private filter(valueNode: Expression, filterNode: Expression): unknown {
    const { name, args } = this.named(filterNode, "filter");
    const filter = FILTERS[name];
    if (!filter) {
      throw new ExpressionError(`unknown filter "${name}"`, `conditions know the filters ${Object.keys(FILTERS).join(", ")}`);
    }
    const value = this.evaluate(valueNode);
    return filter(FILTERS_ACCEPTING_UNDEFINED.has(name) ? value : need(value), args);
  }

  /** `x is name` or `x is name(args)` */
  private test(valueNode: Expression, testNode: Expression): boolean {
    const { name, args } = this.named(testNode, "test");
    const test = TESTS[name];
    if (!test) throw new ExpressionError(`unknown test "${name}"`, `conditions know the tests ${Object.keys(TESTS).join(", ")}`);
    const value = this.evaluate(valueNode);
    return test(TESTS_ACCEPTING_UNDEFINED.has(name) ? value : need(value), args);
  }

  private named(node: Expression, kind: "filter" | "test"): { name: string; args: unknown[] } {
    // `none`, `true` and `false` are literals to the parser but test names after `is`
    if (kind === "test" && node.type === "Literal" && typeof node.raw === "string") return { name: node.raw.toLowerCase(), args: [] };
    const plain = identifierName(node);
    if (plain !== undefined) return { name: plain, args: [] };
    const called = node.type === "CallExpression" ? identifierName(child(node, "callee")) : undefined;
    if (called !== undefined) return { name: called, args: children(node, "arguments").map((arg) => need(this.evaluate(arg))) };
    throw new ExpressionError(`expected a ${kind} name after "${kind === "filter" ? "|" : "is"}", got ${pathText(node)}`);
  }

  /** the few Python methods playbooks use: result.stdout.startswith('x'), facts.get('k', 'd') */
  private methodCall(node: Expression): unknown {
    const callee = child(node, "callee");
    const method = callee.type === "MemberExpression" && !callee.computed ? identifierName(child(callee, "property")) : undefined;
    if (method === undefined) {
      throw new ExpressionError(`"${pathText(callee)}(...)" is not something a condition can call`, "filters are written with a pipe: x | default('y')");
    }
    const target = revealed(need(this.evaluate(child(callee, "object"))));
    const args = children(node, "arguments").map((arg) => revealed(need(this.evaluate(arg))));
    const [first, second] = args;
    if (typeof target === "string") {
      switch (method) {
        case "startswith":
          return target.startsWith(String(first));
        case "endswith":
          return target.endsWith(String(first));
        case "lower":
          return target.toLowerCase();
        case "upper":
          return target.toUpperCase();
        case "strip":
          return target.trim();
        case "split":
          return first === undefined ? target.split(/\s+/).filter((part) => part !== "") : target.split(String(first));
        case "replace":
          return target.replaceAll(String(first), String(second));
      }
    }
    if (isPlainObject(target)) {
      switch (method) {
        case "get":
          return Object.hasOwn(target, String(first)) ? target[String(first)] : (second ?? null);
        case "keys":
          return Object.keys(target);
        case "values":
          return Object.values(target);
      }
    }
    throw new ExpressionError(`unknown method "${method}" on a ${typeName(target)}`, "strings know startswith, endswith, lower, upper, strip, split, replace; dicts know get, keys, values");
  }
}

function compare(left: unknown, right: unknown, operator: string): boolean {
  const a = revealed(typeof left === "boolean" ? Number(left) : left);
  const b = revealed(typeof right === "boolean" ? Number(right) : right);
  if (!((typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string"))) {
    throw new ExpressionError(
      `cannot compare ${describeValue(materialize(left))} with ${describeValue(materialize(right))} using "${operator}"`,
      "compare numbers with numbers and strings with strings: convert with | int (ansible_facts.distribution_major_version | int >= 8)",
    );
  }
  switch (operator) {
    case "<":
      return a < b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    default:
      return a >= b;
  }
}

function add(left: unknown, right: unknown): unknown {
  const a = revealed(left);
  const b = revealed(right);
  if (typeof a === "string" && typeof b === "string") return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return number(a, "+") + number(b, "+");
}
