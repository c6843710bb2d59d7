import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { evaluateCondition, evaluateConditions } from "../../../src/vars/conditions.js";
import type { TemplateSource } from "../../../src/vars/template.js";

const source: TemplateSource = { file: "playbooks/site.yml", line: 30, task: "restart broker" };

const vars = {
  result: { rc: 0, changed: true, failed: false, stdout: "mosquitto version 2.0.11", stdout_lines: ["a", "b"] },
  bad: { rc: 2, changed: false, failed: true },
  skipped_result: { changed: false, skipped: true },
  ansible_facts: { os_family: "Debian", distribution_major_version: "12", interfaces: { eth0: { up: true } } },
  mqtt_users: [{ name: "alice" }, { name: "bob" }],
  empty_list: [],
  empty_dict: {},
  empty_string: "",
  zero: 0,
  nothing: null,
  port: 1883,
  enable_tls: "yes",
  infra_id: "eu1",
  broker_host: "mqtt.{{ infra_id }}.example.com",
  tls_flag: "{{ use_tls }}",
  use_tls: true,
};

const when = (condition: unknown, extra: Record<string, unknown> = {}) => evaluateCondition(condition, { ...vars, ...extra }, source);

function failure(condition: unknown, extra: Record<string, unknown> = {}): UserError {
  try {
    when(condition, extra);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(condition)} to fail`);
}

describe("names, paths and literals", () => {
  it("reads names, dot paths, ['key'] and [index]", () => {
    expect(when("port == 1883")).toBe(true);
    expect(when("result.rc == 0")).toBe(true);
    expect(when("ansible_facts.os_family == 'Debian'")).toBe(true);
    expect(when("ansible_facts['os_family'] == \"Debian\"")).toBe(true);
    expect(when("ansible_facts.interfaces['eth0'].up")).toBe(true);
    expect(when("mqtt_users[1].name == 'bob'")).toBe(true);
    expect(when("result.stdout_lines[-1] == 'b'")).toBe(true);
  });

  it("reads a number after a dot as an index, as Jinja does (with_together's item.0), not inside strings or numbers", () => {
    const pair = { item: [{ changed: true, name: "a" }, { changed: false }] };
    expect(when("item.0 is changed and item.1 is not changed", pair)).toBe(true);
    expect(when("item.0.name == 'a'", pair)).toBe(true);
    expect(when("mqtt_users.1.name == 'bob'")).toBe(true);
    expect(when("'item.0' == 'item' ~ '.0'", pair)).toBe(true);
    expect(when("port > 1882.5")).toBe(true);
  });

  it("knows Jinja's literals", () => {
    expect(when("true")).toBe(true);
    expect(when("True")).toBe(true);
    expect(when("False")).toBe(false);
    expect(when("nothing == None")).toBe(true);
    expect(when("nothing == none")).toBe(true);
    expect(when("[1, 2] == [1, 2]")).toBe(true);
    expect(when("1.5 > 1")).toBe(true);
  });

  it("renders templates inside variable values before comparing", () => {
    expect(when("broker_host == 'mqtt.eu1.example.com'")).toBe(true);
    expect(when("tls_flag")).toBe(true);
    expect(when("tls_flag is boolean")).toBe(true);
  });
});

describe("operators", () => {
  it("compares", () => {
    expect(when("port != 1883")).toBe(false);
    expect(when("port < 8883 and port <= 1883 and port > 1000 and port >= 1883")).toBe(true);
    expect(when("'abc' < 'abd'")).toBe(true);
    expect(when("mqtt_users == mqtt_users and mqtt_users != [1]")).toBe(true);
  });

  it("combines with and, or, not by Jinja precedence", () => {
    expect(when("port == 1 or port == 1883")).toBe(true);
    expect(when("port == 1883 and zero")).toBe(false);
    expect(when("not port == 1")).toBe(true);
    expect(when("not result.rc == 0")).toBe(false);
    expect(when("not zero and port == 1883")).toBe(true);
    expect(when("(not zero) == true")).toBe(true);
    expect(when("not (port == 1 or port == 2)")).toBe(true);
    expect(when("false and false or true")).toBe(true);
    expect(when("true or false and false")).toBe(true);
    expect(when("not not port")).toBe(true);
  });

  it("tests membership with in and not in", () => {
    expect(when("'2.0' in result.stdout")).toBe(true);
    expect(when("'eth0' in ansible_facts.interfaces")).toBe(true);
    expect(when("2 in [1, 2, 3]")).toBe(true);
    expect(when("'carol' not in ['alice', 'bob']")).toBe(true);
    expect(when("'alice' not   in ['alice']")).toBe(false);
    expect(when("first_user in mqtt_users", { first_user: { name: "alice" } })).toBe(true);
  });

  it("does arithmetic and ~ concatenation", () => {
    expect(when("port + 7000 == 8883")).toBe(true);
    expect(when("(1 + 2) * 3 == 9 and 7 // 2 == 3 and 7 % 2 == 1 and 2 ** 3 == 8 and 1 - 1 == 0 and 3 / 2 == 1.5")).toBe(true);
    expect(when("'mqtt-' ~ infra_id == 'mqtt-eu1'")).toBe(true);
    expect(when("'a' + 'b' == 'ab'")).toBe(true);
  });
});

describe("is tests", () => {
  it("defined, undefined, none", () => {
    expect(when("result is defined")).toBe(true);
    expect(when("missing is defined")).toBe(false);
    expect(when("missing is not defined")).toBe(true);
    expect(when("missing is   not defined")).toBe(true);
    expect(when("missing is undefined")).toBe(true);
    expect(when("missing.deep.path is defined")).toBe(false);
    expect(when("result.nope is defined")).toBe(false);
    expect(when("mqtt_users[5] is defined")).toBe(false);
    expect(when("nothing is none")).toBe(true);
    expect(when("port is not none")).toBe(true);
    expect(when("not missing is defined")).toBe(true);
  });

  it("succeeded, failed, changed, skipped on registered results", () => {
    expect(when("result is succeeded")).toBe(true);
    expect(when("result is success")).toBe(true);
    expect(when("result is failed")).toBe(false);
    expect(when("bad is failed")).toBe(true);
    expect(when("bad is not succeeded")).toBe(true);
    expect(when("result is changed")).toBe(true);
    expect(when("bad is changed")).toBe(false);
    expect(when("skipped_result is skipped")).toBe(true);
    expect(when("result is skipped")).toBe(false);
    const error = failure("port is failed");
    expect(error.message).toContain('the "failed" test needs a registered task result');
  });

  it("version, match, search and type tests", () => {
    expect(when("'2.0.11' is version('2.0', '>=')")).toBe(true);
    expect(when("'2.0.11' is version('2.0.9', '>')")).toBe(true);
    expect(when("'1.6.15' is version('2.0', 'lt')")).toBe(true);
    expect(when("result.stdout is match('mosquitto')")).toBe(true);
    expect(when("result.stdout is match('version')")).toBe(false);
    expect(when("result.stdout is search('2\\\\.0')")).toBe(true);
    expect(when("mqtt_users is sequence and ansible_facts is mapping and port is number and infra_id is string")).toBe(true);
  });
});

describe("filters", () => {
  it("length, int, bool, default, lower", () => {
    expect(when("mqtt_users | length == 2")).toBe(true);
    expect(when("ansible_facts.distribution_major_version | int >= 12")).toBe(true);
    expect(when("enable_tls | bool")).toBe(true);
    expect(when("'off' | bool")).toBe(false);
    expect(when("missing | default(5) == 5")).toBe(true);
    expect(when("missing.deep | default('x') == 'x'")).toBe(true);
    expect(when("empty_string | default('x', true) == 'x'")).toBe(true);
    expect(when("empty_string | default('x') == ''")).toBe(true);
    expect(when("ansible_facts.os_family | lower == 'debian'")).toBe(true);
    expect(when("missing | default('ABC') | lower | length == 3")).toBe(true);
  });

  it("binds tighter than comparisons and not", () => {
    expect(when("not empty_list | length")).toBe(true);
    expect(when("1 + mqtt_users | length == 3")).toBe(true);
  });
});

describe("truthiness", () => {
  it("empty string, list, dict, 0 and none are false", () => {
    for (const name of ["empty_list", "empty_dict", "empty_string", "zero", "nothing"]) expect(when(name)).toBe(false);
    for (const name of ["mqtt_users", "ansible_facts", "infra_id", "port"]) expect(when(name)).toBe(true);
  });
});

describe("condition values", () => {
  it("a boolean is itself, null and empty string are no condition", () => {
    expect(when(true)).toBe(true);
    expect(when(false)).toBe(false);
    expect(when(null)).toBe(true);
    expect(when("  ")).toBe(true);
  });

  it("a list means all of them", () => {
    expect(evaluateConditions(["port == 1883", true, "result is changed"], vars, source)).toBe(true);
    expect(evaluateConditions(["port == 1883", "result is failed"], vars, source)).toBe(false);
    // evaluation stops at the first false condition, as in Ansible
    expect(evaluateConditions([false, "missing == 1"], vars, source)).toBe(false);
    expect(evaluateConditions("port == 1883", vars, source)).toBe(true);
    expect(evaluateConditions(false, vars, source)).toBe(false);
  });

  it("renders {{ }} first and evaluates what comes out", () => {
    expect(when("{{ use_tls }}")).toBe(true);
    expect(when("{{ empty_list }}")).toBe(false);
    expect(when("infra_id == '{{ infra_id }}'")).toBe(true);
    expect(when("{{ stored_condition }}", { stored_condition: "port == 1883" })).toBe(true);
  });
});

describe("errors", () => {
  it("an undefined variable names it, the condition, the task and the place", () => {
    const error = failure("reslt.rc == 0");
    expect(error.message).toBe('undefined variable "reslt" in condition "reslt.rc == 0" in task "restart broker"');
    expect(error.location).toEqual({ file: "playbooks/site.yml", line: 30 });
    expect(error.hint).toContain("is defined");
  });

  it("a missing field names the full path", () => {
    expect(failure("result.return_code == 0").message).toContain('undefined variable "result.return_code"');
    expect(failure("mqtt_users[7].name == 'x'").message).toContain('undefined variable "mqtt_users[7]"');
    expect(failure("missing").message).toContain('undefined variable "missing"');
    expect(failure("missing | length > 0").message).toContain('undefined variable "missing"');
    expect(failure("'a' in missing").message).toContain('undefined variable "missing"');
  });

  it("syntax errors carry the condition and a hint", () => {
    const error = failure("result.rc ==");
    expect(error.message).toContain('syntax error');
    expect(error.message).toContain('in condition "result.rc =="');
    expect(error.hint).toContain("x is defined");
    expect(failure("result.rc == 0 result.changed").message).toContain("no operator between them");
    expect(failure("x && y", { x: 1, y: 1 }).message).toContain("syntax error");
  });

  it("type errors say what was compared", () => {
    const error = failure("ansible_facts.distribution_major_version >= 12");
    expect(error.message).toContain('cannot compare "12" (string) with 12 (number)');
    expect(error.hint).toContain("| int");
  });

  it("unknown filters and tests are named", () => {
    expect(failure("port | frobnicate").message).toContain('unknown filter "frobnicate"');
    expect(failure("port is frobnicated").message).toContain('unknown test "frobnicated"');
    expect(failure("lookup('env', 'HOME')").message).toContain("is not something a condition can call");
  });

  it("says when a condition was rendered from {{ }}", () => {
    const error = failure("{{ infra_id }} == 'eu1'");
    expect(error.message).toContain('undefined variable "eu1" in condition "eu1 == \'eu1\'"');
    expect(error.message).toContain("rendered from");
    expect(error.hint).toContain("needs no {{ }}");
  });

  it("rejects conditions that are neither strings nor booleans", () => {
    expect(failure({ a: 1 }).message).toContain("a condition must be an expression");
  });

  it("a variable cycle is reported, not a stack overflow", () => {
    expect(failure("a == 1", { a: "{{ b }}", b: "{{ a }}" }).message).toContain("variable cycle: a -> b -> a");
  });
});

describe("methods", () => {
  it("supports the common Python string and dict methods", () => {
    expect(when("result.stdout.startswith('mosquitto')")).toBe(true);
    expect(when("result.stdout.endswith('2.0.11')")).toBe(true);
    expect(when("result.stdout.split()[2] == '2.0.11'")).toBe(true);
    expect(when("ansible_facts.get('nope', 'd') == 'd'")).toBe(true);
    expect(when("'os_family' in ansible_facts.keys()")).toBe(true);
  });
});
