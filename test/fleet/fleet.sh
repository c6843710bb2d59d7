#!/usr/bin/env bash
# The test fleet: real sshd hosts, each in its own network namespace on a private bridge, each
# booted (by sshd alone, or by systemd) from an overlay over a cached root of its kind. Run as root.
#
#   fleet.sh up N                start N debian hosts (tears down a stale fleet with the same id first)
#   fleet.sh up KIND[:N],...     start hosts of these kinds, in this order (fleet.sh kinds lists them)
#   fleet.sh up KIND[:N]@NET,... the same on network NET: public (default), private, or both
#   fleet.sh down                stop every host and remove every trace (idempotent, safe after a crash)
#   fleet.sh down --all          the same for every fleet of this checkout (<repo>/.fleet/<id>)
#   fleet.sh status              list what exists for this fleet id
#   fleet.sh prepare [KIND...]   build the cached roots, layers and repositories of these kinds
#   fleet.sh kinds               the host kinds
#   fleet.sh kill HOST           kill every process of one host at once (a power cut; its disk stays)
#   fleet.sh boot HOST           boot a killed host again, on its disk as the kill left it
#
# Environment:
#   TSIBLE_FLEET_ID   0-99 (default 0); several fleets with different ids coexist on one machine
#   TSIBLE_FLEET_DIR  state directory (default <repo>/.fleet/<id>)
#
# Host k (1-based) is named ts<id>h<k> and has address 10.213.<id>.(9+k): ts0h1 = 10.213.0.10.
# Hosts have no route beyond 10.213.<id>.0/24; the controller never forwards or NATs for them.
# A fleet with hosts @private or @both also has a private bridge, 10.213.<100+id>.0/24, that the
# controller is not on: a @private host is only there (10.213.<100+id>.(9+k)), a @both host is on
# both (its eth1 is 10.213.<100+id>.(9+k)) and is the only way in: a bastion.
set -euo pipefail

readonly SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)

readonly FLEET_ID=${TSIBLE_FLEET_ID:-0}
if ! [[ $FLEET_ID =~ ^[0-9]{1,2}$ ]]; then
  echo "fleet.sh: TSIBLE_FLEET_ID must be an integer 0-99, got '$FLEET_ID'" >&2
  exit 2
fi
readonly FLEET_DIR=${TSIBLE_FLEET_DIR:-$REPO_DIR/.fleet/$FLEET_ID}
readonly BRIDGE=tsbr$FLEET_ID
readonly NET_PREFIX=10.213.$FLEET_ID
readonly SUBNET=$NET_PREFIX.0/24
readonly BRIDGE_ADDRESS=$NET_PREFIX.1
readonly PRIVATE_BRIDGE=tsbq$FLEET_ID
readonly PRIVATE_PREFIX=10.213.$((100 + 10#$FLEET_ID))


log() { printf '[fleet %s] %s\n' "$FLEET_ID" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# shellcheck source=cache.sh
. "$SCRIPT_DIR/cache.sh"

# ---------------------------------------------------------------- host kinds

# What a host of each kind boots: a cached root, a layer over it, an init, a package repository.
# Nothing in a root or layer is changed to suit tsible: packages are as their distribution ships
# them (see test/fleet/README.md for how each is built).
readonly KINDS='
# kind    root              layer   boot     repo       writable  what it stands for
debian    bookworm-noinit   -       noinit   apt-amd64  disk      Debian 12 container, no init, mosquitto preinstalled
noinit    bookworm-noinit   bare    noinit   apt-amd64  disk      Debian 12 container, no init, mosquitto not installed
systemd   bookworm-systemd  -       systemd  apt-amd64  disk      Debian 12 booted by systemd
ubuntu    bookworm-systemd  ubuntu  systemd  apt-amd64  disk      Ubuntu 22.04 (os-release) booted by systemd
centos    bookworm-systemd  centos  systemd  rpm        disk      CentOS Stream 9: dnf, rpm, EPEL, systemd
amzn      bookworm-systemd  amzn    systemd  rpm        disk      Amazon Linux 2023: dnf, rpm, systemd
pi        bookworm-armhf    -       noinit   apt-armhf  tmpfs     Raspberry Pi OS (armhf, under qemu-user), no init
'
kind_names() { awk '!/^#/ && NF {print $1}' <<<"$KINDS"; }
kind_field() {
  local column
  case $2 in root) column=2 ;; layer) column=3 ;; boot) column=4 ;; repo) column=5 ;; writable) column=6 ;; esac
  awk -v kind="$1" -v column="$column" '!/^#/ && $1 == kind {print $column; found = 1} END {exit !found}' <<<"$KINDS" ||
    die "unknown host kind '$1' (kinds: $(kind_names | tr '\n' ' '))"
}

# "3" is three debian hosts; "debian:2,centos,pi@private" lists kinds with counts and networks:
# one "kind network" per line out
expand_spec() {
  local spec=$1 item kind count net i
  if [[ $spec =~ ^[0-9]+$ ]]; then spec=debian:$spec; fi
  IFS=, read -ra items <<<"$spec"
  for item in "${items[@]}"; do
    net=public
    if [[ $item == *@* ]]; then
      net=${item#*@}
      item=${item%%@*}
    fi
    [[ $net =~ ^(public|private|both)$ ]] || die "bad network '$net' in '$item@$net' (want public, private or both)"
    kind=${item%%:*}
    count=1
    [[ $item == *:* ]] && count=${item#*:}
    [[ $count =~ ^[0-9]+$ ]] || die "bad count in '$item' (want KIND or KIND:N)"
    kind_field "$kind" root >/dev/null
    for ((i = 0; i < count; i++)); do echo "$kind $net"; done
  done
}

host_name() { echo "ts${FLEET_ID}h$1"; }
# public, private or both (written by `up` before the host starts)
host_net() { cat "$FLEET_DIR/hosts/$(host_name "$1")/net" 2>/dev/null || echo public; }
# the address the host is known by: a @private host's private one, else the public one
host_address() {
  if [[ $(host_net "$1") == private ]]; then echo "$PRIVATE_PREFIX.$((9 + $1))"; else echo "$NET_PREFIX.$((9 + $1))"; fi
}
private_address() { echo "$PRIVATE_PREFIX.$((9 + $1))"; }
# A @both host's second veth: tsw<id>h<k> on the private bridge, tsx<id>h<k> (eth1) inside
private_veth() { echo "tsw${FLEET_ID}h$1"; }
private_peer_veth() { echo "tsx${FLEET_ID}h$1"; }
# Interface names must stay under 15 characters: tsv99h99 is 8.
host_veth() { echo "tsv${FLEET_ID}h$1"; }
peer_veth() { echo "tsp${FLEET_ID}h$1"; }

require_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, mounts, debootstrap)"
}

require_tools() {
  local tool missing=()
  for tool in debootstrap ip unshare setsid chroot flock ssh-keygen ssh-keyscan apt-get dpkg-scanpackages "$@"; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) ||
    die "missing tools: ${missing[*]} (bash scripts/install-deps.sh installs them)"
}

# ---------------------------------------------------------------- up

fleet_hosts_file() {
  local count=$1 k
  printf '127.0.0.1\tlocalhost\n'
  for ((k = 1; k <= count; k++)); do
    printf '%s\t%s\n' "$(host_address "$k")" "$(host_name "$k")"
  done
}

# The lower layers of a kind's overlay, topmost first
kind_lowerdirs() {
  local layer
  layer=$(kind_field "$1" layer)
  if [[ $layer == - ]]; then
    echo "$CACHE_DIR/roots/$(kind_field "$1" root)"
  else
    echo "$CACHE_DIR/layers/$layer:$CACHE_DIR/roots/$(kind_field "$1" root)"
  fi
}

kind_repo_mount() {
  case $(kind_field "$1" repo) in
    rpm) echo "$CACHE_DIR/repos/rpm:/srv/tsible-rpm" ;;
    apt-armhf) echo "$CACHE_DIR/repos/apt-armhf:/srv/tsible-repo" ;;
    *) echo "$CACHE_DIR/repos/apt-amd64:/srv/tsible-repo" ;;
  esac
}

start_host() {
  local k=$1 kind=$2 name address ns host_dir
  name=$(host_name "$k")
  address=$(host_address "$k")
  ns=$name
  host_dir=$FLEET_DIR/hosts/$name
  mkdir -p "$host_dir"/{upper,work,root}
  echo "$kind" >"$host_dir/kind"

  # Every kind's network is the same: a named namespace with eth0 on the fleet's bridge, so
  # `ip netns pids` finds every process of the host, whatever boots it.
  ip netns add "$ns"
  local bridge=$BRIDGE net
  net=$(host_net "$k")
  [[ $net == private ]] && bridge=$PRIVATE_BRIDGE
  ip link add "$(host_veth "$k")" type veth peer name "$(peer_veth "$k")"
  ip link set "$(host_veth "$k")" master "$bridge" up
  ip link set "$(peer_veth "$k")" netns "$ns"
  ip -n "$ns" link set "$(peer_veth "$k")" name eth0
  ip -n "$ns" addr add "$address/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  if [[ $net == both ]]; then
    # a bastion: also on the private bridge (a new namespace does not forward between the two)
    ip link add "$(private_veth "$k")" type veth peer name "$(private_peer_veth "$k")"
    ip link set "$(private_veth "$k")" master "$PRIVATE_BRIDGE" up
    ip link set "$(private_peer_veth "$k")" netns "$ns"
    ip -n "$ns" link set "$(private_peer_veth "$k")" name eth1
    ip -n "$ns" addr add "$(private_address "$k")/24" dev eth1
    ip -n "$ns" link set eth1 up
  fi
  boot_host "$k"
}

# Boots host k on its disk (its overlay's upper dir) as it is: after `up`, or again after `kill`.
boot_host() {
  local k=$1 name host_dir kind
  name=$(host_name "$k")
  host_dir=$FLEET_DIR/hosts/$name
  kind=$(cat "$host_dir/kind")
  # setsid + redirected stdio: the host outlives this script and holds none of its pipes.
  # --propagation slave: the host sees `ip netns del` unmounts from the root namespace (so it
  # never pins another fleet's namespace), while its own mounts stay inside it and vanish with it.
  local lowerdirs repo_mount
  lowerdirs=$(kind_lowerdirs "$kind")
  repo_mount=$(kind_repo_mount "$kind")
  case $(kind_field "$kind" boot) in
    noinit)
      setsid ip netns exec "$name" unshare -m -u -p -f --propagation slave \
        "$SCRIPT_DIR/host-init.sh" "$name" "$lowerdirs" "$host_dir" "$repo_mount" "$(kind_field "$kind" writable)" \
        </dev/null >>"$host_dir/console.log" 2>&1 &
      ;;
    systemd)
      setsid unshare -m --propagation slave \
        "$SCRIPT_DIR/host-systemd.sh" "$name" "$lowerdirs" "$host_dir" "$repo_mount" "$name" \
        </dev/null >>"$host_dir/console.log" 2>&1 &
      ;;
  esac
  echo $! >"$host_dir/pid"
  disown $!
}

# keyscan_host K ARGS...: ssh-keyscan ARGS from where host k can be reached: a @private host
# from inside its own namespace (the controller has no way there)
keyscan_host() {
  local k=$1
  shift
  if [[ $(host_net "$k") == private ]]; then
    ip netns exec "$(host_name "$k")" ssh-keyscan "$@"
  else
    ssh-keyscan "$@"
  fi
}

# wait_for_sshd K...: until each host answers on port 22
wait_for_sshd() {
  local k name address deadline=$((SECONDS + 120))
  for k in "$@"; do
    name=$(host_name "$k")
    address=$(host_address "$k")
    until keyscan_host "$k" -T 2 -t ed25519 "$address" 2>/dev/null | grep -q ssh-ed25519; do
      if ! kill -0 "$(cat "$FLEET_DIR/hosts/$name/pid")" 2>/dev/null; then
        tail -n 30 "$FLEET_DIR/hosts/$name/console.log" >&2 || true
        die "host $name died while booting (log: $FLEET_DIR/hosts/$name/console.log)"
      fi
      ((SECONDS < deadline)) || die "host $name ($address) did not answer on port 22 in 120 s (log: $FLEET_DIR/hosts/$name/console.log)"
      sleep 0.2
    done
  done
}

write_state_files() {
  local kinds=("$@") count=$# k name address sep="" private_group=""
  local addresses=() public=()
  for ((k = 1; k <= count; k++)); do
    addresses+=("$(host_address "$k")")
    [[ $(host_net "$k") == private ]] || public+=("$(host_address "$k")")
  done
  {
    ssh-keyscan -T 5 "${public[@]}" 2>/dev/null || true
    # private addresses (of @private and @both hosts), scanned from inside each host
    for ((k = 1; k <= count; k++)); do
      if [[ $(host_net "$k") != public ]]; then
        ip netns exec "$(host_name "$k")" ssh-keyscan -T 5 "$(private_address "$k")" 2>/dev/null || true
      fi
    done
  } | sort >"$FLEET_DIR/known_hosts"
  for address in "${addresses[@]}"; do
    grep -q "^$address " "$FLEET_DIR/known_hosts" || die "ssh-keyscan returned no key for $address"
  done

  {
    printf '{\n  "id": %s,\n  "subnet": "%s",\n  "bridgeAddress": "%s",\n' "$FLEET_ID" "$SUBNET" "$BRIDGE_ADDRESS"
    printf '  "dir": "%s",\n  "keyFile": "%s",\n' "$FLEET_DIR" "$FLEET_DIR/id_ed25519"
    printf '  "knownHostsFile": "%s",\n  "inventoryPath": "%s",\n' "$FLEET_DIR/known_hosts" "$FLEET_DIR/inventory.ini"
    printf '  "hosts": ['
    for ((k = 1; k <= count; k++)); do
      printf '%s\n    { "name": "%s", "address": "%s", "port": 22, "kind": "%s", "network": "%s"%s }' \
        "$sep" "$(host_name "$k")" "$(host_address "$k")" "${kinds[k - 1]}" "$(host_net "$k")" \
        "$([[ $(host_net "$k") == public ]] || printf ', "privateAddress": "%s"' "$(private_address "$k")")"
      sep=,
    done
    printf '\n  ]\n}\n'
  } >"$FLEET_DIR/hosts.json"

  {
    echo "# Test fleet $FLEET_ID ($SUBNET), written by test/fleet/fleet.sh"
    echo "[fleet]"
    for ((k = 1; k <= count; k++)); do
      [[ $(host_net "$k") == private ]] && continue
      printf '%s ansible_host=%s ansible_port=22 ansible_user=root ansible_ssh_private_key_file=%s\n' \
        "$(host_name "$k")" "$(host_address "$k")" "$FLEET_DIR/id_ed25519"
    done
    for ((k = 1; k <= count; k++)); do
      [[ $(host_net "$k") == private ]] || continue
      if [[ -z ${private_group:-} ]]; then
        private_group=1
        echo "# reachable only through a @both host (a bastion)"
        echo "[fleet_private]"
      fi
      printf '%s ansible_host=%s ansible_port=22 ansible_user=root ansible_ssh_private_key_file=%s\n' \
        "$(host_name "$k")" "$(host_address "$k")" "$FLEET_DIR/id_ed25519"
    done
  } >"$FLEET_DIR/inventory.ini"
}

# prepare KIND...: build what hosts of these kinds boot from (all kinds when none is named)
cmd_prepare() {
  require_root
  local kinds=("$@") kind
  ((${#kinds[@]} > 0)) || mapfile -t kinds < <(kind_names)
  for kind in "${kinds[@]}"; do
    kind_field "$kind" root >/dev/null
    require_kind_tools "$kind"
  done
  for kind in "${kinds[@]}"; do prepare_kind "$kind"; done
}

require_kind_tools() {
  case $(kind_field "$1" boot):$(kind_field "$1" repo) in
    systemd:rpm) require_tools systemd-nspawn rpmbuild createrepo_c ;;
    systemd:*) require_tools systemd-nspawn ;;
    *) require_tools ;;
  esac
}

cmd_up() {
  local spec=${1:-} kinds=() nets=() entries=() entry
  [[ -n $spec ]] || die "usage: fleet.sh up N | up KIND[:N][@NET],KIND[:N][@NET]...  (kinds: $(kind_names | tr '\n' ' '))"
  mapfile -t entries < <(expand_spec "$spec")
  for entry in "${entries[@]}"; do
    kinds+=("${entry% *}")
    nets+=("${entry#* }")
  done
  local count=${#kinds[@]}
  ((count >= 1 && count <= 90)) || die "a fleet has 1 to 90 hosts, not $count"
  require_root
  local started=$SECONDS unique
  mapfile -t unique < <(printf '%s\n' "${kinds[@]}" | sort -u)
  cmd_prepare "${unique[@]}"
  cmd_down quiet

  # Anything that fails from here on leaves a half-built fleet: take it down again.
  trap 'status=$?; if ((status != 0)); then log "up failed, cleaning up"; cmd_down quiet; fi' EXIT
  mkdir -p "$FLEET_DIR/hosts" "$(dirname "$OWNER_FILE")"
  echo "$FLEET_DIR" >"$OWNER_FILE"
  ssh-keygen -q -t ed25519 -N '' -C "tsible-fleet-$FLEET_ID" -f "$FLEET_DIR/id_ed25519"
  local k
  for ((k = 1; k <= count; k++)); do
    mkdir -p "$FLEET_DIR/hosts/$(host_name "$k")"
    echo "${nets[k - 1]}" >"$FLEET_DIR/hosts/$(host_name "$k")/net"
  done
  fleet_hosts_file "$count" >"$FLEET_DIR/etc-hosts"

  ip link add "$BRIDGE" type bridge
  ip addr add "$BRIDGE_ADDRESS/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  if [[ " ${nets[*]} " == *" private "* || " ${nets[*]} " == *" both "* ]]; then
    # no address on the controller's side: only a @both host reaches the @private ones
    ip link add "$PRIVATE_BRIDGE" type bridge
    ip link set "$PRIVATE_BRIDGE" up
  fi
  for ((k = 1; k <= count; k++)); do start_host "$k" "${kinds[k - 1]}"; done
  wait_for_sshd $(seq 1 "$count")
  write_state_files "${kinds[@]}"
  trap - EXIT
  log "$count hosts ($(printf '%s\n' "${kinds[@]}" | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')) up in $((SECONDS - started)) s; state in $FLEET_DIR"
  echo "$FLEET_DIR/hosts.json"
}

# ---------------------------------------------------------------- one host: power cut, power on

# The host number of NAME (ts<id>h<k>) in this fleet, or die
host_number() {
  local name=$1
  [[ $name =~ ^ts${FLEET_ID}h([0-9]+)$ && -d $FLEET_DIR/hosts/$name ]] || die "fleet $FLEET_ID has no host '$name'"
  echo "${BASH_REMATCH[1]}"
}

# Pids of one host: everything in its network namespace, and its launcher (checked against its
# command line: the recorded pid may have been reused)
host_pids() {
  local name=$1 pid
  ip netns pids "$name" 2>/dev/null || true
  pid=$(cat "$FLEET_DIR/hosts/$name/pid" 2>/dev/null || true)
  if [[ -n $pid && -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$FLEET_DIR/hosts/$name"; then
    echo "$pid"
  fi
}

# kill NAME: every process of the host dies at once, as in a power cut (its disk stays; a Pi's is a tmpfs and goes)
cmd_kill() {
  require_root
  local name=$1 pids tries
  host_number "$name" >/dev/null
  for tries in 1 2 3 4 5 6 7 8 9 10; do
    pids=$(host_pids "$name")
    [[ -n $pids ]] || return 0
    # shellcheck disable=SC2086 # one pid per word
    kill -KILL $pids 2>/dev/null || true
    sleep 0.2
  done
  die "processes of $name survived SIGKILL"
}

# boot NAME: power a killed host on again, on its disk as the kill left it
cmd_boot() {
  require_root
  local name=$1 k
  k=$(host_number "$name")
  [[ -z $(ip netns pids "$name" 2>/dev/null) ]] || die "host $name is running (fleet.sh kill $name first)"
  boot_host "$k"
  wait_for_sshd "$k"
}

# ---------------------------------------------------------------- down

fleet_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^ts${FLEET_ID}h[0-9]+$" || true; }
fleet_veths() { ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^ts[vw]${FLEET_ID}h[0-9]+$" || true; }

# Pids of this fleet's hosts: everything inside its namespaces (also of a host whose state dir a
# crash lost), and each host's own (host_pids)
fleet_pids() {
  local ns dir
  for ns in $(fleet_namespaces); do ip netns pids "$ns" 2>/dev/null || true; done
  for dir in "$FLEET_DIR"/hosts/*/; do
    [[ -d $dir ]] && host_pids "$(basename "$dir")"
  done
  return 0
}

kill_hosts() {
  local pids tries
  for tries in 1 2 3 4 5 6 7 8 9 10; do
    pids=$(fleet_pids | sort -un)
    [[ -n $pids ]] || return 0
    # shellcheck disable=SC2086 # one pid per word
    kill -KILL $pids 2>/dev/null || true
    sleep 0.2
  done
  log "warning: processes survived SIGKILL: $(fleet_pids | tr '\n' ' ')"
}


# Fleet ids are machine-wide (bridge, namespaces), state dirs are per checkout: a marker says
# which state dir a running fleet belongs to, so one checkout never takes down another's fleet.
readonly OWNER_FILE=/run/tsible-fleet/$FLEET_ID.owner
check_owner() {
  local owner
  owner=$(cat "$OWNER_FILE" 2>/dev/null || true)
  if [[ -n $owner && $owner != "$FLEET_DIR" && -d $owner ]]; then
    die "fleet $FLEET_ID belongs to $owner: pick another TSIBLE_FLEET_ID, or take that one down with TSIBLE_FLEET_DIR=$owner $0 down"
  fi
}

cmd_down() {
  local quiet=${1:-}
  require_root
  check_owner
  kill_hosts
  # Normally nothing: each host mounts inside its own mount namespace, which dies with it.
  unmount_under "$FLEET_DIR"
  local ns veth
  for ns in $(fleet_namespaces); do ip netns del "$ns" 2>/dev/null || true; done
  for veth in $(fleet_veths); do ip link del "$veth" 2>/dev/null || true; done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE" 2>/dev/null || true; fi
  if ip link show "$PRIVATE_BRIDGE" >/dev/null 2>&1; then ip link del "$PRIVATE_BRIDGE" 2>/dev/null || true; fi
  if [[ -d $FLEET_DIR ]]; then
    if [[ -n $(mounts_under "$FLEET_DIR") ]]; then
      die "mounts remain under $FLEET_DIR; not deleting it"
    fi
    rm -rf --one-file-system "$FLEET_DIR"
  fi
  rm -f "$OWNER_FILE"
  [[ -n $quiet ]] || log "down"
}

# ---------------------------------------------------------------- status

cmd_status() {
  echo "fleet $FLEET_ID: state dir $FLEET_DIR $([[ -d $FLEET_DIR ]] && echo "(exists)" || echo "(absent)")"
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    echo "bridge $BRIDGE: $(ip -o -4 addr show dev "$BRIDGE" | awk '{print $4}')"
  else
    echo "bridge $BRIDGE: absent"
  fi
  local ns address
  for ns in $(fleet_namespaces); do
    address=$(ip -n "$ns" -o -4 addr show dev eth0 2>/dev/null | awk '{print $4}' || true)
    echo "host $ns: address ${address:-none}, processes $(ip netns pids "$ns" 2>/dev/null | wc -l)"
  done
  local veths
  veths=$(fleet_veths | tr '\n' ' ')
  echo "veths: ${veths:-none}"
  local mounts
  mounts=$(mounts_under "$FLEET_DIR" | wc -l)
  echo "mounts under state dir in the root namespace: $mounts"
}

case ${1:-} in
  up) shift; cmd_up "$@" ;;
  down)
    if [[ ${2:-} == --all ]]; then
      # every fleet this checkout started (each test file may start its own): after an interruption
      for dir in "$REPO_DIR"/.fleet/*/; do
        [[ -d $dir ]] || continue
        TSIBLE_FLEET_ID=$(basename "$dir") TSIBLE_FLEET_DIR= "$SCRIPT_DIR/fleet.sh" down || true
      done
    else
      cmd_down
    fi
    ;;
  status) cmd_status ;;
  prepare) shift; cmd_prepare "$@" ;;
  kill) cmd_kill "${2:?usage: fleet.sh kill HOST}" ;;
  boot) cmd_boot "${2:?usage: fleet.sh boot HOST}" ;;
  kinds) printf '%s\n' "$KINDS" | sed '/^$/d' ;;
  *)
    echo "usage: fleet.sh up N | up KIND[:N],... | down | status | prepare [KIND...] | kinds | kill HOST | boot HOST   (env: TSIBLE_FLEET_ID=0-99, TSIBLE_FLEET_DIR)" >&2
    exit 2
    ;;
esac
