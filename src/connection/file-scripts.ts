/**
 * The constant shell scripts behind writeFile and readFile. Values arrive as
 * positional parameters; the script text never changes.
 */

/**
 * $1 destination, $2 mode ("" keeps the existing file's mode, else 0644),
 * $3 owner, $4 group ("" keeps the existing file's owner/group when root),
 * $5 the content's size in bytes and $6 its sha256.
 * The content arrives on stdin. The temp file sits beside the destination so
 * `mv` is a rename on one filesystem; the trap removes it on any failure.
 * A connection that drops mid-upload ends stdin early, and `cat` then exits 0
 * on what it got: only bytes of the announced size and checksum are renamed
 * into place, so the destination is always the old file or the new one.
 */
export const WRITE_FILE_SCRIPT = `set -eu
dest=$1 mode=$2 owner=$3 group=$4 size=$5 sum=$6
# replace the file a symlink points to, not the link (what a user editing /etc/x expects)
if [ -L "$dest" ]; then dest=$(readlink -f -- "$dest"); fi
case $dest in /*/*|[!/]*/*) dir=\${dest%/*};; /*) dir=/;; *) dir=.;; esac
tmp=$(mktemp "$dir/.tsible-tmp.XXXXXXXXXX")
trap 'rm -f -- "$tmp"' EXIT
trap 'exit 129' HUP INT TERM
cat > "$tmp"
# one stat: the received size, and an existing file's mode and owner (each process counts on a small host)
if [ -e "$dest" ]; then set -- $(stat -c '%s %a %u %g' -- "$tmp" "$dest"); else set -- $(stat -c '%s' -- "$tmp"); fi
if [ "\${1:-}" != "$size" ]; then
  echo "received \${1:-no} of $size bytes: the upload was cut short; $dest was left as it was" >&2
  exit 75
fi
got=$(sha256sum < "$tmp")
if [ "\${got%% *}" != "$sum" ]; then
  echo "the received bytes differ from what was sent (sha256); $dest was left as it was" >&2
  exit 75
fi
# the effective uid, read by the shell itself; only root keeps another user's ownership
uid=
if [ -r /proc/self/status ]; then
  while read -r key real effective rest; do if [ "$key" = Uid: ]; then uid=$effective; break; fi; done < /proc/self/status
fi
[ -n "$uid" ] || uid=$(id -u)
if [ "$#" -gt 4 ]; then
  [ -n "$mode" ] || mode=$6
  if [ "$uid" = 0 ]; then
    [ -n "$owner" ] || owner=$7
    [ -n "$group" ] || group=$8
  fi
fi
[ -n "$mode" ] || mode=0644
if [ -n "$owner" ] || [ -n "$group" ]; then chown -- "$owner\${group:+:$group}" "$tmp"; fi
chmod -- "$mode" "$tmp"
mv -f -- "$tmp" "$dest"
`;

/** stderr of `cat` (under LC_ALL=C) when the file is simply not there */
export const MISSING_FILE = /No such file or directory|Not a directory/;
