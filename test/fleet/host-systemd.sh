#!/usr/bin/env bash
# Boots one host with systemd as its init: fleet.sh runs it in a private mount namespace (so the
# overlay vanishes with the host), and systemd-nspawn boots the root to multi-user.target in the
# host's network namespace, where ssh.service and every other unit are started by systemd.
#
#   host-systemd.sh NAME LOWERDIRS HOST_DIR REPO_SOURCE:REPO_MOUNT_POINT NETNS
#
# As host-init.sh; NETNS is the host's network namespace (eth0 on the fleet's bridge, its address
# already set: nothing in the host configures the network).
set -euo pipefail

readonly host_name=$1 lowerdirs=$2 host_dir=$3 repo_mount=$4 netns=$5
readonly fleet_state_dir=$(dirname "$(dirname "$host_dir")")
readonly host_root=$host_dir/root
# shellcheck source=host-root.sh
. "$(dirname "${BASH_SOURCE[0]}")/host-root.sh"

mount -t overlay overlay -o "lowerdir=$lowerdirs,upperdir=$host_dir/upper,workdir=$host_dir/work" "$host_root"
prepare_host_root "$host_root" "$host_name" "$fleet_state_dir"

# --register=no --keep-unit: no systemd-machined on the controller is needed (or told);
# --resolv-conf/--timezone off: the root's own files stay as they are.
exec systemd-nspawn --quiet --boot --directory="$host_root" --machine="$host_name" \
  --network-namespace-path="/run/netns/$netns" --register=no --keep-unit \
  --resolv-conf=off --timezone=off --bind-ro="$repo_mount"
