/**
 * What the executor tells the outside world. Human and JSON output implement
 * it (src/output/); the executor never knows which one is listening.
 */
import type { HostStats, TaskResult } from "./results.js";

export interface PlayInfo {
  name: string;
  hosts: string[];
}

export interface TaskInfo {
  name: string;
  /** "file:line" of the task */
  where: string;
  handler: boolean;
}

export interface Reporter {
  playStart(play: PlayInfo): void;
  taskStart(task: TaskInfo): void;
  hostResult(host: string, task: TaskInfo, result: TaskResult): void;
  warn(message: string): void;
  /** -v lines: remote commands and applied changes (already masked) */
  verbose(host: string, line: string): void;
  end(stats: Record<string, HostStats>): void;
}
