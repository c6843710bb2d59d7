# What every host's root gets at boot, whatever boots it; sourced by host-init.sh and
# host-systemd.sh once the host's overlay is mounted at ROOT. Everything here is what a machine
# gets when it is provisioned (its name, its host keys, who may log in), nothing tsible needs.
#
#   prepare_host_root ROOT NAME FLEET_DIR

# uid:gid:home of a user of the root, read from its passwd (no chroot: armhf roots run slowly)
root_user() { awk -F: -v user="$2" '$1 == user {print $3 ":" $4 ":" $6}' "$1/etc/passwd"; }

prepare_host_root() {
  local root=$1 name=$2 fleet_dir=$3
  echo "$name" >"$root/etc/hostname"
  cp "$fleet_dir/etc-hosts" "$root/etc/hosts"

  # Own host keys per host (roots have none), made by the controller's ssh-keygen: the same
  # files sshd would make, without running key generation under qemu on armhf roots.
  ssh-keygen -A -f "$root" >/dev/null

  # The fleet's client key logs in as root, deploy and ops.
  local user entry uid gid home
  for user in root deploy ops; do
    entry=$(root_user "$root" "$user")
    IFS=: read -r uid gid home <<<"$entry"
    install -d -m 0700 -o "$uid" -g "$gid" "$root$home/.ssh"
    install -m 0600 -o "$uid" -g "$gid" "$fleet_dir/id_ed25519.pub" "$root$home/.ssh/authorized_keys"
  done
}
