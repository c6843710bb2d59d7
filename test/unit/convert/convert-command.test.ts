/** `tsible convert` on a small project in a temporary directory: what it writes, prints and exits with */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { convertCommand, NOT_CONVERTED_EXIT_CODE } from "../../../src/cli/convert-command.js";
import { renderText } from "../../../src/vars/template.js";

let project: string;

function write(path: string, text: string): void {
  mkdirSync(join(project, path, ".."), { recursive: true });
  writeFileSync(join(project, path), text);
}

function read(path: string): string {
  return readFileSync(join(project, path), "utf8");
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let code = 0;
  let stdout = "";
  let stderr = "";
  const command = convertCommand((exitCode) => (code = exitCode), { write: (text) => (stdout += text), warn: (text) => (stderr += text) });
  await command.exitOverride().parseAsync(args, { from: "user" });
  return { code, stdout, stderr };
}

const TEMPLATE = "listener {{ port }}\n{% for u in users %}\nuser {{ u }}\n{% endfor %}\n";
const TASKS = "---\n# broker role\n- name: config for {{ inventory_hostname }}\n  template:\n    src: broker.conf.j2   # main config\n    dest: /etc/mosquitto/conf.d/broker.conf\n";

beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), "tsible-convert-cli-"));
  write("roles/broker/templates/broker.conf.j2", TEMPLATE);
  write("roles/broker/tasks/main.yml", TASKS);
  write("group_vars/all.yml", "port: 1883\nurl: 'tcp://{{ host | default(\"localhost\") }}:{{ port }}'\n");
});

afterEach(() => rmSync(project, { recursive: true, force: true }));

describe("tsible convert", () => {
  it("writes x.hbs beside x.j2, rewrites YAML strings and template src in place, prints the diff", async () => {
    const { code, stdout, stderr } = await run(project);
    expect(code).toBe(0);
    expect(read("roles/broker/templates/broker.conf.j2")).toBe(TEMPLATE);
    const hbs = read("roles/broker/templates/broker.conf.hbs");
    expect(hbs).toBe("listener {{port}}\n{{#each users as |u|}}\nuser {{u}}\n{{/each}}\n");
    expect(renderText(hbs, { port: 1883, users: ["a", "b"] }, { file: "broker.conf.hbs" })).toBe("listener 1883\nuser a\nuser b\n");
    expect(read("roles/broker/tasks/main.yml")).toBe(TASKS.replace("{{ inventory_hostname }}", "{{inventory_hostname}}").replace("broker.conf.j2", "broker.conf.hbs"));
    expect(read("group_vars/all.yml")).toBe("port: 1883\nurl: 'tcp://{{default host \"localhost\"}}:{{port}}'\n");
    expect(stdout).toContain("+++ ");
    expect(stdout).toContain("broker.conf.hbs");
    expect(stdout).toContain("-    src: broker.conf.j2   # main config\n+    src: broker.conf.hbs   # main config");
    expect(stderr).toMatch(/converted 3 file\(s\), 0 unchanged, 0 not converted/);
  });

  it("a second run changes nothing", async () => {
    await run(project);
    const { code, stdout, stderr } = await run(project);
    expect(code).toBe(0);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/converted 0 file\(s\), 3 unchanged/);
  });

  it("--check prints the same diff and writes nothing", async () => {
    const { code, stdout, stderr } = await run("--check", project);
    expect(code).toBe(0);
    expect(stdout).toContain("broker.conf.hbs");
    expect(stderr).toMatch(/would convert 3 file\(s\)/);
    expect(existsSync(join(project, "roles/broker/templates/broker.conf.hbs"))).toBe(false);
    expect(read("roles/broker/tasks/main.yml")).toBe(TASKS);
  });

  it("a template that cannot be converted is reported with file:line:column, left alone, and still named .j2 by its task", async () => {
    write("roles/broker/templates/broker.conf.j2", "a\n{% set x = 1 %}\n");
    const { code, stderr } = await run(project);
    expect(code).toBe(NOT_CONVERTED_EXIT_CODE);
    expect(stderr).toMatch(/broker\.conf\.j2:2:4: not converted: \{% set %\} is not converted/);
    expect(existsSync(join(project, "roles/broker/templates/broker.conf.hbs"))).toBe(false);
    expect(read("roles/broker/tasks/main.yml")).toContain("src: broker.conf.j2");
    expect(stderr).toMatch(/converted 2 file\(s\), 0 unchanged, 1 not converted/);
  });

  it("a stale x.hbs from an earlier run does not rename src when x.j2 no longer converts", async () => {
    await run(project);
    write("roles/broker/tasks/main.yml", TASKS);
    write("roles/broker/templates/broker.conf.j2", "{% set x = 1 %}\n");
    await run(project);
    expect(read("roles/broker/tasks/main.yml")).toContain("src: broker.conf.j2");
  });

  it("a file named twice is converted once", async () => {
    const { stdout } = await run("--check", project, join(project, "roles/broker/templates/broker.conf.j2"));
    expect(stdout.match(/\+\+\+ .*broker\.conf\.hbs/g)).toHaveLength(1);
  });

  it("a YAML file with one string it cannot convert is left untouched as a whole", async () => {
    const vars = "a: '{{ x }}'\nb: '{{ y | to_yaml }}'\n";
    write("group_vars/all.yml", vars);
    const { code, stderr } = await run(project);
    expect(code).toBe(NOT_CONVERTED_EXIT_CODE);
    expect(read("group_vars/all.yml")).toBe(vars);
    expect(stderr).toMatch(/all\.yml:2:10: not converted: filter "to_yaml"/);
  });

  it("an existing, different x.hbs is not overwritten", async () => {
    write("roles/broker/templates/broker.conf.hbs", "hand-written\n");
    const { code, stderr } = await run(project);
    expect(code).toBe(NOT_CONVERTED_EXIT_CODE);
    expect(read("roles/broker/templates/broker.conf.hbs")).toBe("hand-written\n");
    expect(stderr).toMatch(/exists and differs/);
  });

  it("warnings are printed once per kind and file", async () => {
    write("roles/broker/templates/broker.conf.j2", "{% if a is defined %}a{% endif %}{% if b is defined %}b{% endif %}\n");
    const { stderr } = await run(project);
    expect(stderr.match(/warning: is defined/g)).toHaveLength(1);
    expect(stderr).toContain("(and 1 more in this file)");
  });

  it("a rewritten YAML file keeps its mode", async () => {
    chmodSync(join(project, "group_vars/all.yml"), 0o600);
    await run(project);
    expect(statSync(join(project, "group_vars/all.yml")).mode & 0o777).toBe(0o600);
  });

  it("a directory without templates or YAML says so", async () => {
    mkdirSync(join(project, "empty"));
    const { code, stderr } = await run(join(project, "empty"));
    expect(code).toBe(0);
    expect(stderr).toBe("no .j2, .yml or .yaml files under the given paths\n");
  });

  it("a path that does not exist, or is not a template or YAML file, is a user error", async () => {
    await expect(run(join(project, "nope"))).rejects.toThrow(/no such file or directory/);
    write("README.md", "x");
    await expect(run(join(project, "README.md"))).rejects.toThrow(/neither a \.j2 template nor a YAML file/);
  });
});
