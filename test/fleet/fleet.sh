#!/usr/bin/env bash
# The test fleet: real sshd hosts, each in its own network namespace on a private bridge, each
# booted from an overlay over one cached Debian bookworm rootfs. Run as root.
#
#   fleet.sh up N     start N hosts (tears down a stale fleet with the same id first)
#   fleet.sh down     stop every host and remove every trace (idempotent, safe after a crash)
#   fleet.sh status   list what exists for this fleet id
#
# Environment:
#   TSIBLE_FLEET_ID   0-99 (default 0); several fleets with different ids coexist on one machine
#   TSIBLE_FLEET_DIR  state directory (default <repo>/.fleet/<id>)
#
# Host k (1-based) is named ts<id>h<k> and has address 10.213.<id>.(9+k): ts0h1 = 10.213.0.10.
# Hosts have no route beyond 10.213.<id>.0/24; the controller never forwards or NATs for them.
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

readonly CACHE_DIR=/var/cache/tsible-fleet
readonly BASE_DIR=$CACHE_DIR/base-bookworm
readonly APT_REPO_DIR=$CACHE_DIR/repo
readonly CACHE_LOCK=$CACHE_DIR/build.lock

# What every host has preinstalled. Changing this list (or BASE_RECIPE, when the post-install
# setup below changes) rebuilds the cached base on the next `up`.
readonly BASE_PACKAGES=openssh-server,python3,sudo,mosquitto,mosquitto-clients,procps,iproute2,python3-paho-mqtt,iputils-ping
readonly BASE_RECIPE=4
# Packages NOT in the base, served by the hosts' local apt repository so tests can install them.
# apt-get download resolves no dependencies: git and python3-boto3 (kinesis-bridge.yml) come with
# every package they need on top of the base, as `apt-get -s install` against the base's dpkg
# status lists them (perl-base and libssl3 are newer versions of base packages that perl and
# openssl require exactly).
readonly REPO_PACKAGES="hello tree jq libjq1 libonig5 \
git git-man liberror-perl libcurl3-gnutls libbrotli1 libldap-2.5-0 libsasl2-2 libsasl2-modules-db \
libnghttp2-14 libpsl5 librtmp1 libssh2-1 perl perl-base perl-modules-5.36 libperl5.36 libgdbm6 \
libgdbm-compat4 libssl3 openssl ca-certificates \
python3-boto3 python3-botocore python3-s3transfer python3-jmespath python3-dateutil python3-six \
python3-urllib3 python3-certifi python3-charset-normalizer python3-idna python3-pkg-resources \
python3-chardet python3-requests"

# Test-only credentials, documented in test/fleet/README.md.
readonly OPS_SUDO_PASSWORD=ops-sudo-pass
readonly PWUSER_PASSWORD=pw-login-pass

# Unmounts everything at or below a directory in this mount namespace, deepest first; lazy
# unmount as last resort.
mounts_under() { awk -v dir="$1" '$5 == dir || index($5, dir "/") == 1 {print $5}' /proc/self/mountinfo; }
unmount_under() {
  local mount_point
  mounts_under "$1" | sort -r | while read -r mount_point; do
    umount "$mount_point" 2>/dev/null || umount -l "$mount_point" 2>/dev/null || true
  done
}

log() { printf '[fleet %s] %s\n' "$FLEET_ID" "$*" >&2; }
die() { log "error: $*"; exit 1; }

host_name() { echo "ts${FLEET_ID}h$1"; }
host_address() { echo "$NET_PREFIX.$((9 + $1))"; }
# Interface names must stay under 15 characters: tsv99h99 is 8.
host_veth() { echo "tsv${FLEET_ID}h$1"; }
peer_veth() { echo "tsp${FLEET_ID}h$1"; }

require_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, mounts, debootstrap)"
}

require_tools() {
  local tool missing=()
  for tool in debootstrap ip unshare setsid chroot flock ssh-keygen ssh-keyscan apt-get dpkg-scanpackages; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) ||
    die "missing tools: ${missing[*]} (apt-get install debootstrap iproute2 util-linux openssh-client dpkg-dev)"
}

# ---------------------------------------------------------------- cached base rootfs and apt repo

# The mirror comes from this machine's apt configuration, so no mirror name lives in the repo.
debian_mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources |
    awk '{for (i = 2; i <= NF; i++) print $i}' | grep -v -- '-security' | head -n1 || true)
  if [[ -z $uri ]]; then
    uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
      sed -E 's/^deb (\[[^]]*\] )?//' | awk '{print $1}' | grep -v -- '-security' | head -n1 || true)
  fi
  [[ -n $uri ]] || die "no Debian mirror found in /etc/apt/sources.list{,.d}"
  echo "$uri"
}

base_stamp() { printf 'packages=%s\nrecipe=%s\n' "$BASE_PACKAGES" "$BASE_RECIPE"; }

build_base() {
  local stamp=$BASE_DIR/.tsible-base-stamp
  if [[ -f $stamp && $(cat "$stamp") == "$(base_stamp)" ]]; then
    return
  fi
  local mirror new=$BASE_DIR.new.$$ leftover
  mirror=$(debian_mirror)
  log "building base rootfs (debootstrap bookworm, once per package list) ..."
  # We hold the build lock: a leftover build dir is from a build that was killed, and may still
  # carry debootstrap's proc/sys mounts.
  for leftover in "$BASE_DIR".new.*; do
    [[ -d $leftover ]] || continue
    unmount_under "$leftover"
    rm -rf --one-file-system "$leftover"
  done
  if ! debootstrap --variant=minbase --include="$BASE_PACKAGES" bookworm "$new" "$mirror" \
    >"$CACHE_DIR/debootstrap.log" 2>&1; then
    tail -n 30 "$CACHE_DIR/debootstrap.log" >&2
    unmount_under "$new"
    rm -rf --one-file-system "$new"
    die "debootstrap failed (full log: $CACHE_DIR/debootstrap.log)"
  fi
  configure_base "$new"
  base_stamp >"$new/.tsible-base-stamp"
  # An old base may still be the lower layer of running hosts: move it aside, never delete it
  # from under them. Stale copies go once no overlay uses any base.
  if [[ -d $BASE_DIR ]]; then
    mv "$BASE_DIR" "$BASE_DIR.stale.$(date +%s)"
  fi
  mv "$new" "$BASE_DIR"
  if ! grep -q "lowerdir=$CACHE_DIR/" /proc/*/mountinfo 2>/dev/null; then
    rm -rf "$BASE_DIR".stale.*
  fi
  log "base rootfs ready"
}

# Everything that is the same on every host of every fleet.
configure_base() {
  local root=$1
  # Hosts have no network: their only package source is the local repository.
  rm -f "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*
  echo 'deb [trusted=yes] file:/srv/tsible-repo ./' >"$root/etc/apt/sources.list.d/tsible-local.list"
  rm -rf "$root"/var/lib/apt/lists/*
  mkdir -p "$root/srv/tsible-repo"
  rm -f "$root"/var/cache/apt/archives/*.deb
  # Each host generates its own host keys at boot.
  rm -f "$root"/etc/ssh/ssh_host_*
  cat >"$root/etc/ssh/sshd_config.d/tsible-fleet.conf" <<'EOF'
# Test fleet: keys for root/deploy/ops, password login for pwuser.
PermitRootLogin prohibit-password
PasswordAuthentication yes
UseDNS no
EOF
  chroot "$root" useradd --create-home --shell /bin/bash deploy
  chroot "$root" useradd --create-home --shell /bin/bash ops
  chroot "$root" useradd --create-home --shell /bin/bash pwuser
  printf 'ops:%s\npwuser:%s\n' "$OPS_SUDO_PASSWORD" "$PWUSER_PASSWORD" | chroot "$root" chpasswd
  echo 'deploy ALL=(ALL) NOPASSWD:ALL' >"$root/etc/sudoers.d/deploy"
  echo 'ops ALL=(ALL) ALL' >"$root/etc/sudoers.d/ops"
  chmod 0440 "$root/etc/sudoers.d/deploy" "$root/etc/sudoers.d/ops"
  # Hosts have no systemd, so `service mosquitto ...` runs Debian's init script. As shipped it
  # cannot work with mosquitto 2.0.11+deb12u2: start-stop-daemon --make-pidfile creates the
  # broker's own pid file first, and the broker refuses to reuse an existing pid file ("Unable to
  # write pid file"); once the broker (as user mosquitto) writes it, start-stop-daemon refuses to
  # stop by a non-root pid file. A separate root-owned pid file for the init script fixes both.
  sed -i 's|^PIDFILE=/run/mosquitto/mosquitto.pid$|PIDFILE=/run/mosquitto-initd.pid|' "$root/etc/init.d/mosquitto"
  grep -q '^PIDFILE=/run/mosquitto-initd.pid$' "$root/etc/init.d/mosquitto" ||
    die "could not patch /etc/init.d/mosquitto in the base (package changed?)"
}

build_apt_repo() {
  local stamp=$APT_REPO_DIR/.tsible-repo-stamp
  if [[ -f $stamp && $(cat "$stamp") == "$REPO_PACKAGES" ]]; then
    return
  fi
  log "building local apt repository ($REPO_PACKAGES) ..."
  local new=$APT_REPO_DIR.new.$$
  rm -rf "$new"
  mkdir -p "$new"
  # shellcheck disable=SC2086 # the list is meant to split into package names
  if ! (cd "$new" && apt-get download $REPO_PACKAGES >/dev/null 2>"$CACHE_DIR/apt-download.log"); then
    cat "$CACHE_DIR/apt-download.log" >&2
    rm -rf "$new"
    die "apt-get download failed (run apt-get update on the controller?)"
  fi
  (cd "$new" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null && gzip -9c Packages >Packages.gz)
  echo "$REPO_PACKAGES" >"$new/.tsible-repo-stamp"
  # running hosts bind-mount the old repository: move it aside rather than empty it under them
  if [[ -d $APT_REPO_DIR ]]; then
    mv "$APT_REPO_DIR" "$APT_REPO_DIR.stale.$(date +%s%N)"
  fi
  mv "$new" "$APT_REPO_DIR"
  if ! grep -q "$APT_REPO_DIR.stale" /proc/*/mountinfo 2>/dev/null; then
    rm -rf "$APT_REPO_DIR".stale.*
  fi
}

prepare_cache() {
  mkdir -p "$CACHE_DIR"
  # Two fleets starting at once must not build the same cache twice.
  exec {lock_fd}>"$CACHE_LOCK"
  flock "$lock_fd"
  build_base
  build_apt_repo
  flock -u "$lock_fd"
  exec {lock_fd}>&-
}

# ---------------------------------------------------------------- up

fleet_hosts_file() {
  local count=$1 k
  printf '127.0.0.1\tlocalhost\n'
  for ((k = 1; k <= count; k++)); do
    printf '%s\t%s\n' "$(host_address "$k")" "$(host_name "$k")"
  done
}

start_host() {
  local k=$1 name address ns host_dir
  name=$(host_name "$k")
  address=$(host_address "$k")
  ns=$name
  host_dir=$FLEET_DIR/hosts/$name
  mkdir -p "$host_dir"/{upper,work,root}
  echo "$name" >"$host_dir/hostname"

  ip netns add "$ns"
  ip link add "$(host_veth "$k")" type veth peer name "$(peer_veth "$k")"
  ip link set "$(host_veth "$k")" master "$BRIDGE" up
  ip link set "$(peer_veth "$k")" netns "$ns"
  ip -n "$ns" link set "$(peer_veth "$k")" name eth0
  ip -n "$ns" addr add "$address/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up

  # setsid + redirected stdio: the host outlives this script and holds none of its pipes.
  # --propagation slave: the host sees `ip netns del` unmounts from the root namespace (so it
  # never pins another fleet's namespace), while its own mounts stay inside it.
  setsid ip netns exec "$ns" unshare -m -u -p -f --propagation slave \
    "$SCRIPT_DIR/host-init.sh" "$name" "$BASE_DIR" "$host_dir" "$APT_REPO_DIR" \
    </dev/null >"$host_dir/console.log" 2>&1 &
  echo $! >"$host_dir/pid"
  disown $!
}

wait_for_sshd() {
  local count=$1 k name address deadline=$((SECONDS + 90))
  for ((k = 1; k <= count; k++)); do
    name=$(host_name "$k")
    address=$(host_address "$k")
    until ssh-keyscan -T 2 -t ed25519 "$address" 2>/dev/null | grep -q ssh-ed25519; do
      if ! kill -0 "$(cat "$FLEET_DIR/hosts/$name/pid")" 2>/dev/null; then
        tail -n 30 "$FLEET_DIR/hosts/$name/console.log" >&2 || true
        die "host $name died while booting (log: $FLEET_DIR/hosts/$name/console.log)"
      fi
      ((SECONDS < deadline)) || die "host $name ($address) did not answer on port 22 in 90 s"
      sleep 0.2
    done
  done
}

write_state_files() {
  local count=$1 k name address sep=""
  local addresses=()
  for ((k = 1; k <= count; k++)); do addresses+=("$(host_address "$k")"); done
  ssh-keyscan -T 5 "${addresses[@]}" 2>/dev/null | sort >"$FLEET_DIR/known_hosts"
  for address in "${addresses[@]}"; do
    grep -q "^$address " "$FLEET_DIR/known_hosts" || die "ssh-keyscan returned no key for $address"
  done

  {
    printf '{\n  "id": %s,\n  "subnet": "%s",\n  "bridgeAddress": "%s",\n' "$FLEET_ID" "$SUBNET" "$BRIDGE_ADDRESS"
    printf '  "dir": "%s",\n  "keyFile": "%s",\n' "$FLEET_DIR" "$FLEET_DIR/id_ed25519"
    printf '  "knownHostsFile": "%s",\n  "inventoryPath": "%s",\n' "$FLEET_DIR/known_hosts" "$FLEET_DIR/inventory.ini"
    printf '  "hosts": ['
    for ((k = 1; k <= count; k++)); do
      printf '%s\n    { "name": "%s", "address": "%s", "port": 22 }' "$sep" "$(host_name "$k")" "$(host_address "$k")"
      sep=,
    done
    printf '\n  ]\n}\n'
  } >"$FLEET_DIR/hosts.json"

  {
    echo "# Test fleet $FLEET_ID ($SUBNET), written by test/fleet/fleet.sh"
    echo "[fleet]"
    for ((k = 1; k <= count; k++)); do
      printf '%s ansible_host=%s ansible_port=22 ansible_user=root ansible_ssh_private_key_file=%s\n' \
        "$(host_name "$k")" "$(host_address "$k")" "$FLEET_DIR/id_ed25519"
    done
  } >"$FLEET_DIR/inventory.ini"
}

cmd_up() {
  local count=${1:-}
  [[ $count =~ ^[0-9]+$ ]] && ((count >= 1 && count <= 90)) || die "usage: fleet.sh up N (1 <= N <= 90)"
  require_root
  require_tools
  local started=$SECONDS
  cmd_down quiet
  prepare_cache

  # Anything that fails from here on leaves a half-built fleet: take it down again.
  trap 'status=$?; if ((status != 0)); then log "up failed, cleaning up"; cmd_down quiet; fi' EXIT
  mkdir -p "$FLEET_DIR/hosts"
  ssh-keygen -q -t ed25519 -N '' -C "tsible-fleet-$FLEET_ID" -f "$FLEET_DIR/id_ed25519"
  fleet_hosts_file "$count" >"$FLEET_DIR/etc-hosts"

  ip link add "$BRIDGE" type bridge
  ip addr add "$BRIDGE_ADDRESS/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  local k
  for ((k = 1; k <= count; k++)); do start_host "$k"; done
  wait_for_sshd "$count"
  write_state_files "$count"
  trap - EXIT
  log "$count hosts up in $((SECONDS - started)) s; state in $FLEET_DIR"
  echo "$FLEET_DIR/hosts.json"
}

# ---------------------------------------------------------------- down

fleet_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^ts${FLEET_ID}h[0-9]+$" || true; }
fleet_veths() { ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^tsv${FLEET_ID}h[0-9]+$" || true; }

# Pids of this fleet's hosts: everything inside its namespaces, plus the recorded launcher pids
# (checked against their command line, since a pid may have been reused after a crash).
fleet_pids() {
  local ns pidfile pid
  for ns in $(fleet_namespaces); do ip netns pids "$ns" 2>/dev/null || true; done
  for pidfile in "$FLEET_DIR"/hosts/*/pid; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$FLEET_DIR/hosts/"; then
      echo "$pid"
    fi
  done
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


cmd_down() {
  local quiet=${1:-}
  require_root
  kill_hosts
  # Normally nothing: each host mounts inside its own mount namespace, which dies with it.
  unmount_under "$FLEET_DIR"
  local ns veth
  for ns in $(fleet_namespaces); do ip netns del "$ns" 2>/dev/null || true; done
  for veth in $(fleet_veths); do ip link del "$veth" 2>/dev/null || true; done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE" 2>/dev/null || true; fi
  if [[ -d $FLEET_DIR ]]; then
    if [[ -n $(mounts_under "$FLEET_DIR") ]]; then
      die "mounts remain under $FLEET_DIR; not deleting it"
    fi
    rm -rf --one-file-system "$FLEET_DIR"
  fi
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
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: fleet.sh up N | down | status   (env: TSIBLE_FLEET_ID=0-99, TSIBLE_FLEET_DIR)" >&2
    exit 2
    ;;
esac
