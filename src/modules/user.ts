/**
 * The `user` module: a local account present (uid, primary group, groups,
 * shell, home, comment, password hash) or absent. Probed in one round trip
 * (`getent passwd`, `id -gn`, `id -Gn`, and a comparison of the shadow hash
 * done on the host, so the current hash never travels back), changed with
 * useradd / usermod / userdel, one usermod per changed attribute so each
 * change's description says exactly what it does.
 *
 * `password` is an already-hashed crypt string, as in Ansible. It is held as a
 * Secret, passed to commands as a value to mask, and never described.
 */
import * as z from "zod";
import { shellScript } from "../connection/quote.js";
import { Secret } from "../secrets.js";
import { splitSections } from "./package-managers.js";
import { MASK } from "../secrets.js";
import { absolutePath, ansibleBool, nameList, nonNegativeInt, systemName } from "./system-args.js";
import { defineModule, ModuleFailure, type Change } from "./types.js";

/** crypt hashes start with "$id$"; "!" and "*" lock the account; old DES hashes are 13 characters */
const CRYPT_HASH = /^(\$[0-9a-z]+\$\S+|[!*]\S*|[./0-9A-Za-z]{13})$/;

export const userArgs = z.strictObject({
  name: systemName,
  state: z.enum(["present", "absent"]).default("present"),
  uid: nonNegativeInt.optional(),
  group: z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String).optional(),
  groups: nameList.optional(),
  append: ansibleBool.default(false),
  shell: z.string().min(1).optional(),
  home: absolutePath("home").optional(),
  create_home: ansibleBool.default(true),
  system: ansibleBool.default(false),
  comment: z.string().regex(/^[^:\n]*$/, "comment cannot contain ':' or a newline").optional(),
  password: z
    .string()
    .regex(CRYPT_HASH, "password must be a crypt hash such as $6$salt$..., not the plain password (hash it first, e.g. with the password_hash filter)")
    .transform((hash) => new Secret(hash))
    .optional(),
  update_password: z.enum(["always", "on_create"]).default("always"),
  remove: ansibleBool.default(false),
});

export type UserArgs = z.output<typeof userArgs>;

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

/** Parse one `getent passwd` line: "name:x:uid:gid:gecos:home:shell" */
export function parsePasswdLine(line: string): PasswdEntry | undefined {
  const fields = line.trim().split(":");
  if (fields.length < 7 || !fields[0] || !/^\d+$/.test(fields[2] ?? "") || !/^\d+$/.test(fields[3] ?? "")) return undefined;
  return { name: fields[0], uid: Number(fields[2]), gid: Number(fields[3]), comment: fields[4] ?? "", home: fields[5] ?? "", shell: fields[6] ?? "" };
}

/** $1 user, $2 the wanted hash or "" when none is asked */
const PROBE_SCRIPT = `echo @@passwd
getent passwd "$1"
echo @@primary
id -gn "$1" 2>/dev/null
echo @@groups
id -Gn "$1" 2>/dev/null
if [ -n "$2" ]; then
  echo @@password
  current=$(getent shadow "$1" | cut -d: -f2)
  if [ -z "$current" ]; then echo unreadable; elif [ "$current" = "$2" ]; then echo same; else echo different; fi
fi`;

export interface UserProbe {
  entry: PasswdEntry | undefined;
  primaryGroup: string;
  /** supplementary groups (id -Gn without the primary group) */
  groups: string[];
  password: "same" | "different" | "unreadable" | undefined;
}

export function parseUserProbe(stdout: string): UserProbe {
  const sections = splitSections(stdout);
  const first = (name: string): string => (sections.get(name) ?? []).find((line) => line.trim() !== "")?.trim() ?? "";
  const primaryGroup = first("primary");
  const password = first("password");
  return {
    entry: parsePasswdLine(first("passwd")),
    primaryGroup,
    groups: first("groups")
      .split(/\s+/)
      .filter((group) => group !== "" && group !== primaryGroup),
    password: password === "same" || password === "different" || password === "unreadable" ? password : undefined,
  };
}

export function useraddArgv(args: UserArgs): string[] {
  const argv = ["useradd"];
  if (args.uid !== undefined) argv.push("-u", String(args.uid));
  if (args.group !== undefined) argv.push("-g", args.group);
  if (args.groups !== undefined && args.groups.length > 0) argv.push("-G", args.groups.join(","));
  if (args.shell !== undefined) argv.push("-s", args.shell);
  if (args.home !== undefined) argv.push("-d", args.home);
  if (args.comment !== undefined) argv.push("-c", args.comment);
  if (args.password !== undefined) argv.push("-p", args.password.reveal());
  if (args.system) argv.push("-r");
  argv.push(args.create_home ? "-m" : "-M", args.name);
  return argv;
}

interface UserChange {
  description: string;
  argv: string[];
}

/** The usermod changes that bring an existing account to what is asked; pure, unit-tested */
export function userModifications(args: UserArgs, probe: UserProbe & { entry: PasswdEntry }): UserChange[] {
  const { entry } = probe;
  const name = args.name;
  const changes: UserChange[] = [];
  if (args.uid !== undefined && args.uid !== entry.uid) {
    changes.push({ description: `change uid of ${name} ${entry.uid} -> ${args.uid}`, argv: ["usermod", "-u", String(args.uid), name] });
  }
  if (args.group !== undefined) {
    const same = /^\d+$/.test(args.group) ? Number(args.group) === entry.gid : args.group === probe.primaryGroup;
    if (!same) {
      changes.push({ description: `change primary group of ${name} ${probe.primaryGroup || entry.gid} -> ${args.group}`, argv: ["usermod", "-g", args.group, name] });
    }
  }
  if (args.groups !== undefined) {
    // the primary group counts as a membership, as in Ansible
    const have = new Set([...probe.groups, probe.primaryGroup]);
    const missing = args.groups.filter((group) => !have.has(group));
    if (args.append) {
      if (missing.length > 0) {
        changes.push({ description: `add ${name} to groups ${missing.join(", ")}`, argv: ["usermod", "-a", "-G", missing.join(","), name] });
      }
    } else {
      const wanted = new Set(args.groups);
      const extra = probe.groups.filter((group) => !wanted.has(group));
      if (missing.length > 0 || extra.length > 0) {
        const target = args.groups.filter((group) => group !== probe.primaryGroup);
        changes.push({
          description: `set groups of ${name} to ${target.join(", ") || "(none)"} (was ${probe.groups.join(", ") || "(none)"})`,
          argv: ["usermod", "-G", target.join(","), name],
        });
      }
    }
  }
  if (args.shell !== undefined && args.shell !== entry.shell) {
    changes.push({ description: `change shell of ${name} ${entry.shell} -> ${args.shell}`, argv: ["usermod", "-s", args.shell, name] });
  }
  if (args.home !== undefined && args.home !== entry.home) {
    changes.push({ description: `change home of ${name} ${entry.home} -> ${args.home}`, argv: ["usermod", "-d", args.home, name] });
  }
  if (args.comment !== undefined && args.comment !== entry.comment) {
    changes.push({ description: `change comment of ${name} to '${args.comment}'`, argv: ["usermod", "-c", args.comment, name] });
  }
  if (args.password !== undefined && args.update_password === "always" && probe.password !== "same") {
    changes.push({ description: `set password of ${name}`, argv: ["usermod", "-p", args.password.reveal(), name] });
  }
  return changes;
}

function creationDetails(args: UserArgs): string {
  const details: string[] = [];
  if (args.uid !== undefined) details.push(`uid ${args.uid}`);
  if (args.group !== undefined) details.push(`group ${args.group}`);
  if (args.groups !== undefined && args.groups.length > 0) details.push(`groups ${args.groups.join(", ")}`);
  if (args.shell !== undefined) details.push(`shell ${args.shell}`);
  if (args.home !== undefined) details.push(`home ${args.home}`);
  if (args.system) details.push("system account");
  if (args.password !== undefined) details.push("with a password");
  return details.length > 0 ? ` (${details.join(", ")})` : "";
}

export const userModule = defineModule({
  name: "user",
  args: userArgs,
  async plan(ctx, args) {
    const secrets = args.password ? [args.password.reveal()] : [];
    const run = async (argv: string[]): Promise<Record<string, unknown>> => {
      // the argv may carry the hash: never put it in a failure
      const shown = argv.map((word) => (secrets.includes(word) ? MASK : word));
      await ctx.host.runChecked(argv, { secrets, data: { cmd: shown } });
      return { rc: 0 };
    };
    const wantedHash = args.password !== undefined && args.update_password === "always" ? args.password.reveal() : "";
    const probeResult = await ctx.host.run(shellScript(PROBE_SCRIPT, [args.name, wantedHash]), { secrets });
    const probe = parseUserProbe(probeResult.stdout);
    if (!probeResult.stdout.includes("@@passwd\n")) {
      throw new ModuleFailure(`could not read the account database on ${ctx.host.name}: ${probeResult.stderr.trim()}`);
    }

    const changes: Change[] = [];
    if (args.state === "absent") {
      if (probe.entry) {
        const argv = args.remove ? ["userdel", "-r", args.name] : ["userdel", args.name];
        changes.push({ description: `remove user ${args.name}${args.remove ? " and its home directory" : ""}`, apply: () => run(argv) });
      }
      return { changes, result: { name: args.name, state: "absent", ...(probe.entry ? { force: false, remove: args.remove } : {}) } };
    }
    // Ansible's fields of a present account, as the host has it once the task is done
    const accountFields = (entry: PasswdEntry): Record<string, unknown> => ({
      uid: entry.uid,
      group: entry.gid,
      comment: entry.comment,
      home: entry.home,
      shell: entry.shell,
      ...(args.groups !== undefined ? { groups: args.groups.join(",") } : {}),
      ...(args.password !== undefined ? { password: "NOT_LOGGING_PASSWORD" } : {}),
    });
    const afterwards = (change: Change): Change => ({
      ...change,
      apply: async () => {
        const applied = (await change.apply()) ?? {};
        const entry = parsePasswdLine(await ctx.host.runChecked(["getent", "passwd", args.name], { what: `looking up user ${args.name}` }));
        return entry ? { ...applied, ...accountFields(entry) } : applied;
      },
    });
    if (!probe.entry) {
      const argv = useraddArgv(args);
      changes.push(afterwards({ description: `create user ${args.name}${creationDetails(args)}`, apply: () => run(argv) }));
      return { changes, result: { name: args.name, state: "present", system: args.system, create_home: args.create_home } };
    }
    if (args.password !== undefined && args.update_password === "always" && probe.password === "unreadable") {
      throw new ModuleFailure(`cannot compare the password of ${args.name}: /etc/shadow is not readable (run the task with become: true)`);
    }
    for (const change of userModifications(args, { ...probe, entry: probe.entry })) {
      changes.push({ description: change.description, apply: () => run(change.argv) });
    }
    const last = changes.pop();
    if (last !== undefined) changes.push(afterwards(last));
    return { changes, result: { name: args.name, state: "present", append: args.append, move_home: false, ...accountFields(probe.entry) } };
  },
});
