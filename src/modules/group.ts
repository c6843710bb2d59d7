/**
 * The `group` module: a local group present (with a gid) or absent, probed
 * with `getent group`, changed with groupadd / groupmod / groupdel.
 */
import * as z from "zod";
import { ansibleBool, nonNegativeInt, systemName } from "./system-args.js";
import { defineModule, ModuleFailure, type Change } from "./types.js";
import { commandFailure } from "./host/task-host.js";

/** A group as `getent group` shows it */
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export const groupArgs = z.strictObject({
  name: systemName,
  gid: nonNegativeInt.optional(),
  state: z.enum(["present", "absent"]).default("present"),
  system: ansibleBool.default(false),
});

export type GroupArgs = z.output<typeof groupArgs>;

/** Parse one `getent group` line: "name:x:gid:member1,member2" */
export function parseGroupLine(line: string): GroupEntry | undefined {
  const fields = line.trim().split(":");
  if (fields.length < 4 || !fields[0] || !/^\d+$/.test(fields[2] ?? "")) return undefined;
  return { name: fields[0], gid: Number(fields[2]), members: (fields[3] ?? "").split(",").filter((member) => member !== "") };
}

export function groupaddArgv(args: GroupArgs): string[] {
  return ["groupadd", ...(args.gid !== undefined ? ["-g", String(args.gid)] : []), ...(args.system ? ["-r"] : []), args.name];
}

export const groupModule = defineModule({
  name: "group",
  args: groupArgs,
  async plan(ctx, args) {
    const run = async (argv: string[]): Promise<Record<string, unknown>> => {
      await ctx.host.runChecked(argv, { data: { cmd: argv } });
      return { rc: 0 };
    };
    // getent exits 2 for "no such group": that is an answer, not a failure
    const probe = await ctx.host.run(["getent", "group", args.name]);
    if (probe.exitCode !== 0 && probe.exitCode !== 2) throw commandFailure("getent group", probe);
    const existing = probe.exitCode === 0 ? parseGroupLine(probe.stdout.split("\n")[0] ?? "") : undefined;

    const changes: Change[] = [];
    if (args.state === "absent") {
      if (existing) changes.push({ description: `remove group ${args.name}`, apply: () => run(["groupdel", args.name]) });
      return { changes, result: { name: args.name, state: "absent" } };
    }
    if (!existing) {
      const detail = args.gid !== undefined ? ` (gid ${args.gid})` : args.system ? " (system group)" : "";
      changes.push({ description: `create group ${args.name}${detail}`, apply: () => run(groupaddArgv(args)) });
    } else if (args.gid !== undefined && existing.gid !== args.gid) {
      changes.push({
        description: `change gid of group ${args.name} ${existing.gid} -> ${args.gid}`,
        apply: () => run(["groupmod", "-g", String(args.gid), args.name]),
      });
    }
    // a group created without a gid has the one the host chose: read back after the last change
    const last = changes.pop();
    if (last !== undefined) {
      changes.push({
        ...last,
        apply: async () => {
          const applied = (await last.apply()) ?? {};
          const entry = parseGroupLine(await ctx.host.runChecked(["getent", "group", args.name], { what: `looking up group ${args.name}` }));
          return entry ? { ...applied, gid: entry.gid } : applied;
        },
      });
    }
    return { changes, result: { name: args.name, state: "present", system: args.system, gid: args.gid ?? existing?.gid } };
  },
});
