/**
 * compose, groups and keyed_groups against the real Ansible: the aws_ec2 plugin builds its
 * groups with ansible-core's "constructed" features, which ansible-core's own `constructed`
 * inventory plugin applies too. The instances' variables as tsible reads them (from the
 * recordings served on 127.0.0.1; no AWS call is made) are written as a static inventory, and
 * `ansible-inventory` with a constructed source of the same options must build the same groups
 * and variables as tsible's EC2 source.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InventoryData } from "../../../src/inventory/model.js";
import { readSource } from "../../../src/inventory/sources.js";
import { recordedAccount, startEc2Endpoint, type Ec2Endpoint } from "./aws-ec2-endpoint.js";
import { writeTree } from "./helpers.js";

const run = promisify(execFile);
let endpoint: Ec2Endpoint;

beforeEach(async () => {
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  vi.stubEnv("AWS_CONFIG_FILE", "/nonexistent/tsible-test/aws-config");
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/tsible-test/aws-credentials");
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
  // Ansible would render the recorded Notes tag's {{ lookup(...) }} (tsible keeps it as text): left out here
  endpoint = await startEc2Endpoint((request) => {
    const reply = recordedAccount(request);
    return { ...reply, body: reply.body.replace(/<item>\s*<key>Notes<\/key>[\s\S]*?<\/item>/, "") };
  });
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await endpoint.close();
});

const SOURCE = `regions: [us-east-1, eu-west-1]
hostnames: [tag:Name, private-ip-address]
`;

const CONSTRUCTED = `strict: false
compose:
  ansible_host: public_ip_address | default(private_ip_address)
  mqtt_role: tags.Role | upper
  zone: placement.availability_zone
  missing: tags.Owner
groups:
  running: state.name == 'running'
  arm_sensors: architecture == 'arm64' and 'sensor' in tags.Role
  has.dots: "'broker' in mqtt_role | lower"
  not_in_vpc: vpc_id is not defined
keyed_groups:
  - key: tags.Role
    prefix: role
  - key: placement.region
    prefix: aws_region
    parent_group: regions
  - key: tags.Env
    prefix: env
    default_value: unset
  - key: tags
    prefix: tag
  - key: tags
    prefix: t
    trailing_separator: false
  - key: tags.Env
    separator: ""
  - key: instance_type
  - key: tags.Owner
    prefix: owner
  - key: security_groups
    prefix: sg
`;

async function tsibleEc2(text: string): Promise<InventoryData> {
  const root = await writeTree({ "test.aws_ec2.yml": `plugin: aws_ec2\nendpoint_url: ${endpoint.url}\n${text}` });
  const data = new InventoryData();
  await readSource(join(root, "test.aws_ec2.yml"), data);
  return data;
}

interface AnsibleList {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
  [group: string]: { hosts?: string[]; children?: string[] } | AnsibleList["_meta"];
}

describe("the constructed features, compared with ansible-inventory's constructed plugin", () => {
  it("build the same groups, parents and variables", async () => {
    const plain = await tsibleEc2(SOURCE);
    const hostvars = Object.fromEntries([...plain.hosts.values()].map((host) => [host.name, host.vars]));
    const dir = await writeTree({ "ec2.yml": JSON.stringify({ all: { hosts: hostvars } }), "ec2.constructed.yml": `plugin: constructed\n${CONSTRUCTED}` });
    await writeFile(join(dir, "ansible.cfg"), "");
    const { stdout } = await run("ansible-inventory", ["-i", join(dir, "ec2.yml"), "-i", join(dir, "ec2.constructed.yml"), "--list"], {
      cwd: dir,
      env: { ...process.env, ANSIBLE_INVENTORY_ENABLED: "yaml,constructed", ANSIBLE_HOME: dir, ANSIBLE_LOCAL_TEMP: join(dir, "tmp"), ANSIBLE_NOCOLOR: "1" },
    });
    const ansible = JSON.parse(stdout) as AnsibleList;

    const ours = await tsibleEc2(`${SOURCE}${CONSTRUCTED}`);
    const groupsOf = (entries: [string, { hosts?: string[]; children?: string[] }][]) =>
      Object.fromEntries(
        entries
          .filter(([name]) => !["_meta", "all", "ungrouped", "aws_ec2"].includes(name))
          .map(([name, group]) => [name, { hosts: [...(group.hosts ?? [])].sort(), children: [...(group.children ?? [])].sort() }]),
      );
    const ansibleGroups = groupsOf(Object.entries(ansible).filter((entry): entry is [string, { hosts?: string[]; children?: string[] }] => entry[0] !== "_meta"));
    const ourGroups = groupsOf([...ours.groups.values()].map((group) => [group.name, { hosts: [...group.hosts], children: [...group.children] }]));
    // a group Ansible lists without hosts or children is one it made for nothing: tsible makes none
    expect(ourGroups).toEqual(Object.fromEntries(Object.entries(ansibleGroups).filter(([, group]) => group.hosts.length + group.children.length > 0)));
    expect(Object.keys(ourGroups)).toEqual(expect.arrayContaining(["role_broker", "regions", "env_unset", "tag_Env_", "t_Env", "prod", "_t3_small", "arm_sensors", "has_dots"]));

    for (const host of ours.hosts.values()) {
      const composed = (vars: Record<string, unknown> | undefined) => ({ ansible_host: vars?.["ansible_host"], mqtt_role: vars?.["mqtt_role"], zone: vars?.["zone"], missing: vars?.["missing"] });
      expect(composed(host.vars), host.name).toEqual(composed(ansible._meta.hostvars[host.name]));
    }
  });
});
