import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { inventoryGraph, inventoryHost, inventoryList, readInventoryView } from "../../../src/inventory/list.js";

const AWS_HOSTS = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/inventory-edit/aws/hosts");
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function inventoryFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tsible-list-"));
  dirs.push(dir);
  await writeFile(join(dir, "hosts"), text);
  return join(dir, "hosts");
}

describe("inventoryList (ansible-inventory --list)", () => {
  it("prints each group's own hosts and children, merged hostvars, keys sorted, secrets masked", async () => {
    const view = await readInventoryView([AWS_HOSTS]);
    expect(JSON.parse(inventoryList(view))).toEqual({
      _meta: {
        hostvars: {
          "mqtt.aws1.dev.example.com": { ansible_become: true, ansible_host: "10.213.0.10", ansible_user: "ec2-user" },
          "mqtt.aws2.dev.example.com": { ansible_become: true, ansible_host: "10.213.0.11", ansible_user: "ec2-user", mqtt_password: "********" },
          sensor01: { ansible_become: true, ansible_host: "10.213.0.20", ansible_user: "ec2-user" },
          sensor02: { ansible_become: true, ansible_host: "10.213.0.21", ansible_user: "ec2-user", motd: "hello world" },
        },
      },
      all: { children: ["ungrouped", "aws"] },
      aws: { children: ["mqtt", "sensors"] },
      mqtt: { hosts: ["mqtt.aws1.dev.example.com", "mqtt.aws2.dev.example.com"] },
      sensors: { hosts: ["sensor01", "sensor02"] },
    });
    // Python's json.dumps(sort_keys=True, indent=4), as ansible-inventory prints
    expect(inventoryList(view).split("\n").slice(0, 8).join("\n")).toBe(
      '{\n    "_meta": {\n        "hostvars": {\n            "mqtt.aws1.dev.example.com": {\n                "ansible_become": true,\n                "ansible_host": "10.213.0.10",\n                "ansible_user": "ec2-user"\n            },',
    );
    expect(inventoryList(view)).not.toContain("s3cretpw");
  });

  it("--export puts group vars on the group and only each host's own vars in hostvars", async () => {
    const view = await readInventoryView([AWS_HOSTS]);
    const listed = JSON.parse(inventoryList(view, { exported: true })) as Record<string, unknown>;
    expect(listed["aws"]).toEqual({ children: ["mqtt", "sensors"], vars: { ansible_become: true, ansible_user: "ec2-user" } });
    expect(listed["_meta"]).toEqual({
      hostvars: {
        "mqtt.aws1.dev.example.com": { ansible_host: "10.213.0.10" },
        "mqtt.aws2.dev.example.com": { ansible_host: "10.213.0.11", mqtt_password: "********" },
        sensor01: { ansible_host: "10.213.0.20" },
        sensor02: { ansible_host: "10.213.0.21", motd: "hello world" },
      },
    });
  });

  it("masks short secrets by name and secret values inside other values; --show-secrets prints them", async () => {
    const file = await inventoryFile(
      "h1 ansible_become_password=ab api_token=tok-123456 bridge_url=mqtt://u:tok-123456@example.com\n[g:children]\n[g]\n",
    );
    const view = await readInventoryView([file]);
    expect(JSON.parse(inventoryList(view))).toEqual({
      _meta: { hostvars: { h1: { ansible_become_password: "********", api_token: "********", bridge_url: "mqtt://u:********@example.com" } } },
      all: { children: ["ungrouped", "g"] },
      ungrouped: { hosts: ["h1"] },
    });
    expect(JSON.parse(inventoryList(view, { showSecrets: true }))._meta.hostvars.h1).toEqual({
      ansible_become_password: "ab",
      api_token: "tok-123456",
      bridge_url: "mqtt://u:tok-123456@example.com",
    });
  });

  it("a host listed directly in a group and in its child group is listed in both, as Ansible does", async () => {
    const view = await readInventoryView([await inventoryFile("[parent]\nh1\n[child]\nh1\n[parent:children]\nchild\n")]);
    expect(JSON.parse(inventoryList(view))).toEqual({
      _meta: { hostvars: {} },
      all: { children: ["ungrouped", "parent"] },
      parent: { hosts: ["h1"], children: ["child"] },
      child: { hosts: ["h1"] },
    });
  });
});

describe("inventoryHost (ansible-inventory --host)", () => {
  it("prints the host's merged vars, secrets masked", async () => {
    const view = await readInventoryView([AWS_HOSTS]);
    expect(inventoryHost(view, "mqtt.aws2.dev.example.com")).toBe(
      '{\n    "ansible_become": true,\n    "ansible_host": "10.213.0.11",\n    "ansible_user": "ec2-user",\n    "mqtt_password": "********"\n}\n',
    );
  });

  it("an unknown host is a UserError", async () => {
    const view = await readInventoryView([AWS_HOSTS]);
    expect(() => inventoryHost(view, "nothere")).toThrow(UserError);
  });
});

describe("inventoryGraph (ansible-inventory --graph)", () => {
  it("draws the tree from all", async () => {
    const view = await readInventoryView([AWS_HOSTS]);
    expect(inventoryGraph(view)).toBe(
      [
        "@all:",
        "  |--@ungrouped:",
        "  |--@aws:",
        "  |  |--@mqtt:",
        "  |  |  |--mqtt.aws1.dev.example.com",
        "  |  |  |--mqtt.aws2.dev.example.com",
        "  |  |--@sensors:",
        "  |  |  |--sensor01",
        "  |  |  |--sensor02",
        "",
      ].join("\n"),
    );
  });

  it("from a group, with --vars: host vars under each host, group vars after its hosts, secrets masked", async () => {
    const view = await readInventoryView([AWS_HOSTS]);
    expect(inventoryGraph(view, "mqtt", { vars: true })).toBe(
      [
        "@mqtt:",
        "  |--mqtt.aws1.dev.example.com",
        "  |  |--{ansible_become = True}",
        "  |  |--{ansible_host = 10.213.0.10}",
        "  |  |--{ansible_user = ec2-user}",
        "  |--mqtt.aws2.dev.example.com",
        "  |  |--{ansible_become = True}",
        "  |  |--{ansible_host = 10.213.0.11}",
        "  |  |--{ansible_user = ec2-user}",
        "  |  |--{mqtt_password = ********}",
        "",
      ].join("\n"),
    );
    expect(inventoryGraph(view, "aws", { vars: true }).split("\n").slice(-3)).toEqual(["  |--{ansible_become = True}", "  |--{ansible_user = ec2-user}", ""]);
  });

  it("an unknown group is a UserError", async () => {
    const view = await readInventoryView([AWS_HOSTS]);
    expect(() => inventoryGraph(view, "nothere")).toThrow(/group 'nothere' is not in the inventory/);
  });
});
