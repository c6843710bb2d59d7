/**
 * A real mosquitto on 127.0.0.1 with a free port, for the broker check's
 * tests: a password file written by the machine's `mosquitto_passwd -b`, an
 * acl file, allow_anonymous as asked, extra config lines (a bridge). Tests
 * skip, saying why, when the binaries are absent
 * (`apt-get install -y mosquitto`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const find = (name: string): string | undefined =>
  ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"].map((dir) => join(dir, name)).find((path) => existsSync(path));

export const MOSQUITTO = find("mosquitto");
export const MOSQUITTO_PASSWD = find("mosquitto_passwd");
export const brokerMissing =
  MOSQUITTO === undefined || MOSQUITTO_PASSWD === undefined
    ? "skipped: mosquitto and mosquitto_passwd are not installed on this machine (apt-get install -y mosquitto)"
    : undefined;

export interface LocalBrokerOptions {
  users?: readonly { name: string; password: string }[];
  /** acl_file text; no acl_file when undefined */
  acl?: string | undefined;
  allowAnonymous: boolean;
  extraConfig?: readonly string[];
}

export interface LocalBroker {
  port: number;
  log(): string;
  stop(): Promise<void>;
}

export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  if (MOSQUITTO === undefined || MOSQUITTO_PASSWD === undefined) throw new Error(brokerMissing);
  const dir = mkdtempSync(join(tmpdir(), "tsible-mqtt-check-"));
  // started as root, mosquitto drops to the "mosquitto" user before it reads its files
  chmodSync(dir, 0o755);
  const config = [`listener ${await freeLoopbackPort()} 127.0.0.1`, `allow_anonymous ${options.allowAnonymous}`, "persistence false", "log_dest stderr", "log_type all"];
  const users = options.users ?? [];
  if (users.length > 0) {
    const passwordFile = join(dir, "passwd");
    users.forEach((user, index) => {
      const args = [...(index === 0 ? ["-c"] : []), "-b", passwordFile, user.name, user.password];
      const result = spawnSync(MOSQUITTO_PASSWD, args, { encoding: "utf8" });
      if (result.status !== 0) throw new Error(`mosquitto_passwd failed for ${user.name}: ${result.stderr}`);
    });
    chmodSync(passwordFile, 0o644);
    config.push(`password_file ${passwordFile}`);
  }
  if (options.acl !== undefined) {
    const aclFile = join(dir, "acl");
    writeFileSync(aclFile, options.acl, { mode: 0o644 });
    config.push(`acl_file ${aclFile}`);
  }
  config.push(...(options.extraConfig ?? []));
  const port = Number(/^listener (\d+)/.exec(config[0] ?? "")?.[1]);
  const configFile = join(dir, "mosquitto.conf");
  writeFileSync(configFile, `${config.join("\n")}\n`, { mode: 0o644 });

  let log = "";
  const broker: ChildProcess = spawn(MOSQUITTO, ["-c", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  broker.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  broker.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (broker.exitCode === null && broker.signalCode === null) {
      const exited = new Promise((resolve) => broker.once("exit", resolve));
      broker.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!log.includes("running")) {
    if (broker.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`mosquitto did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { port, log: () => log, stop };
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
