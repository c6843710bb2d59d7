/**
 * The weekly release, as the team runs it: `smcrelease acme <version> mosquitto.yml` from a
 * directory holding inventories/ (a git repository) and a playbooks directory, against two real
 * sshd hosts of this file's own fleet. Every story checks the hosts themselves over the system
 * ssh client: what a release wrote, and that a refused or dry-run release wrote nothing.
 */
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quoteArgv } from "../../src/connection/quote.js";
import { startFleet, type Fleet } from "../fleet/fleet.js";

const smcreleaseBin = fileURLToPath(new URL("../../dist/bin/smcrelease.js", import.meta.url));
const playbooksDir = path.resolve("playbooks");
const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 80;
const passwords = { smc: "smc release pass 1", reader: "reader & 'quoted' pass" };
const brokers = ["mqtt.acme.test.example.com", "mqtt2.acme.test.example.com"];

let fleet: Fleet;
let dir: string;
let inventoryCommit: string;
/** every stdout and stderr smcrelease printed, to prove no password ever appears */
const outputs: string[] = [];

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function start(args: string[]): ResultPromise<{ reject: false; stdin: "ignore" }> {
  return execa("node", [smcreleaseBin, ...args, "--playbooks", playbooksDir], {
    cwd: dir,
    env: { NO_COLOR: "1", TSIBLE_KNOWN_HOSTS: fleet.knownHostsFile },
    reject: false,
    // no terminal: smcrelease must not wait for an answer
    stdin: "ignore",
    timeout: 600_000,
  }) as ResultPromise<{ reject: false; stdin: "ignore" }>;
}

async function finished(child: ResultPromise<{ reject: false; stdin: "ignore" }>): Promise<Run> {
  const result = await child;
  const run = { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  outputs.push(run.stdout, run.stderr);
  return run;
}

const smcrelease = (...args: string[]) => finished(start(args));
const explain = (run: Run) => `exit ${run.exitCode}\n${run.stdout.slice(-4000)}\n${run.stderr}`;

const host = (index: number) => fleet.hosts[index]!;
async function sh(index: number, command: string): Promise<string> {
  const result = await fleet.sshRun(host(index), command);
  return result.stdout;
}

/** Everything a release or the broker role may write, hashed, on one host */
async function fingerprint(index: number): Promise<string> {
  return sh(
    index,
    "find /etc/mosquitto /var/lib/dgcsdev/mosquitto/conf /var/lib/tsible -type f -exec sha256sum {} + 2>/dev/null | sort; ls -la /var/lib/tsible 2>&1 | grep -v ' \\.\\.\\?$' | awk '{print $1, $NF}'",
  );
}

async function hostRelease(index: number): Promise<Record<string, unknown>> {
  return JSON.parse(await sh(index, "cat /var/lib/tsible/release.json")) as Record<string, unknown>;
}

async function localLog(): Promise<Record<string, unknown>[]> {
  const text = await readFile(path.join(dir, ".smcrelease", "releases.jsonl"), "utf8").catch(() => "");
  return text.trim() === "" ? [] : text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
}

const git = (...args: string[]) =>
  execa("git", ["-c", "user.name=Release Test", "-c", "user.email=release@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: dir });

beforeAll(async () => {
  fleet = await startFleet({ count: 2, id: fleetId });
  dir = await mkdtemp(path.join(tmpdir(), "smcrelease-team-"));
  const infra = path.join(dir, "inventories", "acme");
  await mkdir(path.join(infra, "group_vars"), { recursive: true });
  await mkdir(path.join(dir, "inventories", "beta"), { recursive: true });
  await writeFile(path.join(dir, "inventories", "beta", "hosts"), "[mqtt]\n");
  const line = (name: string, index: number) =>
    `${name} ansible_host=${host(index).address} ansible_user=deploy ansible_ssh_private_key_file=${fleet.keyFile} mqtt_broker_host=${name}`;
  await writeFile(path.join(infra, "hosts"), ["# infra 'acme'", "[mqtt]", line(brokers[0]!, 0), line(brokers[1]!, 1), ""].join("\n"));
  await writeFile(
    path.join(infra, "group_vars", "all.yml"),
    [
      "mqtt_broker_port: 20200",
      "mqtt_username: smc",
      `mqtt_password: ${JSON.stringify(passwords.smc)}`,
      "mqtt_config_dir: /var/lib/dgcsdev/mosquitto/conf",
      "mqtt_data_dir: /var/lib/dgcsdev/mosquitto/data",
      "mqtt_users:",
      `  - { name: reader, password: ${JSON.stringify(passwords.reader)} }`,
      "mqtt_acl:",
      '  - { user: smc, topic: "#", access: readwrite }',
      '  - { user: reader, topic: "sensors/#", access: read }',
      "",
    ].join("\n"),
  );
  // the team keeps its inventories in git: the release records the commit
  await writeFile(path.join(dir, ".gitignore"), ".smcrelease/\n");
  await git("init", "-q");
  await git("add", ".");
  await git("commit", "-q", "-m", "infra acme");
  inventoryCommit = (await git("rev-parse", "HEAD")).stdout.trim();
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("smcrelease, the weekly release", () => {
  it("refuses a version that is not semver, an unknown infra and an unknown playbook, listing what exists", async () => {
    const badVersion = await smcrelease("acme", "1.0", "mosquitto.yml", "--yes");
    expect(badVersion.exitCode).toBe(4);
    expect(badVersion.stderr).toContain('release version "1.0" is not a semantic version');
    const badInfra = await smcrelease("acmee", "1.0.0", "mosquitto.yml", "--yes");
    expect(badInfra.exitCode).toBe(4);
    expect(badInfra.stderr).toContain("infras in");
    expect(badInfra.stderr).toContain("acme, beta");
    const badPlaybook = await smcrelease("acme", "1.0.0", "mosquito", "--yes");
    expect(badPlaybook.exitCode).toBe(4);
    expect(badPlaybook.stderr).toMatch(/playbooks there: .*_mosquitto\.yml.*mosquitto\.yml/);
    expect((await sh(0, "ls /var/lib/tsible 2>&1"))).toMatch(/No such file/);
  });

  it("says every host was never released before the first release", async () => {
    const run = await smcrelease("acme", "--status");
    expect(run.exitCode, explain(run)).toBe(0);
    for (const name of brokers) expect(run.stdout).toMatch(new RegExp(`${name.replace(/\./g, "\\.")}\\s+never released`));
  });

  it("releases 1.0.0 with --yes: prints the dry run with diffs first, applies, records it on both hosts", async () => {
    const run = await smcrelease("acme", "1.0.0", "_mosquitto.yml", "--yes");
    expect(run.exitCode, explain(run)).toBe(0);
    const dryRun = run.stdout.indexOf("DRY RUN");
    const applying = run.stdout.indexOf("APPLYING release 1.0.0 of _mosquitto.yml to 2 hosts of infra acme");
    expect(dryRun).toBeGreaterThan(-1);
    expect(applying).toBeGreaterThan(dryRun);
    const plan = run.stdout.slice(dryRun, applying);
    for (const name of brokers) expect(plan).toMatch(new RegExp(`${name.replace(/\./g, "\\.")}: \\d+ tasks would change`));
    expect(plan).toContain("+++ after: /etc/mosquitto/mosquitto.conf");
    expect(plan).toMatch(/\+listener 20200/);
    expect(run.stdout.slice(applying)).toContain("PLAY RECAP");
    expect(run.stdout).toContain(`release 1.0.0 recorded on ${brokers.join(", ")}`);

    for (const index of [0, 1]) {
      const release = await hostRelease(index);
      expect(release).toMatchObject({
        infra: "acme",
        version: "1.0.0",
        playbook: "_mosquitto.yml",
        user: os.userInfo().username,
        controller: os.hostname(),
        git: { commit: inventoryCommit, dirty: false },
        result: "ok",
        host: brokers[index],
      });
      expect(Number.isNaN(Date.parse(String(release.time)))).toBe(false);
      expect(Number(release.changed)).toBeGreaterThan(0);
      const log = (await sh(index, "cat /var/lib/tsible/releases.jsonl")).trim().split("\n");
      expect(log).toHaveLength(1);
      expect(JSON.parse(log[0]!)).toEqual(release);
      // root's files, readable by all; no lock left behind
      expect(await sh(index, "stat -c '%a %U %n' /var/lib/tsible /var/lib/tsible/release.json /var/lib/tsible/releases.jsonl")).toBe(
        "755 root /var/lib/tsible\n644 root /var/lib/tsible/release.json\n644 root /var/lib/tsible/releases.jsonl\n",
      );
      expect(await sh(index, "ls -A /var/lib/tsible")).toBe("release.json\nreleases.jsonl\n");
    }
    // the broker really runs with the released config
    expect((await fleet.sshRun(host(0), "mosquitto_sub -h 127.0.0.1 -p 20200 -u smc -P 'smc release pass 1' -t x -C 1 -W 2")).stderr).toMatch(/Timed out/);
  });

  it("shows 1.0.0 on both hosts in --status, with who and when", async () => {
    const run = await smcrelease("acme", "--status");
    expect(run.exitCode, explain(run)).toBe(0);
    for (const name of brokers) {
      expect(run.stdout).toMatch(new RegExp(`${name.replace(/\./g, "\\.")}\\s+1\\.0\\.0\\s+_mosquitto\\.yml\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+${os.userInfo().username} on ${os.hostname()} @${inventoryCommit.slice(0, 12)}`));
    }
    const json = await smcrelease("acme", "--status", "--json");
    const document = JSON.parse(json.stdout) as { hosts: { host: string; state: string; release: { version: string } }[] };
    expect(document.hosts.map((h) => [h.host, h.state, h.release.version])).toEqual(brokers.map((name) => [name, "released", "1.0.0"]));
  });

  it("releases 1.1.0 with nothing to change: says so, still verifies, and records 1.1.0", async () => {
    const run = await smcrelease("acme", "1.1.0", "mosquitto", "--yes");
    expect(run.exitCode, explain(run)).toBe(0);
    for (const name of brokers) expect(run.stdout).toContain(`${name}: nothing to change`);
    expect(run.stdout).toContain("Nothing to change: the hosts already match this release");
    expect(run.stdout).toMatch(/Logins, ACL delivery and bridges work/);
    for (const index of [0, 1]) {
      expect(await hostRelease(index)).toMatchObject({ version: "1.1.0", playbook: "mosquitto.yml", changed: 0 });
      expect((await sh(index, "cat /var/lib/tsible/releases.jsonl")).trim().split("\n").map((l) => (JSON.parse(l) as { version: string }).version)).toEqual(["1.0.0", "1.1.0"]);
    }
    const status = await smcrelease("acme", "--status");
    for (const name of brokers) expect(status.stdout).toMatch(new RegExp(`${name.replace(/\./g, "\\.")}\\s+1\\.1\\.0\\s+mosquitto\\.yml`));
  });

  it("with --check shows what a change would do and changes nothing on the hosts", async () => {
    const before = [await fingerprint(0), await fingerprint(1)];
    const logBefore = await localLog();
    const run = await smcrelease("acme", "1.2.0", "mosquitto.yml", "--check", "-e", "mqtt_broker_port=20250");
    expect(run.exitCode, explain(run)).toBe(0);
    expect(run.stdout).toContain("dry run only");
    expect(run.stdout).toMatch(/-listener 20200/);
    expect(run.stdout).toMatch(/\+listener 20250/);
    expect(run.stdout).not.toContain("APPLYING");
    expect([await fingerprint(0), await fingerprint(1)]).toEqual(before);
    expect((await hostRelease(0)).version).toBe("1.1.0");
    expect(await localLog()).toEqual(logBefore);
  });

  it("without a terminal and without --yes refuses with exit 6 and changes nothing", async () => {
    const before = [await fingerprint(0), await fingerprint(1)];
    const run = await smcrelease("acme", "1.2.0", "mosquitto.yml", "-e", "mqtt_broker_port=20250");
    expect(run.exitCode, explain(run)).toBe(6);
    expect(run.stdout).toMatch(/\+listener 20250/); // the dry run was shown
    expect(run.stderr).toContain("no terminal to ask on");
    expect(run.stderr).toContain("pass --yes");
    expect([await fingerprint(0), await fingerprint(1)]).toEqual(before);
    // the locks were given back
    expect(await sh(0, "ls -A /var/lib/tsible")).toBe("release.json\nreleases.jsonl\n");
    expect(await readFile(path.join(dir, ".smcrelease", "acme.lock"), "utf8").catch(() => "gone")).toBe("gone");
  });

  it("on a terminal asks first, and an answer of no changes nothing (exit 6)", async () => {
    const before = [await fingerprint(0), await fingerprint(1)];
    const command = quoteArgv(["node", smcreleaseBin, "acme", "1.2.0", "mosquitto.yml", "-e", "mqtt_broker_port=20250", "--playbooks", playbooksDir]);
    // script(1) gives smcrelease a pseudo-terminal; "n" is typed into it
    const result = await execa("script", ["-qec", command, "/dev/null"], {
      cwd: dir,
      env: { NO_COLOR: "1", TSIBLE_KNOWN_HOSTS: fleet.knownHostsFile },
      input: "n\n",
      reject: false,
      timeout: 600_000,
    });
    const output = String(result.stdout);
    outputs.push(output, String(result.stderr));
    expect(result.exitCode, output).toBe(6);
    expect(output).toContain("Apply release 1.2.0 of mosquitto.yml to 2 hosts of infra acme? [y/N]");
    expect(output.indexOf("+listener 20250")).toBeLessThan(output.indexOf("Apply release"));
    expect(output).toContain("not applied: nothing was changed");
    expect([await fingerprint(0), await fingerprint(1)]).toEqual(before);
    expect(await sh(0, "ls -A /var/lib/tsible")).toBe("release.json\nreleases.jsonl\n");
  });

  it("refuses while another release holds the infra's lock here, naming the holder (exit 7)", async () => {
    const holder = { user: "alice", pid: process.pid, hostname: os.hostname(), since: "2025-01-06T09:00:00.000Z", version: "9.9.9", infra: "acme" };
    const lockFile = path.join(dir, ".smcrelease", "acme.lock");
    await writeFile(lockFile, `${JSON.stringify(holder)}\n`, { flag: "wx" });
    const before = [await fingerprint(0), await fingerprint(1)];
    try {
      // a lock timeout far beyond the holder's age (its start time is fixed): it is not stale
      const run = await smcrelease("acme", "1.2.0", "mosquitto.yml", "--yes", "-e", "mqtt_broker_port=20250", "--lock-timeout", "100000");
      expect(run.exitCode, explain(run)).toBe(7);
      expect(run.stderr).toContain(`infra acme is being released by alice (pid ${process.pid} on ${os.hostname()}, releasing 9.9.9, since 2025-01-06T09:00:00.000Z)`);
      expect(run.stdout).not.toContain("DRY RUN");
      expect([await fingerprint(0), await fingerprint(1)]).toEqual(before);
      expect(await readFile(lockFile, "utf8")).toBe(`${JSON.stringify(holder)}\n`);
    } finally {
      await execa("rm", ["-f", lockFile]);
    }
  });

  it("refuses while a release from another controller holds a host's lock, naming it, and leaves no lock of its own", async () => {
    const holder = { user: "bob", pid: 4242, hostname: "jump-host-2", since: "2025-01-06T10:00:00.000Z", version: "2.0.0", infra: "acme" };
    await fleet.sshRun(host(1), `printf '%s' '${JSON.stringify(holder)}' > /var/lib/tsible/release.lock`);
    const before = [await fingerprint(0), await fingerprint(1)];
    try {
      const run = await smcrelease("acme", "1.2.0", "mosquitto.yml", "--yes", "-e", "mqtt_broker_port=20250", "--lock-timeout", "100000");
      expect(run.exitCode, explain(run)).toBe(7);
      expect(run.stderr).toContain(`${brokers[1]} is being released by bob (pid 4242 on jump-host-2, releasing 2.0.0, since 2025-01-06T10:00:00.000Z)`);
      expect(run.stdout).not.toContain("DRY RUN");
      expect([await fingerprint(0), await fingerprint(1)]).toEqual(before);
      // host 0's lock (taken before host 1 refused) was given back, host 1's holder kept its own
      expect(await sh(0, "ls -A /var/lib/tsible")).toBe("release.json\nreleases.jsonl\n");
      expect(JSON.parse(await sh(1, "cat /var/lib/tsible/release.lock"))).toEqual(holder);
      expect(await readFile(path.join(dir, ".smcrelease", "acme.lock"), "utf8").catch(() => "gone")).toBe("gone");
      const status = await smcrelease("acme", "--status");
      expect(status.stdout).toContain(`${brokers[1]}: release in progress by bob (pid 4242 on jump-host-2`);
    } finally {
      await fleet.sshRun(host(1), "rm -f /var/lib/tsible/release.lock");
    }
  });

  it("holds off a second release started while the first one runs, and the first one completes", async () => {
    const lockFile = path.join(dir, ".smcrelease", "acme.lock");
    const first = start(["acme", "1.2.0", "mosquitto.yml", "--yes", "-e", "mqtt_broker_port=20250"]);
    // the first release holds the infra while it works on the hosts
    let holder: { pid: number } | undefined;
    while (holder === undefined && first.exitCode === null) {
      const text = await readFile(lockFile, "utf8").catch(() => undefined);
      if (text) holder = JSON.parse(text) as { pid: number };
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(holder?.pid).toBe(first.pid);
    const second = await smcrelease("acme", "1.2.1", "mosquitto.yml", "--yes");
    const firstRun = await finished(first);
    expect(second.exitCode, explain(second)).toBe(7);
    expect(second.stderr).toContain(`pid ${first.pid} on ${os.hostname()}, releasing 1.2.0`);
    expect(firstRun.exitCode, explain(firstRun)).toBe(0);
    for (const index of [0, 1]) expect((await hostRelease(index)).version).toBe("1.2.0");
    expect(await sh(0, "grep -c 'listener 20250' /etc/mosquitto/mosquitto.conf")).toBe("1\n");
  });

  it("gives back every lock when interrupted with Ctrl-C", async () => {
    const lockFile = path.join(dir, ".smcrelease", "acme.lock");
    const child = start(["acme", "1.3.0", "mosquitto.yml", "--yes"]);
    // wait until it holds the hosts' locks too, then interrupt it
    for (;;) {
      const held = (await fleet.sshRun(host(1), "test -e /var/lib/tsible/release.lock && echo held")).stdout.trim();
      if (held === "held" || child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGINT");
    const run = await finished(child);
    expect(run.exitCode, explain(run)).toBe(130);
    expect(run.stderr).toContain("interrupted: releasing the locks");
    expect(await readFile(lockFile, "utf8").catch(() => "gone")).toBe("gone");
    for (const index of [0, 1]) expect(await sh(index, "ls -A /var/lib/tsible")).toBe("release.json\nreleases.jsonl\n");
  });

  it("keeps a local release log with one line per applied release", async () => {
    const log = await localLog();
    expect(log.map((line) => [line.version, line.result, line.exitCode])).toEqual([
      ["1.0.0", "ok", 0],
      ["1.1.0", "ok", 0],
      ["1.2.0", "ok", 0],
    ]);
    expect(log[0]).toMatchObject({ infra: "acme", playbook: "_mosquitto.yml", git: { commit: inventoryCommit, dirty: false } });
    expect(Object.keys(log[0]!.hosts as object)).toEqual(brokers);
  });

  it("never prints a password", () => {
    expect(outputs.length).toBeGreaterThan(20);
    for (const text of outputs) for (const password of Object.values(passwords)) expect(text).not.toContain(password);
  });
  it("registers the released brokers in inventories/aws/hosts with --register-aws, leaving every other line as it was", async () => {
    const awsHosts = path.join(dir, "inventories", "aws", "hosts");
    await mkdir(path.dirname(awsHosts), { recursive: true });
    const before = [
      "# Every AWS host, for maintenance. Keep this comment.",
      "[mqtt]",
      "mqtt.other.prod.example.com ansible_host=10.213.99.5   # not a fleet host: never contacted",
      "",
      "; the web tier",
      "[web]",
      "web1.example.com",
      "",
    ].join("\n");
    await writeFile(awsHosts, before);
    const check = await smcrelease("acme", "1.3.0", "mosquitto.yml", "--check", "--register-aws");
    expect(check.exitCode, explain(check)).toBe(0);
    expect(check.stdout).toContain(`would register ${brokers[0]}`);
    expect(await readFile(awsHosts, "utf8")).toBe(before);

    const run = await smcrelease("acme", "1.3.0", "mosquitto.yml", "--yes", "--register-aws");
    expect(run.exitCode, explain(run)).toBe(0);
    const after = await readFile(awsHosts, "utf8");
    const added = brokers.map((name, index) => `${name} ansible_host=${host(index).address} infra=acme`);
    expect(after).toBe(before.replace("   # not a fleet host: never contacted\n", `   # not a fleet host: never contacted\n${added.join("\n")}\n`));

    const again = await smcrelease("acme", "1.3.1", "mosquitto.yml", "--yes", "--register-aws");
    expect(again.exitCode, explain(again)).toBe(0);
    expect(again.stdout).toContain(`${brokers[0]} is already registered`);
    expect(await readFile(awsHosts, "utf8")).toBe(after);
  });
});
