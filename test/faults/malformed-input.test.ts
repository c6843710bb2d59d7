/**
 * Malformed files: a corpus of broken playbooks, inventories, group_vars, templates and -e values
 * (truncated, wrong types, unknown keys, deep nesting, huge, alias bombs, non-UTF-8). Each must end
 * with exit 4 or 5 and one message naming the file (and its line, where the problem has one),
 * with no stack trace, no hang, and no connection to any host: the inventory's host is a
 * listener on loopback that counts the connections it gets.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aliasBomb } from "../helpers/yaml-bomb.js";
import { tsible } from "../e2e/helpers/run-tsible.js";
import { recordCase } from "./record.js";

let dir: string;
let listener: Server;
let connections = 0;
let port = 0;

const validPlaybook = `- name: Brokers
  hosts: mqtt
  gather_facts: false
  roles:
    - demo
  tasks:
    - name: write a marker
      copy:
        content: "marker {{ marker }}\\n"
        dest: /tmp/tsible-marker
      when: marker is defined
`;

interface Corpus {
  name: string;
  /** files to write under the case's directory (Buffer for bytes that are not UTF-8) */
  files: Record<string, string | Buffer>;
  /** extra arguments after `play site.yml -i hosts` */
  args?: string[];
  /** the file the message must name */
  names: string;
  /** whether the message must carry a line number */
  line?: boolean;
}

const inventoryText = () => `[mqtt]\nb1 ansible_host=127.0.0.1 ansible_port=${port} ansible_user=nobody ansible_timeout=2\n`;
const roleFiles = {
  "roles/demo/tasks/main.yml": '- name: template\n  template:\n    src: demo.conf.hbs\n    dest: /tmp/demo.conf\n',
  "roles/demo/templates/demo.conf.hbs": "listener {{ port }}\n",
};

function nested(depth: number): string {
  return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
}

const corpus: Corpus[] = [
  { name: "a playbook cut off in the middle of a task", files: { "site.yml": validPlaybook.slice(0, 120) + '\n      copy: { dest: "/tmp' }, names: "site.yml", line: true },
  { name: "a playbook with a tab for indentation", files: { "site.yml": validPlaybook.replace("  gather_facts", "\tgather_facts") }, names: "site.yml", line: true },
  { name: "a playbook that is a mapping, not a list of plays", files: { "site.yml": "hosts: mqtt\ntasks: []\n" }, names: "site.yml", line: true },
  { name: "a play whose hosts is a number and tasks a string", files: { "site.yml": "- hosts: 5\n  tasks: nope\n" }, names: "site.yml", line: true },
  { name: "a task with a misspelt keyword (whne)", files: { "site.yml": "- hosts: mqtt\n  tasks:\n    - name: x\n      debug: { msg: hi }\n      whne: true\n" }, names: "site.yml", line: true },
  { name: "a task with an unknown module", files: { "site.yml": "- hosts: mqtt\n  tasks:\n    - name: x\n      mosquito_broker: {}\n" }, names: "site.yml", line: true },
  { name: "a become that is no boolean", files: { "site.yml": "- hosts: mqtt\n  become: maybe\n  tasks: []\n" }, names: "site.yml", line: true },
  { name: "an empty playbook", files: { "site.yml": "" }, names: "site.yml" },
  { name: "a playbook nested 5000 lists deep", files: { "site.yml": `- hosts: mqtt\n  vars:\n    deep: ${nested(5000)}\n  tasks: []\n` }, names: "site.yml" },
  { name: "a 12 MB playbook of one huge string", files: { "site.yml": `- hosts: mqtt\n  vars:\n    big: "${"x".repeat(12 * 1024 * 1024)}\n` }, names: "site.yml", line: true },
  { name: "an alias bomb in the playbook's vars", files: { "site.yml": `- hosts: mqtt\n  vars:\n${aliasBomb(8).trimEnd().replace(/^/gm, "    ")}\n  tasks: []\n` }, names: "site.yml", line: true },
  { name: "a playbook in Latin-1 (not UTF-8)", files: { "site.yml": Buffer.concat([Buffer.from("- hosts: mqtt\n  vars:\n    city: M"), Buffer.from([0xfc]), Buffer.from("nchen\n  tasks: []\n")]) }, names: "site.yml", line: true },
  { name: "an INI inventory with a broken section header", files: { hosts: "[mqtt\nb1\n" }, names: "hosts", line: true },
  { name: "an INI inventory host line that is not key=value", files: { hosts: "[mqtt]\nb1 ansible_host=127.0.0.1 oops\n" }, names: "hosts", line: true },
  { name: "group_vars that are a list", files: { "group_vars/mqtt.yml": "- a\n- b\n" }, names: "group_vars/mqtt.yml" },
  { name: "group_vars cut off inside a quoted string", files: { "group_vars/all.yml": 'mqtt_password: "abc\n' }, names: "group_vars/all.yml", line: true },
  { name: "an alias bomb in group_vars", files: { "group_vars/all.yml": aliasBomb(8) }, names: "group_vars/all.yml", line: true },
  { name: "a connection variable of the wrong type", files: { "group_vars/all.yml": "ansible_become: maybe\n" }, names: "group_vars/all.yml" },
  { name: "a role template with a syntax error", files: { "roles/demo/templates/demo.conf.hbs": "listener {{#if port}}{{ port }\n" }, names: "demo.conf.hbs", line: true },
  { name: "a role template with a Jinja filter", files: { "roles/demo/templates/demo.conf.hbs": "listener {{ port | default(1883) }}\n" }, names: "demo.conf.hbs", line: true },
  { name: "a role's tasks file cut off", files: { "roles/demo/tasks/main.yml": "- name: template\n  template:\n    src: [demo" }, names: "roles/demo/tasks/main.yml", line: true },
  { name: "-e with JSON cut off", files: {}, args: ["-e", '{"marker": '], names: "-e" },
  { name: "-e @file that does not exist", files: {}, args: ["-e", "@missing.yml"], names: "missing.yml" },
  { name: "-e @file with an alias bomb", files: { "bomb.yml": aliasBomb(8) }, args: ["-e", "@bomb.yml"], names: "bomb.yml", line: true },
  { name: "-e @file that is a list", files: { "list.yml": "- a\n" }, args: ["-e", "@list.yml"], names: "list.yml" },
  { name: "-e that is neither key=value nor JSON", files: {}, args: ["-e", "=oops"], names: "-e" },
  { name: "-f that is not a number", files: {}, args: ["-f", "many"], names: "-f" },
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tsible-faults-malformed-"));
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  port = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => listener?.close(resolve));
});

describe("malformed input", () => {
  it(`ends with exit 4 or 5 and one message naming the file, touching no host (${corpus.length} cases)`, async () => {
    const failures: string[] = [];
    for (const [index, item] of corpus.entries()) {
      const caseDir = path.join(dir, String(index));
      const files: Record<string, string | Buffer> = { "site.yml": validPlaybook, hosts: inventoryText(), ...roleFiles, ...item.files };
      for (const [name, content] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(caseDir, name)), { recursive: true });
        await writeFile(path.join(caseDir, name), content);
      }
      const before = connections;
      const started = Date.now();
      const run = await tsible(["play", path.join(caseDir, "site.yml"), "-i", path.join(caseDir, "hosts"), ...(item.args ?? [])], { cwd: caseDir });
      const seconds = (Date.now() - started) / 1000;
      const problems: string[] = [];
      if (run.exitCode !== 4 && run.exitCode !== 5) problems.push(`exit ${run.exitCode}`);
      const errors = run.stderr.split("\n").filter((line) => /^(ERROR!|error:|tsible: )/.test(line));
      if (errors.length !== 1) problems.push(`${errors.length} error messages`);
      const message = errors[0] ?? run.stderr;
      if (!message.includes(item.names)) problems.push(`the message does not name ${item.names}`);
      if (item.line && !new RegExp(`${item.names.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+`).test(message)) problems.push("no line number");
      if (/^\s+at /m.test(run.stderr) || /internal error/.test(run.stderr)) problems.push("a stack trace or an internal error");
      if (seconds > 20) problems.push(`took ${seconds.toFixed(1)} s`);
      if (connections !== before) problems.push("connected to the host");
      const held = problems.length === 0;
      recordCase({
        promise: "malformed-input",
        case: item.name,
        held,
        detail: held ? `exit ${run.exitCode}: ${message.slice(0, 160)}` : `${problems.join(", ")}: ${message.slice(0, 300)}`,
      });
      if (!held) failures.push(`${item.name}: ${problems.join(", ")}\n    ${message.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
  });
});
