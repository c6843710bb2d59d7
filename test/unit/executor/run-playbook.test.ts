/**
 * The executor's semantics, run for real on this machine through the local
 * connection (ansible_connection=local): loops, conditions, register,
 * changed_when/failed_when, blocks, handlers, tags, includes and check mode.
 */
import { mkdtemp, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Connection } from "../../../src/connection/types.js";
import { playbookLoadOptions, runPlaybookFile } from "../../../src/executor/index.js";
import { HostState } from "../../../src/executor/host-state.js";
import { PlayRunner } from "../../../src/executor/play-runner.js";
import type { Reporter, TaskInfo } from "../../../src/executor/reporter.js";
import type { HostStats, TaskResult } from "../../../src/executor/results.js";
import { loadInventory } from "../../../src/inventory/index.js";
import { loadPlaybook } from "../../../src/playbook/load.js";
import { SecretMasker } from "../../../src/secrets.js";

class RecordingReporter implements Reporter {
  readonly results: { task: string; host: string; result: TaskResult }[] = [];
  readonly warnings: string[] = [];
  stats: Record<string, HostStats> = {};
  playStart(): void {}
  taskStart(): void {}
  hostResult(host: string, task: TaskInfo, result: TaskResult): void {
    this.results.push({ task: task.name, host, result });
  }
  warn(message: string): void {
    this.warnings.push(message);
  }
  verbose(): void {}
  end(stats: Record<string, HostStats>): void {
    this.stats = stats;
  }
  status(task: string, host = "a"): string | undefined {
    return this.results.find((entry) => entry.task === task && entry.host === host)?.result.status;
  }
}

async function run(playbook: string, options: { files?: Record<string, string>; check?: boolean; tags?: string[]; extraVars?: Record<string, unknown> } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), "tsible-exec-"));
  await writeFile(path.join(dir, "hosts"), "[group1]\na ansible_connection=local\nb ansible_connection=local\n");
  await writeFile(path.join(dir, "site.yml"), playbook.replaceAll("DIR", dir));
  for (const [name, text] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text.replaceAll("DIR", dir));
  }
  const reporter = new RecordingReporter();
  const outcome = await runPlaybookFile({
    playbook: path.join(dir, "site.yml"),
    inventories: [path.join(dir, "hosts")],
    reporter,
    masker: new SecretMasker(),
    check: options.check,
    tags: options.tags,
    extraVars: options.extraVars,
  });
  return { dir, reporter, exitCode: outcome.exitCode };
}

describe("running a playbook", () => {
  it("loops, registers, and evaluates when/changed_when/failed_when per host", async () => {
    const { reporter, exitCode } = await run(`
- hosts: group1
  gather_facts: false
  tasks:
    - name: items
      set_fact:
        seen: "{{ item }}"
      loop: [1, 2, 3]
      when: item != 2
    - name: probe
      command: echo {{ inventory_hostname }}
      register: echoed
      changed_when: false
    - name: only on a
      debug: { msg: "{{ echoed.stdout }}" }
      when: echoed.stdout == "a"
    - name: tolerated failure
      command: "false"
      failed_when: echoed.rc != 0
    - name: ignored failure
      fail: { msg: boom }
      ignore_errors: true
`);
    expect(exitCode).toBe(0);
    const items = reporter.results.find((entry) => entry.task === "items")!.result;
    expect(items.items?.map((item) => item.status)).toEqual(["ok", "skipped", "ok"]);
    expect(reporter.status("probe")).toBe("ok");
    expect(reporter.status("only on a", "a")).toBe("ok");
    expect(reporter.status("only on a", "b")).toBe("skipped");
    expect(reporter.results.find((e) => e.task === "only on a" && e.host === "a")!.result.msg).toBe("a");
    expect(reporter.status("tolerated failure")).toBe("changed");
    expect(reporter.stats.a).toMatchObject({ ignored: 1, failures: 0, skipped: 0 });
    expect(reporter.stats.b).toMatchObject({ ignored: 1, failures: 0, skipped: 1 });
  });

  it("logs in again after meta: reset_connection (a new session shell), and not before", async () => {
    const { reporter, exitCode } = await run(`
- hosts: group1
  gather_facts: false
  tasks:
    - { name: first, shell: "echo $PPID", register: first, changed_when: false }
    - { name: same, shell: "echo $PPID", register: same, changed_when: false }
    - meta: reset_connection
    - { name: after, shell: "echo $PPID", register: after, changed_when: false }
`);
    expect(exitCode).toBe(0);
    const shellOf = (task: string, host: string) => reporter.results.find((entry) => entry.task === task && entry.host === host)!.result.data["stdout"];
    for (const host of ["a", "b"]) {
      expect(shellOf("same", host)).toBe(shellOf("first", host));
      expect(shellOf("after", host)).not.toBe(shellOf("first", host));
    }
  });

  it("rescues failures, runs always, and runs a notified handler once at the end", async () => {
    const { reporter, dir, exitCode } = await run(`
- hosts: group1
  gather_facts: false
  tasks:
    - block:
        - name: write
          copy: { content: "x\\n", dest: "DIR/{{ inventory_hostname }}.txt" }
          notify: note
        - name: write again
          copy: { content: "y\\n", dest: "DIR/{{ inventory_hostname }}.txt" }
          notify: note
        - fail: { msg: broken }
          when: inventory_hostname == "b"
      rescue:
        - name: rescued
          debug: { msg: rescued }
      always:
        - name: always
          debug: { msg: always }
  handlers:
    - name: note
      copy: { content: "handled\\n", dest: "DIR/{{ inventory_hostname }}.handled" }
`);
    expect(exitCode).toBe(0);
    expect(reporter.status("rescued", "b")).toBe("ok");
    expect(reporter.results.some((e) => e.task === "rescued" && e.host === "a")).toBe(false);
    expect(reporter.status("always", "a")).toBe("ok");
    expect(reporter.results.filter((e) => e.task === "note").map((e) => e.host).sort()).toEqual(["a", "b"]);
    expect(reporter.stats.b).toMatchObject({ failures: 0, rescued: 1 });
    expect(await readFile(path.join(dir, "a.handled"), "utf8")).toBe("handled\n");
  });

  it("fails the host, stops running it, and returns exit code 2", async () => {
    const { reporter, exitCode } = await run(`
- hosts: group1
  gather_facts: false
  tasks:
    - fail: { msg: "only b" }
      when: inventory_hostname == "b"
    - name: after
      debug: { msg: still here }
`);
    expect(exitCode).toBe(2);
    expect(reporter.status("after", "a")).toBe("ok");
    expect(reporter.results.some((e) => e.task === "after" && e.host === "b")).toBe(false);
  });

  it("changes nothing in check mode and reports what would change", async () => {
    const { reporter, dir } = await run(
      `
- hosts: a
  gather_facts: false
  tasks:
    - name: file
      copy: { content: "hello\\n", dest: "DIR/out.txt" }
    - name: cmd
      command: touch DIR/touched
`,
      { check: true },
    );
    expect(reporter.status("file")).toBe("changed");
    expect(reporter.results.find((e) => e.task === "file")!.result.diff[0]?.after).toBe("hello\n");
    expect(reporter.status("cmd")).toBe("skipped");
    expect(existsSync(path.join(dir, "out.txt"))).toBe(false);
    expect(existsSync(path.join(dir, "touched"))).toBe(false);
  });

  it("selects tasks by tag and includes task files per host with their own variables", async () => {
    const { reporter } = await run(
      `
- hosts: group1
  gather_facts: false
  tasks:
    - name: tagged
      debug: { msg: t }
      tags: [web]
    - name: untagged
      debug: { msg: u }
    - include_tasks: "{{ inventory_hostname }}.yml"
      tags: [web]
`,
      { tags: ["web"], files: { "a.yml": "- name: from a\n  debug: { msg: a }\n", "b.yml": "- name: from b\n  debug: { msg: b }\n" } },
    );
    expect(reporter.status("tagged")).toBe("ok");
    expect(reporter.results.some((e) => e.task === "untagged")).toBe(false);
    expect(reporter.status("from a", "a")).toBe("ok");
    expect(reporter.status("from b", "b")).toBe("ok");
    expect(reporter.results.some((e) => e.task === "from a" && e.host === "b")).toBe(false);
  });

  it("fails a task that uses an undefined variable, naming it, the file and the task", async () => {
    const { reporter, exitCode } = await run(`
- hosts: a
  gather_facts: false
  tasks:
    - name: uses a typo
      debug: { msg: "{{ mqtt_pasword }}" }
`);
    expect(exitCode).toBe(2);
    const msg = reporter.results.find((e) => e.task === "uses a typo")!.result.msg ?? "";
    expect(msg).toContain('undefined variable "mqtt_pasword"');
    expect(msg).toMatch(/site\.yml:5/);
    expect(msg).toContain('task "uses a typo"');
  });

  it("lets extra vars win over play vars, and play vars over inventory", async () => {
    const { reporter } = await run(
      `
- hosts: a
  gather_facts: false
  vars: { port: 1, name: play }
  tasks:
    - name: show
      debug: { msg: "{{ port }} {{ name }} {{ from_inventory }}" }
`,
      { extraVars: { port: 3 }, files: { "group_vars/all.yml": "port: 0\nname: inventory\nfrom_inventory: yes-inv\n" } },
    );
    expect(reporter.results.find((e) => e.task === "show")!.result.msg).toBe("3 play yes-inv");
  });

  it("refuses a relative path before it reaches the host, naming the file and line (an empty pid file's dirname is the login home)", async () => {
    const { reporter, exitCode } = await run(
      `
- hosts: a
  gather_facts: false
  vars: { mqtt_pid_file: "" }
  tasks:
    - name: pid directory
      file: { path: "{{dirname mqtt_pid_file}}", state: directory, mode: "0700" }
`,
      { check: true },
    );
    expect(exitCode).toBe(2);
    const result = reporter.results.find((e) => e.task === "pid directory")!.result;
    expect(result.status).toBe("failed");
    expect(result.msg).toMatch(/site\.yml:6:7: invalid arguments for file: 'path': path must be an absolute path \(got "\."\): tsible does not resolve paths against the login user's home$/);
  });
});

/** An object whose `value` counts its reads; not enumerable, so only a template reads it (not the masker or a copy of the vars) */
function countedValue(value: string): { counter: object; reads: () => number } {
  let reads = 0;
  const counter = {};
  Object.defineProperty(counter, "value", {
    enumerable: false,
    get: () => {
      reads += 1;
      return value;
    },
  });
  return { counter, reads: () => reads };
}

describe("one variable scope per task and host", () => {
  it("renders a variable that refers to others once per task and host, whatever reads it", async () => {
    const { counter, reads } = countedValue("seen");
    const { reporter, exitCode, dir } = await run(
      `
- hosts: group1
  gather_facts: false
  vars:
    probe: "{{ counter.value }}"
  tasks:
    - name: everywhere
      debug: { msg: "{{ probe }}" }
      loop: [1, 2]
      when: probe == "seen"
      changed_when: probe == "seen"
      failed_when: probe != "seen"
      until: probe == "seen"
      retries: 1
      delay: 0
    - name: template
      template: { src: probe.j2, dest: "DIR/{{ inventory_hostname }}.txt" }
      when: probe == "seen"
`,
      { extraVars: { counter }, files: { "templates/probe.j2": "{{ probe }}\n" } },
    );
    expect(exitCode).toBe(0);
    expect(reporter.status("everywhere", "a")).toBe("changed");
    expect(reporter.results.find((e) => e.task === "everywhere" && e.host === "b")!.result.items?.map((item) => item.msg)).toEqual(["seen", "seen"]);
    expect(await readFile(path.join(dir, "b.txt"), "utf8")).toBe("seen\n");
    // two tasks on two hosts
    expect(reads()).toBe(4);
  });

  it("renders again, for changed_when and failed_when, a variable that reads the result they bind", async () => {
    const { reporter } = await run(`
- hosts: a
  gather_facts: false
  vars:
    out_rc: "{{ out.rc }}"
  tasks:
    - name: first
      command: "false"
      register: out
      ignore_errors: true
    - name: second
      command: echo {{ out_rc }}
      register: out
      changed_when: out_rc == 0
      failed_when: out_rc != 0
`);
    const second = reporter.results.find((e) => e.task === "second")!.result;
    // the arguments saw the first task's result, the conditions the second's
    expect(second.data.stdout).toBe("1");
    expect(second.status).toBe("changed");
  });
});

/** A host that answers, but whose shell cannot run the fact probe */
function hostWithoutShell(name: string): Connection {
  return {
    hostName: name,
    loginUser: "deploy",
    run: () => Promise.resolve({ exitCode: 127, stdout: "", stderr: "sh: 1: exec: /bin/sh: not found\n" }),
    writeFile: () => Promise.reject(new Error("this host takes no files")),
    readFile: () => Promise.resolve(undefined),
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

describe("a host whose fact gathering fails", () => {
  it("is reported as a failed task with the gathering's message, not as an internal error, and leaves the play", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tsible-exec-"));
    await writeFile(path.join(dir, "hosts"), "a\n");
    await writeFile(path.join(dir, "site.yml"), "- hosts: a\n  tasks:\n    - name: after\n      debug: { msg: never }\n");
    const playbook = await loadPlaybook(path.join(dir, "site.yml"), playbookLoadOptions());
    const inventory = await loadInventory([path.join(dir, "hosts")], { playbookDir: dir });
    const reporter = new RecordingReporter();
    const host = new HostState("a", () => Promise.resolve(hostWithoutShell("a")));
    const options = {
      inventory,
      tags: [],
      skipTags: [],
      extraVars: {},
      forks: 1,
      check: false,
      diff: false,
      verbosity: 0,
      reporter,
      masker: new SecretMasker(),
      loadInclude: () => Promise.resolve([]),
    };
    await new PlayRunner(playbook.plays[0]!, [host], options, new Map(), {}).run();

    const gathering = reporter.results.find((entry) => entry.task === "Gathering Facts")!.result;
    expect(gathering.status).toBe("failed");
    expect(gathering.msg).toBe("a: fact gathering failed (exit 127): sh: 1: exec: /bin/sh: not found");
    expect(gathering.data).toEqual({});
    expect(host.stats).toMatchObject({ failures: 1, unreachable: 0 });
    expect(reporter.results.some((entry) => entry.task === "after")).toBe(false);
  });
});
