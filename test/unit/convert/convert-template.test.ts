/**
 * Each construct `tsible convert` translates: the Handlebars it writes, and that tsible renders
 * it to the bytes Jinja (with Ansible's template settings) gives. The expected outputs are
 * Jinja's; test/unit/convert/ansible-render.test.ts checks whole templates against real Ansible.
 * Then each construct it refuses, with the line and column it reports.
 */
import { describe, expect, it } from "vitest";
import { convertJinja } from "../../../src/convert/convert-template.js";
import { renderString, renderText } from "../../../src/vars/template.js";

const source = { file: "templates/x.hbs" };

function converted(template: string, mode: "template" | "string" = "template"): string {
  const result = convertJinja(template, { mode });
  if (!result.ok) throw new Error(`not converted: ${JSON.stringify(result.problems)}`);
  return result.text;
}

function refused(template: string, mode: "template" | "string" = "template") {
  const result = convertJinja(template, { mode });
  if (result.ok) throw new Error(`expected a problem, got ${JSON.stringify(result.text)}`);
  return result.problems;
}

/** converts, checks the Handlebars text, and that it renders Jinja's output */
function check(jinja: string, handlebars: string, vars: Record<string, unknown>, jinjaOutput: string): void {
  const text = converted(jinja);
  expect(text).toBe(handlebars);
  expect(renderText(text, vars, source)).toBe(jinjaOutput);
}

describe("filters become value-first helpers", () => {
  it("default, with and without its second argument", () => {
    check("{{ x | default('y') }}", '{{default x "y"}}', {}, "y");
    check("{{ x | d('y', true) }}", '{{default x "y" true}}', { x: "" }, "y");
    check("{{ x | default() }}", '{{default x ""}}', {}, "");
  });

  it("join, upper, lower, int, quote, to_nice_json", () => {
    check("{{ l | join(', ') }}", '{{join l ", "}}', { l: ["a", "b"] }, "a, b");
    check("{{ l | join }}", "{{join l}}", { l: ["a", "b"] }, "ab");
    check("{{ s | upper }} {{ s | lower }}", "{{upper s}} {{lower s}}", { s: "MiX" }, "MIX mix");
    check("{{ n | int }}", "{{int n}}", { n: "42" }, "42");
    check("{{ n | int(7) }}", "{{int n 7}}", { n: "x" }, "7");
    check("{{ p | quote }}", "{{quote p}}", { p: "a b" }, "'a b'");
    check("{{ d | to_nice_json }}", "{{to_nice_json d}}", { d: { b: 1, a: [1, 2] } }, '{\n    "a": [\n        1,\n        2\n    ],\n    "b": 1\n}');
  });

  it("ternary, also after bool", () => {
    check("{{ on | ternary('yes', 'no') }}", '{{ternary on "yes" "no"}}', { on: false }, "no");
    check("{{ on | bool | ternary('yes', 'no') }}", '{{ternary (bool on) "yes" "no"}}', { on: "yes" }, "yes");
  });

  it("chained filters nest", () => {
    check("{{ x | default('A') | lower }}", '{{lower (default x "A")}}', {}, "a");
  });

  it("a list literal is concat, the empty list (concat)", () => {
    check("{% for x in l | default(['a', 'b']) %}{{ x }}{% endfor %}", '{{#each (default l (concat "a" "b")) as |x|}}{{x}}{{/each}}', {}, "ab");
    check("{% for x in l | default([]) %}{{ x }}{% endfor %}.", "{{#each (default l (concat)) as |x|}}{{x}}{{/each}}.", {}, ".");
  });

  it("+ of numbers is add; mandatory is what tsible does anyway", () => {
    check("{{ port | int + 1 }} {{ l | length + loop_base | int }}", "{{add (int port) 1}} {{add (length l) (int loop_base)}}", { port: "1883", l: [1, 2], loop_base: "10" }, "1884 12");
    check("{{ x | mandatory }}", "{{x}}", { x: "v" }, "v");
    expect(refused("{{ a + 'b' }}")[0]?.message).toMatch(/operator "\+"/);
  });

  it("ansible_distribution converts with a warning: tsible's is lowercase", () => {
    const result = convertJinja("{{ ansible_distribution }}", { mode: "template" });
    expect(result.ok && result.text).toBe("{{ansible_distribution}}");
    expect(result.warnings[0]?.message).toMatch(/lowercase/);
  });

  it("lookup env and file", () => {
    expect(converted("{{ lookup('env', 'HOME') }}")).toBe('{{lookup "env" "HOME"}}');
  });

  it("to_json converts with a warning: tsible's is compact", () => {
    const result = convertJinja("{{ d | to_json }}", { mode: "template" });
    expect(result.ok && result.text).toBe("{{to_json d}}");
    expect(result.warnings[0]?.message).toMatch(/to_json.*compact/);
  });
});

describe("variables", () => {
  it("attribute and item access are paths", () => {
    check("{{ a.b }} {{ a['c'] }} {{ l[0] }} {{ a['x-y'] }}", "{{a.b}} {{a.c}} {{l.[0]}} {{a.[x-y]}}", { a: { b: 1, c: 2, "x-y": 3 }, l: ["z"] }, "1 2 z 3");
  });

  it("hostvars and groups", () => {
    const vars = { groups: { brokers: ["b1", "b2"] }, hostvars: { b1: { port: 1 }, b2: { port: 2 } }, inventory_hostname: "b2" };
    check("{{ groups['brokers'][0] }} {{ hostvars['b1'].port }}", "{{groups.brokers.[0]}} {{hostvars.b1.port}}", vars, "b1 1");
    check("{{ hostvars[inventory_hostname]['port'] }}", '{{get (get hostvars inventory_hostname) "port"}}', vars, "2");
  });

  it("omit is a variable like any other", () => {
    expect(converted("{{ mode | default(omit) }}", "string")).toBe("{{default mode omit}}");
  });

  it("~ at the top of {{ }} prints its pieces", () => {
    check("{{ a ~ '/' ~ b }}", "{{a}}/{{b}}", { a: "x", b: "y" }, "x/y");
    check("{{ 'port ' ~ 42 }}", "port 42", {}, "port 42");
  });

  it("a } right after a tag (JSON) is kept apart from it, as }}} means something else to Handlebars", () => {
    check('{"port": {{ port }}}\n', '{"port": {{port}}{{!}}}\n', { port: 1883 }, '{"port": 1883}\n');
  });

  it("x if c else y prints through an if block, which reads only the branch it takes", () => {
    check("X11Forwarding {{ 'yes' if x11 else 'no' }}\n", 'X11Forwarding {{#if x11}}yes{{else}}no{{/if}}\n', { x11: false }, "X11Forwarding no\n");
    check("{{ a ~ '!' if on else b | default('-') }}", '{{#if on}}{{a}}!{{else}}{{default b "-"}}{{/if}}', { on: true, a: "A" }, "A!");
    expect(refused("{{ 'a' if on else 'b' }}", "string")[0]?.message).toMatch(/keeps its type/);
  });

  it("literals print as Jinja prints them", () => {
    check("{{ 'text' }}|{{ 42 }}|{{ none }}|{{ true }}", "text|42||True", {}, "text|42||True");
  });
});

describe("if / elif / else", () => {
  it("a chain, tags alone on their lines", () => {
    const jinja = "{% if l == 'debug' %}\nall\n{% elif l == 'info' %}\ninfo\n{% else %}\nerror\n{% endif %}\nend\n";
    const handlebars = '{{#if (eq l "debug")}}\nall\n{{else if (eq l "info")}}\ninfo\n{{else}}\nerror\n{{/if}}\nend\n';
    check(jinja, handlebars, { l: "info" }, "info\nend\n");
    expect(renderText(converted(jinja), { l: "x" }, source)).toBe("error\nend\n");
  });

  it("not, and, or, != and is defined / is not defined / is none", () => {
    check("{% if not a and b != 1 %}y{% endif %}", "{{#if (and (not a) (ne b 1))}}y{{/if}}", { a: false, b: 2 }, "y");
    check("{% if a or b %}y{% endif %}", "{{#if (or a b)}}y{{/if}}", { a: 0, b: 1 }, "y");
    check("{% if x is defined %}d{% else %}u{% endif %}", "{{#if (ne (default x null) null)}}d{{else}}u{{/if}}", {}, "u");
    check("{% if x is not defined %}u{% endif %}", "{{#if (eq (default x null) null)}}u{{/if}}", {}, "u");
    check("{% if x is none %}n{% endif %}", "{{#if (eq x null)}}n{{/if}}", { x: null }, "n");
  });

  it("the right side of and reads what the left side tests through default, as Jinja never reads it", () => {
    check("{% if x is defined and x.p != 'mqtt' %}y{% endif %}", '{{#if (and (ne (default x null) null) (ne (default x.p null) "mqtt"))}}y{{/if}}', {}, "");
    expect(renderText(converted("{% if x is defined and x.p != 'mqtt' %}y{% endif %}"), { x: { p: "ws" } }, source)).toBe("y");
  });

  it("in and not in are contains", () => {
    const vars = { groups: { brokers: ["b1"] }, inventory_hostname: "b1" };
    check("{% if inventory_hostname in groups['brokers'] %}y{% endif %}", "{{#if (contains groups.brokers inventory_hostname)}}y{{/if}}", vars, "y");
    check("{% if 'x' not in s %}n{% endif %}", '{{#if (not (contains s "x"))}}n{{/if}}', { s: "abc" }, "n");
  });

  it("an inline if keeps its line", () => {
    check("a{% if on %} b{% endif %}\nc\n", "a{{#if on}} b{{/if}}c\n", { on: true }, "a bc\n");
    check("a{% if on %} b{% endif %}\n\nc\n", "a{{#if on}} b{{/if}}\nc\n", { on: true }, "a b\nc\n");
  });
});

describe("for loops", () => {
  it("over a list, with outer variables read from @root", () => {
    check("# users\n{% for u in users %}\n{{ u }}@{{ host }}\n{% endfor %}\n", "# users\n{{#each users as |u|}}\n{{u}}@{{@root.host}}\n{{/each}}\n", { users: ["a", "b"], host: "h" }, "# users\na@h\nb@h\n");
  });

  it("over a variable warns that a dict would be iterated differently; over d.items() it does not", () => {
    expect(convertJinja("{% for x in l %}{{ x }}{% endfor %}", { mode: "template" }).warnings[0]?.message).toMatch(/were it a dict/);
    expect(convertJinja("{% for k, v in d.items() %}{{ k }}{% endfor %}", { mode: "template" }).warnings).toEqual([]);
  });

  it("over d.items(), d.keys(), d.values()", () => {
    const d = { k1: "v1", k2: "v2" };
    check("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "{{#each d as |v k|}}{{k}}={{v}};{{/each}}", { d }, "k1=v1;k2=v2;");
    check("{% for k in d.keys() %}{{ k }};{% endfor %}", "{{#each d as |_value k|}}{{k}};{{/each}}", { d }, "k1;k2;");
    check("{% for v in d.values() %}{{ v }};{% endfor %}", "{{#each d as |v|}}{{v}};{{/each}}", { d }, "v1;v2;");
  });

  it("loop.index, loop.index0, loop.first, loop.last", () => {
    check(
      "{% for x in l %}{{ loop.index }}{{ loop.index0 }}{% if loop.first %}F{% endif %}{% if not loop.last %},{% endif %}{% endfor %}",
      "{{#each l as |x|}}{{add @index 1}}{{@index}}{{#if @first}}F{{/if}}{{#if (not @last)}},{{/if}}{{/each}}",
      { l: ["a", "b"] },
      "10F,21",
    );
  });

  it("for ... else runs the else for an empty list", () => {
    check("{% for x in l %}{{ x }}{% else %}none{% endfor %}", "{{#each l as |x|}}{{x}}{{else}}none{{/each}}", { l: [] }, "none");
  });

  it("nested loops see the outer loop variable", () => {
    check(
      "{% for b in bridges %}{% for t in b.topics %}{{ b.name }}:{{ t }} {% endfor %}{% endfor %}",
      "{{#each bridges as |b|}}{{#each b.topics as |t|}}{{b.name}}:{{t}} {{/each}}{{/each}}",
      { bridges: [{ name: "x", topics: ["1", "2"] }] },
      "x:1 x:2 ",
    );
  });
});

describe("whitespace as Ansible's template module has it", () => {
  it("trim_blocks: the newline after a block tag goes, the indentation before it stays (lstrip_blocks off)", () => {
    const jinja = "a\n  {% if on %}\n  b\n  {% endif %}\nc\n";
    // Jinja: "a\n" + "  " + "  b\n" + "  " + "c\n"
    expect(renderText(converted(jinja), { on: true }, source)).toBe("a\n    b\n  c\n");
    expect(renderText(converted(jinja), { on: false }, source)).toBe("a\n  c\n");
  });

  it("{%- and -%} strip all whitespace on their side, written as ~", () => {
    check("a  \n  {%- if on -%}  \n b {%- endif %}\n", "a  \n  {{~#if on~}}  \n b {{~/if}}\n", { on: true }, "ab\n");
  });

  it("{{- and -}} strip around an output tag", () => {
    check("a \n {{- x -}} \n b", "a{{x}}b", { x: "X" }, "aXb");
  });

  it("+%} keeps the newline trim_blocks would drop", () => {
    check("{% if on +%}\nx{% endif %}", "{{!}}{{#if on}}\nx{{!}}{{/if}}", { on: true }, "\nx");
  });

  it("comments are Handlebars comments and go with their line", () => {
    check("{# note #}\na\n", "{{!-- note --}}\na\n", {}, "a\n");
  });

  it("the final newline: dropped before lexing, added back by Ansible", () => {
    check("x={{ x }}\n", "x={{x}}\n", { x: 1 }, "x=1\n");
    check("x={{ x }}\n\n", "x={{x}}\n\n", { x: 1 }, "x=1\n\n");
    check("x={{ x }}", "x={{x}}", { x: 1 }, "x=1");
    check("l:\n{% for x in l %}\n{{ x }}\n{% endfor %}\n", "l:\n{{#each l as |x|}}\n{{x}}\n{{/each}}\n", { l: [] }, "l:\n");
  });

  it("a tag Handlebars would take as alone on its line is guarded with {{!}}", () => {
    const text = converted("  {% if on %}\nx\n{% endif %}\ny\n");
    expect(text).toBe("  {{!}}{{#if on}}x\n{{/if}}\ny\n");
    expect(renderText(text, { on: true }, source)).toBe("  x\ny\n");
    expect(renderText(text, { on: false }, source)).toBe("  y\n");
  });
});

describe("YAML strings", () => {
  it("a lone {{ expr }} keeps its type, so a boolean expression is fine there", () => {
    const text = converted("{{ x | bool }}", "string");
    expect(text).toBe("{{bool x}}");
    expect(renderString(text, { x: "yes" }, source)).toBe(true);
  });
});

describe("what is not converted, and where it is", () => {
  const cases: [string, string, RegExp, number, number][] = [
    ["unknown filter", "a\n{{ x | to_yaml }}", /filter "to_yaml" has no exact tsible helper/, 2, 6],
    ["set", "{% set x = 1 %}", /\{% set %\} is not converted/, 1, 4],
    ["include", "{% include 'x.j2' %}", /include/, 1, 4],
    ["macro", "{% macro m() %}{% endmacro %}", /macro/, 1, 4],
    ["raw", "{% raw %}{{ x }}{% endraw %}", /raw/, 1, 4],
    ["printed comparison", "{{ a == b }}", /True\/False/, 1, 6],
    ["printed bool filter", "{{ a | bool }}", /True\/False/, 1, 6],
    ["printed loop.first", "{% for x in l %}{{ loop.first }}{% endfor %}", /True\/False/, 1, 25],
    ["inline if without else", "{{ 'a' if b }}", /without else/, 1, 8],
    ["comparison <", "{% if a < 1 %}{% endif %}", /operator "<"/, 1, 9],
    ["arithmetic", "{{ a - 1 }}", /operator "-"/, 1, 6],
    ["loop.length", "{% for x in l %}{{ loop.length }}{% endfor %}", /loop.length/, 1, 25],
    ["for with filter condition", "{% for x in l if x %}{% endfor %}", /for \.\.\. if/, 1, 15],
    ["unpacking a list", "{% for a, b in l %}{% endfor %}", /unpacking/, 1, 4],
    ["kwargs", "{{ l | join(d=',') }}", /join\(d=\.\.\.\)/, 1, 6],
    ["ansible_managed", "# {{ ansible_managed }}", /ansible_managed/, 1, 6],
    ["unclosed if", "{% if a %}x", /never closed/, 1, 12],
    ["endfor without for", "{% endfor %}", /without an open/, 1, 4],
    ["CRLF", "a\r\n{{ x }}", /carriage returns/, 1, 2],
    ["a value-dependent final newline", "{% if a %}x\n{% endif %}\n", /when it prints nothing/, 2, 12],
    ["string with both quotes", `{{ x | default('a"b\\'c') }}`, /both quote/, 1, 16],
    ["slice", "{{ l[1:] }}", /slices/, 1, 7],
    ["dict literal", "{{ {'a': 1} }}", /dict literals/, 1, 4],
    ["unknown test", "{% if x is string %}{% endif %}", /is string/, 1, 9],
    ["printed text holding {{", "{{ '{{' }}", /holding \{\{/, 1, 4],
    ["a { right before a tag", "{{ x }} {{ '{' }}{{ y }}", /right before a tag reads as/, 1, 9],
    ["short-circuit guard into a helper that fails on null", "{% if x is defined and x | length %}{% endif %}", /and\/or/, 1, 26],
  ];
  it.each(cases)("%s", (_name, template, message, line, column) => {
    const [problem] = refused(template);
    expect(problem?.message).toMatch(message);
    expect({ line: problem?.line, column: problem?.column }).toEqual({ line, column });
  });

  it("every construct of a template that cannot be converted is reported, not just the first", () => {
    const found = refused("{% set a = 1 %}\n{{ x | to_yaml }}\n{% for x in l if x %}{{ x }}{% endfor %}\n{% raw %}{{ x }}{% endraw %}\nend\n");
    expect(found.map((problem) => [problem.line, problem.message.slice(0, 20)])).toEqual([
      [1, "{% set %} is not con"],
      [2, 'filter "to_yaml" has'],
      [3, "{% for ... if %} is "],
      [4, "{% raw %} is not con"],
    ]);
  });

  it("a lone non-string literal in a YAML string (Ansible keeps its type)", () => {
    expect(refused("{{ 5 }}", "string")[0]?.message).toMatch(/keeps its type/);
  });
});
