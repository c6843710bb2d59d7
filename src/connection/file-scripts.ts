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
tmp=$(mktemp "$(dirname -- "$dest")/.tsible-tmp.XXXXXXXXXX")
trap 'rm -f -- "$tmp"' EXIT
trap 'exit 129' HUP INT TERM
cat > "$tmp"
got=$(($(wc -c < "$tmp")))
if [ "$got" != "$size" ]; then
  echo "received $got of $size bytes: the upload was cut short; $dest was left as it was" >&2
  exit 75
fi
got=$(sha256sum < "$tmp")
if [ "\${got%% *}" != "$sum" ]; then
  echo "the received bytes differ from what was sent (sha256); $dest was left as it was" >&2
  exit 75
fi
if [ -e "$dest" ]; then
  [ -n "$mode" ] || mode=$(stat -c %a -- "$dest")
  if [ "$(id -u)" = 0 ]; then chown -- "$(stat -c %u:%g -- "$dest")" "$tmp"; fi
fi
[ -n "$mode" ] || mode=0644
if [ -n "$owner" ]; then chown -- "$owner" "$tmp"; fi
if [ -n "$group" ]; then chgrp -- "$group" "$tmp"; fi
chmod -- "$mode" "$tmp"
mv -f -- "$tmp" "$dest"
`;

/** stderr of `cat` (under LC_ALL=C) when the file is simply not there */
export const MISSING_FILE = /No such file or directory|Not a directory/;
