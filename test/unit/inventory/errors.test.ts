import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { loadInventory } from "../../../src/inventory/index.js";
import { aliasBomb } from "../../helpers/yaml-bomb.js";
import { writeTree } from "./helpers.js";

/** Loads a one-file inventory and returns the UserError it raises, formatted. */
async function errorOf(files: Record<string, string>, source = Object.keys(files)[0] ?? "", playbookDir?: string): Promise<{ error: UserError; text: string; root: string }> {
  const root = await writeTree(files);
  try {
    await loadInventory([join(root, source)], playbookDir === undefined ? {} : { playbookDir: join(root, playbookDir) });
  } catch (error) {
    if (error instanceof UserError) return { error, text: error.format().replaceAll(root + "/", ""), root };
    throw error;
  }
  throw new Error("expected a UserError");
}

describe("inventory errors name the file and line", () => {
  it("a section of unknown type", async () => {
    const { text } = await errorOf({ hosts: "[mqtt]\nb1\n\n[mqtt:hosts2]\n" });
    expect(text).toMatch(/^hosts:4: section \[mqtt:hosts2\] has unknown type 'hosts2'/);
  });

  it("a malformed section header", async () => {
    const { text } = await errorOf({ hosts: "[mqtt brokers]\nb1\n" });
    expect(text).toMatch(/^hosts:1: invalid section header '\[mqtt brokers\]'/);
  });

  it("a host line with a word that is not key=value", async () => {
    const { text } = await errorOf({ hosts: "[mqtt]\nb1 ansible_host=10.213.1.1 oops\n" });
    expect(text).toMatch(/^hosts:2: expected key=value after host 'b1', got 'oops'/);
  });

  it("an unclosed quote", async () => {
    const { text } = await errorOf({ hosts: "b1 motd='hello\n" });
    expect(text).toMatch(/^hosts:1: cannot read host line .*no closing quotation/);
  });

  it("a [group:vars] line without '='", async () => {
    const { text } = await errorOf({ hosts: "[mqtt]\nb1\n[mqtt:vars]\nport 1883\n" });
    expect(text).toMatch(/^hosts:4: expected key=value, got 'port 1883'/);
  });

  it("a bad host range", async () => {
    const { text } = await errorOf({ hosts: "[web]\nweb[10:01]\n" });
    expect(text).toMatch(/^hosts:2: invalid host 'web\[10:01\]': .*greater than end/);
    const padded = await errorOf({ hosts: "web[01:100]\n" });
    expect(padded.text).toMatch(/^hosts:1: invalid host .*same width/);
  });

  it("a [x:children] naming a group that is never defined (as Ansible)", async () => {
    const { text, error } = await errorOf({ hosts: "[site:children]\nmqtt\nmqtt_eu\n[mqtt]\nb1\n" });
    expect(text).toMatch(/^hosts:3: section \[site:children\] includes undefined group 'mqtt_eu'/);
    expect(error.hint).toMatch(/add a \[mqtt_eu\] section/);
  });

  it("a [x:vars] for a group that is never defined (as Ansible)", async () => {
    const { text } = await errorOf({ hosts: "[mqtt]\nb1\n[mqt:vars]\nport=1883\n" });
    expect(text).toMatch(/^hosts:3: section \[mqt:vars\] is for a group that is never defined/);
  });

  it("a group that is its own ancestor", async () => {
    const { text } = await errorOf({ hosts: "[a:children]\nb\n[b:children]\nc\n[c:children]\na\n" });
    expect(text).toMatch(/^hosts:6: making 'a' a child of 'c' creates a loop: a -> b -> c -> a/);
    const yaml = await errorOf({ "hosts.yml": "all:\n  children:\n    a:\n      children:\n        a:\n" });
    expect(yaml.text).toMatch(/^hosts.yml:5:9: making 'a' a child of 'a' creates a loop/);
  });

  it("YAML syntax errors carry line and column", async () => {
    const { text } = await errorOf({ "hosts.yml": "all:\n  hosts:\n    b1:\n      port: [1883\n" });
    expect(text).toMatch(/^hosts.yml:5:1: invalid YAML: /);
    const tabs = await errorOf({ "hosts.yml": "all:\n  hosts:\n    b1: {\n" });
    expect(tabs.text).toMatch(/^hosts.yml:\d+:\d+: invalid YAML/);
  });

  it("an unexpected key in a YAML group", async () => {
    const { text } = await errorOf({ "hosts.yml": "all:\n  children:\n    mqtt:\n      host:\n        b1:\n" });
    expect(text).toMatch(/^hosts.yml:4:7: unexpected key 'host' in group 'mqtt'/);
  });

  it("YAML hosts written as a list", async () => {
    const { text, error } = await errorOf({ "hosts.yml": "all:\n  hosts:\n    - b1\n    - b2\n" });
    expect(text).toMatch(/^hosts.yml:2:3: 'hosts' of group 'all' must be a mapping/);
    expect(error.hint).toMatch(/not as a '- name' list/);
  });

  it("a host_vars file that is not a mapping", async () => {
    const { text } = await errorOf({ hosts: "b1\n", "host_vars/b1.yml": "- port: 1883\n" });
    expect(text).toMatch(/^host_vars\/b1.yml:1:1: a vars file must be a mapping/);
  });

  it("a group_vars file with a YAML error, beside the playbook", async () => {
    const { text } = await errorOf({ "inv/hosts": "[mqtt]\nb1\n", "play/group_vars/mqtt.yml": "port: 1883\nport: 1884\n" }, "inv/hosts", "play");
    expect(text).toMatch(/^play\/group_vars\/mqtt.yml:2:1: invalid YAML: Map keys must be unique/);
  });

  it("a connection variable with a bad value names where it was set", async () => {
    const { text } = await errorOf({ hosts: "[mqtt]\nb1\n[mqtt:vars]\nansible_port=ssh\n" });
    expect(text).toMatch(/^hosts:4: host 'b1': ansible_port is "ssh", expected a port number/);
    const become = await errorOf({ hosts: "b1\n", "group_vars/all.yml": "ansible_become: maybe\n" });
    expect(become.text).toMatch(/^group_vars\/all.yml: host 'b1': ansible_become is "maybe", expected a boolean/);
  });

  it("an alias bomb in group_vars or a YAML inventory, refused at once", async () => {
    const started = Date.now();
    const vars = await errorOf({ hosts: "b1\n", "group_vars/all.yml": aliasBomb(8) });
    expect(vars.text).toMatch(/^group_vars\/all.yml:\d+:\d+: YAML aliases expand to too many values/);
    expect(vars.text).toMatch(/alias bomb/);
    const inventory = await errorOf({ "hosts.yml": `all:\n  vars:\n${aliasBomb(8).trimEnd().replace(/^/gm, "    ")}\n  hosts:\n    b1:\n` });
    expect(inventory.text).toMatch(/^hosts.yml:\d+:\d+: YAML aliases expand to too many values/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a source that does not exist", async () => {
    await expect(loadInventory(["/nonexistent/inventory/hosts"])).rejects.toThrow(/inventory source '\/nonexistent\/inventory\/hosts' does not exist/);
    const error = await loadInventory(["/nonexistent/hosts"]).catch((caught: unknown) => caught);
    expect((error as UserError).hint).toMatch(/comma-separated host list/);
  });

  it("an empty YAML inventory and a plugin configuration file", async () => {
    expect((await errorOf({ "hosts.yml": "# nothing\n" })).text).toMatch(/^hosts.yml: the YAML inventory is empty/);
    // a file named *aws_ec2.yml is an EC2 source (aws-ec2.test.ts); under any other name a plugin file is refused
    expect((await errorOf({ "ec2.yml": "plugin: amazon.aws.aws_ec2\n" })).text).toMatch(/^ec2.yml:1:1: inventory plugin configuration files are not supported/);
  });
});
