/**
 * The test fleet from TypeScript: start and stop real sshd hosts (test/fleet/fleet.sh) and talk
 * to them with the system `ssh` client, a second opinion independent of tsible's own SSH code.
 *
 *   const fleet = await startFleet({ count: 3, id: 1 });            // three debian hosts
 *   const mixed = await startFleet({ kinds: ["systemd", "centos"], id: 2 });
 *   const { stdout } = await fleet.sshRun(fleet.hosts[0]!, "hostname");
 *   await fleet.stop();
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { z } from "zod";

/** The fleet script; run as root. */
export const fleetScript = fileURLToPath(new URL("./fleet.sh", import.meta.url));

/** What a host boots (test/fleet/fleet.sh kinds): Debian without init, Debian/Ubuntu with systemd, CentOS, Amazon Linux, Pi */
export type HostKind = "debian" | "noinit" | "systemd" | "ubuntu" | "centos" | "amzn" | "pi";

/**
 * Where a host is: on the fleet's bridge (public, the default), only on its private bridge
 * 10.213.<100+id>.0/24 that the controller is not on (private), or on both (a bastion)
 */
export type FleetNetwork = "public" | "private" | "both";

export interface FleetHost {
  /** ts<id>h<k>, also the host's hostname */
  name: string;
  /** the private address for a private host, else the public one */
  address: string;
  port: number;
  kind: HostKind;
  network?: FleetNetwork | undefined;
  /** a private or both host's address on the private bridge */
  privateAddress?: string | undefined;
}

export interface SshRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface SshRunOptions {
  /** Login user (default root). root, deploy and ops log in with the fleet key. */
  user?: string;
  /** Written to the remote command's stdin, e.g. a password for `sudo -S`. */
  input?: string;
  /** Kill the ssh client after this long (default 120 s). */
  timeoutMs?: number;
}

/** Test-only credentials baked into every fleet host (see test/fleet/README.md). */
export const fleetCredentials = {
  /** sudo password of `ops` (key login, sudo asks for this password) */
  opsSudoPassword: "ops-sudo-pass",
  /** login password of `pwuser` (password login only, no sudo) */
  pwuserPassword: "pw-login-pass",
} as const;

export interface Fleet {
  id: number;
  /** state directory: keys, known_hosts, hosts.json, inventory.ini, per-host logs */
  dir: string;
  /** 10.213.<id>.0/24 */
  subnet: string;
  /** the controller's address on the fleet bridge, 10.213.<id>.1 */
  bridgeAddress: string;
  hosts: FleetHost[];
  /** private key authorized for root, deploy and ops on every host */
  keyFile: string;
  /** known_hosts with every host's keys, keyed by IP address */
  knownHostsFile: string;
  /** Ansible INI inventory: every host in group [fleet], as root with the fleet key */
  inventoryPath: string;
  /** path of the hosts.json this fleet was read from */
  hostsJsonPath: string;
  /** A host by name (ts1h2) or 0-based index; throws if there is no such host. */
  host(nameOrIndex: string | number): FleetHost;
  /** Runs `command` (a shell command line) on the host with the system ssh client. */
  sshRun(host: FleetHost | string, command: string, options?: SshRunOptions): Promise<SshRunResult>;
  /** Writes the fleet inventory to `path`, followed by `extraIni` (more groups, vars). */
  writeInventory(path: string, extraIni?: string): Promise<void>;
  /** Tears the fleet down (fleet.sh down). */
  stop(): Promise<void>;
}

export interface StartFleetOptions {
  /** that many debian hosts */
  count?: number;
  /** or one host per entry, of that kind, in this order */
  kinds?: HostKind[];
  /** each host's network, in the same order (default all public) */
  networks?: FleetNetwork[];
  /** 0-99; default TSIBLE_FLEET_ID or 0 */
  id?: number;
  /** state directory; default fleet.sh's (<repo>/.fleet/<id>) */
  dir?: string;
}

/** Starts a fleet of `count` hosts (replacing a stale one with the same id). Needs root. */
export async function startFleet(options: StartFleetOptions): Promise<Fleet> {
  const id = options.id ?? fleetIdFromEnv();
  const kinds = options.kinds ?? Array.from({ length: options.count ?? 1 }, (): HostKind => "debian");
  const spec = options.networks
    ? kinds.map((kind, index) => `${kind}@${options.networks?.[index] ?? "public"}`).join(",")
    : options.kinds
      ? options.kinds.join(",")
      : String(options.count ?? 1);
  const result = await execa(fleetScript, ["up", spec], {
    env: fleetEnv(id, options.dir),
    reject: false,
    stdin: "ignore",
  });
  if (result.exitCode !== 0) {
    throw new Error(`fleet.sh up ${spec} (fleet ${id}) failed with exit code ${result.exitCode}:\n${result.stderr}`);
  }
  const hostsJsonPath = result.stdout.trim().split("\n").at(-1) ?? "";
  return openFleet(hostsJsonPath);
}

/**
 * Builds the cached roots, layers and repositories of these kinds (fleet.sh prepare): each group
 * in its own process, side by side, so that the slow armhf root does not hold up the others.
 */
export async function prepareKinds(groups: readonly (readonly HostKind[])[]): Promise<void> {
  await Promise.all(
    groups.map(async (kinds) => {
      const result = await execa(fleetScript, ["prepare", ...kinds], { reject: false, stdin: "ignore" });
      if (result.exitCode !== 0) {
        throw new Error(`fleet.sh prepare ${kinds.join(" ")} failed with exit code ${result.exitCode}:\n${result.stderr}`);
      }
    }),
  );
}

/** Tears down fleet `id` and everything it left behind. Safe to call when nothing runs. */
export async function stopFleet(id: number, dir?: string): Promise<void> {
  const result = await execa(fleetScript, ["down"], { env: fleetEnv(id, dir), reject: false, stdin: "ignore" });
  if (result.exitCode !== 0) {
    throw new Error(`fleet.sh down (fleet ${id}) failed with exit code ${result.exitCode}:\n${result.stderr}`);
  }
}

/** The fleet described by a hosts.json that fleet.sh wrote (e.g. one started by global setup). */
export function openFleet(hostsJsonPath: string): Fleet {
  const state = parseHostsJson(hostsJsonPath, readFileSync(hostsJsonPath, "utf8"));

  const host = (nameOrIndex: string | number): FleetHost => {
    const found =
      typeof nameOrIndex === "number" ? state.hosts[nameOrIndex] : state.hosts.find((h) => h.name === nameOrIndex);
    if (!found) {
      throw new Error(`fleet ${state.id} has no host ${nameOrIndex} (hosts: ${state.hosts.map((h) => h.name).join(", ")})`);
    }
    return found;
  };

  return {
    ...state,
    hostsJsonPath,
    host,
    sshRun: (target, command, options = {}) =>
      runSsh(state, typeof target === "string" ? host(target) : target, command, options),
    writeInventory: async (path, extraIni = "") => {
      const inventory = readFileSync(state.inventoryPath, "utf8");
      await writeFile(path, extraIni ? `${inventory}\n${extraIni.trimEnd()}\n` : inventory);
    },
    stop: () => stopFleet(state.id, state.dir),
  };
}

/** ssh options that make the system client trust exactly the fleet's host keys, never prompt. */
export function sshClientOptions(fleet: Pick<Fleet, "keyFile" | "knownHostsFile">): string[] {
  return [
    "-i", fleet.keyFile,
    "-o", "IdentitiesOnly=yes",
    "-o", `UserKnownHostsFile=${fleet.knownHostsFile}`,
    "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", "StrictHostKeyChecking=yes",
    "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=10",
    "-o", "LogLevel=ERROR",
    "-F", "/dev/null",
  ];
}

type FleetState = Omit<Fleet, "host" | "sshRun" | "writeInventory" | "stop" | "hostsJsonPath">;

async function runSsh(
  state: FleetState,
  host: FleetHost,
  command: string,
  options: SshRunOptions,
): Promise<SshRunResult> {
  const user = options.user ?? "root";
  const args = [...sshClientOptions(state), "-p", String(host.port), `${user}@${host.address}`, command];
  const result = await execa("ssh", args, {
    reject: false,
    timeout: options.timeoutMs ?? 120_000,
    stripFinalNewline: false,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
  });
  if (result.timedOut) {
    throw new Error(`ssh ${user}@${host.address} ${JSON.stringify(command)} timed out`);
  }
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function fleetIdFromEnv(): number {
  return Number(process.env.TSIBLE_FLEET_ID ?? "0");
}

function fleetEnv(id: number, dir: string | undefined): Record<string, string> {
  if (!Number.isInteger(id) || id < 0 || id > 99) throw new Error(`fleet id must be an integer 0-99, got ${id}`);
  return dir === undefined ? { TSIBLE_FLEET_ID: String(id) } : { TSIBLE_FLEET_ID: String(id), TSIBLE_FLEET_DIR: dir };
}

const hostsJsonSchema = z.object({
  id: z.number().int(),
  dir: z.string(),
  subnet: z.string(),
  bridgeAddress: z.string(),
  keyFile: z.string(),
  knownHostsFile: z.string(),
  inventoryPath: z.string(),
  hosts: z
    .array(
      z.object({
        name: z.string(),
        address: z.string(),
        port: z.number().int(),
        kind: z.enum(["debian", "noinit", "systemd", "ubuntu", "centos", "amzn", "pi"]),
        network: z.enum(["public", "private", "both"]).optional(),
        privateAddress: z.string().optional(),
      }),
    )
    .min(1),
});

function parseHostsJson(path: string, text: string): FleetState {
  const parsed = hostsJsonSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path} is not a fleet hosts.json: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
