/**
 * Turn a caller's argv plus RunOptions (cwd, env, become) into the argv that
 * really runs. Both transports use it: ssh quotes the result with `quoteArgv`,
 * local hands it to execa as is. Every layer is a constant script or a fixed
 * program with the caller's values as separate arguments.
 */
import { randomBytes } from "node:crypto";
import { shellScript } from "./quote.js";
import type { BecomeOptions, RunOptions } from "./types.js";

/** Random strings that let us find sudo's prompt and the command's start in stderr */
export interface SudoMarkers {
  /** passed to `sudo -p`: sudo prints it when it wants the password */
  prompt: string;
  /** printed on stderr by the wrapper once sudo has let the command through */
  started: string;
}

export function newSudoMarkers(): SudoMarkers {
  const token = randomBytes(8).toString("hex");
  return { prompt: `[tsible-sudo-password-${token}]`, started: `tsible-become-ok-${token}` };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// `$0` carries the start marker, so the script text stays constant
const ANNOUNCE_THEN_EXEC = 'echo "$0" >&2 && exec "$@"';
const CHDIR_THEN_EXEC = 'cd "$1" && shift && exec "$@"';

/** argv wrapped for cwd and env (no become) */
export function withCwdAndEnv(argv: readonly string[], options: Pick<RunOptions, "cwd" | "env">): string[] {
  let command = [...argv];
  if (options.cwd !== undefined) command = shellScript(CHDIR_THEN_EXEC, [options.cwd, ...command]);
  const env = Object.entries(options.env ?? {});
  if (env.length > 0) {
    for (const [name] of env) {
      if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name ${JSON.stringify(name)}`);
    }
    // `env` inside sudo: sudo's env_reset would otherwise drop the variables
    command = ["env", ...env.map(([name, value]) => `${name}=${value}`), ...command];
  }
  return command;
}

/**
 * sudo in front of a command. Without a password `-n` makes sudo fail at once
 * instead of waiting for one; with a password `-S` reads it from stdin after
 * printing our unique prompt on stderr. The wrapper announces the start on
 * stderr, so everything sudo says (prompt, lecture) is before that line.
 */
export function withSudo(argv: readonly string[], become: BecomeOptions, markers: SudoMarkers): string[] {
  const passwordFlag = become.password === undefined ? "-n" : "-S";
  return [
    "sudo", "-H", passwordFlag, "-p", markers.prompt, "-u", become.user, "--",
    "sh", "-c", ANNOUNCE_THEN_EXEC, markers.started, ...argv,
  ];
}

export function commandArgv(argv: readonly string[], options: RunOptions, markers: SudoMarkers): string[] {
  if (argv.length === 0) throw new Error("empty command");
  const command = withCwdAndEnv(argv, options);
  return options.become === undefined ? command : withSudo(command, options.become, markers);
}
