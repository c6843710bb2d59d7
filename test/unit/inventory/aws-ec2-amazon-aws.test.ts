/**
 * tsible's EC2 source against Ansible's own amazon.aws.aws_ec2 inventory plugin: both read the
 * same file and query the same local stand-in for the EC2 API on 127.0.0.1 (recordings of
 * test/fixtures/aws-ec2; no AWS call is made), and `tsible inventory list` must print what
 * `ansible-inventory --list` prints: the same hosts, groups and host variables.
 *
 * It needs the amazon.aws collection and boto3 for /usr/bin/python3, which ansible-core alone
 * lacks: installed (Debian 12: apt-get install ansible python3-boto3), or unpacked anywhere with
 *   apt-get download ansible python3-boto3 python3-botocore python3-s3transfer python3-jmespath \
 *     python3-urllib3 python3-requests python3-dateutil python3-six python3-certifi python3-idna \
 *     python3-charset-normalizer python3-chardet
 *   for deb in *.deb; do dpkg-deb -x "$deb" DIR; done
 * and TSIBLE_AMAZON_AWS_REFERENCE=DIR/usr/lib/python3/dist-packages. Without them it is skipped,
 * except in CI (CI=true), where scripts/install-deps.sh installs them and a skip would hide a loss.
 */
import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { inventoryList, readInventoryView } from "../../../src/inventory/list.js";
import { AWS_EC2_FIXTURES, recordedAccount, recording, startEc2Endpoint, type Ec2Endpoint } from "./aws-ec2-endpoint.js";
import { writeTree } from "./helpers.js";

const run = promisify(execFile);
const REFERENCE = process.env["TSIBLE_AMAZON_AWS_REFERENCE"];
const PYTHONPATH = [join(AWS_EC2_FIXTURES, "boto3-endpoint"), ...(REFERENCE === undefined ? [] : [REFERENCE])].join(":");

function referenceMissing(): string | undefined {
  try {
    const check = [
      "import boto3, os, sys",
      "places = sys.path + ['/usr/share/ansible/collections', os.path.expanduser('~/.ansible/collections')]",
      "assert any(os.path.exists(os.path.join(place, 'ansible_collections/amazon/aws/plugins/inventory/aws_ec2.py')) for place in places), 'no amazon.aws collection'",
    ].join("\n");
    execFileSync("/usr/bin/python3", ["-c", check], {
      env: { ...process.env, PYTHONPATH },
      stdio: "pipe",
    });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: unknown }).stderr ?? error).trim().split("\n").at(-1);
  }
}
const missing = referenceMissing();
// CI installs both (scripts/install-deps.sh): there a missing reference is a failure, not a skip
if (missing !== undefined && process.env["CI"]) throw new Error(`Ansible's aws_ec2 plugin is needed in CI: ${missing} (scripts/install-deps.sh installs ansible and python3-boto3)`);

const CREDENTIALS = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
let endpoint: Ec2Endpoint;

beforeEach(async () => {
  for (const [name, value] of Object.entries(CREDENTIALS)) vi.stubEnv(name, value);
  vi.stubEnv("AWS_CONFIG_FILE", "/nonexistent/tsible-test/aws-config");
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/tsible-test/aws-credentials");
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
  // instances tagged Env=dev: the sensor (for exclude_filters); Ansible would render the Notes
  // tag's {{ lookup(...) }} where tsible keeps it as text, so it is left out
  const sensorsOnly = recording("us-east-1-page1.xml")
    .replace(/<item>\s*<instanceId>i-0aaa0000000000001<\/instanceId>[\s\S]*?<\/cpuOptions>\s*<\/item>/, "")
    .replace(/<nextToken>.*<\/nextToken>/, "");
  endpoint = await startEc2Endpoint((request) => {
    const devOnly = request.action === "DescribeInstances" && request.filters["tag:Env"]?.join() === "dev";
    const reply = devOnly ? { status: 200, body: request.region === "us-east-1" ? sensorsOnly : recording("empty.xml") } : recordedAccount(request);
    return { ...reply, body: reply.body.replace(/<item>\s*<key>Notes<\/key>[\s\S]*?<\/item>/, "") };
  });
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await endpoint.close();
});

async function bothLists(config: string): Promise<{ ansible: unknown; tsible: unknown }> {
  const dir = await writeTree({ "ansible.aws_ec2.yml": config, "tsible.aws_ec2.yml": `endpoint_url: ${endpoint.url}\n${config}`, "ansible.cfg": "" });
  const { stdout } = await run("ansible-inventory", ["-i", join(dir, "ansible.aws_ec2.yml"), "--list"], {
    cwd: dir,
    env: {
      ...process.env,
      ...CREDENTIALS,
      PYTHONPATH,
      ...(REFERENCE === undefined ? {} : { ANSIBLE_COLLECTIONS_PATH: REFERENCE }),
      TSIBLE_TEST_EC2_ENDPOINT: endpoint.url,
      ANSIBLE_INVENTORY_ENABLED: "amazon.aws.aws_ec2",
      ANSIBLE_INVENTORY_UNPARSED_FAILED: "1",
      ANSIBLE_HOME: dir,
    },
  });
  const view = await readInventoryView([join(dir, "tsible.aws_ec2.yml")]);
  return { ansible: JSON.parse(stdout), tsible: JSON.parse(inventoryList(view, { showSecrets: true })) };
}

describe.skipIf(missing !== undefined)(`the same inventory as amazon.aws.aws_ec2 ${missing === undefined ? "" : `(absent: ${missing})`}`, () => {
  it("the demo: filters, tag:Name hostnames, compose, keyed groups with default_value and parent_group, groups", async () => {
    const { readFile } = await import("node:fs/promises");
    const demo = await readFile(join(AWS_EC2_FIXTURES, "demo.aws_ec2.yml"), "utf8");
    const { ansible, tsible } = await bothLists(demo);
    expect(tsible).toEqual(ansible);
  });

  it("hostnames tag:Name=value and name/prefix/separator, tags as keys, trailing_separator, leading_separator", async () => {
    const { ansible, tsible } = await bothLists(`plugin: amazon.aws.aws_ec2
regions: [us-east-1, eu-west-1]
hostnames:
  - tag:Role=sensor
  - name: tag:Name
    prefix: instance-id
    separator: "-"
  - name: broker
    prefix: private-ip-address
leading_separator: false
keyed_groups:
  - key: tags
    prefix: tag
  - key: tags
    trailing_separator: false
  - key: instance_type
  - key: tags.Env
    default_value: none
  - key: architecture
    separator: "-"
    parent_group: arch
compose:
  ansible_host: public_ip_address | default(private_ip_address)
  az: placement.availability_zone
groups:
  ebs: ebs_optimized
  big: "'small' in instance_type"
  monitored: monitoring.state == 'enabled'
`);
    expect(tsible).toEqual(ansible);
  });

  it("no regions (DescribeRegions), default hostnames, include_filters and exclude_filters", async () => {
    const { ansible, tsible } = await bothLists(`plugin: amazon.aws.aws_ec2
include_filters:
  - tag:Role: broker
  - instance-state-name: [running]
exclude_filters:
  - tag:Env: dev
keyed_groups:
  - key: placement.region
    prefix: region
`);
    expect(tsible).toEqual(ansible);
    expect(Object.keys((tsible as { _meta: { hostvars: object } })._meta.hostvars)).toHaveLength(3);
  });
});
