import { describe, expect, it } from "vitest";
import { parseExpression, ParseProblem, type JinjaExpr } from "../../../src/convert/jinja-expression.js";

/** the tree without offsets, as a compact string */
function shape(expr: JinjaExpr): string {
  switch (expr.kind) {
    case "name":
      return expr.name;
    case "literal":
      return JSON.stringify(expr.value);
    case "list":
      return `[${expr.items.map(shape).join(", ")}]`;
    case "attr":
      return `${shape(expr.object)}.${expr.name}`;
    case "index":
      return `${shape(expr.object)}[${shape(expr.key)}]`;
    case "filter":
      return `(${shape(expr.value)} | ${expr.name}(${[...expr.args.map(shape), ...Object.entries(expr.kwargs).map(([key, value]) => `${key}=${shape(value)}`)].join(", ")}))`;
    case "test":
      return `(${shape(expr.value)} is ${expr.negated ? "not " : ""}${expr.name})`;
    case "call":
      return `${shape(expr.callee)}(${expr.args.map(shape).join(", ")})`;
    case "not":
      return `(not ${shape(expr.operand)})`;
    case "binary":
      return `(${shape(expr.left)} ${expr.op} ${shape(expr.right)})`;
    case "conditional":
      return `(${shape(expr.value)} if ${shape(expr.condition)} else ${expr.otherwise ? shape(expr.otherwise) : "-"})`;
  }
}

describe("Jinja expressions", () => {
  it.each([
    ["a.b['c'][0]", 'a.b["c"][0]'],
    ["x | default('y') | upper", '((x | default("y")) | upper())'],
    ["x | int > 3 and not y", "(((x | int()) > 3) and (not y))"],
    ["a or b and c", "(a or (b and c))"],
    ["x is not defined or x == 'a'", '((x is not defined) or (x == "a"))'],
    ["h in groups['brokers']", '(h in groups["brokers"])'],
    ["h not in l", "(not (h in l))"],
    ["a ~ '/' ~ b", '((a ~ "/") ~ b)'],
    ["l | join(d=',')", '(l | join(d=","))'],
    ["lookup('env', 'HOME')", 'lookup("env", "HOME")'],
    ["d.items()", "d.items()"],
    ["[1, 'a', none, True]", '[1, "a", null, true]'],
    ["'a' 'b'", '"ab"'],
    ["'it\\'s' ~ \"\\n\"", '("it\'s" ~ "\\n")'],
    ["-1", "-1"],
    ["a if b else c", "(a if b else c)"],
    ["(a or b) and c", "((a or b) and c)"],
    ["x.0", "x[0]"],
  ])("%s", (text, expected) => {
    expect(shape(parseExpression(text))).toBe(expected);
  });

  it.each([
    ["a b", /unexpected "b"/, 2],
    ["x | ", /expected a name/, 4],
    ["'open", /unterminated string/, 0],
    ["'\\x41'", /string escape \\x/, 1],
    ["(a, b)", /tuples/, 2],
    ["l[1:2]", /slices/, 3],
    ["{'a': 1}", /dict literals/, 0],
    ["a $ b", /unexpected character/, 2],
  ])("refuses %s where it goes wrong", (text, message, at) => {
    let problem: unknown;
    try {
      parseExpression(text);
    } catch (error) {
      problem = error;
    }
    expect(problem).toBeInstanceOf(ParseProblem);
    expect((problem as ParseProblem).message).toMatch(message);
    expect((problem as ParseProblem).at).toBe(at);
  });
});
