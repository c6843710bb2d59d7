import { describe, expect, it } from "vitest";
import { convertYaml, type YamlOptions } from "../../../src/convert/convert-yaml.js";

const noTemplates: YamlOptions = { renamedTemplate: () => undefined };

function converted(source: string, options: YamlOptions = noTemplates): string {
  const result = convertYaml(source, options);
  if (!result.ok) throw new Error(`not converted: ${JSON.stringify(result.problems)}`);
  return result.text;
}

function problems(source: string, options: YamlOptions = noTemplates) {
  const result = convertYaml(source, options);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.text)}`);
  return result.problems;
}

describe("templated strings in YAML files", () => {
  it("changes only the strings: comments, spacing, key order and other quoting stay byte for byte", () => {
    const source = [
      "---",
      "# broker vars",
      "mqtt_broker_port:   20200   # the conventional range starts here",
      'mqtt_url: tcp://{{ host }}:{{ mqtt_broker_port }}',
      'mqtt_password_file: "{{ mqtt_config_dir ~ \'/user.conf\' }}"',
      "mqtt_user: '{{ user | default(\"smc\") }}'",
      "plain: no templates here",
      "list:",
      "  - \"{{ a | upper }}\"   # an item",
      "  - {{ not_quoted }}: 1",
      "",
    ].join("\n");
    const withoutInvalid = source.replace("  - {{ not_quoted }}: 1\n", "");
    expect(converted(withoutInvalid)).toBe(
      [
        "---",
        "# broker vars",
        "mqtt_broker_port:   20200   # the conventional range starts here",
        "mqtt_url: tcp://{{host}}:{{mqtt_broker_port}}",
        '"mqtt_password_file: "{{mqtt_config_dir}}/user.conf"'.slice(1),
        "mqtt_user: '{{default user \"smc\"}}'",
        "plain: no templates here",
        "list:",
        '  - "{{upper a}}"   # an item',
        "",
      ].join("\n"),
    );
  });

  it("inside a double-quoted string, Handlebars strings use single quotes", () => {
    expect(converted('x: "{{ a | default(\'b\') }}"\n')).toBe("x: \"{{default a 'b'}}\"\n");
  });

  it("inside a single-quoted string, a ' in the result is doubled", () => {
    expect(converted("x: '{{ a | default(\"it''s\") }}'\n")).toBe("x: '{{default a \"it''s\"}}'\n");
  });

  it("a string that does not convert leaves the whole file untouched, with its line", () => {
    const found = problems("a: '{{ x }}'\nb: '{{ x | to_yaml }}'\n");
    expect(found).toEqual([{ line: 2, column: 10, message: 'filter "to_yaml" has no exact tsible helper' }]);
  });

  it("multi-line strings and double-quoted strings with escapes are reported, not guessed", () => {
    expect(problems('x: "{{ a }}\\t"\n')[0]?.message).toMatch(/double-quoted string with escapes/);
    expect(problems('x: "{{ a }}\n  b"\n')[0]?.message).toMatch(/several lines/);
    expect(problems("x: >\n  {{ a }}\n  b\n")[0]?.message).toMatch(/several lines/);
  });

  it("| blocks keep their header, indentation and what follows them", () => {
    const source = [
      "- copy:",
      "    content: |",
      "      listener {{ port }}",
      "      {% for u in users %}",
      "      user {{ u | lower }}",
      "",
      "      {% endfor %}",
      "    dest: /etc/mosquitto/conf.d/users.conf",
      "- copy:",
      "    content: |-",
      "      a {{ b }}",
      "    dest: /x",
      "",
    ].join("\n");
    expect(converted(source)).toBe(
      source
        .replace("listener {{ port }}", "listener {{port}}")
        .replace("{% for u in users %}", "{{#each users as |u|}}")
        .replace("user {{ u | lower }}", "user {{lower u}}")
        .replace("{% endfor %}", "{{/each}}")
        .replace("a {{ b }}", "a {{b}}"),
    );
  });

  it("strings already in tsible's Handlebars are left alone (a second run), Jinja that only looks alike is not", () => {
    const source = "a: '{{default x \"y\"}}'\nb: \"{{#if on}}y{{/if}}\"\nc: '{{ length + 1 }}'\nd: '{{ upper if on else lower }}'\n";
    expect(problems(source).map((problem) => problem.line)).toEqual([3, 4]);
    expect(converted("a: '{{default x \"y\"}}'\nb: \"{{#if on}}y{{/if}}\"\n")).toBe("a: '{{default x \"y\"}}'\nb: \"{{#if on}}y{{/if}}\"\n");
  });

  it("conditions are left as Ansible expressions, and checked for filters tsible's conditions lack", () => {
    const source = "- name: t\n  debug: {msg: hi}\n  when: x is defined and x | int > 3\n  changed_when: \"'{{' in out\"\n";
    expect(converted(source)).toBe(source);
    const found = problems("- assert:\n    that:\n      - port | int > 1024\n      - host | ipaddr\n      - x is subset(y)\n");
    expect(found.map((problem) => [problem.line, problem.message])).toEqual([
      [4, 'tsible\'s conditions do not know the filter "ipaddr"'],
      [5, 'tsible\'s conditions do not know the test "is subset"'],
    ]);
  });

  it("a template task's src: x.j2 becomes x.hbs when that template is converted", () => {
    const source = "- template:\n    src: mosquitto.conf.j2   # the main config\n    dest: /etc/mosquitto/mosquitto.conf\n- copy:\n    src: other.j2\n    dest: /x\n";
    const options = { renamedTemplate: (src: string) => (src === "mosquitto.conf.j2" ? "mosquitto.conf.hbs" : undefined) };
    expect(converted(source, options)).toBe(source.replace("src: mosquitto.conf.j2", "src: mosquitto.conf.hbs"));
    expect(converted(source, noTemplates)).toBe(source);
  });

  it("a template task that changes Jinja's settings is reported (templates convert for the defaults)", () => {
    expect(problems("- template:\n    src: a.j2\n    dest: /etc/a\n    lstrip_blocks: true\n")[0]).toMatchObject({ line: 4, message: expect.stringMatching(/sets lstrip_blocks/) });
  });

  it("a backslash inside a tag of a YAML string is reported (Ansible escapes it there)", () => {
    expect(problems("x: \"{{ a | regex_replace('\\\\d', 'n') }}\"\n")[0]?.message).toMatch(/backslash inside/);
  });

  it("free-form template arguments naming a .j2 are reported", () => {
    expect(problems("- template: src=a.j2 dest=/etc/a\n")[0]?.message).toMatch(/write them as a map/);
  });

  it("templated keys and broken YAML are reported", () => {
    expect(problems("'{{ k }}': 1\n")[0]?.message).toMatch(/mapping key/);
    expect(problems("a: [1\n")[0]?.message).toMatch(/^YAML:/);
  });

  it("a converted plain string that would read back differently is refused", () => {
    expect(problems("x: a {{ b ~ ':' }} c\n")[0]?.message).toMatch(/does not read back/);
  });
});
