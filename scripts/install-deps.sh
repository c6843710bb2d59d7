#!/usr/bin/env bash
# Installs what tsible and its tests need on a fresh Debian (bookworm) machine, as root:
# Debian packages for the test fleet and the broker tests, then the npm dependencies (npm ci also
# builds tsible: package.json's prepare script runs tsc).
#   bash scripts/install-deps.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

if [[ $(id -u) -ne 0 ]]; then
  echo "run as root: the test hosts need network namespaces, mounts and debootstrap" >&2
  exit 1
fi

# debootstrap builds the test hosts' root filesystems, iproute2 their network namespaces,
# util-linux unshare/setsid/flock, openssh-client talks to them, dpkg-dev indexes their local apt
# repository; systemd-container boots the systemd hosts (systemd-nspawn), qemu-user-static and
# binfmt-support run the armhf Pi, rpm (rpmbuild) and createrepo-c build the RHEL-family hosts'
# rpm repositories; mosquitto and its clients let tests run a broker on loopback and talk MQTT;
# ansible-core is the reference tsible is compared with (ansible-vault's files both ways, the
# bytes Ansible renders from a Jinja template, the results a playbook registers); ansible (its
# amazon.aws collection) and python3-boto3 run Ansible's own aws_ec2 inventory plugin for the
# EC2 source's comparison.
apt-get update -q
apt-get install -y -q --no-install-recommends \
  debootstrap iproute2 util-linux openssh-client dpkg-dev procps gzip kmod ca-certificates \
  systemd-container qemu-user-static binfmt-support rpm createrepo-c \
  mosquitto mosquitto-clients ansible-core ansible python3-boto3 </dev/null
# the package starts a broker on 1883 where an init system runs; tests use their own ports
service mosquitto stop >/dev/null 2>&1 || true

npm ci --no-audit --no-fund </dev/null
