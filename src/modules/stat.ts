/**
 * stat: report facts about a path in Ansible's `stat` shape; never changes
 * anything. The checksum defaults to sha256 (Ansible's default is sha1: pass
 * `checksum_algorithm: sha1` to compare with Ansible-produced values); it is
 * reported as `checksum` and as `checksum_<algorithm>`.
 */
import { z } from "zod";
import { absolutePath, ansibleBool } from "./system-args.js";
import { shellScript } from "../connection/quote.js";
import { defineModule } from "./types.js";
import { normalizeMode, runChecked } from "./remote-file.js";

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

/*
 * One round trip. $1 path, $2 "follow" or "", $3 checksum command (sha256sum...) or "".
 * The link target is printed last since it may contain newlines.
 */
const STAT_SCRIPT = `
p=$1
if [ "$2" = follow ]; then
  if [ ! -e "$p" ]; then echo absent; exit 0; fi
  stat -L -c 'stat=%F|%U|%G|%u|%g|%a|%s|%X|%Y|%Z|%i|%d|%h' -- "$p" || exit 1
else
  if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo absent; exit 0; fi
  stat -c 'stat=%F|%U|%G|%u|%g|%a|%s|%X|%Y|%Z|%i|%d|%h' -- "$p" || exit 1
fi
r=0 w=0 x=0
[ -r "$p" ] && r=1
[ -w "$p" ] && w=1
[ -x "$p" ] && x=1
echo "access=$r$w$x"
if [ -n "$3" ] && [ -f "$p" ] && [ -r "$p" ] && { [ "$2" = follow ] || [ ! -L "$p" ]; }; then
  sum=$("$3" < "$p") || exit 1
  printf 'sum=%s\\n' "\${sum%% *}"
fi
if [ -L "$p" ]; then
  printf 'source=%s\\n' "$(readlink -f -- "$p")"
  printf 'link=%s' "$(readlink -- "$p")"
fi
`;

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
    const sumCommand = args.get_checksum ? `${args.checksum_algorithm}sum` : "";
    const stdout = await runChecked(ctx, shellScript(STAT_SCRIPT, [args.path, args.follow ? "follow" : "", sumCommand]), `stat ${args.path}`);
    return { changes: [], result: { stat: parseStat(args.path, stdout, args.checksum_algorithm) } };
  },
});

export function parseStat(path: string, stdout: string, algorithm: string): Record<string, unknown> {
  if (stdout.startsWith("absent")) return { exists: false, path };
  const stat: Record<string, unknown> = { exists: true, path };
  let rest = stdout;
  while (rest.length > 0) {
    if (rest.startsWith("link=")) {
      stat.lnk_target = rest.slice(5);
      break;
    }
    const end = rest.indexOf("\n");
    const line = end === -1 ? rest : rest.slice(0, end);
    rest = end === -1 ? "" : rest.slice(end + 1);
    if (line.startsWith("stat=")) Object.assign(stat, statFields(line.slice(5)));
    else if (line.startsWith("access=")) {
      stat.readable = line[7] === "1";
      stat.writeable = line[8] === "1";
      stat.executable = line[9] === "1";
    } else if (line.startsWith("sum=")) {
      stat.checksum = line.slice(4);
      stat[`checksum_${algorithm}`] = line.slice(4);
    } else if (line.startsWith("source=")) stat.lnk_source = line.slice(7);
  }
  return stat;
}

function statFields(line: string): Record<string, unknown> {
  const [type = "", pwName, grName, uid, gid, octal = "0", size, atime, mtime, ctime, inode, dev, nlink] = line.split("|");
  const mode = normalizeMode(octal);
  const bits = parseInt(mode, 8);
  const fields: Record<string, unknown> = {
    mode,
    pw_name: pwName,
    gr_name: grName,
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
    atime: Number(atime),
    mtime: Number(mtime),
    ctime: Number(ctime),
    inode: Number(inode),
    dev: Number(dev),
    nlink: Number(nlink),
  };
  for (const flag of new Set(Object.values(TYPE_FLAGS))) fields[flag] = TYPE_FLAGS[type] === flag;
  const permissionBits: [string, number][] = [
    ["rusr", 0o400], ["wusr", 0o200], ["xusr", 0o100],
    ["rgrp", 0o040], ["wgrp", 0o020], ["xgrp", 0o010],
    ["roth", 0o004], ["woth", 0o002], ["xoth", 0o001],
    ["isuid", 0o4000], ["isgid", 0o2000],
  ];
  for (const [name, bit] of permissionBits) fields[name] = (bits & bit) !== 0;
  return fields;
}
