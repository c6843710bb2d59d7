/**
 * Bad input gets a clear error and loses nothing on the target: an unreachable
 * host, a wrong sudo password, an unknown module, malformed YAML, a changed host key.
 */
import { mkdtemp, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { useFleet } from "../fleet/use-fleet.js";
import { parseJson, tsible } from "./helpers/run-tsible.js";

const fleet = useFleet();
let dir: string;

const playbook = `- hosts: all
  gather_facts: false
  become: true
  tasks:
    - name: write a marker
      copy:
        content: "marker\\n"
        dest: /root/tsible-error-marker
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tsible-errors-"));
  await writeFile(path.join(dir, "site.yml"), playbook);
});

async function inventory(lines: string[]): Promise<string> {
  const file = path.join(dir, `hosts-${Math.random().toString(36).slice(2)}`);
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

const host = () => fleet.hosts[0]!;
const keyVars = () => `ansible_ssh_private_key_file=${fleet.keyFile}`;

describe("bad input", () => {
  it("reports an unreachable host with exit code 3 and goes on with the others", async () => {
    const unreachable = fleet.subnet.replace(/\.0\/24$/, ".250");
    const hosts = await inventory([
      `ghost ansible_host=${unreachable} ansible_user=deploy ansible_timeout=2 ${keyVars()}`,
      `${host().name} ansible_host=${host().address} ansible_user=deploy ${keyVars()}`,
    ]);
    const run = await tsible(["play", path.join(dir, "site.yml"), "-i", hosts, "--known-hosts", fleet.knownHostsFile, "--json"]);
    expect(run.exitCode).toBe(3);
    const document = parseJson(run);
    expect(document.stats.ghost?.unreachable).toBe(1);
    expect(document.stats[host().name]?.failures).toBe(0);
    const ghost = document.plays[0]!.tasks[0]!.hosts.ghost!;
    expect(ghost.msg).toMatch(/timed out/);
  });

  it("fails on a wrong sudo password without touching the host", async () => {
    await fleet.sshRun(host(), "rm -f /root/tsible-error-marker");
    const hosts = await inventory([
      `${host().name} ansible_host=${host().address} ansible_user=ops ansible_become_password=wrong-password ${keyVars()}`,
    ]);
    const run = await tsible(["play", path.join(dir, "site.yml"), "-i", hosts, "--known-hosts", fleet.knownHostsFile]);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toMatch(/sudo/i);
    expect(run.stdout).toMatch(/password/i);
    expect(run.stdout).not.toContain("wrong-password");
    expect((await fleet.sshRun(host(), "test -e /root/tsible-error-marker")).exitCode).toBe(1);
  });

  it("refuses an unknown module with exit code 4, naming file and line, before connecting", async () => {
    const bad = path.join(dir, "typo.yml");
    await writeFile(bad, "- hosts: all\n  tasks:\n    - name: typo\n      copyy: { dest: /tmp/x, content: x }\n");
    const hosts = await inventory([`${host().name} ansible_host=${host().address} ansible_user=deploy ${keyVars()}`]);
    const run = await tsible(["play", bad, "-i", hosts]);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain(`${bad}:3`);
    expect(run.stderr).toContain("unknown module 'copyy'");
    expect(run.stderr).toContain("did you mean 'copy'");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses malformed YAML and bad options with their exit codes", async () => {
    const bad = path.join(dir, "broken.yml");
    await writeFile(bad, "- hosts: all\n  tasks:\n    - name: x\n     debug: {msg: x}\n");
    const run = await tsible(["play", bad, "-i", "localhost,"]);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toMatch(/broken\.yml:\d+/);
    const options = await tsible(["play", bad, "--forks", "zero"]);
    expect(options.exitCode).toBe(5);
  });

  it("refuses a host whose key changed, and connects after accept-new for a new one", async () => {
    const hosts = await inventory([`${host().name} ansible_host=${host().address} ansible_user=deploy ${keyVars()}`]);
    const otherKey = (await readFile(fleet.knownHostsFile, "utf8"))
      .split("\n")
      .find((line) => line.startsWith(fleet.hosts[1]!.address) && line.includes("ssh-ed25519"))!;
    const forged = path.join(dir, "known_hosts_forged");
    await writeFile(forged, `${otherKey.replace(fleet.hosts[1]!.address, host().address)}\n`);
    const changed = await tsible(["play", path.join(dir, "site.yml"), "-i", hosts, "--known-hosts", forged]);
    expect(changed.exitCode).toBe(3);
    expect(changed.stdout).toMatch(/host key/i);

    const fresh = path.join(dir, "known_hosts_fresh");
    await writeFile(fresh, "");
    const strict = await tsible(["play", path.join(dir, "site.yml"), "-i", hosts, "--known-hosts", fresh]);
    expect(strict.exitCode).toBe(3);
    const accepted = await tsible(["play", path.join(dir, "site.yml"), "-i", hosts, "--known-hosts", fresh, "--host-key-checking", "accept-new"]);
    expect(accepted.exitCode, accepted.stdout).toBe(0);
    expect(await readFile(fresh, "utf8")).toContain(host().address);
  });
});
