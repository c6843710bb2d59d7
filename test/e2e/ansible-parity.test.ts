/**
 * A playbook written for Ansible registers what it registers under Ansible:
 * the same tasks (test/fixtures/ansible-parity/tasks.yml) run through Debian's
 * ansible-core and through tsible against the same fresh host, each registered
 * result is dumped to a JSON file on the host, and the two are compared field
 * by field. Every field Ansible registers must be in tsible's result with the
 * same value, except the ones that differ by nature (times, temp paths, inode
 * numbers, `invocation`, the diff's layout); tsible may register more.
 */
import { execa } from "execa";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startFleet, type Fleet } from "../fleet/fleet.js";
import { tsible } from "./helpers/run-tsible.js";

const fixtures = path.resolve("test/fixtures/ansible-parity");
// a fleet of its own: the tasks create a user and a group
const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 65;

/** Fields whose values differ between any two runs, or by where a tool keeps its temp files */
const VARYING = new Set(["invocation", "diff", "atime", "mtime", "ctime", "start", "end", "delta", "elapsed", "inode", "dev", "version"]);
/** Per module, fields that name a controller temp path in Ansible (`src` of copy and template) */
const TEMP_PATHS = new Set(["src"]);
/** Backup files carry a time stamp (and Ansible's pid): only their place is compared */
const BACKUP_FIELDS = new Set(["backup", "backup_file"]);

let fleet: Fleet;
let workDir: string;
let registers: string[];
const dumps: Record<"ansible" | "tsible", Record<string, unknown>> = { ansible: {}, tsible: {} };

/** The two playbooks: the shared tasks, then one dump task per registered result in each tool's own filter syntax */
async function writePlaybooks(dir: string): Promise<void> {
  const tasks = parse(await readFile(path.join(fixtures, "tasks.yml"), "utf8")) as { register?: string }[];
  registers = tasks.flatMap((task) => (task.register ? [task.register] : []));
  const play = (tool: "ansible" | "tsible", toJson: (name: string) => string) =>
    [
      "- hosts: fleet",
      "  gather_facts: false",
      "  tasks:",
      "    - import_tasks: tasks.yml",
      ...registers.flatMap((name) => [
        `    - name: dump ${name}`,
        "      copy:",
        `        content: "${toJson(name)}"`,
        `        dest: "/tmp/parity-dump-${tool}/${name}.json"`,
      ]),
      "",
    ].join("\n");
  const dumpDir = (tool: string) => [`    - file: path=/tmp/parity-dump-${tool} state=directory`];
  const withDumpDir = (tool: "ansible" | "tsible", text: string) => text.replace("  tasks:\n", `  tasks:\n${dumpDir(tool).join("\n")}\n`);
  await writeFile(path.join(dir, "ansible.yml"), withDumpDir("ansible", play("ansible", (name) => `{{ ${name} | to_json }}`)));
  await writeFile(path.join(dir, "tsible.yml"), withDumpDir("tsible", play("tsible", (name) => `{{to_json ${name}}}`)));
}

async function readDumps(tool: "ansible" | "tsible"): Promise<Record<string, unknown>> {
  const host = fleet.host(0);
  const result = await fleet.sshRun(host, `cd /tmp/parity-dump-${tool} && for f in *.json; do printf '%s\\t' "$f"; cat "$f"; echo; done`);
  if (result.exitCode !== 0) throw new Error(`reading ${tool}'s dumps failed: ${result.stderr}`);
  const dumped: Record<string, unknown> = {};
  for (const line of result.stdout.split("\n").filter(Boolean)) {
    const [file = "", json = ""] = line.split("\t");
    // each tool worked in its own directory (names of one length, as a link's size is its target's): the same path for the comparison
    dumped[file.replace(/\.json$/, "")] = JSON.parse(json.replaceAll(`/tmp/parity-${tool[0]}`, "/tmp/parity-D"));
  }
  return dumped;
}

beforeAll(async () => {
  fleet = await startFleet({ count: 1, id: fleetId });
  workDir = await mkdtemp(path.join(tmpdir(), "tsible-parity-"));
  await cp(fixtures, workDir, { recursive: true });
  await writePlaybooks(workDir);
  const host = fleet.host(0);
  const inventory = path.join(workDir, "hosts");
  await writeFile(
    inventory,
    `[fleet]\n${host.name} ansible_host=${host.address} ansible_user=root ansible_ssh_private_key_file=${fleet.keyFile} ansible_python_interpreter=/usr/bin/python3\n`,
  );

  const ansible = await execa("ansible-playbook", ["-i", inventory, "-e", "d=/tmp/parity-a", path.join(workDir, "ansible.yml")], {
    cwd: workDir,
    reject: false,
    stdin: "ignore",
    env: {
      ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${fleet.knownHostsFile} -o StrictHostKeyChecking=yes -o ControlMaster=auto -o ControlPersist=60s`,
      ANSIBLE_CONTROL_PATH_DIR: path.join(workDir, "cp"),
      ANSIBLE_LOCAL_TEMP: path.join(workDir, "ansible-tmp"),
      ANSIBLE_NOCOLOR: "1",
    },
  });
  if (ansible.exitCode !== 0) throw new Error(`ansible-playbook failed (exit ${ansible.exitCode}):\n${ansible.stdout}\n${ansible.stderr}`);
  dumps.ansible = await readDumps("ansible");

  const run = await tsible(
    ["play", path.join(workDir, "tsible.yml"), "-i", inventory, "-e", "d=/tmp/parity-t", "--known-hosts", fleet.knownHostsFile, "--host-key-checking", "strict"],
    { cwd: workDir },
  );
  if (run.exitCode !== 0) throw new Error(`tsible failed (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  dumps.tsible = await readDumps("tsible");
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
});

/** Ansible's fileglob lists files in the directory's own order (Python's glob), tsible sorted: compared by name */
function inStableOrder(name: string, registered: unknown): unknown {
  if (name !== "r_with_fileglob" || registered === null || typeof registered !== "object") return registered;
  const results = (registered as { results?: { item: string }[] }).results ?? [];
  return { ...registered, results: [...results].sort((a, b) => a.item.localeCompare(b.item)) };
}

/** Where tsible's value differs from Ansible's, as "path: ansible X, tsible Y" lines */
function differences(ansible: unknown, ours: unknown, at: string): string[] {
  if (ansible !== null && typeof ansible === "object" && !Array.isArray(ansible)) {
    if (ours === null || typeof ours !== "object" || Array.isArray(ours)) return [`${at}: ansible ${JSON.stringify(ansible)}, tsible ${JSON.stringify(ours)}`];
    return Object.entries(ansible).flatMap(([key, value]) => {
      const where = `${at}.${key}`;
      if (VARYING.has(key)) return [];
      const mine = (ours as Record<string, unknown>)[key];
      if (TEMP_PATHS.has(key) && typeof value === "string" && value.includes("/.ansible/tmp/")) return [];
      if (!(key in ours)) return [`${where}: missing in tsible (ansible ${JSON.stringify(value)})`];
      if (BACKUP_FIELDS.has(key) && typeof value === "string" && value !== "") {
        const place = (name: unknown) => String(name).replace(/\.[^/]*~$/, ".STAMP~");
        return place(value) === place(mine) ? [] : [`${where}: ansible ${JSON.stringify(value)}, tsible ${JSON.stringify(mine)}`];
      }
      return differences(value, mine, where);
    });
  }
  if (Array.isArray(ansible)) {
    if (!Array.isArray(ours) || ours.length !== ansible.length) return [`${at}: ansible ${JSON.stringify(ansible)}, tsible ${JSON.stringify(ours)}`];
    return ansible.flatMap((value, index) => differences(value, ours[index], `${at}[${index}]`));
  }
  return ansible === ours ? [] : [`${at}: ansible ${JSON.stringify(ansible)}, tsible ${JSON.stringify(ours)}`];
}

describe("a playbook run by Ansible and by tsible registers the same results", () => {
  it("dumped every registered result in both runs", () => {
    expect(Object.keys(dumps.ansible).sort()).toEqual([...registers].sort());
    expect(Object.keys(dumps.tsible).sort()).toEqual([...registers].sort());
  });

  it.each([
    "r_dir", "r_copy_new", "r_copy_same", "r_copy_backup", "r_copy_src", "r_template",
    "r_stat", "r_stat_dir", "r_stat_missing", "r_stat_md5",
    "r_lineinfile_add", "r_lineinfile_same", "r_lineinfile_replace", "r_lineinfile_absent",
    "r_file_mode", "r_file_link", "r_file_touch", "r_file_absent",
    "r_command", "r_shell", "r_command_creates", "r_skipped",
    "r_group", "r_user",
    "r_with_items", "r_loop_extended", "r_loop_when", "r_with_together", "r_with_dict", "r_with_subelements",
    "r_with_sequence", "r_with_nested", "r_with_fileglob", "r_with_first_found",
    "r_wait_for_path",
  ])("%s", (name) => {
    expect(dumps.ansible[name], `Ansible registered nothing as ${name}`).toBeDefined();
    expect(differences(inStableOrder(name, dumps.ansible[name]), inStableOrder(name, dumps.tsible[name]), name)).toEqual([]);
  });
});
