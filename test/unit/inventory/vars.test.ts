import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/inventory/index.js";
import { FIXTURES, writeTree } from "./helpers.js";

describe("inventory variable precedence", () => {
  it("applies all nine inventory levels in Ansible's order", async () => {
    // level L sets upto_L .. upto_9 to "L<L>", so upto_K must come from level K
    const inventory = await loadInventory([join(FIXTURES, "precedence/inventory/hosts")], {
      playbookDir: join(FIXTURES, "precedence/playbook"),
    });
    expect(inventory.host("broker1")?.vars).toEqual({
      upto_1: "L1", // [all:vars] in the inventory file
      upto_2: "L2", // group_vars/all.yml beside the inventory
      upto_3: "L3", // group_vars/all.yml beside the playbook
      upto_4: "L4", // [mqtt:vars] in the inventory file
      upto_5: "L5", // group_vars/mqtt.yml beside the inventory
      upto_6: "L6", // group_vars/mqtt.json beside the playbook
      upto_7: "L7", // inline host vars
      upto_8: "L8", // host_vars/broker1.yml beside the inventory
      upto_9: "L9", // host_vars/broker1.yml beside the playbook
    });
  });

  it("merges group_vars/<group>/ files in lexical order and replaces, not deep-merges", async () => {
    const inventory = await loadInventory([join(FIXTURES, "infra/hosts")]);
    expect(inventory.host("broker1")?.vars["mosquitto_listeners"]).toEqual([{ port: 8883, tls: true }]);
    expect(inventory.host("broker1")?.vars["mosquitto_allow_anonymous"]).toBe(false);
    expect(inventory.group("mqtt")?.vars).toEqual({ mosquitto_listeners: [{ port: 8883, tls: true }], mosquitto_allow_anonymous: false });
  });

  it("lets playbook group_vars and host_vars (with no extension) override the inventory's", async () => {
    const inventory = await loadInventory([join(FIXTURES, "infra")], { playbookDir: join(FIXTURES, "playbook") });
    expect(inventory.host("broker1")?.vars).toMatchObject({ mqtt_broker_host: "mqtt.example.internal", mosquitto_allow_anonymous: true, mqtt_port: 1884 });
    expect(inventory.host("broker2")?.vars["mqtt_port"]).toBe(1890);
    expect(inventory.host("sensor01")?.vars["mqtt_broker_host"]).toBe("mqtt.example.internal");
  });

  it("applies parents before children, then same-depth groups alphabetically, then ansible_group_priority", async () => {
    const root = await writeTree({
      hosts: [
        "[eu:children]", "eu_brokers",
        "[eu_brokers]", "b1",
        "[zulu]", "b1",
        "[alpha]", "b1",
        "[eu:vars]", "site=parent", "color=eu",
        "[eu_brokers:vars]", "site=child",
        "[alpha:vars]", "color=alpha", "shade=alpha",
        "[zulu:vars]", "color=zulu", "shade=zulu",
      ].join("\n"),
    });
    const inventory = await loadInventory([join(root, "hosts")]);
    // eu (depth 1) < alpha, zulu (depth 1, by name) ... eu_brokers is deeper (2) so it wins
    expect(inventory.host("b1")?.groups).toEqual(["all", "alpha", "eu", "zulu", "eu_brokers"]);
    expect(inventory.host("b1")?.vars).toEqual({ site: "child", color: "zulu", shade: "zulu" });

    const prioritised = await writeTree({
      hosts: "[zulu]\nb1\n[alpha]\nb1\n[alpha:vars]\nshade=alpha\nansible_group_priority=10\n[zulu:vars]\nshade=zulu\n",
    });
    const withPriority = await loadInventory([join(prioritised, "hosts")]);
    expect(withPriority.host("b1")?.vars["shade"]).toBe("alpha");
  });

  it("reads several sources in order: later host and group vars replace earlier ones", async () => {
    const root = await writeTree({
      "a/hosts": "[mqtt]\nb1 port=1\nb2\n[mqtt:vars]\nlevel=a\n",
      "b/hosts.yml": "all:\n  children:\n    mqtt:\n      hosts:\n        b1: {port: 2}\n        b3:\n      vars:\n        level: b\n",
      "b/group_vars/mqtt.yml": "from_b_dir: true\n",
    });
    const inventory = await loadInventory([join(root, "a/hosts"), join(root, "b/hosts.yml")]);
    expect(inventory.hosts().map((host) => host.name)).toEqual(["b1", "b2", "b3"]);
    expect(inventory.host("b1")?.vars).toEqual({ port: 2, level: "b", from_b_dir: true });
    expect(inventory.host("b2")?.vars).toEqual({ level: "b", from_b_dir: true });
  });

  it("reads every inventory file of a directory and skips README, .md and vars dirs", async () => {
    const inventory = await loadInventory([join(FIXTURES, "infra")]);
    expect(inventory.hosts().map((host) => host.name)).toEqual(["localhost", "broker1", "broker2", "sensor01", "sensor02", "sensor03"]);
    const root = await writeTree({
      "inv/10-brokers": "[mqtt]\nbroker1\n",
      "inv/20-aws.yml": "all:\n  children:\n    aws:\n      hosts:\n        ec2-1:\n",
      "inv/README": "Just notes\n[not an inventory]\n",
      "inv/notes.md": "# notes\n",
      "inv/group_vars/all.yml": "owner: ops\n",
    });
    const fromDir = await loadInventory([join(root, "inv")]);
    expect(fromDir.hosts().map((host) => host.name)).toEqual(["broker1", "ec2-1"]);
    expect(fromDir.host("ec2-1")?.vars).toEqual({ owner: "ops" });
  });

  it("accepts a comma-separated host list as a source", async () => {
    const inventory = await loadInventory(["broker1,10.213.1.12:2222,"]);
    expect(inventory.hosts().map((host) => host.name)).toEqual(["broker1", "10.213.1.12"]);
    expect(inventory.host("10.213.1.12")?.vars).toEqual({ ansible_port: 2222 });
    expect(inventory.group("ungrouped")?.hosts).toEqual(["broker1", "10.213.1.12"]);
  });

  it("types connection variables: yes/'true' become booleans, a quoted port a number", async () => {
    const root = await writeTree({ "hosts.yml": "all:\n  hosts:\n    b1:\n      ansible_become: 'yes'\n      ansible_port: '2222'\n" });
    const inventory = await loadInventory([join(root, "hosts.yml")]);
    expect(inventory.host("b1")?.vars).toEqual({ ansible_become: true, ansible_port: 2222 });
  });
});

describe("magic variables", () => {
  it("adds inventory_hostname, inventory_hostname_short, group_names and groups", async () => {
    const inventory = await loadInventory([join(FIXTURES, "infra/hosts"), join(FIXTURES, "aws/hosts.yml")]);
    const vars = inventory.hostVars("mqtt-eu-1.example.internal");
    expect(vars["inventory_hostname"]).toBe("mqtt-eu-1.example.internal");
    expect(vars["inventory_hostname_short"]).toBe("mqtt-eu-1");
    expect(vars["group_names"]).toEqual(["aws", "aws_eu", "mqtt", "site"]);
    const groups = vars["groups"] as Record<string, string[]>;
    expect(groups["mqtt"]).toEqual(["broker1", "broker2", "mqtt-eu-1.example.internal", "mqtt-eu-2.example.internal", "mqtt-us-1.example.internal"]);
    expect(groups["ungrouped"]).toEqual(["localhost"]);
    expect(groups["all"]).toHaveLength(9);
    expect(vars["region"]).toBe("eu-west-1");
  });

  it("keeps an IP address whole in inventory_hostname_short", async () => {
    const inventory = await loadInventory(["10.213.1.5,"]);
    expect(inventory.hostVars("10.213.1.5")["inventory_hostname_short"]).toBe("10.213.1.5");
  });

  it("returns every host's vars from allHostVars", async () => {
    const inventory = await loadInventory([join(FIXTURES, "infra/hosts")]);
    const all = inventory.allHostVars();
    expect(Object.keys(all)).toEqual(["localhost", "broker1", "broker2", "sensor01", "sensor02", "sensor03"]);
    expect(all["broker2"]?.["ansible_port"]).toBe(2222);
    expect(all["broker2"]?.["group_names"]).toEqual(["mqtt", "pi", "site"]);
  });

  it("answers an implicit localhost with a local connection and the vars of all", async () => {
    const inventory = await loadInventory([join(FIXTURES, "aws/hosts.yml")]);
    expect(inventory.selectHosts("localhost")).toEqual(["localhost"]);
    expect(inventory.host("localhost")).toEqual({ name: "localhost", groups: [], vars: { ansible_connection: "local" } });
    expect(inventory.hosts().map((host) => host.name)).not.toContain("localhost");
  });
});
