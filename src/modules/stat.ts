/**
 * stat: report facts about a path in Ansible's `stat` shape; never changes
 * anything. The checksum is sha1 unless `checksum_algorithm` says otherwise,
 * as in Ansible; it is reported as `checksum` and as `checksum_<algorithm>`.
 */
import * as z from "zod";
import { absolutePath, ansibleBool } from "./system-args.js";
import { defineModule } from "./types.js";
import type { ProbedPath } from "./host/path-probe.js";

const statArgs = z.preprocess(
  (raw) => {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
    // Ansible's other names for the arguments
    const { dest, name, checksum, checksum_algo, mime, mime_type, "mime-type": mimeType, attr, attributes, ...rest } = raw as Record<string, unknown>;
    const renamed: Record<string, unknown> = { ...rest };
    const aliased = { path: [dest, name], checksum_algorithm: [checksum, checksum_algo], get_mime: [mime, mime_type, mimeType], get_attributes: [attr, attributes] };
    for (const [key, values] of Object.entries(aliased)) {
      const value = renamed[key] ?? values.find((candidate) => candidate !== undefined);
      if (value !== undefined) renamed[key] = value;
    }
    return renamed;
  },
  z
    .object({
      path: absolutePath("path"),
      follow: ansibleBool.default(false),
      get_checksum: ansibleBool.default(true),
      checksum_algorithm: z.enum(["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]).default("sha1"),
      get_mime: ansibleBool.default(true),
      get_attributes: ansibleBool.default(true),
      // an undocumented Ansible option playbooks still carry
      get_md5: ansibleBool.default(false),
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
    const request = { path: args.path, follow: args.follow, mime: args.get_mime, attributes: args.get_attributes };
    const probe = await ctx.host.probePath({ ...request, checksum: args.get_checksum ? args.checksum_algorithm : undefined });
    const stat = statResult(probe, args.checksum_algorithm, args);
    if (args.get_md5 && stat.isreg === true && stat.readable === true) {
      stat.md5 = args.get_checksum && args.checksum_algorithm === "md5" ? probe.checksum : (await ctx.host.probePath({ ...request, checksum: "md5" })).checksum;
    }
    return { changes: [], result: { stat } };
  },
});

/** lsattr's flag letters as Ansible names them */
const FILE_ATTRIBUTE_NAMES: Record<string, string> = {
  A: "noatime", a: "append", c: "compressed", C: "nocow", d: "nodump", D: "dirsync", e: "extents", E: "encrypted",
  h: "blocksize", i: "immutable", I: "indexed", j: "journalled", N: "inline", s: "zero", S: "synchronous",
  t: "notail", T: "blockroot", u: "undelete", X: "compressedraw", Z: "compresseddirty",
};

/** Ansible's stat fields from the probe (a missing path is `{exists: false}`, as in Ansible, with tsible's `path`) */
export function statResult(probe: ProbedPath, algorithm: string, wanted: { get_mime?: boolean; get_attributes?: boolean } = {}): Record<string, unknown> {
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
    block_size: probe.blockSize,
    blocks: probe.blocks,
    device_type: probe.deviceType,
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
  if (wanted.get_mime) Object.assign(stat, mimeFields(probe.mime));
  if (wanted.get_attributes) Object.assign(stat, attributeFields(probe.attributeLine));
  if (probe.linkTarget !== undefined) stat.lnk_target = probe.linkTarget;
  if (probe.linkSource !== undefined) stat.lnk_source = probe.linkSource;
  return stat;
}

/** "text/plain; charset=us-ascii" -> mimetype and charset; "unknown" when the host has no `file` */
function mimeFields(mime: string | undefined): { mimetype: string; charset: string } {
  const [type, encoding] = (mime ?? "").split(";");
  const charset = encoding?.split("=")[1]?.trim();
  if (type === undefined || type.trim() === "" || charset === undefined) return { mimetype: "unknown", charset: "unknown" };
  return { mimetype: type.trim(), charset };
}

/** `lsattr -vd` output ("1528580848 --------------e------- /path") -> version, attr_flags and attribute names */
function attributeFields(line: string | undefined): { version: string | null; attr_flags: string; attributes: string[] } {
  const [version, flags] = (line ?? "").trim().split(/\s+/);
  if (version === undefined || version === "" || flags === undefined) return { version: null, attr_flags: "", attributes: [] };
  const attrFlags = flags.replaceAll("-", "");
  return { version, attr_flags: attrFlags, attributes: [...attrFlags].flatMap((flag) => FILE_ATTRIBUTE_NAMES[flag] ?? []) };
}
