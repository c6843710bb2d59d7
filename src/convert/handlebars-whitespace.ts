/**
 * Whitespace made exact. The converted text between tags is first kept as written,
 * `{%-`/`-%}` become `{{~`/`~}}` and the newline trim_blocks drops is left for
 * Handlebars' own rule (a block tag alone on its line takes the line with it), which
 * gives Jinja's result in the common case. Then the Handlebars source is parsed with
 * Handlebars' whitespace processing, as tsible compiles it, and every text piece is
 * compared with the text Jinja outputs there; where they differ the text is written
 * as Jinja outputs it, and where Handlebars would still change that, the tags around
 * it get a `{{!}}` guard (an empty comment) that keeps Handlebars from touching it.
 */
import Handlebars from "handlebars";

export interface TextPart {
  type: "text";
  /** where the text starts in the source, for reports */
  at: number;
  /** what goes into the Handlebars source */
  emitted: string;
  /** what Jinja outputs here */
  expected: string;
}

export interface TagPart {
  type: "tag";
  body: string;
  /** a block tag or comment, which Handlebars may treat as standalone */
  standaloneKind: boolean;
  tildeBefore: boolean;
  tildeAfter: boolean;
  guard: boolean;
}

/** a converted template: text and tags alternate (texts may be empty) */
export type Part = TextPart | TagPart;

/** the Handlebars source of `parts` */
export function build(parts: Part[]): string {
  return parts
    .map((part, index) => {
      if (part.type === "tag") return `${part.guard ? "{{!}}" : ""}{{${part.tildeBefore ? "~" : ""}${part.body}${part.tildeAfter ? "~" : ""}}}`;
      // "}" right after "}}" would read as Handlebars' }}}: an empty comment keeps them apart
      return index > 0 && part.emitted.startsWith("}") ? `{{!}}${part.emitted}` : part.emitted;
    })
    .join("");
}

/** indexes of text parts whose Handlebars output differs from Jinja's */
export function mismatches(parts: Part[]): number[] {
  const program = Handlebars.parse(build(parts));
  const contents: hbs.AST.ContentStatement[] = [];
  const walk = (body: hbs.AST.Statement[]) => {
    for (const statement of body) {
      if (statement.type === "ContentStatement") contents.push(statement as hbs.AST.ContentStatement);
      if (statement.type === "BlockStatement") {
        const block = statement as hbs.AST.BlockStatement;
        walk(block.program.body);
        if (block.inverse) walk(block.inverse.body);
      }
    }
  };
  walk(program.body);
  const wrong: number[] = [];
  let next = 0;
  parts.forEach((part, index) => {
    if (part.type !== "text" || part.emitted === "") {
      if (part.type === "text" && part.expected !== "") wrong.push(index);
      return;
    }
    const content = contents[next++];
    // Handlebars' type declarations get `original` wrong: it is the text before whitespace control
    const original: unknown = content && Reflect.get(content, "original");
    if (!content || original !== part.emitted) throw new Error(`tsible bug: converted text does not line up with Handlebars' parse at ${JSON.stringify(part.emitted)}`);
    if (content.value !== part.expected) wrong.push(index);
  });
  return wrong;
}

/** the Handlebars source of `parts` once every text renders as Jinja's (parts are adjusted in place) */
export function exactHandlebars(parts: Part[]): string {
  for (let round = 0; round < 2 * parts.length + 2; round++) {
    const wrong = mismatches(parts);
    if (wrong.length === 0) return build(parts);
    for (const index of wrong) {
      const part = parts[index] as TextPart;
      // first write the text as Jinja outputs it; only if Handlebars still changes it, guard the tags around it
      if (part.emitted !== part.expected) {
        part.emitted = part.expected;
        continue;
      }
      for (const neighbour of [parts[index - 1], parts[index + 1]]) {
        if (neighbour?.type !== "tag") continue;
        neighbour.tildeBefore = false;
        neighbour.tildeAfter = false;
        if (neighbour.standaloneKind) neighbour.guard = true;
      }
    }
  }
  throw new Error("tsible bug: whitespace of the converted template does not settle");
}
