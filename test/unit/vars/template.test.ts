import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { Secret } from "../../../src/secrets.js";
import { evaluateCondition } from "../../../src/vars/conditions.js";
import { containsTemplate, createScope, renderDeep, renderString, renderText, type TemplateSource } from "../../../src/vars/template.js";

const source: TemplateSource = { file: "playbooks/site.yml", line: 12, task: "write config" };

/** the UserError a render throws (fails the test when it does not throw one) */
function failure(render: () => unknown): UserError {
  try {
    render();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error("expected a UserError, nothing was thrown");
}

describe("type preservation", () => {
  const vars = { port: 1883, users: [{ name: "alice" }], tls: false, nothing: null, settings: { a: 1 } };

  it("a lone {{ expr }} keeps the value's type", () => {
    expect(renderString("{{ port }}", vars, source)).toBe(1883);
    expect(renderString("{{ users }}", vars, source)).toEqual([{ name: "alice" }]);
    expect(renderString("{{ tls }}", vars, source)).toBe(false);
    expect(renderString("{{ nothing }}", vars, source)).toBeNull();
    expect(renderString("{{ settings }}", vars, source)).toEqual({ a: 1 });
    // text around the expression, even a newline, makes a string (copy's `content: "{{ x }}\n"`)
    expect(renderString("{{port}}\n", vars, source)).toBe("1883\n");
    expect(renderString(" {{port}}", vars, source)).toBe(" 1883");
  });

  it("concat and get build lists and read mappings", () => {
    expect(renderString("{{concat users port}}", vars, source)).toEqual([{ name: "alice" }, 1883]);
    expect(renderString('{{get settings "a"}}', vars, source)).toBe(1);
    expect(() => renderString('{{get settings "b"}}', vars, source)).toThrow(/no key "b"/);
  });

  it("a lone helper call keeps its result's type", () => {
    expect(renderString('{{ default missing 8883 }}', vars, source)).toBe(8883);
    expect(renderString('{{ length users }}', vars, source)).toBe(1);
    expect(renderString('{{ bool "yes" }}', vars, source)).toBe(true);
  });

  it("returns plain data, not views, and a copy the caller may change", () => {
    const result = renderString("{{ users }}", vars, source) as Array<{ name: string }>;
    expect(Array.isArray(result)).toBe(true);
    expect(Object.getPrototypeOf(result[0])).toBe(Object.prototype);
    result[0]!.name = "changed";
    expect(vars.users[0]!.name).toBe("alice");
  });

  it("anything else renders to a string", () => {
    expect(renderString("port {{ port }}", vars, source)).toBe("port 1883");
    expect(renderString("{{ port }}{{ port }}", vars, source)).toBe("18831883");
    expect(renderString("{{ tls }}", { tls: true }, source)).toBe(true);
    expect(renderString("x={{ tls }}", vars, source)).toBe("x=false");
    expect(renderString("x={{ nothing }}", vars, source)).toBe("x=");
    expect(renderString("u={{ users }}", vars, source)).toBe('u=[{"name":"alice"}]');
  });

  it("returns strings without {{ as they are", () => {
    expect(renderString("plain }} text", vars, source)).toBe("plain }} text");
    expect(containsTemplate("a {{ b }}")).toBe(true);
    expect(containsTemplate("a { b }")).toBe(false);
  });

  it("keeps a Secret whole in a lone expression and reveals it inside text", () => {
    const secret = new Secret("s3cr&t \"pw\"");
    expect(renderString("{{ mqtt_password }}", { mqtt_password: secret }, source)).toBe(secret);
    expect(renderText("password {{ mqtt_password }}\n", { mqtt_password: secret }, source)).toBe('password s3cr&t "pw"\n');
  });
});

describe("no HTML escaping", () => {
  it("passes <, &, \" and ' through", () => {
    const vars = { value: `<a href="x">&'</a>` };
    expect(renderText("v={{ value }} w={{{ value }}}", vars, source)).toBe(`v=<a href="x">&'</a> w=<a href="x">&'</a>`);
    expect(renderString('{{ upper value }}', vars, source)).toBe(`<A HREF="X">&'</A>`);
  });
});

describe("strict variables", () => {
  it("names an undefined variable with the caller's file, line and task", () => {
    const error = failure(() => renderString("password_file {{ mqtt_pasword }}", { mqtt_password: "x" }, source));
    expect(error.message).toBe('undefined variable "mqtt_pasword" in task "write config"');
    expect(error.location).toEqual({ file: "playbooks/site.yml", line: 12 });
    expect(error.hint).toBe("define it in group_vars, host_vars, vars or -e");
    expect(error.format()).toContain("playbooks/site.yml:12: undefined variable");
  });

  it("names the full dot path", () => {
    const vars = { mqtt: { bridge: { host: "h" } } };
    expect(failure(() => renderString("{{ mqtt.bridge.port }}", vars, source)).message).toContain('"mqtt.bridge.port"');
    // the first missing part is the one named
    expect(failure(() => renderString("{{ mqtt.nope.port }}", vars, source)).message).toContain('"mqtt.nope"');
    expect(failure(() => renderString("{{ nope.port }}", vars, source)).message).toContain('"nope"');
    expect(failure(() => renderString("{{ mqtt.bridge.host.x }}", vars, source)).message).toContain('"mqtt.bridge.host.x"');
    // a block param is not in the context: the whole path is named
    expect(failure(() => renderString("{{#each list as |item|}}{{item.nme}}{{/each}}", { list: [{ name: "a" }] }, source)).message).toContain('"item.nme"');
  });

  it("treats a path through a null as undefined, but a null at the end as a value", () => {
    const vars = { a: { b: null } };
    expect(failure(() => renderString("{{ a.b.c }}", vars, source)).message).toContain('"a.b.c"');
    expect(failure(() => renderString("x {{ a.b.c }}", vars, source)).message).toContain('"a.b.c"');
    expect(renderString("{{ a.b }}", vars, source)).toBeNull();
  });

  it("leaves the task out when there is none", () => {
    expect(failure(() => renderString("{{ x }}", {}, { file: "f.yml" })).message).toBe('undefined variable "x"');
  });

  it("reports the template file's own line for whole template files", () => {
    const error = failure(() => renderText("listener 1883\n\npassword_file {{ password_fle }}\n", {}, { file: "templates/mosquitto.conf.hbs", task: "t" }));
    expect(error.location).toEqual({ file: "templates/mosquitto.conf.hbs", line: 3 });
    expect(error.message).toContain('"password_fle"');
  });

  it("fails on an undefined variable passed to an ordinary helper", () => {
    expect(failure(() => renderString("{{ upper missing }}", {}, source)).message).toContain('"missing"');
    expect(failure(() => renderString('{{ join a.b ", " }}', { a: {} }, source)).message).toContain('"a.b"');
    expect(failure(() => renderString("{{#each missing}}x{{/each}}", {}, source)).message).toContain('"missing"');
    expect(failure(() => renderString("{{#if (eq missing 1)}}x{{/if}}", {}, source)).message).toContain('"missing"');
  });

  it("lets default, if, unless, and, or, not look at undefined variables", () => {
    expect(renderString('{{default missing "x"}}', {}, source)).toBe("x");
    expect(renderString('{{default a.b.c "x"}}', {}, source)).toBe("x");
    expect(renderString('{{default a.b.c "x"}}', { a: { b: null } }, source)).toBe("x");
    expect(renderString("{{#if missing}}yes{{else}}no{{/if}}", {}, source)).toBe("no");
    expect(renderString("{{#if a.b.c}}yes{{else}}no{{/if}}", {}, source)).toBe("no");
    expect(renderString("{{#unless missing}}absent{{/unless}}", {}, source)).toBe("absent");
    expect(renderString("{{#if (or missing other)}}y{{else}}n{{/if}}", { other: 1 }, source)).toBe("y");
    expect(renderString("{{#if (and missing other)}}y{{else}}n{{/if}}", { other: 1 }, source)).toBe("n");
    expect(renderString("{{#if (not missing)}}y{{else}}n{{/if}}", {}, source)).toBe("y");
  });

  it("says how to reach a variable from inside #each", () => {
    const error = failure(() => renderText("{{#each users}}{{name}}@{{infra_id}}\n{{/each}}", { users: [{ name: "a" }], infra_id: "i1" }, { file: "t.hbs" }));
    expect(error.message).toContain('"infra_id"');
    expect(error.hint).toContain("@root.infra_id");
    expect(renderText("{{#each users}}{{name}}@{{@root.infra_id}},{{/each}}", { users: [{ name: "a" }, { name: "b" }], infra_id: "i1" }, { file: "t.hbs" })).toBe("a@i1,b@i1,");
  });

  it("reads {{\"name\"}} as Handlebars does, as a strict lookup", () => {
    expect(renderString('{{ "odd key" }}', { "odd key": 5 }, source)).toBe(5);
    expect(failure(() => renderString("{{ 'port == 1883' }}", {}, source)).message).toContain('"port == 1883"');
  });

  it("reads a paramless mustache as a variable even when a helper has that name", () => {
    expect(renderString("{{ first }}-{{ last }}", { first: "Ada", last: "Lovelace" }, source)).toBe("Ada-Lovelace");
  });

  it("reports unknown helpers and syntax errors as UserErrors", () => {
    const unknown = failure(() => renderString("{{ frobnicate x }}", { x: 1 }, source));
    expect(unknown.message).toBe('unknown helper "frobnicate" in task "write config"');
    expect(unknown.hint).toContain("join");
    const jinja = failure(() => renderString("{{ x | default('y') }}", {}, source));
    expect(jinja.message).toContain("template syntax error");
    expect(jinja.message).toContain("Parse error on line 1");
    expect(jinja.location).toEqual({ file: "playbooks/site.yml", line: 12 });
    expect(jinja.hint).toContain("Jinja filters");
  });

  it("gives the template file's line for a syntax error in a template file", () => {
    const error = failure(() => renderText("a\nb\n{{ x | y }}\nc\n", { x: 1 }, { file: "templates/x.hbs" }));
    expect(error.location).toEqual({ file: "templates/x.hbs", line: 3 });
    // an unclosed block is found at the end of the file
    expect(failure(() => renderText("a\n{{#if x}}\nb", { x: 1 }, { file: "templates/x.hbs" })).location?.line).toBe(3);
  });
});

describe("lazy nested variables", () => {
  it("renders templates inside variable values when they are read, recursively", () => {
    const vars = {
      infra_id: "eu1",
      mqtt_broker_host: "mqtt.{{ infra_id }}.prod.example.com",
      mqtt_url: "mqtts://{{ mqtt_broker_host }}:{{ mqtt_port }}",
      mqtt_port: "{{ base_port }}",
      base_port: 8883,
    };
    expect(renderString("{{ mqtt_url }}", vars, source)).toBe("mqtts://mqtt.eu1.prod.example.com:8883");
    expect(renderString("{{ mqtt_port }}", vars, source)).toBe(8883);
  });

  it("renders templates nested in lists and maps, also through #each", () => {
    const vars = {
      domain: "example.com",
      users: [{ name: "u1", host: "a.{{ domain }}" }, { name: "u2", host: "b.{{ domain }}" }],
      all_users: "{{ users }}",
    };
    expect(renderString("{{ all_users }}", vars, source)).toEqual([
      { name: "u1", host: "a.example.com" },
      { name: "u2", host: "b.example.com" },
    ]);
    expect(renderText("{{#each users}}{{name}}={{host}};{{/each}}", vars, source)).toBe("u1=a.example.com;u2=b.example.com;");
    expect(renderString('{{ join (default users "") ", " }}', { users: ["{{ a }}", "b"], a: "A" }, source)).toBe("A, b");
  });

  it("does not render variables nobody reads", () => {
    const vars = { broken: "{{ does_not_exist }}", fine: "ok" };
    expect(renderString("{{ fine }}", vars, source)).toBe("ok");
  });

  it("names the variable whose value holds the undefined reference", () => {
    const error = failure(() => renderString("{{ mqtt_broker_host }}", { mqtt_broker_host: "mqtt.{{ infra_idd }}.x" }, source));
    expect(error.message).toBe('undefined variable "infra_idd" in the value of "mqtt_broker_host" in task "write config"');
  });

  it("detects a cycle and names it", () => {
    const vars = { a: "{{ b }}", b: "x{{ c }}", c: "{{ a }}" };
    const error = failure(() => renderString("value {{ a }}", vars, source));
    expect(error.message).toBe('variable cycle: a -> b -> c -> a in task "write config"');
    expect(error.location).toEqual({ file: "playbooks/site.yml", line: 12 });
    expect(failure(() => renderString("{{ self }}", { self: "{{ self }}" }, source)).message).toContain("self -> self");
  });

  it("passes non-string values through untouched and does not change the caller's vars", () => {
    const vars = { n: 3, flag: true, name: "{{ n }}", frozen: Object.freeze({ v: "{{ n }}" }) };
    expect(renderString("{{ frozen }}", vars, source)).toEqual({ v: 3 });
    expect(vars.name).toBe("{{ n }}");
    expect(vars.frozen.v).toBe("{{ n }}");
  });
});

describe("a scope shared by the render calls of one task", () => {
  it("renders a variable once, and again in a layer only when it read one of the layer's names", () => {
    let reads = 0;
    const probe = {};
    Object.defineProperty(probe, "value", {
      get: () => {
        reads += 1;
        return "h";
      },
    });
    const scope = createScope({ probe, host: "{{ probe.value }}", label: "{{ item }}-{{ host }}", item: 0 });
    expect(renderString("{{ host }}", scope, source)).toBe("h");
    expect(renderText("at {{ host }}", scope, { file: "templates/x.hbs" })).toBe("at h");
    expect(evaluateCondition("host == 'h'", scope, source)).toBe(true);
    expect(reads).toBe(1);
    expect(renderString("{{ label }}", scope.layer({ item: 1 }), source)).toBe("1-h");
    expect(renderString("{{ label }}", scope.layer({ item: 2 }), source)).toBe("2-h");
    expect(evaluateCondition("label == '0-h'", scope, source)).toBe(true);
    expect(reads).toBe(1);
  });

  it("reports an error in a variable's value where the render call that read it comes from", () => {
    const scope = createScope({ broken: "{{ nope }}" });
    expect(failure(() => renderString("{{ broken }}", scope, source)).location).toEqual({ file: "playbooks/site.yml", line: 12 });
    expect(failure(() => renderText("{{ broken }}", scope, { file: "templates/x.hbs" })).location).toEqual({ file: "templates/x.hbs", line: undefined });
  });
});

describe("Handlebars blocks over lazy variables", () => {
  it("else if chains, @key over dicts, this over templated list items, #with", () => {
    const vars = { level: 2, limits: { max_connections: "{{ n }}", queue: 10 }, names: ["{{ a }}", "b"], n: 50, a: "A", bridge: { host: "h.{{ a }}" } };
    expect(renderText("{{#if (eq level 1)}}one{{else if (eq level 2)}}two{{else}}many{{/if}}", vars, source)).toBe("two");
    expect(renderText("{{#each limits}}{{@key}} {{this}}\n{{/each}}", vars, source)).toBe("max_connections 50\nqueue 10\n");
    expect(renderText("{{#each names}}[{{this}}]{{/each}}", vars, source)).toBe("[A][b]");
    expect(renderText("{{#with bridge}}address {{host}}{{/with}}", vars, source)).toBe("address h.A");
  });
});

describe("renderDeep", () => {
  it("walks maps and lists, keeping types and rendering keys", () => {
    const vars = { port: 1883, dir: "/etc/mosquitto", key: "listener" };
    const rendered = renderDeep(
      { path: "{{ dir }}/mosquitto.conf", port: "{{ port }}", list: ["{{ port }}", "p{{ port }}", 5, null], "{{ key }}_port": true },
      vars,
      source,
    );
    expect(rendered).toEqual({ path: "/etc/mosquitto/mosquitto.conf", port: 1883, list: [1883, "p1883", 5, null], listener_port: true });
  });
});

describe("helpers", () => {
  const render = (template: string, vars: Record<string, unknown> = {}) => renderString(template, vars, source);

  it("default, with the falsy form", () => {
    expect(render('{{default x "d"}}', { x: "v" })).toBe("v");
    expect(render('{{default x "d"}}', { x: "" })).toBe("");
    expect(render('{{default x "d" true}}', { x: "" })).toBe("d");
    expect(render('{{default x "d" true}}', { x: false })).toBe("d");
  });

  it("join, to_json, to_nice_json, to_yaml", () => {
    expect(render('{{join list ", "}}', { list: ["a", 1, true] })).toBe("a, 1, true");
    expect(render("{{join list}}", { list: ["a", "b"] })).toBe("ab");
    expect(render("{{to_json v}}", { v: { b: [1, "x"], a: null } })).toBe('{"b":[1,"x"],"a":null}');
    expect(render("{{to_nice_json v}}", { v: { b: 1, a: { d: 2, c: 3 } } })).toBe('{\n    "a": {\n        "c": 3,\n        "d": 2\n    },\n    "b": 1\n}');
    expect(render("{{to_yaml v}}", { v: { users: ["a", "b"] } })).toBe("users:\n  - a\n  - b\n");
    expect(render("{{to_json v}}", { v: { pw: new Secret("real") } })).toBe('{"pw":"real"}');
  });

  it("lookup env and file", () => {
    process.env.TSIBLE_TEST_LOOKUP = "from-env";
    expect(render('{{lookup "env" "TSIBLE_TEST_LOOKUP"}}')).toBe("from-env");
    expect(render('{{lookup "env" "TSIBLE_SURELY_UNSET_VARIABLE"}}')).toBe("");
    const dir = mkdtempSync(join(tmpdir(), "tsible-lookup-"));
    writeFileSync(join(dir, "ca.pem"), "-----BEGIN-----\nabc\n\n");
    expect(renderString('{{lookup "file" "ca.pem"}}', {}, { file: "site.yml", baseDir: dir })).toBe("-----BEGIN-----\nabc");
    const missing = failure(() => renderString('{{lookup "file" "nope.pem"}}', {}, { file: "site.yml", baseDir: dir, task: "t" }));
    expect(missing.message).toContain(join(dir, "nope.pem"));
    expect(missing.message).toContain("ENOENT");
    expect(failure(() => render('{{lookup "pipe" "ls"}}')).message).toContain('unknown lookup kind "pipe"');
  });

  it("upper, lower, trim, replace, regex_replace", () => {
    expect(render("{{upper s}}-{{lower s}}", { s: "MiXed" })).toBe("MIXED-mixed");
    expect(render("[{{trim s}}]", { s: "  x \n" })).toBe("[x]");
    expect(render('{{replace s "." "_"}}', { s: "a.b.c" })).toBe("a_b_c");
    expect(render('{{regex_replace s "^(\\w+)@(\\w+)$" "\\2 at \\1"}}', { s: "user@host" })).toBe("host at user");
    expect(render('{{regex_replace s "(?<n>\\d+)" "<\\g<n>>$"}}', { s: "v2 v10" })).toBe("v<2>$ v<10>$");
    expect(failure(() => render('{{regex_replace s "(" "x"}}', { s: "a" })).message).toContain("invalid regular expression");
  });

  it("int, bool, length", () => {
    expect(render('{{int "42"}}')).toBe(42);
    expect(render('{{int "3.9"}}')).toBe(3);
    expect(render('{{int "abc"}}')).toBe(0);
    for (const word of ["yes", "True", "1", "on", "YES"]) expect(render("{{bool w}}", { w: word })).toBe(true);
    for (const word of ["no", "false", "0", "off", "maybe"]) expect(render("{{bool w}}", { w: word })).toBe(false);
    expect(render("{{length l}}", { l: [1, 2, 3] })).toBe(3);
    expect(render("{{length s}}", { s: "abcd" })).toBe(4);
    expect(render("{{length d}}", { d: { a: 1 } })).toBe(1);
    expect(failure(() => render("{{length n}}", { n: 5 })).message).toContain("length needs a string, list or dict");
  });

  it("quote, basename, dirname", () => {
    expect(render("{{quote s}}", { s: "it's a file" })).toBe(`'it'\\''s a file'`);
    expect(render("{{quote s}}", { s: "/etc/x.conf" })).toBe("/etc/x.conf");
    expect(render("{{basename p}} {{dirname p}}", { p: "/etc/mosquitto/conf.d/tls.conf" })).toBe("tls.conf /etc/mosquitto/conf.d");
  });

  it("first, last, indent, b64encode, b64decode", () => {
    expect(render("{{first l}}{{last l}}", { l: ["a", "b", "c"] })).toBe("ac");
    expect(render("{{first s}}{{last s}}", { s: "xyz" })).toBe("xz");
    expect(render("{{indent s 2}}", { s: "a\nb\n\nc" })).toBe("a\n  b\n\n  c");
    expect(render("{{indent s 2 true}}", { s: "a\nb" })).toBe("  a\n  b");
    expect(render("{{indent s}}", { s: "a\nb" })).toBe("a\n    b");
    expect(render("{{b64encode s}}", { s: "user:pässword" })).toBe(Buffer.from("user:pässword").toString("base64"));
    expect(render('{{b64decode "aGVsbG8="}}')).toBe("hello");
  });

  it("eq, ne, and, or, not in #if subexpressions", () => {
    const vars = { os: "Debian", list: [1, 2], n: 0 };
    expect(render('{{#if (eq os "Debian")}}deb{{else}}other{{/if}}', vars)).toBe("deb");
    expect(render('{{#if (ne os "Debian")}}other{{else}}deb{{/if}}', vars)).toBe("deb");
    expect(render("{{#if (eq list list)}}same{{/if}}", vars)).toBe("same");
    expect(render('{{#if (and (eq os "Debian") list)}}y{{else}}n{{/if}}', vars)).toBe("y");
    expect(render("{{#if (or n (not list))}}y{{else}}n{{/if}}", vars)).toBe("n");
    expect(render("{{eq 1 1}}")).toBe(true);
  });

  it("if uses Jinja truthiness: empty dict, empty list, 0 and empty string are false", () => {
    for (const value of [{}, [], 0, "", null]) expect(render("{{#if v}}t{{else}}f{{/if}}", { v: value })).toBe("f");
    for (const value of [{ a: 1 }, [0], 1, "0", "false"]) expect(render("{{#if v}}t{{else}}f{{/if}}", { v: value })).toBe("t");
  });

  it("reports a wrong number of arguments with the helper's name", () => {
    expect(failure(() => render("{{replace s}}", { s: "a" })).message).toContain('helper "replace" takes 3 argument(s), got 1');
  });
});
