#!/usr/bin/env bash
# The main job, end to end, on this machine (Debian, as root): install tsible, start one local
# test host (a network namespace running sshd; see test/fleet/README.md), deploy a Mosquitto broker
# to it with playbooks/mosquitto.yml, and prove that publish/subscribe works through it with the
# real mosquitto clients. The test host is torn down at the end, whatever happens.
#   bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

bash scripts/install-deps.sh

export TSIBLE_FLEET_ID=${TSIBLE_FLEET_ID:-90}
trap 'test/fleet/fleet.sh down >/dev/null 2>&1 || true' EXIT
hosts_json=$(test/fleet/fleet.sh up 1 | tail -n 1)
state=$(dirname "$hosts_json")
address=$(node -e 'console.log(require(process.argv[1]).hosts[0].address)' "$hosts_json")

# an infra inventory laid out like the team's: hosts file + group_vars
demo=$(mktemp -d)
mkdir -p "$demo/group_vars"
cat >"$demo/hosts" <<INI
[mqtt]
mqtt.demo.dev.example.com ansible_host=$address ansible_user=deploy ansible_ssh_private_key_file=$state/id_ed25519
INI
cp inventories/example/group_vars/all.yml "$demo/group_vars/all.yml"
cat >>"$demo/group_vars/all.yml" <<'YAML'
mqtt_users:
  - { name: sensor, password: demo-sensor-pass }
mqtt_acl:
  - { user: smc, topic: "#", access: readwrite }
  - { user: sensor, topic: "sensors/#", access: write }
YAML

echo "== first run: deploy the broker"
npx tsible play playbooks/mosquitto.yml -i "$demo/hosts" --known-hosts "$state/known_hosts"
echo "== second run: nothing to change"
npx tsible play playbooks/mosquitto.yml -i "$demo/hosts" --known-hosts "$state/known_hosts"

echo "== publish as 'sensor', receive as 'smc', through the broker at $address:20200"
out=$(mktemp)
mosquitto_sub -h "$address" -p 20200 -u smc -P change-me-example-only -t 'sensors/#' -v -C 1 -W 10 >"$out" &
sub=$!
sleep 1
mosquitto_pub -h "$address" -p 20200 -u sensor -P demo-sensor-pass -t sensors/demo/temp -m 21.5
wait "$sub" || true
if [[ $(cat "$out") == "sensors/demo/temp 21.5" ]]; then
  echo "pub/sub works: received '$(cat "$out")'"
else
  echo "pub/sub FAILED: received '$(cat "$out")'" >&2
  exit 1
fi
rm -rf "$demo" "$out"
echo "repo: $repo"
