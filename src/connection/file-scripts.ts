/**
 * The constant shell scripts behind writeFile and readFile. Values arrive as
 * positional parameters; the script text never changes.
 */

/**
 * $1 destination, $2 mode ("" keeps the existing file's mode, else 0644),
 * $3 owner, $4 group ("" keeps the existing file's owner/group when root).
 * The content arrives on stdin. The temp file sits beside the destination so
 * `mv` is a rename on one filesystem; the trap removes it on any failure.
 */
export const WRITE_FILE_SCRIPT = `set -eu
dest=$1 mode=$2 owner=$3 group=$4
# replace the file a symlink points to, not the link (what a user editing /etc/x expects)
if [ -L "$dest" ]; then dest=$(readlink -f -- "$dest"); fi
tmp=$(mktemp "$(dirname -- "$dest")/.tsible-tmp.XXXXXXXXXX")
trap 'rm -f -- "$tmp"' EXIT
trap 'exit 129' HUP INT TERM
cat > "$tmp"
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
