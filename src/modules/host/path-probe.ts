/**
 * The one read-only probe of paths: for each path asked, in one round trip,
 * whether it and its parent exist, its type, owner, group, mode, size, times
 * and access, and on request its checksum, its content and, for a link, its
 * target. Owners and groups a task names are looked up too, so a missing user
 * fails in check mode as it would in the real run. Every module that looks at
 * files (copy, template, file, lineinfile, stat, mosquitto_broker) uses it.
 */
import { shellScript } from "../../connection/quote.js";
import { ModuleFailure } from "../module-failure.js";
import { splitSections } from "../package-managers.js";
import { normalizeMode } from "./file-mode.js";

export type ChecksumAlgorithm = "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512";

export interface PathRequest {
  path: string;
  /** probe what a symlink points to instead of the link */
  follow?: boolean | undefined;
  /** checksum of a regular file */
  checksum?: ChecksumAlgorithm | undefined;
  /** also return a regular file's bytes */
  content?: boolean | undefined;
  /** also ask `file` for its mime type and `lsattr` for its attributes, when the host has them (stat's get_mime, get_attributes) */
  mime?: boolean | undefined;
  attributes?: boolean | undefined;
  /** names (not ids) to check for existence on the host */
  owner?: string | undefined;
  group?: string | undefined;
}

export type PathKind = "file" | "directory" | "link" | "other";

export interface ProbedPath {
  /** as asked */
  path: string;
  /** after following a link, when asked to; else `path` */
  realPath: string;
  exists: boolean;
  kind?: PathKind | undefined;
  /** stat's own words ("regular empty file", "fifo"), for stat's is* flags */
  statType?: string | undefined;
  owner?: string | undefined;
  group?: string | undefined;
  uid?: number | undefined;
  gid?: number | undefined;
  /** "0644" */
  mode?: string | undefined;
  size?: number | undefined;
  /** seconds since the epoch, with their fraction (as Python's st_atime) */
  atime?: number | undefined;
  mtime?: number | undefined;
  ctime?: number | undefined;
  inode?: number | undefined;
  dev?: number | undefined;
  nlink?: number | undefined;
  /** st_blksize, st_blocks (512-byte units) and st_rdev, for stat's block_size, blocks and device_type */
  blockSize?: number | undefined;
  blocks?: number | undefined;
  deviceType?: number | undefined;
  /** for the user commands run as */
  readable?: boolean | undefined;
  writeable?: boolean | undefined;
  executable?: boolean | undefined;
  /** the checksum asked for, when the file is regular and readable */
  checksum?: string | undefined;
  content?: Buffer | undefined;
  /** `file -b --mime-type --mime-encoding` and `lsattr -vd` output, when asked and the host could tell */
  mime?: string | undefined;
  attributeLine?: string | undefined;
  /** a link's target as stored in the link, and the path it resolves to */
  linkTarget?: string | undefined;
  linkSource?: string | undefined;
  parentIsDirectory: boolean;
  /** the user commands run as (after become) */
  runAs: string;
  unknownOwner: boolean;
  unknownGroup: boolean;
}

/*
 * $1.. groups of five: path, flags ("follow", "content"), checksum program or
 * "", owner, group. Each path's section starts with "@@path-N". Whatever may
 * hold any byte (paths, link targets, content) is base64 on one line, so no
 * byte of it can look like a section or a field.
 *
 * A process costs a small host more than anything else here, so the shell
 * does what it can itself (dirname, access tests, looking a name up in
 * /etc/passwd or /etc/group, getent only for a name they lack), and the paths
 * that exist are stat'ed by one `stat` and summed by one program per
 * algorithm: section "@@stat" (and "@@sum-PROGRAM") starts with the indexes
 * of the paths, in the order of the lines that follow. Paths still to stat
 * wait as (index, path, program) triples at the end of "$@"; a function has
 * its own "$@" to pick from them.
 */
export const PATH_PROBE_SCRIPT = `
b64() { base64 -w 0; echo; }
nl='
'
seen_passwd= seen_group=
listed() {
  case $1 in passwd) seen=$seen_passwd;; *) seen=$seen_group;; esac
  case $seen in *"$nl$2$nl"*) return 0;; esac
  found=
  while IFS=: read -r name rest; do if [ "$name" = "$2" ]; then found=1; break; fi; done < "/etc/$1"
  [ -n "$found" ] || getent "$1" "$2" >/dev/null || return 1
  case $1 in passwd) seen_passwd="$seen_passwd$nl$2$nl";; *) seen_group="$seen_group$nl$2$nl";; esac
}
stat_all() {
  n=$(($# / 3)) j=0 idx=
  while [ "$j" -lt "$n" ]; do idx="$idx $1"; set -- "$@" "$2"; shift 3; j=$((j + 1)); done
  [ "$#" -gt 0 ] || return 0
  echo @@stat; echo "$idx"
  stat -c 'stat=%F|%U|%G|%u|%g|%a|%s|%.9X|%.9Y|%.9Z|%i|%d|%h|%o|%b|%t|%T' -- "$@"
}
sum_all() {
  prog=$1; shift
  n=$(($# / 3)) j=0 idx=
  while [ "$j" -lt "$n" ]; do
    if [ "$3" = "$prog" ]; then idx="$idx $1"; set -- "$@" "$2"; fi
    shift 3; j=$((j + 1))
  done
  [ "$#" -gt 0 ] || return 0
  echo "@@sum-$prog"; echo "$idx"
  "$prog" -- "$@"
}
count=$(($# / 5)) i=0
while [ "$i" -lt "$count" ]; do
  p=$1 flags=$2 sum=$3 owner=$4 group=$5
  shift 5
  echo "@@path-$i"
  k=$i i=$((i + 1))
  case $owner in ''|*[!0-9]*) if [ -n "$owner" ] && ! listed passwd "$owner"; then echo nouser; fi;; esac
  case $group in ''|*[!0-9]*) if [ -n "$group" ] && ! listed group "$group"; then echo nogroup; fi;; esac
  case $flags in *follow*)
    if [ -L "$p" ]; then
      p=$(readlink -f -- "$p") || { echo unresolved; continue; }
      printf real=; printf '%s' "$p" | b64
    fi;;
  esac
  q=$p
  while [ "$q" != / ] && [ "\${q%/}" != "$q" ]; do q=\${q%/}; done
  case $q in /) parent=/;; /*/*) parent=\${q%/*};; /*) parent=/;; */*) parent=\${q%/*};; *) parent=.;; esac
  if [ -d "$parent" ]; then echo parent=dir; fi
  if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo absent; continue; fi
  r=0 w=0 x=0
  [ -r "$p" ] && r=1
  [ -w "$p" ] && w=1
  [ -x "$p" ] && x=1
  echo "access=$r$w$x"
  case $flags in *mime*)
    if command -v file >/dev/null 2>&1 && m=$(file -b --mime-type --mime-encoding -- "$p" 2>/dev/null); then printf mime=; printf '%s' "$m" | b64; fi;;
  esac
  case $flags in *attr*)
    if command -v lsattr >/dev/null 2>&1 && a=$(lsattr -vd -- "$p" 2>/dev/null); then printf attr=; printf '%s' "$a" | b64; fi;;
  esac
  if [ -L "$p" ]; then
    sum=
    printf link=; readlink -- "$p" | b64
    printf source=; readlink -f -- "$p" | b64
  elif [ -f "$p" ] && [ -r "$p" ]; then
    case $flags in *content*) printf content=; b64 < "$p" || exit 1;; esac
  else
    sum=
  fi
  set -- "$@" "$k" "$p" "$sum"
done
stat_all "$@" || exit 1
for prog in md5sum sha1sum sha224sum sha256sum sha384sum sha512sum; do sum_all "$prog" "$@" || exit 1; done`;

const CHECKSUM_PROGRAMS: Record<ChecksumAlgorithm, string> = {
  md5: "md5sum",
  sha1: "sha1sum",
  sha224: "sha224sum",
  sha256: "sha256sum",
  sha384: "sha384sum",
  sha512: "sha512sum",
};

export function pathProbeArgv(requests: readonly PathRequest[]): string[] {
  return shellScript(
    PATH_PROBE_SCRIPT,
    requests.flatMap((request) => [
      request.path,
      [request.follow ? "follow" : "", request.content ? "content" : "", request.mime ? "mime" : "", request.attributes ? "attr" : ""].join(","),
      request.checksum ? CHECKSUM_PROGRAMS[request.checksum] : "",
      request.owner ?? "",
      request.group ?? "",
    ]),
  );
}

/**
 * The probe's output, one ProbedPath per request in order; a link that cannot
 * be resolved is an error. `runAs` is the user the probe ran as (the become
 * user, or the login user), which the caller knows.
 */
export function parsePathProbe(stdout: string, requests: readonly PathRequest[], runAs: string): ProbedPath[] {
  const sections = splitSections(stdout);
  const probed = requests.map((request, index) => parsePath(request.path, runAs, sections.get(`path-${index}`) ?? []));
  for (const [name, lines] of sections) {
    if (name !== "stat" && !name.startsWith("sum-")) continue;
    const [indexes = "", ...values] = lines;
    indexes
      .trim()
      .split(/\s+/)
      .forEach((index, at) => {
        const path = probed[Number(index)];
        const value = values[at];
        if (path === undefined || value === undefined) return;
        if (name === "stat") Object.assign(path, statFields(value.slice("stat=".length)));
        // `sha256sum` starts a line with a backslash when it had to escape the file's name
        else path.checksum = value.replace(/^\\/, "").split(" ")[0];
      });
  }
  return probed;
}

/** base64 of a program's output: readlink's own newline is not part of the name */
const decodeName = (value: string): string => Buffer.from(value, "base64").toString("utf8").replace(/\n$/, "");

function parsePath(path: string, runAs: string, lines: readonly string[]): ProbedPath {
  const probed: ProbedPath = { path, realPath: path, exists: true, parentIsDirectory: false, runAs, unknownOwner: false, unknownGroup: false };
  for (const line of lines) {
    const [key = "", value = ""] = splitField(line);
    if (line === "nouser") probed.unknownOwner = true;
    else if (line === "nogroup") probed.unknownGroup = true;
    else if (line === "parent=dir") probed.parentIsDirectory = true;
    else if (line === "absent") probed.exists = false;
    else if (line === "unresolved") throw new ModuleFailure(`cannot resolve the symbolic link ${path}: a directory on its way does not exist`);
    else if (key === "real") probed.realPath = Buffer.from(value, "base64").toString("utf8");
    else if (key === "access") {
      probed.readable = value[0] === "1";
      probed.writeable = value[1] === "1";
      probed.executable = value[2] === "1";
    } else if (key === "content") probed.content = Buffer.from(value, "base64");
    else if (key === "mime") probed.mime = decodeName(value);
    else if (key === "attr") probed.attributeLine = decodeName(value);
    else if (key === "link") probed.linkTarget = decodeName(value);
    else if (key === "source") probed.linkSource = decodeName(value);
  }
  return probed;
}

function splitField(line: string): [string, string] {
  const at = line.indexOf("=");
  return at === -1 ? [line, ""] : [line.slice(0, at), line.slice(at + 1)];
}

function statFields(line: string): Partial<ProbedPath> {
  const [type = "", owner, group, uid, gid, mode = "0", size, atime, mtime, ctime, inode, dev, nlink, blockSize, blocks, major = "0", minor = "0"] = line.split("|");
  return {
    kind: kindOf(type),
    statType: type,
    owner,
    group,
    uid: Number(uid),
    gid: Number(gid),
    mode: normalizeMode(mode),
    size: Number(size),
    atime: Number(atime),
    mtime: Number(mtime),
    ctime: Number(ctime),
    inode: Number(inode),
    dev: Number(dev),
    nlink: Number(nlink),
    blockSize: Number(blockSize),
    blocks: Number(blocks),
    deviceType: deviceNumber(parseInt(major, 16), parseInt(minor, 16)),
  };
}

/** glibc's makedev: the st_rdev that a major and minor number (stat's %t and %T) make */
export function deviceNumber(major: number, minor: number): number {
  return (major & 0xfff) * 2 ** 8 + (minor & 0xff) + (minor & ~0xff) * 2 ** 12 + Math.floor(major / 0x1000) * 2 ** 32;
}

function kindOf(statType: string): PathKind {
  if (statType === "regular file" || statType === "regular empty file") return "file";
  if (statType === "directory") return "directory";
  if (statType === "symbolic link") return "link";
  return "other";
}
