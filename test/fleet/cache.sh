# The fleet's machine-wide cache, sourced by fleet.sh: root filesystems, layers over them, and the
# package repositories the hosts install from. Each item is built once per machine (its stamp is
# its recipe: change the recipe and it is rebuilt), under its own lock, so two fleets starting at
# once wait for one build and a slow item (the armhf root) does not hold up the others.
#
#   roots/<name>    a debootstrapped Debian bookworm, the read-only lowest layer of a host
#   layers/<name>   what a kind changes over its root (an overlay upper dir: files and whiteouts),
#                   made once by running the layer's recipe in a chroot over the root
#   repos/<name>    apt-amd64 and apt-armhf (mounted at /srv/tsible-repo), rpm (at /srv/tsible-rpm)
#
# fleet.sh defines what this file uses from it: SCRIPT_DIR, log, die and kind_field.

readonly CACHE_DIR=/var/cache/tsible-fleet

# Test-only credentials, documented in test/fleet/README.md.
readonly OPS_SUDO_PASSWORD=ops-sudo-pass
readonly PWUSER_PASSWORD=pw-login-pass

# Roots. Changing a package list or a recipe number rebuilds that root (and every layer on it).
readonly NOINIT_PACKAGES=openssh-server,python3,sudo,mosquitto,mosquitto-clients,procps,iproute2,python3-paho-mqtt,iputils-ping
# systemd boots it; dnf and rpm are there for the RHEL-family kinds, and so are the libraries the
# mosquitto rpm's binaries link (an rpm host's "system libraries": the rpm has no dependencies).
readonly SYSTEMD_PACKAGES=systemd,systemd-sysv,dbus,openssh-server,python3,sudo,procps,iproute2,iputils-ping,dnf,rpm,libcjson1,libdlt2,libwrap0,libcap2,libssl3
readonly ARMHF_PACKAGES=openssh-server,python3,sudo,procps,iproute2,iputils-ping
readonly ROOTS_RECIPE=5

# Packages NOT in the amd64 roots, served by the hosts' local apt repository so tests can install
# them. apt-get download resolves no dependencies: git and python3-boto3 (kinesis-bridge.yml) come
# with every package they need on top of the noinit root, as `apt-get -s install` against its dpkg
# status lists them (perl-base and libssl3 are newer versions of root packages that perl and
# openssl require exactly); mosquitto and its clients are for the hosts that start without them.
readonly APT_AMD64_PACKAGES="hello tree jq libjq1 libonig5 \
git git-man liberror-perl libcurl3-gnutls libbrotli1 libldap-2.5-0 libsasl2-2 libsasl2-modules-db \
libnghttp2-14 libpsl5 librtmp1 libssh2-1 perl perl-base perl-modules-5.36 libperl5.36 libgdbm6 \
libgdbm-compat4 libssl3 openssl ca-certificates \
python3-boto3 python3-botocore python3-s3transfer python3-jmespath python3-dateutil python3-six \
python3-urllib3 python3-certifi python3-charset-normalizer python3-idna python3-pkg-resources \
python3-chardet python3-requests \
mosquitto mosquitto-clients libmosquitto1"
# The Pi's repository: what installing these needs on top of the armhf root, resolved by apt
# inside that root while it is being built.
readonly APT_ARMHF_INSTALLS="mosquitto mosquitto-clients hello"

# ---------------------------------------------------------------- helpers

# Unmounts everything at or below a directory in this mount namespace, deepest first; lazy
# unmount as last resort.
mounts_under() { awk -v dir="$1" '$5 == dir || index($5, dir "/") == 1 {print $5}' /proc/self/mountinfo; }
unmount_under() {
  local mount_point
  mounts_under "$1" | sort -r | while read -r mount_point; do
    umount "$mount_point" 2>/dev/null || umount -l "$mount_point" 2>/dev/null || true
  done
}

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

# with_cache_lock ITEM COMMAND...: one builder per cache item at a time, machine-wide
with_cache_lock() {
  local item=$1 fd
  shift
  mkdir -p "$CACHE_DIR/locks"
  exec {fd}>"$CACHE_DIR/locks/$item.lock"
  flock "$fd"
  "$@"
  local status=$?
  flock -u "$fd"
  exec {fd}>&-
  return "$status"
}

is_current() { [[ -f $1/.tsible-stamp && $(cat "$1/.tsible-stamp") == "$2" ]]; }

# install_built DIR NEW: puts a finished build in place. Running hosts may still use the old one
# (as a lower layer or a bind mount): it is moved aside, and removed once no mount names it.
install_built() {
  local dir=$1 new=$2 stale
  if [[ -d $dir ]]; then mv "$dir" "$dir.stale.$(date +%s%N)"; fi
  mv "$new" "$dir"
  for stale in "$dir".stale.*; do
    [[ -d $stale ]] || continue
    grep -qF "$stale" /proc/*/mountinfo 2>/dev/null || rm -rf --one-file-system "$stale"
  done
}

# A builder killed half-way leaves DIR.new.*: it may still hold debootstrap's proc/sys mounts.
remove_leftovers() {
  local leftover
  for leftover in "$1".new.*; do
    [[ -d $leftover ]] || continue
    unmount_under "$leftover"
    rm -rf --one-file-system "$leftover"
  done
}

# in_chroot ROOT COMMAND...: a command inside ROOT with /proc, /sys and /dev, in a private mount
# namespace so nothing it mounts outlives it
in_chroot() {
  local root=$1
  shift
  unshare -m --propagation private -- /bin/sh -c '
    root=$1; shift
    mount -t proc proc "$root/proc" && mount -t sysfs sysfs "$root/sys" && mount --rbind /dev "$root/dev" &&
      exec chroot "$root" "$@"' sh "$root" "$@"
}

# ---------------------------------------------------------------- qemu for the armhf root

# armhf binaries run through qemu-user. The binfmt entry must carry F (the interpreter is opened
# now, so it works inside any chroot) and C (setuid binaries such as sudo keep their credentials;
# without it sudo fails under qemu-user).
readonly QEMU_ARM_BINFMT=/proc/sys/fs/binfmt_misc/qemu-arm
ensure_qemu_arm() {
  [[ -x /usr/libexec/qemu-binfmt/arm-binfmt-P ]] ||
    die "armhf hosts need qemu-user-static (apt-get install qemu-user-static binfmt-support)"
  mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  if [[ -f $QEMU_ARM_BINFMT ]] && grep -q '^flags: .*C' "$QEMU_ARM_BINFMT" && grep -q '^flags: .*F' "$QEMU_ARM_BINFMT" &&
    grep -q '^enabled' "$QEMU_ARM_BINFMT"; then
    return
  fi
  [[ -f $QEMU_ARM_BINFMT ]] && echo -1 >"$QEMU_ARM_BINFMT"
  # magic and mask of a 32-bit little-endian ARM ELF executable, as qemu-user-static's own entry
  printf '%s' ':qemu-arm:M::\x7f\x45\x4c\x46\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/libexec/qemu-binfmt/arm-binfmt-P:POCF' \
    >/proc/sys/fs/binfmt_misc/register
}

# ---------------------------------------------------------------- roots

# Everything the same on every root: test users and their sudo rules, sshd settings, no host keys
# (each host gets its own), and the local repository as the only package source.
configure_root() {
  local root=$1
  rm -f "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*
  echo 'deb [trusted=yes] file:/srv/tsible-repo ./' >"$root/etc/apt/sources.list.d/tsible-local.list"
  rm -rf "$root"/var/lib/apt/lists/*
  rm -f "$root"/var/cache/apt/archives/*.deb
  mkdir -p "$root/srv/tsible-repo" "$root/srv/tsible-rpm"
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
  # a machine id per host comes from systemd at boot (nspawn gives one); none is baked in
  : >"$root/etc/machine-id"
}

# The Pi's identity as Raspberry Pi OS reports it (its os-release is Debian's with its own name).
write_raspbian_os_release() {
  cat >"$1/usr/lib/os-release" <<'EOF'
PRETTY_NAME="Raspbian GNU/Linux 12 (bookworm)"
NAME="Raspbian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=raspbian
ID_LIKE=debian
HOME_URL="http://www.raspbian.org/"
SUPPORT_URL="http://www.raspbian.org/RaspbianForums"
BUG_REPORT_URL="http://www.raspbian.org/RaspbianBugs"
EOF
}

root_packages() {
  case $1 in
    bookworm-noinit) echo "$NOINIT_PACKAGES" ;;
    bookworm-systemd) echo "$SYSTEMD_PACKAGES" ;;
    bookworm-armhf) echo "$ARMHF_PACKAGES" ;;
    *) die "unknown root $1" ;;
  esac
}
root_stamp() { printf 'root=%s\npackages=%s\nrecipe=%s\n' "$1" "$(root_packages "$1")" "$ROOTS_RECIPE"; }

build_root() {
  local name=$1 dir=$CACHE_DIR/roots/$1 stamp
  stamp=$(root_stamp "$name")
  # the armhf root's apt repository is made while the root is built: one without the other is rebuilt
  if is_current "$dir" "$stamp" && [[ $name != bookworm-armhf || -f $CACHE_DIR/repos/apt-armhf/.tsible-stamp ]]; then return; fi
  remove_leftovers "$dir"
  local new=$dir.new.$$ mirror log=$CACHE_DIR/roots/$name.log
  mirror=$(debian_mirror)
  mkdir -p "$CACHE_DIR/roots"
  log "building root $name (debootstrap bookworm, once per machine) ..."
  local started=$SECONDS
  if [[ $name == bookworm-armhf ]]; then
    ensure_qemu_arm
    # the foreign first stage unpacks; the second configures, every binary run through qemu-arm
    if ! { debootstrap --arch=armhf --foreign --variant=minbase --include="$(root_packages "$name")" bookworm "$new" "$mirror" &&
      in_chroot "$new" /debootstrap/debootstrap --second-stage; } >"$log" 2>&1; then
      build_failed "$new" "$log" "debootstrap (armhf)"
    fi
    build_armhf_repo "$new" >>"$log" 2>&1 || build_failed "$new" "$log" "the armhf apt repository"
    write_raspbian_os_release "$new"
  else
    if ! unshare -m --propagation private -- debootstrap --variant=minbase --include="$(root_packages "$name")" bookworm "$new" "$mirror" >"$log" 2>&1; then
      build_failed "$new" "$log" "debootstrap"
    fi
  fi
  configure_root "$new" >>"$log" 2>&1 || build_failed "$new" "$log" "configuring the root"
  echo "$stamp" >"$new/.tsible-stamp"
  install_built "$dir" "$new"
  log "root $name ready in $((SECONDS - started)) s"
}

build_failed() {
  local new=$1 log=$2 what=$3
  tail -n 30 "$log" >&2
  unmount_under "$new"
  rm -rf --one-file-system "$new"
  die "$what failed (full log: $log)"
}

# The Pi's apt repository is resolved inside the armhf root while it still has the mirror as its
# source: apt picks exactly the armhf packages installing APT_ARMHF_INSTALLS needs there.
build_armhf_repo() {
  local root=$1 repo=$CACHE_DIR/repos/apt-armhf new
  new=$repo.new.$$
  rm -rf "$new"
  mkdir -p "$new"
  # shellcheck disable=SC2086 # the list is meant to split into package names
  in_chroot "$root" /bin/sh -c "apt-get update -q && apt-get install -y -q --download-only $APT_ARMHF_INSTALLS"
  mv "$root"/var/cache/apt/archives/*.deb "$new/"
  (cd "$new" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null && gzip -9c Packages >Packages.gz)
  echo "$APT_ARMHF_INSTALLS" >"$new/.tsible-stamp"
  install_built "$repo" "$new"
}

# ---------------------------------------------------------------- layers

# A layer's recipe runs in a chroot over its root; what it changes becomes the layer.
layer_root() {
  case $1 in
    bare) echo bookworm-noinit ;;
    ubuntu | centos | amzn) echo bookworm-systemd ;;
    *) die "unknown layer $1" ;;
  esac
}

# Recipe version of the layers: bump it when a recipe below changes.
readonly LAYERS_RECIPE=2

layer_recipe() {
  local layer=$1 merged=$2
  case $layer in
    bare)
      # a Debian host that never had mosquitto: the role installs it
      in_chroot "$merged" dpkg --purge mosquitto mosquitto-clients libmosquitto1
      ;;
    ubuntu)
      cat >"$merged/usr/lib/os-release" <<'EOF'
PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
UBUNTU_CODENAME=jammy
EOF
      ;;
    centos | amzn)
      # The release package owns os-release and the base repository, as on the real systems;
      # yum is dnf under another name (RHEL 8+, Amazon Linux 2023); there is no apt or dpkg.
      local pattern release
      case $layer in
        centos) pattern='baseos/centos-stream-release-[0-9]*.rpm' ;;
        amzn) pattern='amzn/system-release-[0-9]*.rpm' ;;
      esac
      release=$(compgen -G "$CACHE_DIR/repos/rpm/$pattern" | head -n1)
      # Debian's rpm keeps a database per user (~/.rpmdb); RHEL's rpm has one for the system
      mkdir -p "$merged/var/lib/rpm" "$merged/etc/rpm"
      echo '%_dbpath /var/lib/rpm' >"$merged/etc/rpm/macros.dbpath"
      mkdir -p "$merged/tmp/release"
      cp "$release" "$CACHE_DIR"/repos/rpm/fleet-root-*.rpm "$merged/tmp/release/"
      in_chroot "$merged" /bin/sh -c 'rpm -i --nodeps /tmp/release/*.rpm'
      rm -rf "$merged/tmp/release"
      ln -sf dnf-3 "$merged/usr/bin/yum"
      rm -f "$merged"/usr/bin/apt "$merged"/usr/bin/apt-* "$merged"/usr/bin/dpkg "$merged"/usr/bin/dpkg-*
      ;;
  esac
}

layer_stamp() {
  local layer=$1 extra=""
  [[ $layer == centos || $layer == amzn ]] && extra=$(cat "$CACHE_DIR/repos/rpm/.tsible-stamp")
  printf 'layer=%s\nrecipe=%s\n%s\n%s\n' "$layer" "$LAYERS_RECIPE" "$(root_stamp "$(layer_root "$layer")")" "$extra"
}

build_layer() {
  local layer=$1 dir=$CACHE_DIR/layers/$1 stamp root
  root=$CACHE_DIR/roots/$(layer_root "$layer")
  stamp=$(layer_stamp "$layer")
  is_current "$dir" "$stamp" && return
  remove_leftovers "$dir"
  local new=$dir.new.$$ log=$CACHE_DIR/layers/$layer.log
  mkdir -p "$CACHE_DIR/layers" "$new"/{upper,work,merged}
  log "building layer $layer over $(basename "$root") ..."
  # the overlay lives in its own mount namespace: the recipe runs there, the upper dir stays
  if ! unshare -m --propagation private -- /bin/bash -c "
      set -euo pipefail
      mount -t overlay overlay -o 'lowerdir=$root,upperdir=$new/upper,workdir=$new/work' '$new/merged'
      $(declare -f log die in_chroot layer_recipe)
      CACHE_DIR='$CACHE_DIR'
      layer_recipe '$layer' '$new/merged'" >"$log" 2>&1; then
    build_failed "$new" "$log" "layer $layer"
  fi
  # the upper dir is the layer: files, and whiteouts for what the recipe removed
  local built=$dir.new.$$.layer
  mv "$new/upper" "$built"
  rm -rf --one-file-system "$new"
  echo "$stamp" >"$built/.tsible-stamp"
  install_built "$dir" "$built"
}

# ---------------------------------------------------------------- repositories

build_apt_amd64_repo() {
  local repo=$CACHE_DIR/repos/apt-amd64 new
  is_current "$repo" "$APT_AMD64_PACKAGES" && return
  log "building the local apt repository (amd64) ..."
  new=$repo.new.$$
  rm -rf "$new"
  mkdir -p "$new"
  # shellcheck disable=SC2086 # the list is meant to split into package names
  if ! (cd "$new" && apt-get download $APT_AMD64_PACKAGES >/dev/null 2>"$CACHE_DIR/repos/apt-download.log"); then
    cat "$CACHE_DIR/repos/apt-download.log" >&2
    rm -rf "$new"
    die "apt-get download failed (run apt-get update on the controller?)"
  fi
  (cd "$new" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null && gzip -9c Packages >Packages.gz)
  echo "$APT_AMD64_PACKAGES" >"$new/.tsible-stamp"
  install_built "$repo" "$new"
}

# The RHEL-family repositories, built with rpmbuild and createrepo_c from the specs in rpm/:
#   baseos   CentOS Stream 9's: its release package, epel-release, tsible-demo 1.0
#   epel     mosquitto (repackaged from Debian's amd64 build of 2.0.11: same binaries as the
#            Debian hosts run, laid out and started as EPEL's package does)
#   amzn     Amazon Linux 2023's: its release package, mosquitto, tsible-demo 1.0
#   updates  tsible-demo 1.1, in no host's configuration until a test adds it
readonly RPM_RECIPE=2
rpm_stamp() { printf 'recipe=%s\n%s\n' "$RPM_RECIPE" "$(cat "$SCRIPT_DIR"/rpm/*.spec | sha256sum | cut -d' ' -f1)"; }

build_rpm_repo() {
  local repo=$CACHE_DIR/repos/rpm stamp
  stamp=$(rpm_stamp)
  is_current "$repo" "$stamp" && return
  command -v rpmbuild >/dev/null && command -v createrepo_c >/dev/null ||
    die "RHEL-family hosts need rpmbuild and createrepo_c (apt-get install rpm createrepo-c)"
  log "building the local rpm repositories ..."
  local new=$repo.new.$$ top debs
  rm -rf "$new"
  top=$new/build
  debs=$top/debs
  mkdir -p "$top"/{BUILD,RPMS,SOURCES,SPECS,SRPMS,BUILDROOT} "$debs" "$new"/{baseos,epel,amzn,updates}
  if ! (cd "$debs" && apt-get download mosquitto mosquitto-clients libmosquitto1) >/dev/null 2>"$CACHE_DIR/repos/rpm-download.log"; then
    cat "$CACHE_DIR/repos/rpm-download.log" >&2
    die "apt-get download of mosquitto's Debian packages failed"
  fi
  local deb
  mkdir -p "$top/SOURCES/debroot"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$top/SOURCES/debroot"; done
  local mosquitto_version
  mosquitto_version=$(dpkg-deb -f "$debs"/mosquitto_*.deb Version | sed -E 's/-.*//')
  local spec out
  for spec in "$SCRIPT_DIR"/rpm/*.spec; do
    out=$(rpmbuild --quiet -bb "$spec" --define "_topdir $top" --define "debroot $top/SOURCES/debroot" \
      --define "mosquitto_version $mosquitto_version" 2>&1) || { echo "$out" >&2; die "rpmbuild $(basename "$spec") failed"; }
  done
  local rpms=$top/RPMS
  cp "$rpms"/noarch/centos-stream-release-*.rpm "$rpms"/noarch/epel-release-*.rpm "$rpms"/noarch/tsible-demo-1.0-*.rpm "$new/baseos/"
  cp "$rpms"/x86_64/mosquitto-*.rpm "$new/epel/"
  cp "$rpms"/noarch/system-release-*.rpm "$rpms"/x86_64/mosquitto-*.rpm "$rpms"/noarch/tsible-demo-1.0-*.rpm "$new/amzn/"
  cp "$rpms"/noarch/tsible-demo-1.1-*.rpm "$new/updates/"
  # not in any repository: the layers install it from here
  cp "$rpms"/noarch/fleet-root-*.rpm "$new/"
  local dir
  for dir in baseos epel amzn updates; do createrepo_c -q "$new/$dir"; done
  rm -rf "$top"
  echo "$stamp" >"$new/.tsible-stamp"
  install_built "$repo" "$new"
}

# ---------------------------------------------------------------- what a kind needs

# prepare_kind KIND: every cache item hosts of KIND boot from
prepare_kind() {
  local kind=$1 root layer repo
  root=$(kind_field "$kind" root)
  layer=$(kind_field "$kind" layer)
  repo=$(kind_field "$kind" repo)
  case $repo in
    apt-amd64) with_cache_lock apt-amd64 build_apt_amd64_repo ;;
    rpm) with_cache_lock rpm build_rpm_repo ;;
    apt-armhf) ;; # built with its root
  esac
  with_cache_lock "root-$root" build_root "$root"
  [[ $layer == - ]] || with_cache_lock "layer-$layer" build_layer "$layer"
}
