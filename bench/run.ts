/**
 * npm run bench [-- --sizes 1,5,20 --runs 5 --first-runs 3]
 *
 * For each size N: boots N fresh sshd hosts (test/fleet, ids 30-39), then measures on them
 *   first deploy   tsible on fresh hosts, Ansible on fresh hosts (hosts rebooted between samples)
 *   no-op re-run   tsible, Ansible with its ssh masters closed (cold) and left up (warm), the floor
 *   check --diff   after one variable change (-e @change.yml), tsible and Ansible
 * and writes bench/results.json + bench/results.md. Needs root (network namespaces).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpus, release, totalmem } from "node:os";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { floorFirstScript, runFloor, runFloorFirst } from "./floor.js";
import { compareManagedFiles, readManagedFiles, type ManagedFiles } from "./lib/equivalence.js";
import { downAll, freshFleet, type BenchFleet } from "./lib/fleet.js";
import { parseRecap, type TimedRun } from "./lib/measure.js";
import { loadResults, saveResults, type Machine, type Sample, type ScenarioName, type SizeResult, type Tool } from "./lib/report.js";
import { BENCH_BROKER_PORT, BENCH_USER, writeScenarioFiles } from "./lib/scenario-files.js";
import { closeAnsibleMasters, resourceReportFile, runAnsible, runTsible, type Scenario, type ToolContext } from "./lib/tools.js";
import type { ResourceReport } from "../src/cli/resource-report.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(repo, "bench/out");
const passwords = { smc: "smc pass 1", reader: "reader-pass", writer: "writer-pass", bridge: `bridge pass & 'q' "x"` };

const { values: options } = parseArgs({
  options: {
    sizes: { type: "string", default: "20" },
    runs: { type: "string", default: "5" },
    "first-runs": { type: "string", default: "3" },
    "no-build": { type: "boolean", default: false },
    "no-ansible-warm": { type: "boolean", default: false },
    // "tsible,floor" skips Ansible (a large run where Ansible alone would take most of an hour)
    tools: { type: "string", default: "tsible,ansible,floor" },
    // fewer forks than hosts shows whether the time per host stays flat beyond the fork limit
    forks: { type: "string" },
    // seconds both tools wait for a host's ssh handshake (ansible_timeout; default 10)
    "connect-timeout": { type: "string" },
  },
});
const sizes = options.sizes.split(",").map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 900)) fail(`--sizes: give host counts 1-900, e.g. 1,5,20 (got ${options.sizes})`);
const runs = Number(options.runs);
const firstRuns = Number(options["first-runs"]);
const tools = new Set(options.tools.split(","));
const forksFor = (n: number) => Math.min(n, options.forks === undefined ? n : Number(options.forks));
if (options.forks !== undefined && !(Number(options.forks) >= 1)) fail(`--forks: give a whole number of hosts, got ${options.forks}`);
const connectTimeoutS = options["connect-timeout"] === undefined ? undefined : Number(options["connect-timeout"]);
if (connectTimeoutS !== undefined && !(connectTimeoutS >= 1)) fail(`--connect-timeout: give seconds, got ${options["connect-timeout"]}`);
const withAnsible = tools.has("ansible");
const withFloor = tools.has("floor");

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}
function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function prepare(): Machine {
  if (process.getuid?.() !== 0) fail("run as root: the hosts are network namespaces");
  if (spawnSync("sh", ["-c", "command -v ansible-playbook"]).status !== 0) {
    log("installing ansible-core (Debian package) ...");
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "ansible-core"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  }
  if (!options["no-build"]) {
    log("npm run build ...");
    const build = spawnSync("npm", ["run", "build"], { cwd: repo, encoding: "utf8" });
    if (build.status !== 0) log(`warning: npm run build reported errors (using dist/ as emitted):\n${build.stdout.slice(-2000)}`);
  }
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  return {
    cpus: cpus().length,
    cpuModel,
    memoryGb: (totalmem() / 1024 ** 3).toFixed(1),
    kernel: release(),
    node: process.version,
    ansible: execFileSync("ansible-playbook", ["--version"], { encoding: "utf8" }).split("\n")[0]!.trim(),
    openssh: spawnSync("ssh", ["-V"], { encoding: "utf8" }).stderr.trim().split(",")[0]!,
  };
}

function sampleOf(run: TimedRun, hosts: number, resourcesFile?: string): Sample {
  const recap = parseRecap(run.stdout);
  const resources = resourcesFile !== undefined && existsSync(resourcesFile) ? (JSON.parse(readFileSync(resourcesFile, "utf8")) as ResourceReport) : undefined;
  return {
    fdsAtStart: resources?.fdsAtStart,
    fdsAtEnd: resources?.fdsAtEnd,
    liveAtEnd: resources === undefined ? undefined : Object.values(resources.liveResources).reduce((sum, count) => sum + count, 0),
    wallMs: run.wallMs,
    maxRssKb: run.maxRssKb,
    treePeakPssKb: run.treePeakPssKb,
    exitCode: run.exitCode,
    unchangedHosts: recap.filter((line) => line.changed === 0).length,
    failedHosts: recap.filter((line) => line.failed > 0 || line.unreachable > 0).length + Math.max(0, hosts - recap.length),
  };
}

async function benchSize(n: number, result: SizeResult, save: () => void): Promise<void> {
  const dir = path.join(outDir, `n${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, "logs"), { recursive: true });
  const tool = async (name: "tsible" | "ansible", scenario: Scenario, fleet: BenchFleet, files: ReturnType<typeof writeScenarioFiles>, label: string): Promise<Sample> => {
    const context: ToolContext = {
      repo,
      inventory: files.inventory,
      knownHostsFile: fleet.knownHostsFile,
      changeFile: files.changeFile,
      forks: forksFor(n),
      controlPathDir: path.join(dir, "cp"),
      logFile: path.join(dir, "logs", `${label}.log`),
    };
    const run = await (name === "tsible" ? runTsible : runAnsible)(scenario, context);
    const sample = sampleOf(run, n, name === "tsible" ? resourceReportFile(context.logFile) : undefined);
    log(`  ${label}: ${(sample.wallMs / 1000).toFixed(2)} s, exit ${sample.exitCode}, unchanged hosts ${sample.unchangedHosts}/${n}, failed ${sample.failedHosts}, rss ${(sample.maxRssKb / 1024).toFixed(0)} MB`);
    if (sample.exitCode !== 0 || sample.failedHosts > 0) {
      throw new Error(`${label} failed (exit ${sample.exitCode}); see ${context.logFile}`);
    }
    if (scenario !== "first" && sample.unchangedHosts !== (scenario === "noop" ? n : 0)) {
      result.notes.push(`${label}: ${sample.unchangedHosts}/${n} hosts reported no change (expected ${scenario === "noop" ? n : 0}); log bench/out/n${n}/logs/${label}.log`);
    }
    return sample;
  };
  const push = (scenario: ScenarioName, name: Tool, sample: Sample) => {
    (result.samples[scenario][name] ??= []).push(sample);
    save();
  };

  let fleet!: BenchFleet;
  let files!: ReturnType<typeof writeScenarioFiles>;
  const boot = async () => {
    const started = performance.now();
    fleet = await freshFleet(repo, n, dir);
    files = writeScenarioFiles(dir, fleet.hosts, connectTimeoutS);
    log(`  ${n} fresh hosts in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };

  let tsibleFiles: ManagedFiles | undefined;
  for (let i = 1; i <= firstRuns; i++) {
    await boot();
    push("first", "tsible", await tool("tsible", "first", fleet, files, `first-tsible-${i}`));
    if (i === 1) tsibleFiles = readManagedFiles(fleet.hosts[0]!, fleet.knownHostsFile, BENCH_USER);
    if (withFloor && tsibleFiles) {
      // the floor's first deploy writes the very bytes tsible's first deploy wrote, on fresh hosts
      await boot();
      const deployed = tsibleFiles;
      const readFrom = fleet.hosts[0]!.name;
      const floor = await runFloorFirst(fleet.hosts, fleet.knownHostsFile, BENCH_USER, (host) =>
        floorFirstScript({ ...deployed, bridges: deployed.bridges.split(readFrom).join(host.name) }, BENCH_BROKER_PORT),
      );
      if (floor.failures.length > 0) throw new Error(`floor first deploy failed: ${floor.failures.join("; ")}`);
      log(`  first-floor-${i}: ${(floor.wallMs / 1000).toFixed(2)} s`);
      push("first", "floor", { wallMs: floor.wallMs, maxRssKb: 0, treePeakPssKb: 0, exitCode: 0, unchangedHosts: 0, failedHosts: 0 });
    }
    // an untimed full Ansible run: worth it at small sizes only (the answer does not depend on N)
    if (i === 1 && n <= 5 && withAnsible) {
      // Ansible on hosts tsible deployed: only its own password hashes (other salts) should change
      const crossAnsible = sampleOf(await runAnsible("noop", { repo, inventory: files.inventory, knownHostsFile: fleet.knownHostsFile, changeFile: files.changeFile, forks: forksFor(n), controlPathDir: path.join(dir, "cp"), logFile: path.join(dir, "logs", "cross-ansible-after-tsible.log") }), n);
      result.crossTool.push(`Ansible run on hosts tsible had deployed: exit ${crossAnsible.exitCode}, ${n - crossAnsible.unchangedHosts}/${n} hosts changed (expected: the password file only, since its salts differ; log bench/out/n${n}/logs/cross-ansible-after-tsible.log).`);
    }
    if (!withAnsible) continue;
    await boot();
    push("first", "ansible", await tool("ansible", "first", fleet, files, `first-ansible-${i}`));
    if (i === 1 && tsibleFiles) {
      result.equivalence = compareManagedFiles(tsibleFiles, readManagedFiles(fleet.hosts[0]!, fleet.knownHostsFile, BENCH_USER), passwords);
      save();
    }
  }

  // The hosts now carry Ansible's deploy. tsible must find nothing to change on them (same files,
  // and Ansible's hashes verify), which also warms nothing that matters: tsible keeps no state.
  const cross = await tool("tsible", "noop", fleet, files, withAnsible ? "cross-tsible-after-ansible" : "noop-tsible-warmup");
  if (withAnsible) result.crossTool.push(`tsible run on hosts Ansible had deployed: ${cross.unchangedHosts}/${n} hosts unchanged (expected all).`);
  const controlPathDir = path.join(dir, "cp");

  for (let i = 1; i <= runs; i++) {
    push("noop", "tsible", await tool("tsible", "noop", fleet, files, `noop-tsible-${i}`));
    if (withAnsible) await closeAnsibleMasters(controlPathDir);
    if (withAnsible) push("noop", "ansible", await tool("ansible", "noop", fleet, files, `noop-ansible-${i}`));
    if (withAnsible && !options["no-ansible-warm"]) push("noop", "ansibleWarm", await tool("ansible", "noop", fleet, files, `noop-ansible-warm-${i}`));
    if (!withFloor) continue;
    const floor = await runFloor(fleet.hosts, fleet.knownHostsFile, BENCH_USER);
    if (floor.failures.length > 0) throw new Error(`floor failed: ${floor.failures.join("; ")}`);
    log(`  noop-floor-${i}: ${(floor.wallMs / 1000).toFixed(2)} s`);
    push("noop", "floor", { wallMs: floor.wallMs, maxRssKb: 0, treePeakPssKb: 0, exitCode: 0, unchangedHosts: n, failedHosts: 0 });
  }
  for (let i = 1; i <= runs; i++) {
    push("check", "tsible", await tool("tsible", "check", fleet, files, `check-tsible-${i}`));
    if (!withAnsible) continue;
    await closeAnsibleMasters(controlPathDir);
    push("check", "ansible", await tool("ansible", "check", fleet, files, `check-ansible-${i}`));
    if (!options["no-ansible-warm"]) push("check", "ansibleWarm", await tool("ansible", "check", fleet, files, `check-ansible-warm-${i}`));
  }
  await closeAnsibleMasters(controlPathDir);
}

/** `tsible --version`, five times: the start-up every run pays, median wall ms */
function startupMs(): number {
  const walls = Array.from({ length: 5 }, () => {
    const started = performance.now();
    spawnSync(process.execPath, [path.join(repo, "dist/bin/tsible.js"), "--version"], { stdio: "ignore" });
    return performance.now() - started;
  }).sort((a, b) => a - b);
  return walls[2]!;
}

async function main(): Promise<void> {
  const machine = prepare();
  mkdirSync(outDir, { recursive: true });
  const jsonFile = path.join(repo, "bench/results.json");
  const markdownFile = path.join(repo, "bench/results.md");
  const results = loadResults(jsonFile, machine);
  results.startupMs = startupMs();
  for (const n of sizes) {
    log(`${n} hosts: ${firstRuns} first deploys per tool, ${runs} no-op and check runs per tool`);
    const result: SizeResult = { size: n, forks: forksFor(n), date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC", samples: { first: {}, noop: {}, check: {} }, equivalence: [], crossTool: [], notes: [] };
    // a size measured with fewer forks than hosts is kept beside the same size at full forks
    results.sizes[forksFor(n) === n ? String(n) : `${n}@forks${forksFor(n)}`] = result;
    const save = () => saveResults(jsonFile, markdownFile, results);
    try {
      await benchSize(n, result, save);
    } catch (error) {
      result.notes.push(`incomplete: ${(error as Error).message}`);
      log(`${n} hosts: ${(error as Error).message}`);
    }
    save();
  }
  downAll();
  log(`wrote bench/results.md`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  downAll();
  process.exit(1);
});
