/**
 * The real broker logs users in with the hashes we write. Runs the machine's
 * `mosquitto` on 127.0.0.1 with a free port, `allow_anonymous false` and a
 * password file from planPasswordFile, then logs in over MQTT (MQTT.js).
 * Skipped, saying why, when the broker binary is not installed
 * (`apt-get install -y mosquitto` on Debian).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectAsync, type IClientOptions } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planPasswordFile, type WantedUser } from "../../../src/mosquitto/password-file.js";
import { hashFormatForVersion, hashPassword } from "../../../src/mosquitto/password-hash.js";
import { compareVersions, parseMosquittoHelp } from "../../../src/mosquitto/version.js";
import { readVectors } from "./vectors.js";

const BROKER = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto"].find((path) => existsSync(path));
const brokerVersion = BROKER ? parseMosquittoHelp(spawnSync(BROKER, ["-h"], { encoding: "utf8" }).stdout) : undefined;

if (!BROKER) console.warn("skipped: no mosquitto broker binary on this machine (apt-get install -y mosquitto)");

describe.skipIf(!BROKER || !brokerVersion)(`mosquitto ${brokerVersion ?? "(absent)"} accepts the password files we write`, () => {
  const version = brokerVersion ?? "0";
  const format = hashFormatForVersion(version);
  const users: WantedUser[] = [
    { name: "smc", password: "correct horse battery staple" },
    { name: "zoë", password: "pässwörd ユニコード & \"quotes\" 'single' $dollar \\back" },
    { name: "long", password: "l".repeat(1000) },
  ];
  // written by the real mosquitto_passwd, kept byte for byte by the planner
  const vectors = readVectors("vectors-2.0.11.txt");
  const mosquittoWritten = vectors.filter((v) => v.user === "alice" || v.user === "sha-alice");
  // mosquitto_passwd's hash of the empty password, which the planner refuses to write
  const emptyPassword = vectors.find((v) => v.user === "erin" && v.password === "");
  let workDir = "";
  let broker: ChildProcess | undefined;
  let port = 0;
  let brokerLog = "";

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), "tsible-mosquitto-"));
    // mosquitto started as root drops to the "mosquitto" user before it reads the password file
    chmodSync(workDir, 0o755);
    const existing = mosquittoWritten.map((v) => `${v.line}\n`).join("");
    // $6$ as a 1.x host has it, and a 2.1-format hash, appended by hand
    const extra =
      `legacy:${hashPassword("legacy pw", { kind: "sha512" })}\n` +
      `v21:${hashPassword("v21 pw", { kind: "pbkdf2-sha512", iterations: 1000, saltBytes: 64 })}\n`;
    const plan = planPasswordFile(existing + extra, [
      ...users,
      ...mosquittoWritten.map((v) => ({ name: v.user, password: v.password })),
      { name: "legacy", password: "legacy pw" },
      { name: "v21", password: "v21 pw" },
    ], { format, removeUnlisted: true });
    const passwordFile = join(workDir, "passwd");
    writeFileSync(passwordFile, plan.text + (emptyPassword ? `${emptyPassword.line}\n` : ""), { mode: 0o644 });
    chmodSync(passwordFile, 0o644);

    port = await freeLoopbackPort();
    const config = join(workDir, "mosquitto.conf");
    writeFileSync(
      config,
      [`listener ${port} 127.0.0.1`, "allow_anonymous false", `password_file ${passwordFile}`, "persistence false", "log_dest stderr", "log_type all", ""].join("\n"),
      { mode: 0o644 },
    );
    broker = spawn(BROKER ?? "mosquitto", ["-c", config], { stdio: ["ignore", "pipe", "pipe"] });
    broker.stdout?.on("data", (chunk: Buffer) => (brokerLog += chunk.toString()));
    broker.stderr?.on("data", (chunk: Buffer) => (brokerLog += chunk.toString()));
    await waitFor(() => brokerLog.includes("running"), 10_000, () => `broker did not start:\n${brokerLog}`);
  });

  afterAll(async () => {
    if (broker?.pid !== undefined && broker.exitCode === null) {
      const exited = new Promise((resolve) => broker?.once("exit", resolve));
      broker.kill("SIGTERM");
      await exited;
    }
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  for (const user of users) {
    it(`logs ${user.name} in with the right password and refuses a wrong one`, async () => {
      expect(await login(port, user.name, user.password)).toBe("accepted");
      expect(await login(port, user.name, `${user.password}!`)).toBe("refused");
    });
  }

  it("still logs in users whose lines mosquitto_passwd wrote ($7$ and $6$), kept as they were", async () => {
    for (const vector of mosquittoWritten) {
      expect(await login(port, vector.user, vector.password)).toBe("accepted");
      expect(await login(port, vector.user, "wrong")).toBe("refused");
    }
  });

  it("logs in a user whose $6$ hash (1.x format) was kept", async () => {
    expect(await login(port, "legacy", "legacy pw")).toBe("accepted");
  });

  it("logs in the 2.1-format user: kept on 2.1+, rewritten in this version's format on 2.0", async () => {
    expect(await login(port, "v21", "v21 pw")).toBe("accepted");
  });

  it("refuses the empty password even with mosquitto_passwd's own hash of it (why the planner refuses it)", async () => {
    expect(emptyPassword).toBeDefined();
    expect(await login(port, "erin", "")).toBe("refused");
  });

  it("refuses an unknown user and an anonymous client", async () => {
    expect(await login(port, "nobody", "x")).toBe("refused");
    expect(await login(port, undefined, undefined)).toBe("refused");
  });

  it.runIf(brokerVersion !== undefined && compareVersions(brokerVersion, "2.1.0") < 0)(
    "this 2.0 broker refuses a 64-byte salt (why 2.0 hosts get 12-byte salts)",
    async () => {
      // a second broker, whose file holds only a 2.1-format hash
      const dir = mkdtempSync(join(tmpdir(), "tsible-mosquitto-v21-"));
      chmodSync(dir, 0o755);
      const file = join(dir, "passwd");
      writeFileSync(file, `v21:${hashPassword("v21 pw", hashFormatForVersion("2.1.0"))}\n`, { mode: 0o644 });
      chmodSync(file, 0o644);
      const otherPort = await freeLoopbackPort();
      const config = join(dir, "mosquitto.conf");
      writeFileSync(config, `listener ${otherPort} 127.0.0.1\nallow_anonymous false\npassword_file ${file}\npersistence false\nlog_dest stderr\n`, { mode: 0o644 });
      const other = spawn(BROKER ?? "mosquitto", ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
      let log = "";
      other.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
      try {
        await waitFor(() => log.includes("running"), 10_000, () => `second broker did not start:\n${log}`);
        expect(log).toMatch(/Unable to decode password salt for user v21/);
        expect(await login(otherPort, "v21", "v21 pw")).toBe("refused");
      } finally {
        const exited = new Promise((resolve) => other.once("exit", resolve));
        other.kill("SIGTERM");
        await exited;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

/** "accepted" or "refused" (CONNACK refusal); anything else (no broker, timeout) throws */
async function login(port: number, username: string | undefined, password: string | undefined): Promise<"accepted" | "refused"> {
  const options: IClientOptions = { host: "127.0.0.1", port, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 };
  if (username !== undefined) options.username = username;
  if (password !== undefined) options.password = password;
  try {
    const client = await connectAsync(options);
    await client.endAsync();
    return "accepted";
  } catch (error) {
    // MQTT 3.1.1 CONNACK 4 (bad user name or password) or 5 (not authorized)
    const code = (error as { code?: unknown }).code;
    if (code === 4 || code === 5) return "refused";
    throw error;
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
