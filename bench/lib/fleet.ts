/**
 * The benchmark's hosts: test/fleet/fleet.sh fleets with ids 30-39 (the ids this benchmark owns),
 * at most 90 hosts per fleet, so a run of 100+ hosts spans several fleets on several bridges.
 * Every fleet this process starts is torn down when it exits, also on Ctrl-C or a crash.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const FLEET_IDS = [30, 31, 32, 33, 34, 35, 36, 37, 38, 39];
const MAX_HOSTS_PER_FLEET = 90;

export interface BenchHost {
  name: string;
  address: string;
  keyFile: string;
}

export interface BenchFleet {
  hosts: BenchHost[];
  /** all fleets' known_hosts in one file */
  knownHostsFile: string;
  ids: number[];
}

interface HostsJson {
  keyFile: string;
  knownHostsFile: string;
  hosts: { name: string; address: string }[];
}

const started = new Set<number>();
let repoDir = "";

function fleetScript(): string {
  return path.join(repoDir, "test/fleet/fleet.sh");
}

/** Tears down every fleet this process started; synchronous so it also runs from an exit handler */
export function downAll(): void {
  for (const id of started) {
    spawnSync("bash", [fleetScript(), "down"], { env: { ...process.env, TSIBLE_FLEET_ID: String(id) }, stdio: "ignore" });
  }
  started.clear();
}

let handlersInstalled = false;
function installTeardown(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", downAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, tearing the fleets down\n`);
      downAll();
      process.exit(130);
    });
  }
}

function fleetUp(id: number, count: number): Promise<HostsJson> {
  started.add(id);
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [fleetScript(), "up", String(count)], {
      env: { ...process.env, TSIBLE_FLEET_ID: String(id) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`fleet ${id} up ${count} failed (exit ${code}):\n${stderr.slice(-3000)}`));
      const file = stdout.trim().split("\n").pop() ?? "";
      resolve(JSON.parse(readFileSync(file, "utf8")) as HostsJson);
    });
  });
}

/** Fresh hosts: any fleet of ours still up is replaced by new hosts booted from the clean base */
export async function freshFleet(repo: string, count: number, workDir: string): Promise<BenchFleet> {
  repoDir = repo;
  installTeardown();
  const fleets = Math.ceil(count / MAX_HOSTS_PER_FLEET);
  if (fleets > FLEET_IDS.length) throw new Error(`at most ${FLEET_IDS.length * MAX_HOSTS_PER_FLEET} hosts`);
  const ids = FLEET_IDS.slice(0, fleets);
  // fleets of this process that the new size no longer needs go down
  for (const id of [...started]) {
    if (!ids.includes(id)) {
      spawnSync("bash", [fleetScript(), "down"], { env: { ...process.env, TSIBLE_FLEET_ID: String(id) }, stdio: "ignore" });
      started.delete(id);
    }
  }
  const sizes = ids.map((_, index) => Math.floor(count / fleets) + (index < count % fleets ? 1 : 0));
  // `up` tears down a fleet with the same id first, so the hosts are always fresh
  const states = await Promise.all(ids.map((id, index) => fleetUp(id, sizes[index]!)));
  const hosts = states.flatMap((state) => state.hosts.map((host) => ({ name: host.name, address: host.address, keyFile: state.keyFile })));
  const knownHostsFile = path.join(workDir, "known_hosts");
  writeFileSync(knownHostsFile, states.map((state) => readFileSync(state.knownHostsFile, "utf8")).join(""));
  return { hosts, knownHostsFile, ids };
}
