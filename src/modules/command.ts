/**
 * command and shell: run something on the host. `command` runs an argv without
 * a shell (a free-form string is split into words like a shell would, with no
 * expansion); `shell` hands the user's text to `sh -c` as one argument, since
 * for shell the text is the script. Neither can know its effect without
 * running, so in check mode they are skipped (Plan.unpredictable), as in Ansible.
 */
import * as z from "zod";
import { ansibleBool } from "./system-args.js";
import { quoteArgv, shellScript } from "../connection/quote.js";
import { UserError } from "../errors.js";
import type { ModuleContext, Plan } from "./types.js";
import { defineModule, ModuleFailure } from "./types.js";
import { splitCommandLine, SplitError } from "../connection/command-words.js";


const commonArgs = {
  creates: z.string().min(1).optional(),
  removes: z.string().min(1).optional(),
  chdir: z.string().min(1).optional(),
  stdin: z.union([z.string(), z.number().transform(String)]).optional(),
  stdin_add_newline: ansibleBool.default(true),
  strip_empty_ends: ansibleBool.default(true),
};

const commandArgs = z
  .object({
    cmd: z.string().min(1).optional(),
    argv: z.array(z.union([z.string(), z.number().transform(String)])).min(1).optional(),
    ...commonArgs,
  })
  .strict()
  .refine((args) => (args.cmd === undefined) !== (args.argv === undefined), { message: "command needs exactly one of cmd (free form) or argv" });

const shellArgs = z
  .object({
    cmd: z.string().min(1),
    executable: z.string().min(1).optional(),
    ...commonArgs,
  })
  .strict();

type CommonArgs = z.output<z.ZodObject<typeof commonArgs>>;

export const commandModule = defineModule({
  name: "command",
  args: commandArgs,
  freeForm: "cmd",
  async plan(ctx, args) {
    let argv: string[];
    if (args.argv !== undefined) {
      argv = args.argv;
    } else {
      try {
        argv = splitCommandLine(args.cmd ?? "");
      } catch (error) {
        if (error instanceof SplitError) throw new UserError(`command: ${error.message}`, { hint: "check the quotes, or give the words as argv: [...]" });
        throw error;
      }
    }
    if (argv.length === 0) throw new UserError("command: no command given");
    return planRun(ctx, args, argv, argv);
  },
});

export const shellModule = defineModule({
  name: "shell",
  args: shellArgs,
  freeForm: "cmd",
  async plan(ctx, args) {
    return planRun(ctx, args, [args.executable ?? "/bin/sh", "-c", args.cmd], args.cmd);
  },
});

/*
 * Does anything match a `creates`/`removes` path (a glob, like Ansible)?
 * $1 pattern, $2 chdir for relative patterns. IFS is empty so the pattern is
 * globbed but never split at spaces. Exit 0 yes, 1 no, 2 bad chdir.
 */
const MATCH_SCRIPT = `
if [ -n "$2" ]; then cd -- "$2" || exit 2; fi
IFS=
for f in $1; do
  if [ -e "$f" ] || [ -L "$f" ]; then exit 0; fi
done
exit 1
`;

async function pathMatches(ctx: ModuleContext, pattern: string, chdir: string | undefined): Promise<boolean> {
  const result = await ctx.host.run(shellScript(MATCH_SCRIPT, [pattern, chdir ?? ""]));
  if (result.exitCode === 0) return true;
  if (result.exitCode === 1) return false;
  throw new ModuleFailure(`Unable to change directory before execution: ${result.stderr.trim()}`, { rc: result.exitCode });
}

async function planRun(ctx: ModuleContext, args: CommonArgs, argv: string[], shownCmd: string | string[]): Promise<Plan> {
  const shown = typeof shownCmd === "string" ? shownCmd : quoteArgv(shownCmd);
  if (args.creates !== undefined && (await pathMatches(ctx, args.creates, args.chdir))) {
    return skipped(shownCmd, `skipped, since ${args.creates} exists`, `Did not run command since '${args.creates}' exists`);
  }
  if (args.removes !== undefined && !(await pathMatches(ctx, args.removes, args.chdir))) {
    return skipped(shownCmd, `skipped, since ${args.removes} does not exist`, `Did not run command since '${args.removes}' does not exist`);
  }
  const stdin = args.stdin === undefined ? undefined : args.stdin_add_newline ? `${args.stdin}\n` : args.stdin;
  return {
    unpredictable: `check mode cannot tell what \`${shown}\` would change`,
    changes: [
      {
        description: `run \`${shown}\``,
        apply: async () => {
          const start = new Date();
          const result = await ctx.host.run(argv, { cwd: args.chdir, stdin });
          const end = new Date();
          const stdout = args.strip_empty_ends ? result.stdout.replace(/[\r\n]+$/, "") : result.stdout;
          const stderr = args.strip_empty_ends ? result.stderr.replace(/[\r\n]+$/, "") : result.stderr;
          const fields = {
            cmd: shownCmd,
            // Ansible's command registers an empty msg when the command ran
            msg: "",
            rc: result.exitCode,
            stdout,
            stderr,
            stdout_lines: toLines(stdout),
            stderr_lines: toLines(stderr),
            start: timestamp(start),
            end: timestamp(end),
            delta: duration(end.getTime() - start.getTime()),
          };
          // the command ran, so like Ansible it counts as changed even when it failed
          if (result.exitCode !== 0) throw new ModuleFailure("non-zero return code", { ...fields, changed: true });
          return fields;
        },
      },
    ],
  };
}

function skipped(cmd: string | string[], stdout: string, msg: string): Plan {
  return { changes: [], result: { cmd, rc: 0, stdout, stdout_lines: [stdout], stderr: "", stderr_lines: [], msg } };
}

function toLines(text: string): string[] {
  return text === "" ? [] : text.split(/\r?\n/);
}

/** Ansible's "2024-05-01 12:00:00.123456" */
function timestamp(date: Date): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}000`;
}

/** Ansible's "0:00:01.234000" */
function duration(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${hours}:${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}.${String(ms % 1000).padStart(3, "0")}000`;
}
