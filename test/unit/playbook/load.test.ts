import path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { playbookLoadOptions } from "../../../src/executor/index.js";
import { loadPlaybook } from "../../../src/playbook/load.js";
import type { Task } from "../../../src/playbook/types.js";
import { project } from "../../helpers/project.js";

async function loadError(files: Record<string, string>): Promise<UserError> {
  const dir = await project(files);
  try {
    await loadPlaybook(path.join(dir, "site.yml"), playbookLoadOptions());
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error("expected a UserError");
}

describe("loading a playbook", () => {
  it("reads the engine fixture: roles, handlers, blocks, includes, inherited keywords", async () => {
    const playbook = await loadPlaybook("test/fixtures/engine/site.yml", playbookLoadOptions());
    const [play] = playbook.plays;
    expect(play?.hosts).toBe("fleet");
    expect(play?.become).toBe(true);
    expect(play?.roles.map((role) => role.name)).toEqual(["broker"]);
    const roleTask = play?.roles[0]?.tasks[1] as Task;
    expect(roleTask.module).toBe("template");
    expect(roleTask.tags).toEqual(["broker"]);
    expect(roleTask.notify).toEqual(["restart mosquitto"]);
    expect(roleTask.location.line).toBe(9);
    expect(play?.roles[0]?.handlers[0]?.name).toBe("restart mosquitto");
    expect(play?.roles[0]?.defaults).toEqual({ demo_port: 1883, demo_log_type: "error" });
    const kinds = play?.tasks.map((item) => item.kind);
    expect(kinds).toContain("block");
    expect(kinds).toContain("include");
    const group = play?.tasks.find((item) => item.kind === "task" && item.module === "group") as Task;
    expect(group.args).toEqual({ name: "demo", state: "present" });
    const shell = play?.tasks.find((item) => item.kind === "task" && item.module === "shell") as Task;
    expect(shell.args).toEqual({ cmd: "uname -r > {{ demo_dir }}/kernel.txt", creates: "{{ demo_dir }}/kernel.txt" });
  });

  it("names file and line of an unknown module, with a suggestion", async () => {
    const error = await loadError({ "site.yml": "- hosts: all\n  tasks:\n    - name: typo\n      templte:\n        src: a\n" });
    expect(error.message).toBe("unknown module 'templte'");
    expect(error.location?.line).toBe(3);
    expect(error.location?.file).toMatch(/site\.yml$/);
    expect(error.hint).toContain("'template'");
  });

  it("reports malformed YAML with its line", async () => {
    const error = await loadError({ "site.yml": "- hosts: all\n  tasks:\n    - name: x\n      copy: {dest: /x\n" });
    expect(error.message).toMatch(/^invalid YAML/);
    expect(error.location?.line).toBeGreaterThanOrEqual(4);
  });

  it("refuses a task with two modules and a play without hosts", async () => {
    const two = await loadError({ "site.yml": "- hosts: all\n  tasks:\n    - copy: {dest: /x}\n      file: {path: /y}\n" });
    expect(two.message).toContain("several module keys");
    const noHosts = await loadError({ "site.yml": "- name: nothing\n  tasks: []\n" });
    expect(noHosts.message).toBe("play has no 'hosts:'");
  });

  it("refuses keywords tsible does not implement instead of ignoring them", async () => {
    const error = await loadError({ "site.yml": "- hosts: all\n  tasks:\n    - debug: {msg: x}\n      delegate_to: localhost\n" });
    expect(error.message).toBe("'delegate_to' is not supported by tsible");
  });

  it("copies block keywords down to the tasks inside", async () => {
    const dir = await project({
      "site.yml": [
        "- hosts: all",
        "  tasks:",
        "    - block:",
        "        - debug: {msg: inner}",
        "          when: b",
        "      when: a",
        "      become: true",
        "      tags: [t1]",
        "      vars: {x: 1}",
      ].join("\n"),
    });
    const playbook = await loadPlaybook(path.join(dir, "site.yml"), playbookLoadOptions());
    const block = playbook.plays[0]?.tasks[0];
    expect(block?.kind).toBe("block");
    const inner = block?.kind === "block" ? (block.block[0] as Task) : undefined;
    expect(inner?.when).toEqual(["a", "b"]);
    expect(inner?.become).toBe(true);
    expect(inner?.tags).toEqual(["t1"]);
    expect(inner?.vars).toEqual({ x: 1 });
  });

  it("resolves import_tasks while loading and reports a missing role", async () => {
    const dir = await project({
      "site.yml": "- hosts: all\n  tasks:\n    - import_tasks: more.yml\n      tags: imported\n",
      "more.yml": "- debug: msg=one\n- debug: msg=two\n",
    });
    const playbook = await loadPlaybook(path.join(dir, "site.yml"), playbookLoadOptions());
    const tasks = playbook.plays[0]?.tasks as Task[];
    expect(tasks.map((task) => task.args)).toEqual([{ msg: "one" }, { msg: "two" }]);
    expect(tasks.every((task) => task.tags.includes("imported"))).toBe(true);
    const missing = await loadError({ "site.yml": "- hosts: all\n  roles: [nope]\n" });
    expect(missing.message).toBe("role 'nope' not found");
  });
});

describe("the first play's outline (what logging in early needs)", () => {
  async function outlineOf(playbook: string) {
    const dir = await project({ "site.yml": playbook, "roles/r/tasks/main.yml": "- debug: { msg: hi }\n" });
    const seen: unknown[] = [];
    await loadPlaybook(path.join(dir, "site.yml"), { ...playbookLoadOptions(), onFirstPlay: (outline) => seen.push(outline) });
    return seen;
  }

  it("gives hosts, remote_user and become of a first play that gathers facts, before the roles load", async () => {
    expect(await outlineOf("- hosts: [web, db]\n  remote_user: ops\n  become: yes\n  become_user: mosquitto\n  roles: [r]\n- hosts: other\n  tasks: []\n")).toEqual([
      { hosts: "web:db", remoteUser: "ops", become: true, becomeUser: "mosquitto" },
    ]);
    expect(await outlineOf("- hosts: all\n  roles: [r]\n")).toEqual([{ hosts: "all", remoteUser: undefined, become: false, becomeUser: undefined }]);
  });

  it("gives nothing for a first play that may not log in, or whose settings are templated", async () => {
    expect(await outlineOf("- hosts: all\n  gather_facts: false\n  roles: [r]\n")).toEqual([]);
    expect(await outlineOf("- hosts: all\n  gather_facts: no\n  roles: [r]\n")).toEqual([]);
    expect(await outlineOf("- hosts: all\n  remote_user: \"{{ user }}\"\n  roles: [r]\n")).toEqual([]);
    expect(await outlineOf("- hosts: all\n  become: true\n  become_user: \"{{ owner }}\"\n  roles: [r]\n")).toEqual([]);
  });

  it("is given before a later mistake in the playbook is found", async () => {
    const dir = await project({ "site.yml": "- hosts: all\n  roles: [missing]\n" });
    const seen: unknown[] = [];
    await expect(loadPlaybook(path.join(dir, "site.yml"), { ...playbookLoadOptions(), onFirstPlay: (outline) => seen.push(outline) })).rejects.toThrow(/missing/);
    expect(seen).toHaveLength(1);
  });
});

describe("loop keywords", () => {
  it("keep each with_* form and its terms, loop_control, and where with_fileglob looks (the role's dir, then the playbook's)", async () => {
    const dir = await project({
      "site.yml": `- hosts: all
  roles: [r]
  tasks:
    - debug: { msg: "{{ item.key }}" }
      with_dict: { a: 1 }
    - debug: { msg: "{{ x }}" }
      with_sequence: count=3
      loop_control: { loop_var: x, index_var: i, label: "{{ x }}", extended: yes, pause: 1 }
`,
      "roles/r/tasks/main.yml": `- debug: { msg: "{{ item }}" }\n  with_fileglob: ["*.conf"]\n`,
    });
    const [play] = (await loadPlaybook(path.join(dir, "site.yml"), playbookLoadOptions())).plays;
    const [dict, sequence] = play?.tasks as Task[];
    expect([dict?.loopForm, dict?.loop, dict?.loopVar]).toEqual(["dict", { a: 1 }, "item"]);
    expect(sequence).toMatchObject({ loopForm: "sequence", loop: "count=3", loopVar: "x" });
    expect(sequence?.loopControl).toEqual({ indexVar: "i", label: "{{ x }}", extended: true, pauseSeconds: 1, searchPaths: [dir] });
    const roleTask = play?.roles[0]?.tasks[0] as Task;
    expect(roleTask.loopForm).toBe("fileglob");
    expect(roleTask.loopControl.searchPaths).toEqual([path.join(dir, "roles", "r"), dir]);
  });

  it("refuse a with_* lookup tsible lacks, two loops on one task, and an unknown loop_control key, each at the task's line", async () => {
    const other = await loadError({ "site.yml": "- hosts: all\n  tasks:\n    - debug: { msg: x }\n      with_random_choice: [a, b]\n" });
    expect(other.message).toBe("'with_random_choice' is not supported by tsible");
    expect(other.hint).toMatch(/with_together/);
    expect(other.location?.line).toBe(3);
    const two = await loadError({ "site.yml": "- hosts: all\n  tasks:\n    - debug: { msg: x }\n      loop: [1]\n      with_items: [2]\n" });
    expect(two.message).toBe("a task has one loop, this one has loop and with_items");
    const control = await loadError({ "site.yml": "- hosts: all\n  tasks:\n    - debug: { msg: x }\n      loop: [1]\n      loop_control: { index: i }\n" });
    expect(control.message).toBe("unknown loop_control keyword 'index'");
    expect(control.hint).toMatch(/index_var/);
  });
});
