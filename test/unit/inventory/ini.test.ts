import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/inventory/index.js";
import { iniValue } from "../../../src/inventory/ini.js";
import { FIXTURES, inventoryFromText } from "./helpers.js";

describe("INI inventory", () => {
  it("reads the infra hosts file: groups, children, inline vars, ranges, ports", async () => {
    const inventory = await loadInventory([join(FIXTURES, "infra/hosts")]);
    expect(inventory.hosts().map((host) => host.name)).toEqual(["localhost", "broker1", "broker2", "sensor01", "sensor02", "sensor03"]);
    expect(inventory.group("mqtt")?.hosts).toEqual(["broker1", "broker2"]);
    expect(inventory.group("pi")?.hosts).toEqual(["broker2", "sensor01", "sensor02", "sensor03"]);
    expect(inventory.group("pi")?.children).toEqual(["sensors"]);
    expect(inventory.group("sensors")?.parents).toEqual(["pi"]);
    expect(inventory.group("site")?.children).toEqual(["mqtt", "pi"]);
    expect(inventory.group("ungrouped")?.hosts).toEqual(["localhost"]);
    expect(inventory.group("all")?.hosts).toHaveLength(6);

    const broker2 = inventory.host("broker2");
    expect(broker2?.groups).toEqual(["all", "site", "mqtt", "pi"]);
    expect(broker2?.vars).toMatchObject({
      ansible_port: 2222,
      ansible_host: "10.213.1.12",
      ansible_user: "pi",
      ansible_become: true,
      ansible_become_password: "s3cret pass",
      max_inflight: 20,
      mqtt_client_id_prefix: "pi-",
      ansible_python_interpreter: "/usr/bin/python3",
    });
    // inline mqtt_port=1883 is overridden by host_vars/broker1.yml beside the hosts file
    expect(inventory.host("broker1")?.vars).toMatchObject({ ansible_host: "10.213.1.11", mqtt_port: 1884 });
    const groupVarsAll = { mqtt_broker_host: "broker1.example.internal", mqtt_port: 1883, mqtt_log_type: ["error", "warning"], persistence: true };
    expect(inventory.host("sensor03")?.vars).toEqual({
      ...groupVarsAll,
      ansible_host: "10.213.1.20",
      ansible_user: "pi",
      ansible_python_interpreter: "/usr/bin/python3",
      mqtt_client_id_prefix: "pi-",
      max_inflight: 20,
    });
    expect(inventory.host("localhost")?.vars).toEqual({ ...groupVarsAll, ansible_connection: "local" });
  });

  it("puts hosts before any section into ungrouped, and takes them out when grouped later", async () => {
    const inventory = await inventoryFromText("alpha\nbeta\n\n[mqtt]\nbeta\n");
    expect(inventory.group("ungrouped")?.hosts).toEqual(["alpha"]);
    expect(inventory.host("beta")?.groups).toEqual(["all", "mqtt"]);
    expect(inventory.hostVars("alpha")["group_names"]).toEqual(["ungrouped"]);
  });

  it("expands numeric, zero-padded, stepped and letter ranges", async () => {
    const inventory = await inventoryFromText("[web]\nweb[01:03]\nnode[1:9:4]\ndb-[a:c]\nx[1:2]-[a:b]\n");
    expect(inventory.group("web")?.hosts).toEqual([
      "web01", "web02", "web03", "node1", "node5", "node9", "db-a", "db-b", "db-c", "x1-a", "x1-b", "x2-a", "x2-b",
    ]);
  });

  it("ignores # and ; comment lines and # comments after host lines", async () => {
    const inventory = await inventoryFromText("# comment\n; another\n[mqtt] # trailing\nbroker1 mqtt_port=1883 # not=a var\n");
    expect(inventory.host("broker1")?.vars).toEqual({ mqtt_port: 1883 });
  });

  it("keeps quoted values with spaces and '#' inside quotes", async () => {
    const inventory = await inventoryFromText(`broker1 motd="hello world" pass='a#b c' note=plain\n`);
    expect(inventory.host("broker1")?.vars).toEqual({ motd: "hello world", pass: "a#b c", note: "plain" });
  });

  it("reads a [group:vars] value as the rest of the line", async () => {
    const inventory = await inventoryFromText("[mqtt]\nb1\n[mqtt:vars]\nbanner = Welcome to the broker\nport=1883\nquoted=\"1883\"\n");
    expect(inventory.host("b1")?.vars).toEqual({ banner: "Welcome to the broker", port: 1883, quoted: "1883" });
  });

  it("a later line for the same host adds to its variables", async () => {
    const inventory = await inventoryFromText("[a]\nh1 x=1 y=1\n[b]\nh1 y=2\n");
    expect(inventory.host("h1")?.vars).toEqual({ x: 1, y: 2 });
    expect(inventory.host("h1")?.groups).toEqual(["all", "a", "b"]);
  });

  it("creates a group named only in [x:children] when it is declared later in the file", async () => {
    const inventory = await inventoryFromText("[site:children]\nmqtt\n[mqtt]\nbroker1\n");
    expect(inventory.group("site")?.hosts).toEqual(["broker1"]);
  });
});

describe("INI value types", () => {
  it("reads Python literals as Ansible does", () => {
    expect(iniValue("x", "1883")).toBe(1883);
    expect(iniValue("x", "-5")).toBe(-5);
    expect(iniValue("x", "1.5")).toBe(1.5);
    expect(iniValue("x", "0x1F")).toBe(31);
    expect(iniValue("x", "True")).toBe(true);
    expect(iniValue("x", "None")).toBe(null);
    expect(iniValue("x", "'5'")).toBe("5");
    expect(iniValue("x", "[1, 'a']")).toEqual([1, "a"]);
    expect(iniValue("x", "{'a': 1, 'b': [True]}")).toEqual({ a: 1, b: [true] });
    expect(iniValue("x", "(1, 2)")).toEqual([1, 2]);
  });

  it("keeps what is not a Python literal as text", () => {
    expect(iniValue("x", "0644")).toBe("0644");
    expect(iniValue("x", "10.213.1.11")).toBe("10.213.1.11");
    expect(iniValue("x", "web01")).toBe("web01");
    expect(iniValue("x", "FALSEY")).toBe("FALSEY");
    expect(iniValue("x", "1.2.3")).toBe("1.2.3");
  });

  it("reads true/false/yes/no in any case as booleans", () => {
    expect(iniValue("x", "true")).toBe(true);
    expect(iniValue("x", "yes")).toBe(true);
    expect(iniValue("x", "FALSE")).toBe(false);
    expect(iniValue("x", "No")).toBe(false);
  });

  it("keeps connection strings as strings", () => {
    expect(iniValue("ansible_password", "1234")).toBe("1234");
    expect(iniValue("ansible_become_password", "'quoted pass'")).toBe("quoted pass");
    expect(iniValue("ansible_user", "True")).toBe("True");
  });
});
