/**
 * stat: report facts about a path in Ansible's `stat` shape; never changes
 * anything. The checksum defaults to sha256 (Ansible's default is sha1: pass
 * `checksum_algorithm: sha1` to compare with Ansible-produced values); it is
 * reported as `checksum` and as `checksum_<algorithm>`.
 */
import * as z from "zod";
import { absolutePath, ansibleBool } from "./system-args.js";
import { defineModule } from "./types.js";
import type { ProbedPath } from "./host/path-probe.js";

const statArgs = z.preprocess(
  (raw) => {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
    const { dest, name, ...rest } = raw as Record<string, unknown>;
    const path = rest.path ?? dest ?? name;
    return path === undefined ? rest : { ...rest, path };
  },
  z
    .object({
      path: absolutePath("path"),
      follow: ansibleBool.default(false),
      get_checksum: ansibleBool.default(true),
      checksum_algorithm: z.enum(["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]).default("sha256"),
      // accepted for Ansible compatibility; tsible has no mime or attribute probes
      get_mime: ansibleBool.optional(),
      get_attributes: ansibleBool.optional(),
    })
    .strict(),
);

const TYPE_FLAGS: Record<string, string> = {
  "regular file": "isreg",
  "regular empty file": "isreg",
  directory: "isdir",
  "symbolic link": "islnk",
  "character special file": "ischr",
  "block special file": "isblk",
  fifo: "isfifo",
  socket: "issock",
};

export const statModule = defineModule({
  name: "stat",
  args: statArgs,
  async plan(ctx, args) {
    const probe = await ctx.host.probePath({ path: args.path, follow: args.follow, checksum: args.get_checksum ? args.checksum_algorithm : undefined });
    return { changes: [], result: { stat: statResult(probe, args.checksum_algorithm) } };
  },
});

/** Ansible's stat fields from the probe */
export function statResult(probe: ProbedPath, algorithm: string): Record<string, unknown> {
  if (!probe.exists) return { exists: false, path: probe.path };
  const bits = parseInt(probe.mode ?? "0", 8);
  const stat: Record<string, unknown> = {
    exists: true,
    path: probe.path,
    mode: probe.mode,
    pw_name: probe.owner,
    gr_name: probe.group,
    uid: probe.uid,
    gid: probe.gid,
    size: probe.size,
    atime: probe.atime,
    mtime: probe.mtime,
    ctime: probe.ctime,
    inode: probe.inode,
    dev: probe.dev,
    nlink: probe.nlink,
    readable: probe.readable,
    writeable: probe.writeable,
    executable: probe.executable,
  };
  for (const flag of new Set(Object.values(TYPE_FLAGS))) stat[flag] = TYPE_FLAGS[probe.statType ?? ""] === flag;
  const permissionBits: [string, number][] = [
    ["rusr", 0o400], ["wusr", 0o200], ["xusr", 0o100],
    ["rgrp", 0o040], ["wgrp", 0o020], ["xgrp", 0o010],
    ["roth", 0o004], ["woth", 0o002], ["xoth", 0o001],
    ["isuid", 0o4000], ["isgid", 0o2000],
  ];
  for (const [name, bit] of permissionBits) stat[name] = (bits & bit) !== 0;
  if (probe.checksum !== undefined) {
    stat.checksum = probe.checksum;
    stat[`checksum_${algorithm}`] = probe.checksum;
  }
  if (probe.linkTarget !== undefined) stat.lnk_target = probe.linkTarget;
  if (probe.linkSource !== undefined) stat.lnk_source = probe.linkSource;
  return stat;
}
