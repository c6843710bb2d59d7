/**
 * The floor: the least any tool must do to prove a no-op run is a no-op. One ssh connection per
 * host, all hosts at once (system OpenSSH, no ControlMaster, so every run pays the full handshake
 * as tsible does), and in ONE remote shell (sudo, as the plays become root) every read-only check
 * the no-op run makes: the sha256 and owner/group/mode of each managed file, the directories'
 * owner/group/mode, the packages' dpkg state, the broker's running state, its boot links, and the
 * mosquitto version (which decides the password hash format). Timed in-process by bench/run.ts,
 * so the floor pays no tool start-up at all.
 */
import { spawn } from "node:child_process";
import type { BenchHost } from "./lib/fleet.js";

export interface FloorPaths {
  mainConfig: string;
  configDir: string;
  dataDir: string;
  pidDir: string;
}

export const defaultFloorPaths: FloorPaths = {
  mainConfig: "/etc/mosquitto/mosquitto.conf",
  configDir: "/var/lib/dgcsdev/mosquitto/conf",
  dataDir: "/var/lib/dgcsdev/mosquitto/data",
  pidDir: "/run/mosquitto",
};

/** The remote script; the paths are fixed constants of the benchmark, single-quoted */
export function floorScript(paths: FloorPaths): string {
  const q = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const files = [paths.mainConfig, `${paths.configDir}/conf.d/tsible-bridges.conf`, `${paths.configDir}/acl`, `${paths.configDir}/passwd`];
  const dirs = [paths.configDir, `${paths.configDir}/conf.d`, paths.dataDir, paths.pidDir];
  return [
    `for f in ${files.map(q).join(" ")}; do sha256sum "$f"; stat -c '%U %G %a %n' "$f"; done`,
    `stat -c '%U %G %a %F %n' ${dirs.map(q).join(" ")}`,
    `dpkg-query -W -f='\${Package} \${Version} \${db:Status-Status}\\n' mosquitto mosquitto-clients`,
    `service mosquitto status; echo "service status $?"`,
    `ls /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d | grep -c mosquitto`,
    `mosquitto -h 2>&1 | head -n 1`,
    "",
  ].join("\n");
}

/**
 * The floor of a first deploy: one ssh connection per host and ONE remote shell (bash, for its
 * /dev/tcp) that creates the directories, writes the four managed files (each to a temp file,
 * owner and mode set, renamed into place), restarts the broker and waits for its port. It installs
 * nothing, as mosquitto is in the fleet's base. The files are the bytes tsible's own first deploy
 * left on a host (read back by bench/run.ts), so both write exactly the same thing.
 */
export function floorFirstScript(files: Record<"config" | "bridges" | "acl" | "passwd", string>, port: number, paths: FloorPaths = defaultFloorPaths): string {
  const q = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const destinations = {
    config: paths.mainConfig,
    bridges: `${paths.configDir}/conf.d/tsible-bridges.conf`,
    acl: `${paths.configDir}/acl`,
    passwd: `${paths.configDir}/passwd`,
  };
  const lines = [
    "set -e",
    `install -d -o mosquitto -g mosquitto -m 0750 ${[paths.configDir, `${paths.configDir}/conf.d`, paths.dataDir].map(q).join(" ")}`,
    `install -d -o mosquitto -g mosquitto -m 0755 ${q(paths.pidDir)}`,
  ];
  for (const [key, dest] of Object.entries(destinations) as Array<[keyof typeof destinations, string]>) {
    // read back as "owner:group mode" on the first line, then the content
    const [attributes = "", ...content] = files[key].split("\n");
    const [owners = "root:root", mode = "644"] = attributes.split(" ");
    lines.push(
      `tmp=$(mktemp ${q(`${dest}.XXXXXX`)})`,
      `base64 -d > "$tmp" <<'EOF'`,
      Buffer.from(content.join("\n")).toString("base64"),
      "EOF",
      `chown ${q(owners)} "$tmp"; chmod ${q(mode)} "$tmp"; mv -f "$tmp" ${q(dest)}`,
    );
  }
  lines.push(
    "service mosquitto restart >/dev/null",
    `for i in $(seq 100); do if (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; then echo floor-first-done; exit 0; fi; sleep 0.1; done`,
    "echo 'the broker never answered' >&2; exit 1",
    "",
  );
  return lines.join("\n");
}

/** `scriptFor` gives each host its script: the bridge file names the host (its remote_clientid) */
export function runFloorFirst(hosts: BenchHost[], knownHostsFile: string, user: string, scriptFor: (host: BenchHost) => string): Promise<FloorRun> {
  return runOnHosts(hosts, knownHostsFile, user, hosts.map(scriptFor), "sudo -n bash -s", /floor-first-done/);
}

export interface FloorRun {
  wallMs: number;
  failures: string[];
  outputs: Map<string, string>;
}

export function runFloor(hosts: BenchHost[], knownHostsFile: string, user: string, paths = defaultFloorPaths): Promise<FloorRun> {
  // the script's last check (mosquitto -h) always ends it; a broken connection does not get there
  const script = floorScript(paths);
  return runOnHosts(hosts, knownHostsFile, user, hosts.map(() => script), "sudo -n sh -s", /mosquitto version/);
}

/** Every host's script at once, timed; a host failed unless it exited 0 and printed `done` */
async function runOnHosts(hosts: BenchHost[], knownHostsFile: string, user: string, scripts: string[], remoteCommand: string, done: RegExp): Promise<FloorRun> {
  const started = performance.now();
  const results = await Promise.all(hosts.map((host, index) => checkHost(host, knownHostsFile, user, scripts[index]!, remoteCommand)));
  const wallMs = performance.now() - started;
  const failures: string[] = [];
  const outputs = new Map<string, string>();
  results.forEach((result, index) => {
    const host = hosts[index]!;
    outputs.set(host.name, result.stdout);
    if (result.code !== 0 || !done.test(result.stdout)) failures.push(`${host.name}: exit ${result.code} ${result.stderr.trim()}`);
  });
  return { wallMs, failures, outputs };
}

function checkHost(host: BenchHost, knownHostsFile: string, user: string, script: string, remoteCommand: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      "ssh",
      [
        "-o", "BatchMode=yes",
        "-o", "ControlMaster=no",
        "-o", "ControlPath=none",
        "-o", "StrictHostKeyChecking=yes",
        "-o", `UserKnownHostsFile=${knownHostsFile}`,
        "-o", "ConnectTimeout=20",
        "-i", host.keyFile,
        "-l", user,
        host.address,
        remoteCommand,
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(script);
  });
}
