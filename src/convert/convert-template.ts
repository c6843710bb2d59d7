/**
 * One Jinja template (or one templated YAML string) in tsible's Handlebars dialect,
 * rendering the same bytes as Ansible renders the original, or a list of the
 * constructs that stop it from doing so. Never a partial or approximate result.
 * Tags are converted one by one into parts (text with the output Jinja gives it,
 * tags); handlebars-whitespace.ts then makes the whitespace exact, and Ansible's
 * final-newline rule is applied from what each block can print.
 */
import { ConvertProblem, type Finding } from "./convert-problem.js";
import { mustacheBody, printsPythonBool, toHandlebars, type ExpressionContext } from "./handlebars-expression.js";
import { build, exactHandlebars, mismatches, type Part } from "./handlebars-whitespace.js";
import { Parser, ParseProblem, parseExpression, type JinjaExpr } from "./jinja-expression.js";
import { jinjaText, lexTemplate, type TagToken, type TemplateToken } from "./jinja-template.js";

export type { Finding } from "./convert-problem.js";

export type ConvertResult = { ok: true; text: string; warnings: Finding[] } | { ok: false; problems: Finding[]; warnings: Finding[] };

export interface ConvertOptions {
  /** "template": a template file; "string": a string in a YAML file, where a lone `{{ expr }}` keeps its type */
  mode: "template" | "string";
  /** the quote Handlebars string literals prefer (a YAML double-quoted string wants ') */
  quote?: '"' | "'";
}

/** what a converted piece may output, for Ansible's final-newline rule */
type Shape = { type: "text"; text: string } | { type: "value" } | { type: "choice"; branches: Shape[][] } | { type: "loop"; body: Shape[]; otherwise: Shape[] };

interface Block {
  kind: "if" | "for";
  sawElse: boolean;
  /** shapes of the branches so far; the last is being filled */
  branches: Shape[][];
  context: ExpressionContext;
}

export function convertJinja(source: string, options: ConvertOptions): ConvertResult {
  const warnings: Finding[] = [];
  const at = (offset: number): Finding => {
    const before = source.slice(0, offset);
    const line = before.split("\n").length;
    return { line, column: offset - before.lastIndexOf("\n"), message: "" };
  };
  const warn = (message: string, offset: number) => warnings.push({ ...at(offset), message });
  const found: (ConvertProblem | ParseProblem)[] = [];
  let text: string | undefined;
  try {
    text = convert(source, options, warn, (problem) => found.push(problem));
  } catch (error) {
    if (!(error instanceof ConvertProblem || error instanceof ParseProblem)) throw error;
    found.push(error);
  }
  if (found.length > 0 || text === undefined) return { ok: false, problems: found.map((problem) => ({ ...at(problem.at), message: problem.message })), warnings };
  return { ok: true, text, warnings };
}

function isProblem(error: unknown): error is ConvertProblem | ParseProblem {
  return error instanceof ConvertProblem || error instanceof ParseProblem;
}

/**
 * The Handlebars text, or problems: each tag that cannot be converted is given to `report` and
 * the rest is still read (so every such tag is reported); the text is returned only without any.
 */
function convert(source: string, options: ConvertOptions, warn: ExpressionContext["warn"], report: (problem: ConvertProblem | ParseProblem) => void): string | undefined {
  if (source.includes("\r")) throw new ConvertProblem("carriage returns (CRLF line ends): Jinja turns them into \\n; convert the file to \\n line ends first", source.indexOf("\r"));
  const trailingNewlines = /\n*$/.exec(source)?.[0].length ?? 0;
  // keep_trailing_newline=False: Jinja drops one final newline before lexing
  const lexed = trailingNewlines > 0 ? source.slice(0, -1) : source;
  const tokens = lexTemplate(lexed);
  const quote = options.quote ?? '"';
  const rootContext: ExpressionContext = { loopVariables: new Set(), inLoop: false, quote, warn };
  const lone = options.mode === "string" && tokens.length === 3 && tokens[0]?.kind === "text" && tokens[0].raw === "" && tokens[1]?.kind === "output" && tokens[2]?.kind === "text" && tokens[2].raw === "";

  const parts: Part[] = [];
  const root: Shape[] = [];
  const stack: Block[] = [];
  const shapes = (): Shape[] => {
    const block = stack.at(-1);
    return block ? (block.branches.at(-1) as Shape[]) : root;
  };
  const context = (): ExpressionContext => stack.at(-1)?.context ?? rootContext;
  // parts alternate text and tag (texts may be empty), so each text is one Handlebars content piece
  const addText = (emitted: string, expected: string, at: number) => {
    const last = parts.at(-1);
    if (last?.type === "text") {
      last.emitted += emitted;
      last.expected += expected;
    } else {
      parts.push({ type: "text", emitted, expected, at });
    }
    shapes().push({ type: "text", text: expected });
  };
  const addTag = (body: string, tag: TagToken) => {
    if (parts.at(-1)?.type !== "text") parts.push({ type: "text", emitted: "", expected: "", at: tag.start });
    const standaloneKind = tag.kind !== "output";
    parts.push({ type: "tag", body, standaloneKind, tildeBefore: standaloneKind && tag.stripBefore, tildeAfter: standaloneKind && tag.stripAfter, guard: false });
  };

  let reported = false;
  tokens.forEach((token, index) => {
    try {
      convertToken(token, index);
    } catch (error) {
      if (!isProblem(error)) throw error;
      report(error);
      reported = true;
      // an if or for that cannot be converted still opens a block, so that its end tag matches
      const keyword = token.kind === "block" ? /^\s*(if|for)\b/.exec(token.inner)?.[1] : undefined;
      if (keyword === "if" || keyword === "for") stack.push({ kind: keyword, sawElse: false, branches: [[]], context: { ...context(), inLoop: context().inLoop || keyword === "for" } });
    }
  });
  function convertToken(token: TemplateToken, index: number): void {
    if (token.kind === "text") {
      const previous = tagAt(tokens, index - 1);
      const next = tagAt(tokens, index + 1);
      const expected = jinjaText(token.raw, previous, next);
      let emitted = token.raw;
      if (previous?.kind === "output" && previous.stripAfter) emitted = jinjaText(emitted, previous, undefined);
      if (next?.kind === "output" && next.stripBefore) emitted = jinjaText(emitted, undefined, next);
      if (emitted.endsWith("\\") && next) throw new ConvertProblem("a backslash right before a tag (Handlebars reads \\{{ as an escape)", token.start + token.raw.length - 1);
      addText(emitted, expected, token.start);
      return;
    }
    if (token.kind === "comment") {
      if (token.inner.includes("--}}")) throw new ConvertProblem("a comment holding --}}", token.innerStart);
      addTag(`!--${token.inner}--`, token);
      return;
    }
    // Ansible doubles backslashes inside the tags of a playbook string (escape_backslashes), templates keep them
    if (options.mode === "string" && token.inner.includes("\\")) throw new ConvertProblem("a backslash inside {{ }} or {% %} in a YAML string is not converted", token.innerStart + token.inner.indexOf("\\"));
    if (token.kind === "output") {
      // tags made from an output tag: Handlebars may still take them as standalone, Jinja's signs stay on the output tag
      const inner: TagToken = { ...token, kind: "block", stripBefore: false, stripAfter: false };
      convertOutput(token, lone, {
        context,
        text: addText,
        mustache: (body) => {
          addTag(body, token);
          shapes().push({ type: "value" });
        },
        openIf: (condition) => {
          addTag(`#if ${condition}`, inner);
          stack.push({ kind: "if", sawElse: false, branches: [[]], context: context() });
        },
        elseIf: () => {
          const top = stack.at(-1) as Block;
          addTag("else", inner);
          top.sawElse = true;
          top.branches.push([]);
        },
        closeIf: () => {
          const top = stack.pop() as Block;
          addTag("/if", inner);
          shapes().push({ type: "choice", branches: top.branches });
        },
      });
      return;
    }
    convertBlockTag(token, stack, context(), addTag, shapes);
  }
  const open = stack.at(-1);
  if (open) throw new ConvertProblem(`{% ${open.kind} %} is never closed`, lexed.length);
  if (reported) return undefined;

  // Ansible's template module adds final newlines until the output ends with as many as the source
  const tail = trailingNewlinesOf(root, { min: 0, exact: true });
  const last = parts.at(-1);
  if (last?.type !== "text") throw new Error("tsible bug: converted parts must end with text");
  if (tail.min < trailingNewlines) {
    if (!tail.exact) {
      throw new ConvertProblem(
        "the output ends with what the last block prints: when it prints nothing (an empty list, a false condition) Ansible still writes the final newline, Handlebars cannot; end the template with a line of text after the last block",
        lexed.length,
      );
    }
    const padding = "\n".repeat(trailingNewlines - tail.min);
    last.expected += padding;
    last.emitted += padding;
  }
  // "{" right before "{{" would read as Handlebars' {{{ (see build for "}" after "}}")
  parts.forEach((part, index) => {
    if (part.type === "text" && part.emitted.endsWith("{") && index < parts.length - 1) {
      throw new ConvertProblem('a "{" right before a tag reads as Handlebars\' {{{: put a space between them', part.at + part.emitted.length - 1);
    }
  });
  const text = exactHandlebars(parts);
  // a template that ended with a newline keeps one when Handlebars drops it anyway (a closing tag alone on the last line)
  if (trailingNewlines > 0 && !text.endsWith("\n")) {
    last.emitted += "\n";
    if (mismatches(parts).length === 0) return build(parts);
    last.emitted = last.emitted.slice(0, -1);
  }
  return text;
}

function tagAt(tokens: TemplateToken[], index: number): TagToken | undefined {
  const token = tokens[index];
  return token && token.kind !== "text" ? token : undefined;
}

/** true for `loop.first` / `loop.last`, which Jinja prints as True/False */
function isLoopBoolean(expr: JinjaExpr): boolean {
  return expr.kind === "attr" && expr.object.kind === "name" && expr.object.name === "loop" && (expr.name === "first" || expr.name === "last");
}

/** what convertOutput writes into: text, mustaches, and the if/else of `x if c else y` */
interface OutputEmitter {
  context: () => ExpressionContext;
  text: (emitted: string, expected: string, at: number) => void;
  mustache: (body: string) => void;
  openIf: (condition: string) => void;
  elseIf: () => void;
  closeIf: () => void;
}

function convertOutput(token: TagToken, lone: boolean, emit: OutputEmitter): void {
  const expr = parseExpression(token.inner, token.innerStart);
  // only a lone `{{ expr }}` keeps its type; anything else is printed
  const valueContext = lone && !(expr.kind === "binary" && expr.op === "~");
  if (valueContext && expr.kind === "conditional") throw new ConvertProblem("x if c else y alone in a YAML string keeps its type in Ansible; it is not converted there", expr.at);
  printed(expr, valueContext, emit);
}

/** `a ~ "x" ~ b` prints its pieces one after another, `a if c else b` is an if block */
function printed(expr: JinjaExpr, valueContext: boolean, emit: OutputEmitter): void {
  if (expr.kind === "binary" && expr.op === "~") {
    printed(expr.left, false, emit);
    printed(expr.right, false, emit);
    return;
  }
  if (expr.kind === "literal") {
    if (valueContext && typeof expr.value !== "string") throw new ConvertProblem("a lone non-string literal keeps its type in Ansible; write the value without {{ }}", expr.at);
    const text = expr.value === null ? "" : expr.value === true ? "True" : expr.value === false ? "False" : String(expr.value);
    if (typeof expr.value === "number" && !Number.isInteger(expr.value)) throw new ConvertProblem("a float literal printed as text", expr.at);
    if (text.includes("{{") || text.includes("\\")) throw new ConvertProblem("printed text holding {{ or a backslash is not converted", expr.at);
    emit.text(text, text, expr.at);
    return;
  }
  if (expr.kind === "conditional") {
    // Jinja evaluates only the branch it takes, as an if block does
    if (!expr.otherwise) throw new ConvertProblem("x if c without else is not converted (write {% if %} blocks)", expr.at);
    emit.openIf(toHandlebars(expr.condition, emit.context()));
    printed(expr.value, false, emit);
    emit.elseIf();
    printed(expr.otherwise, false, emit);
    emit.closeIf();
    return;
  }
  if (!valueContext && (printsPythonBool(expr) || isLoopBoolean(expr))) {
    throw new ConvertProblem("this prints Python's True/False, tsible prints true/false: print the words you want with {% if %}", expr.at);
  }
  emit.mustache(mustacheBody(toHandlebars(expr, emit.context())));
}

function convertBlockTag(
  token: TagToken,
  stack: Block[],
  context: ExpressionContext,
  addTag: (body: string, tag: TagToken) => void,
  shapes: () => Shape[],
): void {
  const parser = Parser.of(token.inner, token.innerStart);
  const keyword = parser.next();
  const word = keyword.type === "name" ? keyword.text : "";
  const top = stack.at(-1);
  const finishBlock = (kind: Block["kind"]) => {
    if (!top || top.kind !== kind) throw new ConvertProblem(`{% ${word} %} without an open {% ${kind} %}`, keyword.at);
    parser.expectEnd();
    stack.pop();
    const shape: Shape =
      kind === "if"
        ? { type: "choice", branches: top.sawElse ? top.branches : [...top.branches, []] }
        : { type: "loop", body: top.branches[0] ?? [], otherwise: top.branches[1] ?? [] };
    addTag(kind === "if" ? "/if" : "/each", token);
    shapes().push(shape);
  };
  switch (word) {
    case "if": {
      const condition = parser.or();
      parser.expectEnd();
      addTag(`#if ${toHandlebars(condition, context)}`, token);
      stack.push({ kind: "if", sawElse: false, branches: [[]], context });
      return;
    }
    case "elif": {
      if (!top || top.kind !== "if" || top.sawElse) throw new ConvertProblem("{% elif %} outside {% if %}", keyword.at);
      const condition = parser.or();
      parser.expectEnd();
      addTag(`else if ${toHandlebars(condition, top.context)}`, token);
      top.branches.push([]);
      return;
    }
    case "else": {
      if (!top || top.sawElse) throw new ConvertProblem("{% else %} outside {% if %} or {% for %}", keyword.at);
      parser.expectEnd();
      addTag("else", token);
      top.sawElse = true;
      top.branches.push([]);
      // the else of a for loop runs outside the loop
      if (top.kind === "for") top.context = stack.at(-2)?.context ?? { ...top.context, loopVariables: new Set(), inLoop: false };
      return;
    }
    case "endif":
      finishBlock("if");
      return;
    case "endfor":
      finishBlock("for");
      return;
    case "for": {
      const { body, loopContext } = forLoop(parser, context, keyword.at);
      addTag(body, token);
      stack.push({ kind: "for", sawElse: false, branches: [[]], context: loopContext });
      return;
    }
    default:
      throw new ConvertProblem(`{% ${word || token.inner.trim()} %} is not converted (if, elif, else, for and comments are)`, keyword.at);
  }
}

function forLoop(parser: Parser, context: ExpressionContext, at: number): { body: string; loopContext: ExpressionContext } {
  const targets = [parser.expectName().text];
  while (parser.isOp(",")) {
    parser.next();
    targets.push(parser.expectName().text);
  }
  if (!parser.isWord("in")) throw new ConvertProblem('expected "in" in {% for %}', parser.peek().at);
  parser.next();
  const iterable = parser.or();
  if (parser.isWord("if") || parser.isWord("recursive")) throw new ConvertProblem(`{% for ... ${parser.peek().text} %} is not converted`, parser.peek().at);
  parser.expectEnd();
  for (const name of targets) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name === "loop" || name === "this") throw new ConvertProblem(`loop variable "${name}" is not converted`, at);
  }
  // d.items(), d.keys(), d.values(): Handlebars' each over a dict gives the value, with the key as second block param
  const dictMethod = iterable.kind === "call" && iterable.callee.kind === "attr" && iterable.args.length === 0 ? iterable.callee : undefined;
  let source: JinjaExpr = iterable;
  let params: string;
  if (dictMethod && ["items", "keys", "values"].includes(dictMethod.name)) {
    source = dictMethod.object;
    const wanted = dictMethod.name === "items" ? 2 : 1;
    if (targets.length !== wanted) throw new ConvertProblem(`{% for %} over .${dictMethod.name}() needs ${wanted} loop variable(s)`, at);
    params = dictMethod.name === "items" ? `${targets[1]} ${targets[0]}` : dictMethod.name === "keys" ? `_value ${targets[0]}` : `${targets[0]}`;
  } else {
    if (targets.length !== 1) throw new ConvertProblem("{% for a, b in list %} (unpacking) is not converted; over a dict write d.items()", at);
    params = `${targets[0]}`;
    if (iterable.kind === "name" || iterable.kind === "attr" || iterable.kind === "index") {
      context.warn("for over a variable: were it a dict, Jinja would give its keys and Handlebars its values (write .keys() or .items() for a dict)", iterable.at);
    }
  }
  const loopVariables = new Set([...context.loopVariables, ...targets]);
  const body = `#each ${toHandlebars(source, context)} as |${params}|`;
  return { body, loopContext: { ...context, loopVariables, inLoop: true } };
}

/** the least number of newlines the output can end with after `shapes`, and whether that number is certain */
function trailingNewlinesOf(shapes: Shape[], before: { min: number; exact: boolean }): { min: number; exact: boolean } {
  let tail = before;
  for (const shape of shapes) {
    if (shape.type === "text") {
      if (shape.text === "") continue;
      const newlines = /\n*$/.exec(shape.text)?.[0].length ?? 0;
      tail = newlines === shape.text.length ? { min: tail.min + newlines, exact: tail.exact } : { min: newlines, exact: true };
    } else if (shape.type === "value") {
      // taken to end without a newline, as config values do (README: a value ending in one gets one more)
      tail = { min: 0, exact: true };
    } else if (shape.type === "choice") {
      tail = combine(shape.branches.map((branch) => trailingNewlinesOf(branch, tail)));
    } else {
      const once = trailingNewlinesOf(shape.body, tail);
      const twice = trailingNewlinesOf(shape.body, once);
      tail = combine([trailingNewlinesOf(shape.otherwise, tail), once, twice]);
    }
  }
  return tail;
}

function combine(tails: { min: number; exact: boolean }[]): { min: number; exact: boolean } {
  const min = Math.min(...tails.map((tail) => tail.min));
  return { min, exact: tails.every((tail) => tail.exact && tail.min === min) };
}
