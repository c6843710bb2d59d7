#!/usr/bin/env bash
# Boots one host without an init system, as a container runs: fleet.sh runs it as pid 1 of fresh
# pid, mount and uts namespaces inside the host's network namespace, so every mount made here
# vanishes when the host dies; sshd is the only service running at boot, and services start
# through their /etc/init.d scripts.
#
#   host-init.sh NAME LOWERDIRS HOST_DIR REPO_SOURCE:REPO_MOUNT_POINT [disk|tmpfs]
#
# LOWERDIRS is the overlay's lowerdir (the kind's layer and root); HOST_DIR holds upper/ and
# work/ (the host's writable layer) and root/ (where the overlay is mounted); the fleet-wide
# files are in its parent's parent (id_ed25519.pub, etc-hosts). With "tmpfs", the writable layer
# is a tmpfs instead (the armhf Pi: see the note below).
set -euo pipefail

readonly host_name=$1 lowerdirs=$2 host_dir=$3 repo_mount=$4 writable=${5:-disk}
readonly fleet_state_dir=$(dirname "$(dirname "$host_dir")")
readonly host_root=$host_dir/root
# shellcheck source=host-root.sh
. "$(dirname "${BASH_SOURCE[0]}")/host-root.sh"

# Under qemu-user, a 32-bit program built without large-file support (bookworm's armhf mosquitto)
# cannot list a directory of the 64-bit host's ext4: readdir fails with EOVERFLOW on its 64-bit
# hash offsets, which a real Pi's 32-bit kernel never hands out, and mosquitto's include_dir then
# silently reads nothing. tmpfs offsets fit in 32 bits, so the Pi's writable layer is a tmpfs.
layer=$host_dir
if [[ $writable == tmpfs ]]; then
  layer=$host_dir/tmpfs
  mkdir -p "$layer"
  mount -t tmpfs -o mode=0755,size=512m tmpfs "$layer"
  mkdir "$layer/upper" "$layer/work"
fi
mount -t overlay overlay -o "lowerdir=$lowerdirs,upperdir=$layer/upper,workdir=$layer/work" "$host_root"
mount -t proc proc "$host_root/proc"
mount -t sysfs -o ro sysfs "$host_root/sys"

# A private /dev with only the usual nodes and its own pty instance.
mount -t tmpfs -o mode=0755,size=1m,nosuid tmpfs "$host_root/dev"
mknod -m 0666 "$host_root/dev/null" c 1 3
mknod -m 0666 "$host_root/dev/zero" c 1 5
mknod -m 0666 "$host_root/dev/full" c 1 7
mknod -m 0666 "$host_root/dev/random" c 1 8
mknod -m 0666 "$host_root/dev/urandom" c 1 9
mknod -m 0666 "$host_root/dev/tty" c 5 0
mkdir -m 0755 "$host_root/dev/pts"
mkdir -m 1777 "$host_root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$host_root/dev/pts"
ln -s pts/ptmx "$host_root/dev/ptmx"
ln -s /proc/self/fd "$host_root/dev/fd"
ln -s /proc/self/fd/0 "$host_root/dev/stdin"
ln -s /proc/self/fd/1 "$host_root/dev/stdout"
ln -s /proc/self/fd/2 "$host_root/dev/stderr"

# /run starts empty, as after any boot; sshd's privilege separation directory is what its init
# script or unit would make before starting it.
mount -t tmpfs -o mode=0755,size=64m,nosuid,nodev tmpfs "$host_root/run"
mkdir -m 0755 "$host_root/run/sshd"
mkdir -m 1777 "$host_root/run/lock"

# The local package repository, read-only: installs work, but no host can change what others get.
mount --bind "${repo_mount%%:*}" "$host_root${repo_mount#*:}"
mount -o remount,bind,ro "$host_root${repo_mount#*:}"

hostname "$host_name"
prepare_host_root "$host_root" "$host_name" "$fleet_state_dir"

exec chroot "$host_root" /usr/sbin/sshd -D -e
