/**
 * What both tools are given: one inventory (group [mqtt], the fleet's hosts, user deploy with sudo
 * as the plays become root), one group_vars/all.yml beside it that both read, and the one variable
 * change the check --diff scenario passes to both with `-e @change.yml`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BenchHost } from "./fleet.js";

export const BENCH_USER = "deploy";

export const BENCH_BROKER_PORT = 20200;

export const groupVars = `# Written by bench/run.ts: the variables both tsible and Ansible deploy with.
mqtt_broker_port: ${BENCH_BROKER_PORT}
mqtt_username: smc
mqtt_password: "smc pass 1"
mqtt_users:
  - { name: reader, password: "reader-pass" }
  - { name: writer, password: "writer-pass" }
  - { name: bridge, password: "bridge pass & 'q' \\"x\\"" }
mqtt_acl:
  - { user: smc, topic: "#", access: readwrite }
  - { user: reader, topic: "sensors/#", access: read }
  - { user: writer, topic: "sensors/+/temp", access: write }
  - { user: bridge, topic: "devices/#", access: readwrite }
# Each broker bridges out to a broker on its own loopback that does not exist: the bridge file is
# real, and mosquitto's retries never leave the host.
mqtt_bridges:
  - name: cloud
    address: "127.0.0.1:20299"
    remote_clientid: "{{ inventory_hostname }}"
    remote_username: bridge
    remote_password: "bridge pass & 'q' \\"x\\""
    cleansession: true
    topics:
      - { pattern: "test1/+", direction: out, qos: 1, local_prefix: "", remote_prefix: "devices/" }
# No MQTT-client verification in either tool (Ansible has no equivalent of mqtt_check).
mqtt_verify: false
`;

/** The one variable change: the reader may now also read alerts/#, so exactly the ACL file changes */
export const changeVars = `mqtt_acl:
  - { user: smc, topic: "#", access: readwrite }
  - { user: reader, topic: "sensors/#", access: read }
  - { user: reader, topic: "alerts/#", access: read }
  - { user: writer, topic: "sensors/+/temp", access: write }
  - { user: bridge, topic: "devices/#", access: readwrite }
`;

export interface ScenarioFiles {
  inventory: string;
  changeFile: string;
}

/** `connectTimeoutS`: both tools' ansible_timeout (their default is 10 s), for fleets larger than this machine handshakes quickly */
export function writeScenarioFiles(dir: string, hosts: BenchHost[], connectTimeoutS?: number): ScenarioFiles {
  const inventoryDir = path.join(dir, "inventory");
  mkdirSync(path.join(inventoryDir, "group_vars"), { recursive: true });
  const inventory = path.join(inventoryDir, "hosts");
  writeFileSync(
    inventory,
    [
      "[mqtt]",
      ...hosts.map((host) => `${host.name} ansible_host=${host.address} ansible_user=${BENCH_USER} ansible_ssh_private_key_file=${host.keyFile}`),
      "",
    ].join("\n"),
  );
  writeFileSync(path.join(inventoryDir, "group_vars", "all.yml"), connectTimeoutS === undefined ? groupVars : `${groupVars}ansible_timeout: ${connectTimeoutS}\n`);
  const changeFile = path.join(dir, "change.yml");
  writeFileSync(changeFile, changeVars);
  return { inventory, changeFile };
}
