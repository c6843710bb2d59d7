#!/usr/bin/env bash
# Boots one fleet host. fleet.sh runs it as pid 1 of fresh pid, mount and uts namespaces inside
# the host's network namespace, so every mount made here vanishes when the host dies.
#
#   host-init.sh NAME BASE_DIR HOST_DIR APT_REPO_DIR
#
# HOST_DIR holds upper/ and work/ (the host's writable layer), root/ (where the overlay is
# mounted), and the fleet-wide files in its parent's parent (id_ed25519.pub, etc-hosts).
set -euo pipefail

readonly name=$1 base_dir=$2 host_dir=$3 apt_repo_dir=$4
readonly fleet_dir=$(dirname "$(dirname "$host_dir")")
readonly root=$host_dir/root

mount -t overlay overlay -o "lowerdir=$base_dir,upperdir=$host_dir/upper,workdir=$host_dir/work" "$root"
mount -t proc proc "$root/proc"
mount -t sysfs -o ro sysfs "$root/sys"

# A private /dev with only the usual nodes and its own pty instance.
mount -t tmpfs -o mode=0755,size=1m,nosuid tmpfs "$root/dev"
mknod -m 0666 "$root/dev/null" c 1 3
mknod -m 0666 "$root/dev/zero" c 1 5
mknod -m 0666 "$root/dev/full" c 1 7
mknod -m 0666 "$root/dev/random" c 1 8
mknod -m 0666 "$root/dev/urandom" c 1 9
mknod -m 0666 "$root/dev/tty" c 5 0
mkdir -m 0755 "$root/dev/pts"
mkdir -m 1777 "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"

mount -t tmpfs -o mode=0755,size=64m,nosuid,nodev tmpfs "$root/run"
mkdir -m 0755 "$root/run/sshd"
mkdir -m 1777 "$root/run/lock"
mkdir -m 0755 "$root/run/mosquitto"
chroot "$root" chown mosquitto:mosquitto /run/mosquitto

# The local apt repository, read-only: installs work, but no host can change what others get.
mount --bind "$apt_repo_dir" "$root/srv/tsible-repo"
mount -o remount,bind,ro "$root/srv/tsible-repo"

hostname "$name"
echo "$name" >"$root/etc/hostname"
cp "$fleet_dir/etc-hosts" "$root/etc/hosts"

# Own host keys per host (the base has none).
chroot "$root" ssh-keygen -A >/dev/null

# The fleet's client key logs in as root, deploy and ops.
pubkey=$(cat "$fleet_dir/id_ed25519.pub")
for user in root deploy ops; do
  chroot "$root" /bin/sh -c '
    home=$(getent passwd "$1" | cut -d: -f6)
    install -d -m 0700 -o "$1" -g "$1" "$home/.ssh"
    printf "%s\n" "$2" > "$home/.ssh/authorized_keys"
    chown "$1:$1" "$home/.ssh/authorized_keys"
    chmod 0600 "$home/.ssh/authorized_keys"
  ' sh "$user" "$pubkey"
done

exec chroot "$root" /usr/sbin/sshd -D -e
