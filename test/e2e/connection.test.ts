/**
 * Connections against real sshd hosts (the e2e fleet): auth, become, host keys,
 * unreachable hosts, atomic writes, quoting, parallel commands. Whatever tsible
 * claims to have done on a host is checked over the system ssh client
 * (fleet.sshRun), a path independent of tsible's SSH code.
 */
import { execa } from "execa";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetCredentials, type FleetHost } from "../fleet/fleet.js";
import { useFleet } from "../fleet/use-fleet.js";
import { openConnection } from "../../src/connection/open.js";
import { BecomeError, RemoteFileError, UnreachableError, type Connection, type ConnectionSpec } from "../../src/connection/types.js";
import { quoteWord } from "../../src/connection/quote.js";
import { SecretMasker } from "../../src/secrets.js";

const fleet = useFleet();
const [hostA, hostB] = [fleet.host(0), fleet.host(1)];
const opened: Connection[] = [];
let scratch = "";

function spec(host: FleetHost, over: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return {
    name: host.name,
    type: "ssh",
    address: host.address,
    port: host.port,
    user: "root",
    privateKeyFile: fleet.keyFile,
    hostKeyChecking: "strict",
    knownHostsFile: fleet.knownHostsFile,
    sshConfigFile: "",
    ...over,
  };
}

async function connect(host: FleetHost, over: Partial<ConnectionSpec> = {}): Promise<Connection> {
  const conn = await openConnection(spec(host, over));
  opened.push(conn);
  return conn;
}

/** The UnreachableError an attempt to connect ends with */
async function refusal(connecting: Promise<unknown>): Promise<UnreachableError> {
  const error = await connecting.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UnreachableError);
  return error as UnreachableError;
}

const unique = (): string => randomBytes(6).toString("hex");

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "tsible-e2e-conn-"));
});

afterAll(async () => {
  await Promise.all(opened.map((conn) => conn.close()));
  await rm(scratch, { recursive: true, force: true });
});

describe("logging in", () => {
  it("authenticates with the key as root and as deploy", async () => {
    expect((await (await connect(hostA)).run(["id", "-un"])).stdout).toBe("root\n");
    expect((await (await connect(hostA, { user: "deploy" })).run(["id", "-un"])).stdout).toBe("deploy\n");
  });

  it("authenticates pwuser with a password", async () => {
    const conn = await connect(hostA, { user: "pwuser", privateKeyFile: undefined, password: fleetCredentials.pwuserPassword });
    expect((await conn.run(["id", "-un"])).stdout).toBe("pwuser\n");
  });

  it("authenticates through ssh-agent when no key file is given", async () => {
    const socket = join(scratch, "agent.sock");
    const agent = await execa("ssh-agent", ["-s", "-a", socket]);
    const agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1]);
    const saved = process.env["SSH_AUTH_SOCK"];
    try {
      await execa("ssh-add", [fleet.keyFile], { env: { SSH_AUTH_SOCK: socket } });
      process.env["SSH_AUTH_SOCK"] = socket;
      const conn = await connect(hostA, { user: "deploy", privateKeyFile: undefined });
      expect((await conn.run(["id", "-un"])).stdout).toBe("deploy\n");
    } finally {
      if (saved === undefined) delete process.env["SSH_AUTH_SOCK"];
      else process.env["SSH_AUTH_SOCK"] = saved;
      process.kill(agentPid);
    }
  });

  it("takes HostName, User and IdentityFile from ssh config for what the inventory leaves open", async () => {
    const config = join(scratch, "ssh_config");
    await writeFile(config, `Host broker-a\n  HostName ${hostA.address}\n  User deploy\n  IdentityFile ${fleet.keyFile}\n`);
    const conn = await connect(hostA, { name: "broker-a", address: "broker-a", user: undefined, privateKeyFile: undefined, sshConfigFile: config });
    expect((await conn.run(["sh", "-c", "id -un; hostname"])).stdout).toBe(`deploy\n${hostA.name}\n`);
  });

  it("says which user and which credentials failed", async () => {
    const strangerKey = join(scratch, "stranger_key");
    await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", strangerKey]);
    const error = await refusal(openConnection(spec(hostA, { user: "deploy", privateKeyFile: strangerKey, password: "not-it" })));
    expect(error.message).toBe(
      `${hostA.name} (${hostA.address}:22): authentication failed for user deploy with key ${strangerKey} (also tried password)`,
    );
    expect(error.hint).toMatch(/authorized_keys/);
  });

  it("reports a missing key file before connecting", async () => {
    const error = await refusal(openConnection(spec(hostA, { privateKeyFile: join(scratch, "nope") })));
    expect(error.message).toMatch(/private key file .*nope does not exist/);
  });
});

describe("host keys", () => {
  it("refuses a changed key loudly, naming the file and line of the old key and how to fix it", async () => {
    // host B's real ed25519 key, filed under host A's address: to tsible, A's key has changed
    const known = await readFile(fleet.knownHostsFile, "utf8");
    const bKey = known.split("\n").find((line) => line.startsWith(`${hostB.address} ssh-ed25519 `));
    expect(bKey).toBeDefined();
    const file = join(scratch, "known_hosts_changed");
    const text = `# first line is a comment\n${bKey!.replace(hostB.address, hostA.address)}\n`;
    await writeFile(file, text);

    for (const policy of ["strict", "accept-new"] as const) {
      const error = await refusal(openConnection(spec(hostA, { knownHostsFile: file, hostKeyChecking: policy })));
      expect(error.hostName).toBe(hostA.name);
      expect(error.message).toContain(`${hostA.name} (${hostA.address}:22): HOST KEY HAS CHANGED`);
      expect(error.message).toContain(`${file}:2`);
      expect(error.hint).toContain(`ssh-keygen -f ${file} -R ${hostA.address}`);
    }
    expect(await readFile(file, "utf8")).toBe(text);
  });

  it("refuses an unknown host in strict mode, and records it in accept-new mode", async () => {
    const file = join(scratch, "known_hosts_new");
    await writeFile(file, "");
    const error = await refusal(openConnection(spec(hostB, { knownHostsFile: file })));
    expect(error.message).toMatch(/host key SHA256:\S+ is not in .*known_hosts_new and host key checking is strict/);
    expect(error.hint).toMatch(/accept-new/);
    expect(await readFile(file, "utf8")).toBe("");

    const conn = await connect(hostB, { knownHostsFile: file, hostKeyChecking: "accept-new" });
    expect((await conn.run(["hostname"])).stdout).toBe(`${hostB.name}\n`);
    const recorded = await readFile(file, "utf8");
    const served = await fleet.sshRun(hostB, "cat /etc/ssh/ssh_host_ed25519_key.pub");
    expect(recorded).toBe(`${hostB.address} ${served.stdout.split(" ").slice(0, 2).join(" ")}\n`);

    // once recorded, strict mode accepts it
    await connect(hostB, { knownHostsFile: file });
  });

  it("checks hashed known_hosts entries", async () => {
    const file = join(scratch, "known_hosts_hashed");
    await writeFile(file, await readFile(fleet.knownHostsFile));
    await execa("ssh-keygen", ["-H", "-f", file]);
    expect(await readFile(file, "utf8")).not.toContain(hostA.address);
    const conn = await connect(hostA, { knownHostsFile: file });
    expect((await conn.run(["true"])).exitCode).toBe(0);
  });

  it("uses the key type it knows when the host offers several (ecdsa only in known_hosts)", async () => {
    const known = await readFile(fleet.knownHostsFile, "utf8");
    const ecdsa = known.split("\n").filter((line) => line.startsWith(`${hostA.address} ecdsa-sha2-nistp256 `));
    expect(ecdsa).toHaveLength(1);
    const file = join(scratch, "known_hosts_ecdsa");
    await writeFile(file, `${ecdsa[0]}\n`);
    const conn = await connect(hostA, { knownHostsFile: file });
    expect((await conn.run(["true"])).exitCode).toBe(0);
  });
});

describe("unreachable hosts", () => {
  it("times out on an address nobody has, with a hint", async () => {
    const nobody = { name: "ghost", address: fleet.subnet.replace(/\.0\/24$/, ".250"), port: 22, kind: "debian" as const };
    const error = await refusal(openConnection(spec(nobody, { connectTimeoutMs: 1500, hostKeyChecking: "off" })));
    expect(error.message).toBe(`ghost (${nobody.address}:22): connection timed out after 1.5 s`);
    expect(error.hint).toMatch(/is the host up/);
  });

  it("reports a refused port", async () => {
    const error = await refusal(openConnection(spec(hostA, { port: 2 })));
    expect(error.message).toBe(`${hostA.name} (${hostA.address}:2): connection refused`);
    expect(error.hint).toMatch(/sshd running/);
  });
});

describe("running commands", () => {
  let root: Connection;
  beforeAll(async () => {
    root = await connect(hostA);
  });

  it("passes values with spaces, quotes, $, backticks and newlines through unchanged", async () => {
    const values = ["with space", "it's", 'say "hi"', "$HOME", "`id`", "$(id)", "line1\nline2", "*", "", "-n", "a\\tb", "ünï ☃", ";|&"];
    const result = await root.run(["printf", "%s\\0", ...values]);
    expect(result.stdout.split("\0").slice(0, -1)).toEqual(values);
    const echoed = await root.run(["sh", "-c", 'printf "%s|%s" "$0" "$1"', "x y", "$(touch /tmp/pwned)"]);
    expect(echoed.stdout).toBe("x y|$(touch /tmp/pwned)");
    expect((await fleet.sshRun(hostA, "test -e /tmp/pwned")).exitCode).toBe(1);
  });

  it("returns exit code, stdout, stderr and feeds stdin; never throws for a non-zero exit", async () => {
    const result = await root.run(["sh", "-c", "cat; echo to-err >&2; exit 3"], { stdin: "in put\n" });
    expect(result).toEqual({ exitCode: 3, stdout: "in put\n", stderr: "to-err\n" });
    expect((await root.run(["no-such-command-tsible"])).exitCode).toBe(127);
  });

  it("runs in a working directory with extra environment", async () => {
    const result = await root.run(["sh", "-c", 'pwd; printf "%s" "$GREETING"'], { cwd: "/usr/share", env: { GREETING: "hi 'there' $x" } });
    expect(result.stdout).toBe("/usr/share\nhi 'there' $x");
  });

  it("runs 20 commands at once over one connection", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => root.run(["sh", "-c", 'sleep 0.3; echo "$0"', `job-${index}`])),
    );
    expect(results.map((result) => result.stdout)).toEqual(Array.from({ length: 20 }, (_, index) => `job-${index}\n`));
  });

  it("logs command lines with secrets masked", async () => {
    const lines: string[] = [];
    const masker = new SecretMasker();
    masker.add("run-wide-secret");
    const conn = await openConnection(spec(hostA), { log: (line) => lines.push(line), masker });
    opened.push(conn);
    await conn.run(["echo", "run-wide-secret", "call-secret"], { secrets: ["call-secret"] });
    expect(lines).toEqual([`${hostA.name}: echo ******** ********`]);
  });
});

describe("become", () => {
  it("uses sudo without a password (deploy), stdout and stderr untouched", async () => {
    const deploy = await connect(hostA, { user: "deploy" });
    const result = await deploy.run(["sh", "-c", "id -un; cat; echo warn >&2"], { become: { user: "root" }, stdin: "data\n" });
    expect(result).toEqual({ exitCode: 0, stdout: "root\ndata\n", stderr: "warn\n" });
  });

  it("gives sudo the password (ops) before the command's own stdin; no prompt or lecture in the output", async () => {
    const ops = await connect(hostB, { user: "ops" });
    const become = { user: "root", password: fleetCredentials.opsSudoPassword };
    for (let round = 0; round < 2; round++) {
      const result = await ops.run(["sh", "-c", "id -un; cat"], { become, stdin: "after-password\n" });
      expect(result).toEqual({ exitCode: 0, stdout: "root\nafter-password\n", stderr: "" });
    }
    const asDeploy = await ops.run(["id", "-un"], { become: { user: "deploy", password: fleetCredentials.opsSudoPassword } });
    expect(asDeploy.stdout).toBe("deploy\n");
  });

  it("refuses a wrong sudo password with a BecomeError, and the command never runs", async () => {
    const ops = await connect(hostA, { user: "ops" });
    const marker = `/tmp/tsible-must-not-exist-${unique()}`;
    const error = await ops.run(["touch", marker], { become: { user: "root", password: "wrong-password" } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BecomeError);
    expect((error as BecomeError).message).toBe(
      `${hostA.name}: sudo as ops (become_user root): incorrect sudo password; the command did not run. Fix ansible_become_password for this host.`,
    );
    expect((await fleet.sshRun(hostA, `test -e ${marker}`)).exitCode).toBe(1);
  });

  it("says when sudo needs a password that was not given, or the user may not sudo", async () => {
    const ops = await connect(hostA, { user: "ops" });
    await expect(ops.run(["true"], { become: { user: "root" } })).rejects.toThrow(/sudo needs a password; the command did not run/);
    const pwuser = await connect(hostA, { user: "pwuser", privateKeyFile: undefined, password: fleetCredentials.pwuserPassword });
    await expect(pwuser.run(["true"], { become: { user: "root", password: fleetCredentials.pwuserPassword } })).rejects.toThrow(
      /pwuser may not use sudo to become root/,
    );
  });
});

describe("files", () => {
  let deploy: Connection;
  const dir = `/srv/tsible-e2e-${unique()}`;
  const root = { user: "root" };
  beforeAll(async () => {
    deploy = await connect(hostA, { user: "deploy" });
    expect((await fleet.sshRun(hostA, `mkdir -p ${dir}`)).exitCode).toBe(0);
  });

  const statOf = async (path: string): Promise<string> => (await fleet.sshRun(hostA, `stat -c '%U %G %a' ${quoteWord(path)}`)).stdout.trim();
  const leftovers = async (): Promise<string> => (await fleet.sshRun(hostA, `ls -A ${dir} | grep tsible-tmp || true`)).stdout;

  it("writes atomically with owner, group and mode set, through sudo, leaving no temp file", async () => {
    const path = `${dir}/broker conf's.txt`;
    await deploy.writeFile(path, "listener 1883\n", { owner: "ops", group: "deploy", mode: "0640", become: root });
    expect(await statOf(path)).toBe("ops deploy 640");
    expect((await fleet.sshRun(hostA, `cat ${quoteWord(path)}`)).stdout).toBe("listener 1883\n");
    expect(await leftovers()).toBe("");
  });

  it("keeps an existing file's owner and mode when none is given; 0644 for a new file", async () => {
    const path = `${dir}/kept`;
    await fleet.sshRun(hostA, `echo old > ${path} && chown ops:ops ${path} && chmod 0600 ${path}`);
    await deploy.writeFile(path, "new\n", { become: root });
    expect(await statOf(path)).toBe("ops ops 600");
    await deploy.writeFile(`${dir}/fresh`, "x", { become: root });
    expect(await statOf(`${dir}/fresh`)).toBe("root root 644");
  });

  it("writes through a password sudo (ops), the content after the password", async () => {
    const ops = await connect(hostA, { user: "ops" });
    const path = `${dir}/from-ops`;
    await ops.writeFile(path, "secret-free content\n", { become: { user: "root", password: fleetCredentials.opsSudoPassword }, mode: "0600" });
    expect((await fleet.sshRun(hostA, `cat ${path}`)).stdout).toBe("secret-free content\n");
    expect(await statOf(path)).toBe("root root 600");
  });

  it("leaves the old content and no temp file when the write fails", async () => {
    const path = `${dir}/kept`;
    const error = await deploy.writeFile(path, "never\n", { owner: "no-such-user", become: root }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteFileError);
    expect((error as Error).message).toMatch(/cannot write .*kept: chown: invalid user/);
    expect((await fleet.sshRun(hostA, `cat ${path}`)).stdout).toBe("new\n");
    expect(await leftovers()).toBe("");
  });

  it("reads files as bytes, undefined when missing, an error when not allowed", async () => {
    const bytes = randomBytes(4096);
    await deploy.writeFile(`${dir}/blob`, bytes, { become: root });
    expect(await deploy.readFile(`${dir}/blob`)).toEqual(bytes);
    expect(await deploy.readFile(`${dir}/absent`)).toBeUndefined();
    await expect(deploy.readFile("/etc/shadow")).rejects.toThrow(/cannot read \/etc\/shadow: .*Permission denied/);
    const shadow = await deploy.readFile("/etc/shadow", { become: root });
    expect(shadow?.toString("utf8")).toMatch(/^root:/);
  });

  afterAll(async () => {
    await fleet.sshRun(hostA, `rm -rf ${dir}`);
  });
});
