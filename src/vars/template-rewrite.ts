/**
 * Strict variables for Handlebars, by rewriting the parsed template.
 *
 * Handlebars' own `strict` option does not fit: it names only the last part of
 * a missing path (`"pasword" not defined` for `mqtt.pasword`), it crashes with
 * a TypeError on `{{default a.b.c "x"}}` when `a` is missing, it throws on
 * `{{^missing}}`, and it lets `{{#each missing}}` render nothing. So templates
 * are compiled in Handlebars' lenient mode and this rewrite puts the checks
 * exactly where tsible wants them:
 * - every `{{path}}` becomes `{{OUT path "path"}}`: OUT fails on an undefined
 *   value, naming the whole path, and turns the value into text;
 * - every `{{helper args}}` becomes `{{OUT (helper args)}}`;
 * - a variable passed to a helper becomes `(REQUIRE path "path")`, except for
 *   the helpers that exist to test for absence (TOLERANT_HELPERS), so
 *   `{{default missing "x"}}` and `{{#if missing}}` work and `{{upper missing}}`
 *   or `{{#each missing}}` fail with the variable's name.
 * A `{{ expr }}` standing alone uses CAPTURE instead of OUT, which hands the
 * value itself back to the caller (the type-preserving rule of renderString).
 *
 * A mustache without arguments is always a variable, even when its name is also
 * a helper (`{{first}}` reads the variable `first`): helpers here all need arguments.
 */

export const OUT_HELPER = "__tsible_out";
export const CAPTURE_HELPER = "__tsible_capture";
export const REQUIRE_HELPER = "__tsible_require";

/** helpers whose arguments may be undefined: they are how a template asks "is it there?" */
const TOLERANT_HELPERS = new Set(["default", "if", "unless", "and", "or", "not"]);

type Program = hbs.AST.Program;
type Statement = hbs.AST.Statement;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;
type SubExpression = hbs.AST.SubExpression;
type Hash = hbs.AST.Hash;

function isType<T extends hbs.AST.Node>(node: hbs.AST.Node, type: T["type"]): node is T {
  return node.type === type;
}

/** true when the template is one `{{ expr }}` with only whitespace around it */
export function isSingleExpression(program: Program): boolean {
  let mustaches = 0;
  for (const statement of program.body) {
    if (isType<hbs.AST.ContentStatement>(statement, "ContentStatement")) {
      // like Ansible, text around the expression (even a newline) makes the result a string
      if (statement.value !== "") return false;
    } else if (isType<hbs.AST.MustacheStatement>(statement, "MustacheStatement")) {
      mustaches++;
    } else {
      return false;
    }
  }
  return mustaches === 1;
}

export function rewriteProgram(program: Program, capture: boolean): Program {
  return { ...program, body: program.body.map((statement) => rewriteStatement(statement, capture)) };
}

function rewriteStatement(statement: Statement, capture: boolean): Statement {
  if (isType<hbs.AST.MustacheStatement>(statement, "MustacheStatement")) {
    return rewriteMustache(statement, capture ? CAPTURE_HELPER : OUT_HELPER);
  }
  if (isType<hbs.AST.BlockStatement>(statement, "BlockStatement")) {
    const block: hbs.AST.BlockStatement = {
      ...statement,
      params: checkedParams(statement.path, statement.params),
      hash: checkedHash(statement.path, statement.hash),
      program: statement.program && rewriteProgram(statement.program, false),
      inverse: statement.inverse && rewriteProgram(statement.inverse, false),
    };
    return block;
  }
  return statement;
}

/** `{{"name"}}` and `{{1}}` are Handlebars lookups of a field by that name: the same as a path */
function literalAsPath(literal: hbs.AST.Literal): PathExpression | undefined {
  const value: unknown = Reflect.get(literal, "value");
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return undefined;
  return { type: "PathExpression", data: false, depth: 0, parts: [String(value)], original: String(value), loc: literal.loc };
}

function rewriteMustache(mustache: hbs.AST.MustacheStatement, outputHelper: string): hbs.AST.MustacheStatement {
  const path = isType<PathExpression>(mustache.path, "PathExpression") ? mustache.path : literalAsPath(mustache.path);
  if (!path) return mustache;
  const hasArguments = mustache.params.length > 0 || (mustache.hash?.pairs.length ?? 0) > 0;
  const params: Expression[] = hasArguments
    ? [subExpression(path, checkedParams(path, mustache.params), checkedHash(path, mustache.hash), mustache.loc)]
    : [path, stringLiteral(path.original, path.loc)];
  return { ...mustache, path: helperPath(outputHelper, path.loc), params, hash: emptyHash(mustache.loc) };
}

function checkedParams(helper: PathExpression, params: Expression[]): Expression[] {
  const tolerant = TOLERANT_HELPERS.has(helper.original);
  return params.map((param) => checkedExpression(param, tolerant));
}

function checkedHash(helper: PathExpression, hash: Hash | undefined): Hash {
  if (!hash) return emptyHash(helper.loc);
  const tolerant = TOLERANT_HELPERS.has(helper.original);
  return { ...hash, pairs: hash.pairs.map((pair) => ({ ...pair, value: checkedExpression(pair.value, tolerant) })) };
}

function checkedExpression(expression: Expression, tolerant: boolean): Expression {
  if (isType<SubExpression>(expression, "SubExpression")) {
    return subExpression(
      expression.path,
      checkedParams(expression.path, expression.params),
      checkedHash(expression.path, expression.hash),
      expression.loc,
    );
  }
  if (!tolerant && isType<PathExpression>(expression, "PathExpression")) {
    return subExpression(helperPath(REQUIRE_HELPER, expression.loc), [expression, stringLiteral(expression.original, expression.loc)], emptyHash(expression.loc), expression.loc);
  }
  return expression;
}

function helperPath(name: string, loc: hbs.AST.SourceLocation): PathExpression {
  return { type: "PathExpression", data: false, depth: 0, parts: [name], original: name, loc };
}

function subExpression(path: PathExpression, params: Expression[], hash: Hash, loc: hbs.AST.SourceLocation): SubExpression {
  return { type: "SubExpression", path, params, hash, loc };
}

function stringLiteral(value: string, loc: hbs.AST.SourceLocation): hbs.AST.StringLiteral {
  return { type: "StringLiteral", value, original: value, loc };
}

function emptyHash(loc: hbs.AST.SourceLocation): Hash {
  return { type: "Hash", pairs: [], loc };
}
