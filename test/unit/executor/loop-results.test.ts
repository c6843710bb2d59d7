/**
 * Loops as a playbook sees them, run for real on this machine (local
 * connection): each `with_*` form's items reach the task as Ansible's, and a
 * registered loop has Ansible's shape (results with item, ansible_loop_var,
 * index_var, ansible_loop; "All items completed" / "All items skipped").
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runPlaybookFile } from "../../../src/executor/index.js";
import type { Reporter, TaskInfo } from "../../../src/executor/reporter.js";
import type { TaskResult } from "../../../src/executor/results.js";
import { HumanReporter } from "../../../src/output/human.js";
import { JsonReporter } from "../../../src/output/json.js";
import { SecretMasker } from "../../../src/secrets.js";
import { project } from "../../helpers/project.js";

class RecordingReporter implements Reporter {
  readonly results: { task: string; result: TaskResult }[] = [];
  playStart(): void {}
  taskStart(): void {}
  hostResult(_host: string, task: TaskInfo, result: TaskResult): void {
    this.results.push({ task: task.name, result });
  }
  warn(): void {}
  verbose(): void {}
  end(): void {}
}

/** Runs the tasks on localhost and returns each register's value as `to_json` dumped it */
async function registered(tasks: string, names: string[], files: Record<string, string> = {}) {
  const dir = await project({ hosts: "local ansible_connection=local\n", ...files });
  const dumps = names.map((name) => `    - copy: { content: "{{to_json ${name}}}", dest: "${dir}/${name}.json" }`).join("\n");
  const playbook = `- hosts: local\n  gather_facts: false\n  tasks:\n${tasks}\n${dumps}\n`;
  await writeFile(path.join(dir, "site.yml"), playbook);
  const reporter = new RecordingReporter();
  const outcome = await runPlaybookFile({ playbook: path.join(dir, "site.yml"), inventories: [path.join(dir, "hosts")], reporter, masker: new SecretMasker() });
  const failures = reporter.results.filter((entry) => entry.result.failed).map((entry) => `${entry.task}: ${entry.result.msg}`);
  expect(failures).toEqual([]);
  expect(outcome.exitCode).toBe(0);
  const values: Record<string, Record<string, unknown>> = {};
  for (const name of names) values[name] = JSON.parse(await readFile(path.join(dir, `${name}.json`), "utf8")) as Record<string, unknown>;
  return { values, reporter, dir };
}

describe("registered loops", () => {
  it("carry item, ansible_loop_var, the index_var and, with extended, ansible_loop", async () => {
    const { values, reporter } = await registered(
      `    - name: extended
      debug: { msg: "{{ item }}-{{ i }}-{{ ansible_loop.revindex }}" }
      loop: [a, b]
      loop_control: { index_var: i, extended: true, label: "L{{ item }}" }
      register: r`,
      ["r"],
    );
    expect(values.r).toMatchObject({ changed: false, msg: "All items completed", skipped: false });
    const results = values.r?.results as Record<string, unknown>[];
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ item: "a", msg: "a-0-2", ansible_loop_var: "item", ansible_index_var: "i", i: 0, changed: false, failed: false });
    expect(results[0]?.ansible_loop).toEqual({ allitems: ["a", "b"], index: 1, index0: 0, revindex: 2, revindex0: 1, first: true, last: false, length: 2, nextitem: "b" });
    expect(results[1]?.ansible_loop).toMatchObject({ index: 2, last: true, previtem: "a" });
    expect(results[1]).not.toHaveProperty("ansible_loop.nextitem");
    // the label is what output shows for each item
    expect(reporter.results.find((entry) => entry.task === "extended")?.result.items?.map((item) => item.label)).toEqual(["La", "Lb"]);
  });

  it("register skipped items with skip_reason and no msg, and say so when all were skipped", async () => {
    const { values } = await registered(
      `    - debug: { msg: "{{ item }}" }
      loop: [1, 2]
      when: item == 3
      register: none
    - debug: { msg: hi }
      when: false
      register: single`,
      ["none", "single"],
    );
    expect(values.none).toMatchObject({ changed: false, skipped: true, msg: "All items skipped" });
    expect(values.none?.results).toEqual([
      { item: 1, ansible_loop_var: "item", changed: false, skipped: true, skip_reason: "Conditional result was False" },
      { item: 2, ansible_loop_var: "item", changed: false, skipped: true, skip_reason: "Conditional result was False" },
    ]);
    expect(values.single).toEqual({ changed: false, skipped: true, skip_reason: "Conditional result was False" });
  });

  it("give each with_* form's items to the task and its template", async () => {
    const { values } = await registered(
      `    - debug: { msg: "{{ item.key }}={{ item.value }}" }
      with_dict: { b: 1, a: 2 }
      register: dict
    - debug: { msg: "{{ item.[0].name }}:{{ item.[1] }}" }
      with_subelements:
        - [{ name: ann, groups: [adm, sudo] }]
        - groups
      register: sub
    - debug: { msg: "{{ item.[0] }}{{ item.[1] }}" }
      with_together: [[1, 2], [x]]
      register: together
    - debug: { msg: "{{ item }}" }
      with_sequence: count=2 format=n%d
      register: seq
    - debug: { msg: "{{ item.[0] }}{{ item.[1] }}" }
      with_nested: [[a, b], [1, 2]]
      register: nested
    - debug: { msg: "{{ it }}" }
      with_items: [[a, b], c]
      loop_control: { loop_var: it }
      register: flat`,
      ["dict", "sub", "together", "seq", "nested", "flat"],
    );
    const messages = (name: string) => (values[name]?.results as { msg: string }[]).map((result) => result.msg);
    expect(messages("dict")).toEqual(["b=1", "a=2"]);
    expect((values.dict?.results as { item: unknown }[])[0]?.item).toEqual({ key: "b", value: 1 });
    expect(messages("sub")).toEqual(["ann:adm", "ann:sudo"]);
    expect((values.sub?.results as { item: unknown }[])[0]?.item).toEqual([{ name: "ann" }, "adm"]);
    expect(messages("together")).toEqual(["1x", "2"]);
    expect((values.together?.results as { item: unknown }[])[1]?.item).toEqual([2, null]);
    expect(messages("seq")).toEqual(["n1", "n2"]);
    expect(messages("nested")).toEqual(["a1", "a2", "b1", "b2"]);
    // the item is registered under the loop variable's name, as Ansible does
    expect((values.flat?.results as Record<string, unknown>[]).map((result) => [result.it, result.ansible_loop_var, "item" in result])).toEqual([
      ["a", "it", false],
      ["b", "it", false],
      ["c", "it", false],
    ]);
  });

  it("finds with_fileglob and with_first_found files in the playbook's files/", async () => {
    const { values, dir } = await registered(
      `    - debug: { msg: "{{ item }}" }
      with_fileglob: ["conf/*.conf"]
      register: globbed
    - debug: { msg: "{{ item }}" }
      with_first_found: [missing.yml, main.yml]
      register: first`,
      ["globbed", "first"],
      { "files/conf/b.conf": "", "files/conf/a.conf": "", "files/conf/skip.txt": "", "main.yml": "" },
    );
    expect((values.globbed?.results as { item: string }[]).map((result) => result.item)).toEqual([path.join(dir, "files/conf/a.conf"), path.join(dir, "files/conf/b.conf")]);
    expect((values.first?.results as { item: string }[]).map((result) => result.item)).toEqual([path.join(dir, "main.yml")]);
  });
});

describe("loop results in output", () => {
  it("text shows loop_control.label for each item; --json gives each result Ansible's loop fields", async () => {
    const dir = await project({ hosts: "local ansible_connection=local\n" });
    const playbook = [
      "- hosts: local",
      "  gather_facts: false",
      "  tasks:",
      "    - name: users",
      "      debug: { msg: '{{ user.name }}' }",
      "      loop: [{ name: alice, password: alice-secret-1 }, { name: bob, password: bob-secret-22 }]",
      "      loop_control: { loop_var: user, label: '{{ user.name }}', index_var: position }",
      "",
    ].join("\n");
    await writeFile(path.join(dir, "site.yml"), playbook);
    const run = async (reporterOf: (write: (text: string) => void, masker: SecretMasker) => Reporter) => {
      let text = "";
      const masker = new SecretMasker();
      const outcome = await runPlaybookFile({ playbook: path.join(dir, "site.yml"), inventories: [path.join(dir, "hosts")], reporter: reporterOf((chunk) => (text += chunk), masker), masker });
      expect(outcome.exitCode).toBe(0);
      return text;
    };
    const human = await run((write, masker) => new HumanReporter({ write, masker, color: false, diff: false, check: false, verbosity: 0 }));
    expect(human).toContain("ok: [local] => (item=alice)");
    expect(human).toContain("ok: [local] => (item=bob)");
    const json = JSON.parse(await run((write, masker) => new JsonReporter(write, masker))) as { plays: { tasks: { hosts: Record<string, { results: Record<string, unknown>[] }> }[] }[] };
    const results = json.plays[0]!.tasks[0]!.hosts["local"]!.results;
    expect(results.map((result) => [result["ansible_loop_var"], (result["user"] as { name: string }).name, result["position"]])).toEqual([
      ["user", "alice", 0],
      ["user", "bob", 1],
    ]);
  });
});

describe("the recap", () => {
  it("counts an ignored failure as ok and ignored, and changed when it changed, as Ansible's recap does", async () => {
    const dir = await project({ hosts: "local ansible_connection=local\n" });
    const playbook = [
      "- hosts: local",
      "  gather_facts: false",
      "  tasks:",
      "    - { command: 'false', ignore_errors: true }",
      "    - { command: 'true', changed_when: false }",
      "",
    ].join("\n");
    await writeFile(path.join(dir, "site.yml"), playbook);
    let stats: Record<string, unknown> = {};
    const reporter = Object.assign(new RecordingReporter(), { end: (given: Record<string, unknown>) => (stats = given) });
    const outcome = await runPlaybookFile({ playbook: path.join(dir, "site.yml"), inventories: [path.join(dir, "hosts")], reporter, masker: new SecretMasker() });
    expect(outcome.exitCode).toBe(0);
    // ansible-playbook says: ok=2 changed=1 failed=0 ignored=1 (command is changed unless told otherwise)
    expect(stats["local"]).toMatchObject({ ok: 2, changed: 1, failures: 0, ignored: 1 });
  });
});
