/**
 * Logging in while the playbook loads (executor/host-pool.ts): against a TCP server on this
 * machine that accepts and never answers, like an sshd that hangs, so a login stays in
 * progress for as long as a test needs.
 */
import { createServer, type Server, type Socket } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { runPlaybookFile } from "../../../src/executor/index.js";
import { HostPool } from "../../../src/executor/host-pool.js";
import type { Reporter } from "../../../src/executor/reporter.js";
import { loadInventory } from "../../../src/inventory/index.js";
import { SecretMasker } from "../../../src/secrets.js";
import { project } from "../../helpers/project.js";

const silentReporter: Reporter = { playStart() {}, taskStart() {}, hostResult() {}, warn() {}, verbose() {}, end() {} };

interface SilentServer {
  port: number;
  sockets: Socket[];
  /** resolves when `count` connections have arrived */
  connections(count: number): Promise<void>;
  /** resolves when every connection so far has been closed by the client */
  allClosed(): Promise<void>;
}

let server: Server | undefined;
afterEach(() => server?.close());

async function silentServer(): Promise<SilentServer> {
  const sockets: Socket[] = [];
  const closed = new WeakMap<Socket, Promise<void>>();
  const waiters: (() => void)[] = [];
  server = createServer((socket) => {
    sockets.push(socket);
    closed.set(socket, new Promise((resolve) => socket.on("close", () => resolve())));
    socket.on("error", () => undefined);
    // read (and drop) what the client sends, or its close would wait behind the unread bytes
    socket.resume();
    waiters.splice(0).forEach((wake) => wake());
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    sockets,
    connections: async (count) => {
      while (sockets.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    allClosed: async () => {
      await Promise.all(sockets.map((socket) => closed.get(socket)));
    },
  };
}

// a password gives the login a way to authenticate, so it gets as far as connecting
const hostLine = (name: string, port: number) => `${name} ansible_host=127.0.0.1 ansible_port=${port} ansible_user=nobody ansible_password=unused\n`;
const connection = { hostKeyPolicy: "off" as const, connectTimeoutMs: 30_000 };

describe("logging in while the playbook loads", () => {
  it("a playbook found broken while a login is under way fails at once with its own error, and the login is abandoned", async () => {
    const sshd = await silentServer();
    const dir = await project({ hosts: hostLine("h", sshd.port), "site.yml": "- hosts: all\n  roles: [no_such_role]\n" });
    const started = performance.now();
    const run = runPlaybookFile({
      playbook: path.join(dir, "site.yml"),
      inventories: [path.join(dir, "hosts")],
      reporter: silentReporter,
      masker: new SecretMasker(),
      connection,
    });
    await expect(run).rejects.toThrow(UserError);
    await expect(run).rejects.toThrow(/no_such_role/);
    // not after the login's 30 s connect timeout; whatever reached the host is closed
    expect(performance.now() - started).toBeLessThan(10_000);
    await sshd.allClosed();
  });

  it("starts at most `forks` logins, only to the first play's hosts within the limit, and close ends them", async () => {
    const sshd = await silentServer();
    const dir = await project({ hosts: `[web]\n${hostLine("w1", sshd.port)}${hostLine("w2", sshd.port)}${hostLine("w3", sshd.port)}[db]\n${hostLine("d1", sshd.port)}` });
    const inventory = await loadInventory([path.join(dir, "hosts")], { playbookDir: dir });
    const options = { inventory, extraVars: {}, masker: new SecretMasker(), connection, verbosity: 0, reporter: silentReporter };

    const pool = new HostPool({ ...options, forks: 2 });
    pool.logInEarly({ hosts: "web", remoteUser: undefined, become: false, becomeUser: undefined });
    await sshd.connections(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sshd.sockets).toHaveLength(2);
    expect([...pool.known().keys()]).toEqual(["w1", "w2"]);
    await pool.close();
    await sshd.allClosed();

    const limited = new HostPool({ ...options, forks: 5, limit: "w3:d1" });
    limited.logInEarly({ hosts: "web", remoteUser: undefined, become: false, becomeUser: undefined });
    expect([...limited.known().keys()]).toEqual(["w3"]);
    await limited.close();

    const nothing = new HostPool({ ...options, forks: 5 });
    nothing.logInEarly({ hosts: "no_such_group", remoteUser: undefined, become: false, becomeUser: undefined });
    expect([...nothing.known().keys()]).toEqual([]);
    await nothing.close();
  });

  it("a login abandoned by close is a connection error for whoever waited on it", async () => {
    const sshd = await silentServer();
    const dir = await project({ hosts: hostLine("h", sshd.port) });
    const inventory = await loadInventory([path.join(dir, "hosts")], { playbookDir: dir });
    const pool = new HostPool({ inventory, extraVars: {}, masker: new SecretMasker(), connection, verbosity: 0, reporter: silentReporter, forks: 5 });
    const waiting = pool.get("h").connection();
    await sshd.connections(1);
    await pool.close();
    await expect(waiting).rejects.toThrow(/the run ended before the login finished/);
  });
});
