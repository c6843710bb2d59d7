/**
 * file: make a path be a file, directory, symlink or nothing, with the wanted
 * owner, group and mode (optionally for everything below a directory).
 * Hard links and symbolic modes (u+rw) are not supported.
 */
import { dirname } from "node:path";
import * as z from "zod";
import { absolutePath, ansibleBool, notAbsolute } from "./system-args.js";
import { shellScript } from "../connection/quote.js";
import type { Change } from "./types.js";
import { defineModule, ModuleFailure } from "./types.js";
import type { FileAttributes, TaskHost } from "./host/task-host.js";
import type { ProbedPath } from "./host/path-probe.js";
import { fileAttributeArgs } from "./files/file-args.js";
import { assertAttributesKnown, newAttributes, planAttributeChanges } from "./files/attributes.js";
import { pathInfo, withPathInfo } from "./files/file-write.js";

const timeArg = z.enum(["now", "preserve"]).optional();

const fileArgs = z.preprocess(
  renamePathAliases,
  z
    .object({
      path: absolutePath("path"),
      state: z.enum(["file", "directory", "absent", "touch", "link"]).optional(),
      src: z.string().min(1).optional(),
      ...fileAttributeArgs,
      recurse: ansibleBool.default(false),
      force: ansibleBool.default(false),
      access_time: timeArg,
      modification_time: timeArg,
    })
    .strict()
    .refine((args) => args.state !== "link" || args.src !== undefined, { message: "state=link needs src (what the link points to)" })
    // a link's target may be relative (to the link's directory, as with ln -s); any other src is a path on the host
    .superRefine((args, ctx) => {
      const problem = args.state === "link" || args.src === undefined ? undefined : notAbsolute("src", args.src);
      if (problem !== undefined) ctx.addIssue({ code: "custom", path: ["src"], message: `${problem} (only a link's target, with state: link, may be relative)` });
    })
    .refine((args) => !args.recurse || args.state === undefined || args.state === "directory", {
      message: "recurse works with state=directory only",
    }),
);

/** `dest:` and `name:` are Ansible's other names for `path:` */
function renamePathAliases(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const { dest, name, ...rest } = raw as Record<string, unknown>;
  const path = rest.path ?? dest ?? name;
  return path === undefined ? rest : { ...rest, path };
}

type FileArgs = z.output<typeof fileArgs>;
type State = NonNullable<FileArgs["state"]>;

export const fileModule = defineModule({
  name: "file",
  args: fileArgs,
  async plan(ctx, args) {
    const follow = args.state !== "link" && args.state !== "absent";
    // a new link's target must exist unless forced: probed in the same round trip
    const linkTarget = args.state === "link" && !args.force ? linkTargetPath(args.path, args.src ?? "") : undefined;
    const [probe, target] = await ctx.host.probePaths([
      { path: args.path, follow, owner: args.owner, group: args.group },
      ...(linkTarget !== undefined ? [{ path: linkTarget, follow: true }] : []),
    ]);
    if (probe === undefined) throw new Error(`no probe of ${args.path}`);
    assertAttributesKnown(probe, args);
    const state: State = args.state ?? (args.recurse ? "directory" : currentState(probe));
    const changes = await planState(ctx.host, probe, state, args, target);
    // as Ansible: touch and link name the path `dest` (a link its `src` too); what exists afterwards adds its path info
    const names = state === "link" ? { dest: probe.realPath, src: args.src } : state === "touch" ? { dest: probe.realPath } : {};
    const result = { path: probe.realPath, ...names, state, ...predictedAttributes(probe, args, state) };
    if (state === "absent") return { changes, result };
    const unchanged = changes.length === 0 ? pathInfo(probe) : {};
    return { changes: withPathInfo(ctx.host, { path: probe.realPath, follow }, changes), result: { ...result, ...unchanged } };
  },
});

/** A relative link target is relative to the link's directory */
function linkTargetPath(path: string, target: string): string {
  return target.startsWith("/") ? target : `${dirname(path)}/${target}`;
}

function currentState(probe: ProbedPath): State {
  if (!probe.exists) return "file";
  if (probe.kind === "directory") return "directory";
  if (probe.kind === "link") return "link";
  return "file";
}

function predictedAttributes(probe: ProbedPath, args: FileArgs, state: State): Record<string, unknown> {
  if (state === "absent") return {};
  const mode = state === "link" ? undefined : (args.mode ?? probe.mode);
  return {
    ...(mode !== undefined ? { mode } : {}),
    owner: args.owner ?? probe.owner ?? probe.runAs,
    ...(args.group ?? probe.group ? { group: args.group ?? probe.group } : {}),
  };
}

async function planState(host: TaskHost, probe: ProbedPath, state: State, args: FileArgs, linkTarget: ProbedPath | undefined): Promise<Change[]> {
  switch (state) {
    case "absent":
      return planAbsent(host, probe);
    case "file":
      if (!probe.exists) throw new ModuleFailure(`file (${args.path}) is absent, cannot continue`, { path: args.path, state: "absent" });
      if (probe.kind !== "file") throw new ModuleFailure(`file (${args.path}) is a ${probe.kind}, cannot continue`, { path: args.path });
      return planAttributeChanges(host, probe, args);
    case "directory":
      return planDirectory(host, probe, args);
    case "touch":
      return planTouch(host, probe, args);
    case "link":
      return planLink(host, probe, args, args.src ?? "", linkTarget);
  }
}

function planAbsent(host: TaskHost, probe: ProbedPath): Change[] {
  if (!probe.exists) return [];
  const path = probe.realPath;
  return [
    {
      description: probe.kind === "directory" ? `remove directory ${path} and everything in it` : `remove ${path}`,
      apply: async () => {
        await host.runChecked(["rm", "-rf", "--", path], { what: `removing ${path}` });
      },
    },
  ];
}

/*
 * Create a directory and its missing parents; like Ansible, each directory
 * created gets the wanted owner, group and mode. $1 path, $2 owner, $3 group, $4 mode.
 */
const MKDIR_SCRIPT = `
owner=$2 group=$3 mode=$4
mk() {
  [ -d "$1" ] && return 0
  mk "$(dirname -- "$1")" || return 1
  mkdir -- "$1" || return 1
  if [ -n "$owner" ]; then chown -- "$owner" "$1" || return 1; fi
  if [ -n "$group" ]; then chgrp -- "$group" "$1" || return 1; fi
  if [ -n "$mode" ]; then chmod -- "$mode" "$1" || return 1; fi
}
mk "$1"
`;

async function planDirectory(host: TaskHost, probe: ProbedPath, args: FileArgs): Promise<Change[]> {
  const path = probe.realPath;
  if (!probe.exists) {
    const parts = newAttributes(args);
    return [
      {
        description: `create directory ${path}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`,
        apply: async () => {
          await host.runChecked(shellScript(MKDIR_SCRIPT, [path, args.owner ?? "", args.group ?? "", args.mode ?? ""]), { what: `creating ${path}` });
        },
      },
    ];
  }
  if (probe.kind !== "directory") throw new ModuleFailure(`${path} already exists as a ${probe.kind}`, { path });
  const changes = planAttributeChanges(host, probe, args);
  if (args.recurse && (await somethingBelowDiffers(host, path, args))) changes.push(recursiveChange(host, path, args));
  return changes;
}

/** One `find` that stops at the first entry below `path` whose owner, group or mode differs */
async function somethingBelowDiffers(host: TaskHost, path: string, wanted: FileAttributes): Promise<boolean> {
  const tests: string[][] = [];
  if (wanted.owner !== undefined) tests.push(["!", "-user", wanted.owner]);
  if (wanted.group !== undefined) tests.push(["!", "-group", wanted.group]);
  // links have no mode of their own (chmod -R skips them)
  if (wanted.mode !== undefined) tests.push(["(", "!", "-type", "l", "!", "-perm", wanted.mode, ")"]);
  if (tests.length === 0) return false;
  const expression = tests.flatMap((test, index) => (index === 0 ? test : ["-o", ...test]));
  const stdout = await host.runChecked(["find", path, "-mindepth", "1", "(", ...expression, ")", "-print", "-quit"], { what: `inspecting ${path}` });
  return stdout.length > 0;
}

function recursiveChange(host: TaskHost, path: string, wanted: FileAttributes): Change {
  return {
    description: `set ${newAttributes(wanted).join(", ")} on everything under ${path}`,
    apply: async () => {
      // chown -R and chmod -R do not follow symlinks; chown changes the links themselves, as find -user sees them
      if (wanted.owner !== undefined) await host.runChecked(["chown", "-R", "--", wanted.owner, path], { what: `chown -R ${path}` });
      if (wanted.group !== undefined) await host.runChecked(["chgrp", "-R", "--", wanted.group, path], { what: `chgrp -R ${path}` });
      if (wanted.mode !== undefined) await host.runChecked(["chmod", "-R", "--", wanted.mode, path], { what: `chmod -R ${path}` });
    },
  };
}

function planTouch(host: TaskHost, probe: ProbedPath, args: FileArgs): Change[] {
  const path = probe.realPath;
  if (!probe.exists) {
    if (!probe.parentIsDirectory) throw new ModuleFailure(`Error, could not touch target: directory ${dirname(path)} does not exist`, { path });
    const parts = newAttributes(args);
    return [
      {
        description: `create empty file ${path}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`,
        apply: async () => {
          await host.write(path, "", { mode: args.mode, owner: args.owner, group: args.group });
        },
      },
    ];
  }
  const changes = planAttributeChanges(host, probe, args);
  // like Ansible, touching an existing path updates its times (and so is a change) unless both are preserved
  const flags = [...(args.access_time !== "preserve" ? ["-a"] : []), ...(args.modification_time !== "preserve" ? ["-m"] : [])];
  if (flags.length > 0) {
    changes.push({
      description: `update the ${flags.length === 2 ? "access and modification times" : flags[0] === "-a" ? "access time" : "modification time"} of ${path}`,
      apply: async () => {
        await host.runChecked(["touch", "-c", ...flags, "--", path], { what: `touching ${path}` });
      },
    });
  }
  return changes;
}

/*
 * Point a symlink at a target, atomically: a new link beside it renamed over
 * the old path. $1 target, $2 path, $3 owner, $4 group.
 */
const LINK_SCRIPT = `
t="$2.tsible-link.$$"
ln -s -- "$1" "$t" || exit 1
mv -Tf -- "$t" "$2" || { rm -f -- "$t"; exit 1; }
if [ -n "$3" ]; then chown -h -- "$3" "$2" || exit 1; fi
if [ -n "$4" ]; then chgrp -h -- "$4" "$2" || exit 1; fi
`;

async function planLink(host: TaskHost, probe: ProbedPath, args: FileArgs, target: string, targetProbe: ProbedPath | undefined): Promise<Change[]> {
  const path = probe.realPath;
  if (probe.kind === "link" && probe.linkTarget === target) return planAttributeChanges(host, probe, { owner: args.owner, group: args.group });
  if (probe.kind === "directory") throw new ModuleFailure(`refusing to replace directory ${path} with a symlink`, { path });
  if (probe.exists && probe.kind !== "link" && !args.force) {
    throw new ModuleFailure(`refusing to convert from ${probe.kind} to symlink for ${path}`, { path, hint: "set force: true to replace it" });
  }
  if (!probe.exists && !probe.parentIsDirectory) throw new ModuleFailure(`directory ${dirname(path)} does not exist, cannot create link ${path}`);
  if (targetProbe !== undefined && !targetProbe.exists) {
    throw new ModuleFailure(`src file does not exist, use "force=yes" if you really want to create the link: ${targetProbe.path}`, { path, src: target });
  }
  const was = probe.kind === "link" ? ` (was -> ${probe.linkTarget})` : probe.exists ? ` (replacing a ${probe.kind})` : "";
  const parts = newAttributes({ owner: args.owner, group: args.group });
  return [
    {
      description: `link ${path} -> ${target}${was}${parts.length > 0 ? `, ${parts.join(", ")}` : ""}`,
      apply: async () => {
        await host.runChecked(shellScript(LINK_SCRIPT, [target, path, args.owner ?? "", args.group ?? ""]), { what: `linking ${path}` });
      },
    },
  ];
}
