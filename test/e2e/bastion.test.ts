/**
 * Hosts that only a bastion can reach: a fleet of its own with one host on the controller's
 * bridge and on a private one (the bastion) and two hosts only on the private bridge, which the
 * controller is not on. Playbooks reach them through ProxyJump (from an ssh config file, from
 * `-J`, chained), through a ProxyCommand, with one bastion login shared by the hosts behind it.
 * What tsible did is checked with the system ssh client through the bastion, and where each
 * login came from is read from each host's sshd log (sshd -e writes it to the host's console.log).
 */
import { execa } from "execa";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshClientOptions, startFleet, type Fleet, type FleetHost } from "../fleet/fleet.js";
import { parseJson, tsible, type JsonDocument } from "./helpers/run-tsible.js";

const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 90;

let fleet: Fleet;
let dir: string;
let bastion: FleetHost;
let inner: FleetHost;
let innermost: FleetHost;

/** The playbook every scenario runs: a file written on each host, then read back by the checks */
const playbook = [
  "- hosts: private",
  "  gather_facts: false",
  "  tasks:",
  "    - name: Proof of the visit",
  "      copy:",
  "        dest: /root/reached-by-tsible",
  '        content: "{{ inventory_hostname }} {{ run_id }}\\n"',
  "",
].join("\n");

/** ssh config files the scenarios point at with -F */
const configs = {
  /** only the fleet key, for every host (a jump host's key comes from ssh config, as in OpenSSH) */
  keys: () => path.join(dir, "keys.conf"),
  /** `Host bastion` and ProxyJump bastion for the private network */
  bastion: () => path.join(dir, "bastion.conf"),
};

/** Writes the inventory: the two private hosts in group `private`, with these vars for the group */
async function writeProject(groupVars: Record<string, string>): Promise<void> {
  await writeFile(
    path.join(dir, "hosts"),
    ["[private]", `${inner.name} ansible_host=${inner.address}`, `${innermost.name} ansible_host=${innermost.address}`, ""].join("\n"),
  );
  await mkdir(path.join(dir, "group_vars"), { recursive: true });
  const vars = { ansible_user: "root", ansible_ssh_private_key_file: fleet.keyFile, ...groupVars };
  await writeFile(
    path.join(dir, "group_vars", "private.yml"),
    Object.entries(vars)
      .map(([name, value]) => `${name}: ${JSON.stringify(value)}`)
      .join("\n") + "\n",
  );
}

async function play(runId: string, ...args: string[]): Promise<{ document: JsonDocument; exitCode: number }> {
  const run = await tsible(["play", "-i", path.join(dir, "hosts"), path.join(dir, "play.yml"), "--json", "--known-hosts", fleet.knownHostsFile, "-e", `run_id=${runId}`, ...args], { cwd: dir });
  return { document: parseJson(run), exitCode: run.exitCode };
}

/** The system ssh client through the bastion: a second opinion on what tsible did */
async function sshThroughBastion(host: FleetHost, command: string): Promise<string> {
  const options = sshClientOptions(fleet);
  const proxy = `ssh ${options.join(" ")} -W %h:%p root@${bastion.address}`;
  const result = await execa("ssh", [...options, "-o", `ProxyCommand=${proxy}`, `root@${host.address}`, command], { stdin: "ignore", timeout: 60_000 });
  return result.stdout;
}

async function sshdLog(host: FleetHost): Promise<string[]> {
  return (await readFile(path.join(fleet.dir, "hosts", host.name, "console.log"), "utf8")).split("\n");
}

/** Logins to `host` that sshd accepted from `address`, from its log */
async function loginsFrom(host: FleetHost, address: string): Promise<number> {
  return (await sshdLog(host)).filter((line) => line.startsWith("Accepted publickey for ") && line.includes(` from ${address} port `)).length;
}

/** Logouts the client asked for (SSH_MSG_DISCONNECT, reason 11 "by application"); a dropped connection is logged otherwise */
async function logoutsFrom(host: FleetHost, address: string): Promise<number> {
  const logout = new RegExp(`^Received disconnect from ${address.replaceAll(".", "\\.")} port \\d+:11:`);
  return (await sshdLog(host)).filter((line) => logout.test(line)).length;
}

async function proofOn(host: FleetHost): Promise<string> {
  return (await sshThroughBastion(host, "cat /root/reached-by-tsible")).trim();
}

function hostResult(document: JsonDocument, host: FleetHost) {
  return document.plays[0]?.tasks[0]?.hosts[host.name];
}

beforeAll(async () => {
  fleet = await startFleet({ count: 3, id: fleetId, networks: ["both", "private", "private"] });
  [bastion, inner, innermost] = fleet.hosts as [FleetHost, FleetHost, FleetHost];
  dir = await mkdtemp(path.join(tmpdir(), "tsible-e2e-bastion-"));
  await writeFile(path.join(dir, "play.yml"), playbook);
  // what every host needs, jump hosts included (for Ansible's ssh too, which gives its jump hosts only -F)
  const everyHost = ["Host *", `  IdentityFile ${fleet.keyFile}`, `  UserKnownHostsFile ${fleet.knownHostsFile}`, "  StrictHostKeyChecking yes", ""];
  await writeFile(configs.keys(), everyHost.join("\n"));
  const privatePrefix = (inner.privateAddress ?? "").split(".").slice(0, 3).join(".");
  await writeFile(
    configs.bastion(),
    [
      "Host bastion",
      `  HostName ${bastion.address}`,
      "  User root",
      `Host ${privatePrefix}.*`,
      "  ProxyJump bastion",
      ...everyHost,
    ].join("\n"),
  );
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("hosts behind a bastion", () => {
  it("the private hosts cannot be reached from the controller directly", async () => {
    await writeProject({ ansible_timeout: "3" });
    const { document } = await play("direct");
    for (const host of [inner, innermost]) expect(hostResult(document, host)).toMatchObject({ unreachable: true });
  });

  it("a playbook reaches both through ProxyJump from the ssh config given with -F, over one bastion login", async () => {
    await writeProject({ ansible_ssh_common_args: `-F ${configs.bastion()}` });
    const before = await loginsFrom(bastion, fleet.bridgeAddress);
    const logoutsBefore = await logoutsFrom(bastion, fleet.bridgeAddress);
    const { document, exitCode } = await play("config-jump");
    expect(exitCode).toBe(0);
    // one login to the bastion for both hosts (counted before the checks below log in there too),
    // and one logout when the run closed them
    expect((await loginsFrom(bastion, fleet.bridgeAddress)) - before).toBe(1);
    expect((await logoutsFrom(bastion, fleet.bridgeAddress)) - logoutsBefore).toBe(1);
    expect(document.stats[inner.name]).toMatchObject({ changed: 1, unreachable: 0, failures: 0 });
    expect(document.stats[innermost.name]).toMatchObject({ changed: 1, unreachable: 0, failures: 0 });
    expect(await proofOn(inner)).toBe(`${inner.name} config-jump`);
    expect(await proofOn(innermost)).toBe(`${innermost.name} config-jump`);
    // each host saw its login come from the bastion
    expect(await loginsFrom(inner, bastion.privateAddress ?? "")).toBeGreaterThan(0);
  });

  it("-J user@host in ansible_ssh_common_args does the same, and ignored ssh options are named once", async () => {
    await writeProject({ ansible_ssh_common_args: `-F ${configs.keys()} -J root@${bastion.address}:22 -o ForwardAgent=yes -o ControlMaster=auto -C` });
    const before = await loginsFrom(bastion, fleet.bridgeAddress);
    const { document, exitCode } = await play("dash-j");
    expect(exitCode).toBe(0);
    expect((await loginsFrom(bastion, fleet.bridgeAddress)) - before).toBe(1);
    expect(await proofOn(inner)).toBe(`${inner.name} dash-j`);
    expect(await proofOn(innermost)).toBe(`${innermost.name} dash-j`);
    expect(document.stats[innermost.name]).toMatchObject({ changed: 1, unreachable: 0 });
    // both hosts have the option; one warning names it, and not the harmless ControlMaster
    const { warnings = [] } = document as JsonDocument & { warnings?: string[] };
    expect(warnings.filter((line) => line.includes("cannot apply these ssh options"))).toEqual(warnings);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("-o ForwardAgent=yes");
    expect(warnings[0]).not.toContain("ControlMaster");
  });

  it("a chain of two jumps: -J bastion,inner reaches the innermost host through the inner one", async () => {
    await writeProject({ ansible_ssh_common_args: `-F ${configs.keys()} -J root@${bastion.address},root@${inner.address}` });
    const fromInner = await loginsFrom(innermost, inner.privateAddress ?? "");
    const { document, exitCode } = await play("chain", "-l", innermost.name);
    expect(exitCode).toBe(0);
    expect(document.stats[innermost.name]).toMatchObject({ changed: 1, unreachable: 0 });
    expect(await proofOn(innermost)).toBe(`${innermost.name} chain`);
    expect((await loginsFrom(innermost, inner.privateAddress ?? "")) - fromInner).toBe(1);
  });

  it("a chain through a jump host whose own ssh config has a ProxyJump", async () => {
    // -J names only the inner host; its config (Host 10.213.x.*: ProxyJump bastion) leads through the bastion
    await writeProject({ ansible_ssh_common_args: `-F ${configs.bastion()} -J root@${inner.address}` });
    const fromInner = await loginsFrom(innermost, inner.privateAddress ?? "");
    const { document, exitCode } = await play("chain-config", "-l", innermost.name);
    expect(exitCode).toBe(0);
    expect(document.stats[innermost.name]).toMatchObject({ changed: 1, unreachable: 0 });
    expect(await proofOn(innermost)).toBe(`${innermost.name} chain-config`);
    expect((await loginsFrom(innermost, inner.privateAddress ?? "")) - fromInner).toBe(1);
  });

  it("a ProxyCommand (the openssh client's ssh -W %h:%p) carries the connection", async () => {
    const proxy = `ssh ${sshClientOptions(fleet).join(" ")} -W %h:%p root@${bastion.address}`;
    await writeProject({ ansible_ssh_common_args: `-o ProxyCommand="${proxy}"` });
    const { document, exitCode } = await play("proxy-command");
    expect(exitCode).toBe(0);
    expect(document.stats[inner.name]).toMatchObject({ changed: 1, unreachable: 0 });
    expect(await proofOn(inner)).toBe(`${inner.name} proxy-command`);
    expect(await proofOn(innermost)).toBe(`${innermost.name} proxy-command`);
  });
});

describe("when the way in fails", () => {
  it("a bastion whose host key is unknown is refused under strict host key checking", async () => {
    const knownHosts = path.join(dir, "known_hosts-without-bastion");
    const all = await readFile(fleet.knownHostsFile, "utf8");
    await writeFile(knownHosts, all.split("\n").filter((line) => !line.startsWith(`${bastion.address} `)).join("\n"));
    await writeProject({ ansible_ssh_common_args: `-F ${configs.bastion()}` });
    const before = await loginsFrom(bastion, fleet.bridgeAddress);
    const run = await tsible(["play", "-i", path.join(dir, "hosts"), path.join(dir, "play.yml"), "--json", "--known-hosts", knownHosts, "-e", "run_id=strict"], { cwd: dir });
    const document = parseJson(run);
    expect(run.exitCode).not.toBe(0);
    for (const host of [inner, innermost]) {
      const result = hostResult(document, host);
      expect(result).toMatchObject({ unreachable: true });
      expect(result?.msg).toContain(`jump host bastion (${bastion.address}:22)`);
      expect(result?.msg).toMatch(/host key SHA256:\S+ is not in .* and host key checking is strict/);
    }
    expect(await loginsFrom(bastion, fleet.bridgeAddress)).toBe(before);
    expect(await proofOn(inner)).not.toBe(`${inner.name} strict`);

    // accept-new records the bastion's key, as for any other host
    const accepted = await tsible(["play", "-i", path.join(dir, "hosts"), path.join(dir, "play.yml"), "--json", "--known-hosts", knownHosts, "--host-key-checking", "accept-new", "-e", "run_id=accept"], { cwd: dir });
    expect(accepted.exitCode).toBe(0);
    expect(await readFile(knownHosts, "utf8")).toContain(`${bastion.address} ssh-ed25519 `);
  });

  it("an unreachable bastion makes each host behind it unreachable, naming the bastion", async () => {
    // nothing listens on port 2 of the bastion
    await writeProject({ ansible_ssh_common_args: `-F ${configs.keys()} -J root@${bastion.address}:2` });
    const { document, exitCode } = await play("refused");
    expect(exitCode).not.toBe(0);
    for (const host of [inner, innermost]) {
      const result = hostResult(document, host);
      expect(result).toMatchObject({ unreachable: true });
      expect(result?.msg).toContain(`${host.name} (${host.address}:22): cannot reach it through jump host ${bastion.address} (${bastion.address}:2): connection refused`);
      expect(document.stats[host.name]).toMatchObject({ unreachable: 1 });
    }
  });

  it("a host the bastion cannot connect to is unreachable, saying the bastion could not reach it", async () => {
    // the bastion is fine, but nothing listens on port 2 of the hosts behind it
    await writeProject({ ansible_ssh_common_args: `-F ${configs.bastion()}`, ansible_port: "2" });
    const { document } = await play("behind-refused");
    for (const host of [inner, innermost]) {
      const result = hostResult(document, host);
      expect(result).toMatchObject({ unreachable: true });
      expect(result?.msg).toMatch(new RegExp(`jump host bastion \\(${bastion.address}:22\\) could not connect to ${host.address}:2: .*refused`, "i"));
    }
  });

  it("a ProxyCommand that exits at once is an unreachable host with what the command said", async () => {
    await writeProject({ ansible_ssh_common_args: `-o ProxyCommand="sh -c 'echo no route to %h:%p >&2; exit 3'"` });
    const { document } = await play("proxy-exit", "-l", inner.name);
    const result = hostResult(document, inner);
    expect(result).toMatchObject({ unreachable: true });
    expect(result?.msg).toContain(`exited with status 3: no route to ${inner.address}:22`);
  });
});

describe("the same inventories with Ansible (the reference)", () => {
  // Ansible's own ssh_args keep a ControlPersist master for 60 s: none here, so no login outlives the run
  const ansible = (runId: string, ...args: string[]) =>
    execa("ansible-playbook", ["-i", path.join(dir, "hosts"), path.join(dir, "play.yml"), "-e", `run_id=${runId}`, ...args], {
      cwd: dir,
      reject: false,
      stdin: "ignore",
      env: { ANSIBLE_SSH_ARGS: "-o ControlMaster=no", ANSIBLE_HOST_KEY_CHECKING: "True", ANSIBLE_NOCOLOR: "1" },
    });

  it("ansible-playbook reaches the innermost host through -J a,b, each jump host's key from -F's config", { timeout: 300_000 }, async () => {
    await writeProject({ ansible_ssh_common_args: `-F ${configs.keys()} -J root@${bastion.address},root@${inner.address}` });
    const fromInner = await loginsFrom(innermost, inner.privateAddress ?? "");
    const chained = await ansible("ansible-chain", "-l", innermost.name);
    expect(chained.exitCode, chained.stdout).toBe(0);
    expect(await proofOn(innermost)).toBe(`${innermost.name} ansible-chain`);
    expect(await loginsFrom(innermost, inner.privateAddress ?? "")).toBeGreaterThan(fromInner);
  });
});
