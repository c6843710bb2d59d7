import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/inventory/index.js";
import { FIXTURES, inventoryFromText } from "./helpers.js";

describe("YAML inventory", () => {
  it("reads the aws inventory: nested children, group vars, ranges, ports", async () => {
    const inventory = await loadInventory([join(FIXTURES, "aws/hosts.yml")]);
    expect(inventory.hosts().map((host) => host.name)).toEqual([
      "mqtt-eu-1.example.internal",
      "mqtt-eu-2.example.internal",
      "mqtt-us-1.example.internal",
    ]);
    expect(inventory.group("aws")?.children).toEqual(["aws_eu", "aws_us"]);
    expect(inventory.group("aws_us")?.parents).toEqual(["aws", "mqtt"]);
    expect(inventory.group("mqtt")?.hosts).toEqual(["mqtt-eu-1.example.internal", "mqtt-eu-2.example.internal", "mqtt-us-1.example.internal"]);
    expect(inventory.host("mqtt-us-1.example.internal")).toEqual({
      name: "mqtt-us-1.example.internal",
      groups: ["all", "aws", "mqtt", "aws_us"],
      vars: {
        ansible_user: "ec2-user",
        ansible_ssh_private_key_file: "~/.ssh/aws-mqtt.pem",
        ansible_become: true,
        bridge_to: "mqtt-eu-1.example.internal",
        ansible_host: "10.213.2.21",
        ansible_port: 2222,
        region: "us-east-1",
      },
    });
    expect(inventory.host("mqtt-eu-2.example.internal")?.vars["region"]).toBe("eu-west-1");
    expect(inventory.hostVars("mqtt-eu-2.example.internal")["inventory_hostname_short"]).toBe("mqtt-eu-2");
  });

  it("reads YAML 1.1 values as Ansible's PyYAML does", async () => {
    const inventory = await inventoryFromText(
      "all:\n  hosts:\n    b1:\n      a: yes\n      b: off\n      c: n\n      d: 0644\n      e: '0644'\n      f: 2024-01-01\n",
      "hosts.yml",
    );
    expect(inventory.host("b1")?.vars).toEqual({ a: true, b: false, c: "n", d: 420, e: "0644", f: "2024-01-01" });
  });

  it("accepts groups at the top level, empty groups and hosts, and host:port keys", async () => {
    const inventory = await inventoryFromText(
      "mqtt:\n  hosts:\n    broker1:\n    'broker2:2200':\nempty:\nall:\n  vars:\n    tz: UTC\n",
      "inv.yaml",
    );
    expect(inventory.group("mqtt")?.hosts).toEqual(["broker1", "broker2"]);
    expect(inventory.group("empty")?.hosts).toEqual([]);
    expect(inventory.host("broker2")?.vars).toEqual({ tz: "UTC", ansible_port: 2200 });
    expect(inventory.group("all")?.children).toEqual(["ungrouped", "mqtt", "empty"]);
  });

  it("reads a YAML inventory without extension by its content", async () => {
    const inventory = await inventoryFromText("all:\n  children:\n    mqtt:\n      hosts:\n        broker1:\n", "hosts");
    expect(inventory.group("mqtt")?.hosts).toEqual(["broker1"]);
  });

  it("expands ranges in host names", async () => {
    const inventory = await inventoryFromText("all:\n  hosts:\n    pi-[a:b][1:2]:\n      ansible_user: pi\n", "hosts.yml");
    expect(inventory.hosts().map((host) => host.name)).toEqual(["pi-a1", "pi-a2", "pi-b1", "pi-b2"]);
    expect(inventory.host("pi-b2")?.vars).toEqual({ ansible_user: "pi" });
  });
});
