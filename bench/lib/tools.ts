/** How the benchmark runs each tool: the same inventory, variables and fork count for both. */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { runTimed, type TimedRun } from "./measure.js";

export type Scenario = "first" | "noop" | "check";

export interface ToolContext {
  repo: string;
  inventory: string;
  knownHostsFile: string;
  changeFile: string;
  forks: number;
  /** Ansible's ControlPath directory, one per benchmark run */
  controlPathDir: string;
  logFile: string;
}

export function resourceReportFile(logFile: string): string {
  return `${logFile}.resources.json`;
}

export function runTsible(scenario: Scenario, context: ToolContext): Promise<TimedRun> {
  const args = [
    path.join(context.repo, "dist/bin/tsible.js"),
    "play", path.join(context.repo, "playbooks/mosquitto.yml"),
    "-i", context.inventory,
    "--known-hosts", context.knownHostsFile,
    "-f", String(context.forks),
  ];
  if (scenario === "check") args.push("--check", "--diff", "-e", `@${context.changeFile}`);
  return runTimed(process.execPath, args, {
    cwd: context.repo,
    // what the run still holds as it ends (src/cli/resource-report.ts): leaks show there
    env: { ...process.env, NO_COLOR: "1", TSIBLE_RESOURCE_REPORT: resourceReportFile(context.logFile) },
    logFile: context.logFile,
  });
}

/** The ssh options of bench/ansible/ansible.cfg plus the fleet's known_hosts */
export function ansibleSshArgs(knownHostsFile: string): string {
  return `-o ControlMaster=auto -o ControlPersist=60s -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${knownHostsFile}`;
}

export function runAnsible(scenario: Scenario, context: ToolContext): Promise<TimedRun> {
  mkdirSync(context.controlPathDir, { recursive: true });
  const args = [
    path.join(context.repo, "bench/ansible/mosquitto.yml"),
    "-i", context.inventory,
    "-f", String(context.forks),
  ];
  if (scenario === "check") args.push("--check", "--diff", "-e", `@${context.changeFile}`);
  return runTimed("ansible-playbook", args, {
    cwd: context.repo,
    env: {
      ...process.env,
      ANSIBLE_CONFIG: path.join(context.repo, "bench/ansible/ansible.cfg"),
      ANSIBLE_SSH_ARGS: ansibleSshArgs(context.knownHostsFile),
      ANSIBLE_SSH_CONTROL_PATH_DIR: context.controlPathDir,
      ANSIBLE_FORKS: String(context.forks),
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_FORCE_COLOR: "0",
    },
    logFile: context.logFile,
  });
}

/**
 * Ends Ansible's persistent ssh masters, so its next run connects from scratch as tsible's and
 * the floor's do ("cold"); leaving them up measures a re-run within ControlPersist ("warm").
 */
export async function closeAnsibleMasters(controlPathDir: string): Promise<void> {
  let sockets: string[] = [];
  try {
    sockets = readdirSync(controlPathDir).map((name) => path.join(controlPathDir, name));
  } catch {
    return;
  }
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          const child = spawn("ssh", ["-o", `ControlPath=${socket}`, "-O", "exit", "bench-master"], { stdio: "ignore" });
          child.on("close", () => resolve());
        }),
    ),
  );
}
