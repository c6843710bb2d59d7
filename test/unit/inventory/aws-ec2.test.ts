/**
 * EC2 inventory sources (src/inventory/aws-ec2*.ts). No real AWS call is made: the AWS SDK
 * talks to a local HTTP server on 127.0.0.1 (aws-ec2-endpoint.ts) that answers with
 * hand-written recordings of the EC2 Query API's XML and keeps every request, so each test
 * asserts both on the inventory built and on what was asked (action, filters, pages, the
 * region the request was signed for). Credentials are fake, from the environment.
 */
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UserError } from "../../../src/errors.js";
import { loadInventory } from "../../../src/inventory/index.js";
import { readInventoryView } from "../../../src/inventory/list.js";
import { safeGroupName, snakeCase } from "../../../src/inventory/aws-ec2-hostvars.js";
import { InventoryData } from "../../../src/inventory/model.js";
import { readSource } from "../../../src/inventory/sources.js";
import { errorXml, recordedAccount, recording, startEc2Endpoint, type Ec2Endpoint, type Ec2Responder } from "./aws-ec2-endpoint.js";
import { writeTree } from "./helpers.js";

const LIVE_STATES = ["running", "pending", "stopping", "stopped"];
let endpoint: Ec2Endpoint | undefined;

beforeEach(() => {
  // AWS's documentation example keys; the SDK must not read this machine's ~/.aws or metadata service
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  vi.stubEnv("AWS_SESSION_TOKEN", undefined);
  vi.stubEnv("AWS_PROFILE", undefined);
  vi.stubEnv("AWS_CONFIG_FILE", "/nonexistent/tsible-test/aws-config");
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/tsible-test/aws-credentials");
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
  vi.stubEnv("AWS_ENDPOINT_URL", undefined);
  vi.stubEnv("AWS_ENDPOINT_URL_EC2", undefined);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await endpoint?.close();
  endpoint = undefined;
});

async function serve(respond?: Ec2Responder): Promise<Ec2Endpoint> {
  endpoint = await startEc2Endpoint(respond);
  return endpoint;
}

/** the file text with the endpoint's URL in place of ENDPOINT */
async function sourceFile(text: string, name = "test.aws_ec2.yml"): Promise<string> {
  const root = await writeTree({ [name]: text.replaceAll("ENDPOINT", endpoint?.url ?? "http://127.0.0.1:9") });
  return join(root, name);
}

async function readEc2(text: string, name?: string): Promise<InventoryData> {
  const data = new InventoryData();
  await readSource(await sourceFile(text, name), data);
  return data;
}

function hostsOf(data: InventoryData, group: string): string[] {
  return [...(data.groups.get(group)?.hosts ?? [])];
}

async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`, { cause: error });
  return error;
}

const TWO_REGIONS = `plugin: aws_ec2
endpoint_url: ENDPOINT
regions: [us-east-1, eu-west-1]
`;

describe("an EC2 inventory source", () => {
  it("is queried once by inventory list (its view and its variables come from one read)", async () => {
    const ec2 = await serve();
    const view = await readInventoryView([await sourceFile(TWO_REGIONS)]);
    expect(hostsOf(view.structure, "aws_ec2")).toHaveLength(4);
    expect(ec2.requests).toHaveLength(3);
  });

  it("turns every instance of two regions, all pages, into a host of group aws_ec2 named by the default hostnames", async () => {
    const ec2 = await serve();
    const data = await readEc2(TWO_REGIONS);
    // dns-name, else private-dns-name; sorted by instance id
    expect(hostsOf(data, "aws_ec2")).toEqual([
      "ec2-10-213-101-11.compute-1.amazonaws.com",
      "ip-10-213-1-12.ec2.internal",
      "ip-10-213-1-13.ec2.internal",
      "ec2-10-213-102-11.eu-west-1.compute.amazonaws.com",
    ]);
    const requests = ec2.requests.map((request) => ({ action: request.action, region: request.region, nextToken: request.nextToken, filters: request.filters }));
    const page1 = { action: "DescribeInstances", region: "us-east-1", nextToken: undefined, filters: { "instance-state-name": LIVE_STATES } };
    expect(requests).toHaveLength(3);
    expect(requests).toEqual(
      expect.arrayContaining([
        page1,
        { ...page1, nextToken: "eyJ2IjoiMiIsImMiOiJ1cy1lYXN0LTEtcGFnZS0yIn0=" },
        { ...page1, region: "eu-west-1" },
      ]),
    );
    for (const request of ec2.requests) {
      expect(request.params.get("Version")).toBe("2016-11-15");
      expect(request.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/(us-east-1|eu-west-1)\/ec2\/aws4_request/);
    }
  });

  it("gives each host the instance's attributes in snake_case, tags as a dict and placement.region", async () => {
    await serve();
    const data = await readEc2(`${TWO_REGIONS}hostnames: [tag:Name, private-ip-address]\n`);
    const vars = data.hosts.get("broker-use1-a")?.vars;
    expect(vars).toMatchObject({
      instance_id: "i-0aaa0000000000001",
      image_id: "ami-0c1d2e3f4a5b6c7d8",
      instance_type: "t3.small",
      private_ip_address: "10.213.1.11",
      public_ip_address: "10.213.101.11",
      public_dns_name: "ec2-10-213-101-11.compute-1.amazonaws.com",
      private_dns_name: "ip-10-213-1-11.ec2.internal",
      key_name: "mqtt-admin",
      ami_launch_index: 0,
      ebs_optimized: false,
      state: { code: 16, name: "running" },
      placement: { availability_zone: "us-east-1a", group_name: "", tenancy: "default", region: "us-east-1" },
      tags: { Name: "broker-use1-a", Role: "broker", Env: "prod" },
      security_groups: [{ group_id: "sg-0a1b2c3d00000001", group_name: "mqtt-brokers" }],
      cpu_options: { core_count: 1, threads_per_core: 2 },
      launch_time: "2026-11-30T09:15:02+00:00",
      owner_id: "123456789012",
      requester_id: "",
      reservation_id: "r-0a1b2c3d4e5f60001",
    });
    expect(vars?.["block_device_mappings"]).toEqual([
      { device_name: "/dev/xvda", ebs: { attach_time: "2026-11-30T09:15:03+00:00", delete_on_termination: true, status: "attached", volume_id: "vol-0a1b2c3d00000001" } },
    ]);
    expect(Object.keys(vars ?? {}).filter((key) => /[A-Z]/.test(key))).toEqual([]);
    // the instance without a Name tag falls back to its private address; the eu-west-1 one has its region
    expect(data.hosts.get("10.213.1.13")?.vars).toMatchObject({ requester_id: "940372691376", tags: { Role: "broker", Env: "", "aws:autoscaling:groupName": "mqtt-brokers-asg" } });
    expect(data.hosts.get("broker-euw1-b")?.vars).toMatchObject({ placement: { availability_zone: "eu-west-1b", region: "eu-west-1" } });
  });

  it("sends filters as Filter.N.Name / Filter.N.Value.M, scalars and lists alike, keeping an explicit instance-state-name", async () => {
    const ec2 = await serve();
    await readEc2(`plugin: amazon.aws.aws_ec2
endpoint_url: ENDPOINT
regions: [eu-west-1]
filters:
  tag:Role: [broker, sensor]
  instance-state-name: running
  ebs-optimized: false
  ami-launch-index: 0
`);
    expect(ec2.requests.map((request) => [...request.params.entries()].filter(([name]) => name.startsWith("Filter.")))).toEqual([
      [
        ["Filter.1.Name", "tag:Role"],
        ["Filter.1.Value.1", "broker"],
        ["Filter.1.Value.2", "sensor"],
        ["Filter.2.Name", "instance-state-name"],
        ["Filter.2.Value.1", "running"],
        ["Filter.3.Name", "ebs-optimized"],
        ["Filter.3.Value.1", "false"],
        ["Filter.4.Name", "ami-launch-index"],
        ["Filter.4.Value.1", "0"],
      ],
    ]);
  });

  it("queries each include_filters set and drops what any exclude_filters set matches", async () => {
    const sensorsOnly = recording("us-east-1-page1.xml").replace(/<item>\s*<instanceId>i-0aaa0000000000001<\/instanceId>[\s\S]*?<\/cpuOptions>\s*<\/item>/, "").replace(/<nextToken>.*<\/nextToken>/, "");
    expect(sensorsOnly).not.toContain("i-0aaa0000000000001");
    const ec2 = await serve((request) => {
      if (request.filters["tag:Role"]?.[0] === "sensor") return { status: 200, body: request.region === "us-east-1" ? sensorsOnly : recording("empty.xml") };
      return recordedAccount(request);
    });
    const data = await readEc2(`${TWO_REGIONS}hostnames: [tag:Name, private-ip-address]
filters:
  tag:Env: prod
include_filters:
  - tag:Role: broker
exclude_filters:
  - tag:Role: sensor
`);
    expect(hostsOf(data, "aws_ec2")).toEqual(["broker-use1-a", "10.213.1.13", "broker-euw1-b"]);
    const sets = ec2.requests.filter((request) => request.nextToken === undefined).map((request) => `${request.region} ${JSON.stringify(request.filters)}`);
    expect(sets.sort()).toEqual(
      [
        `eu-west-1 {"tag:Role":["sensor"],"instance-state-name":${JSON.stringify(LIVE_STATES)}}`,
        `us-east-1 {"tag:Role":["sensor"],"instance-state-name":${JSON.stringify(LIVE_STATES)}}`,
        `eu-west-1 {"tag:Env":["prod"],"instance-state-name":${JSON.stringify(LIVE_STATES)}}`,
        `us-east-1 {"tag:Env":["prod"],"instance-state-name":${JSON.stringify(LIVE_STATES)}}`,
        `eu-west-1 {"tag:Role":["broker"],"instance-state-name":${JSON.stringify(LIVE_STATES)}}`,
        `us-east-1 {"tag:Role":["broker"],"instance-state-name":${JSON.stringify(LIVE_STATES)}}`,
      ].sort(),
    );
  });

  it("regions may be one comma-separated string, as Ansible's list options", async () => {
    const ec2 = await serve();
    await readEc2("plugin: aws_ec2\nendpoint_url: ENDPOINT\nregions: eu-west-1, us-east-1\n");
    expect(new Set(ec2.requests.map((request) => request.region))).toEqual(new Set(["eu-west-1", "us-east-1"]));
  });

  it("without regions, asks DescribeRegions (in us-east-1) and queries every region it lists", async () => {
    const ec2 = await serve();
    const data = await readEc2("plugin: aws_ec2\nendpoint_url: ENDPOINT\nhostnames: [instance-id]\n");
    expect(ec2.requests[0]).toMatchObject({ action: "DescribeRegions", region: "us-east-1" });
    expect(new Set(ec2.requests.slice(1).map((request) => `${request.action} ${request.region}`))).toEqual(new Set(["DescribeInstances us-east-1", "DescribeInstances eu-west-1"]));
    expect(hostsOf(data, "aws_ec2")).toEqual(["i-0aaa0000000000001", "i-0aaa0000000000002", "i-0aaa0000000000003", "i-0bbb0000000000001"]);
  });
});

describe("hostnames", () => {
  it("takes the first preference an instance has a value for: tag:Name=value, tag:Name, addresses", async () => {
    await serve();
    const data = await readEc2(`${TWO_REGIONS}hostnames:
  - tag:Role=sensor
  - tag:Nickname,Name
  - ip-address
  - private-ip-address
`);
    expect(hostsOf(data, "aws_ec2")).toEqual(["broker-use1-a", "Role_sensor", "10.213.1.13", "broker-euw1-b"]);
  });

  it("the name/prefix/separator form joins two values, and its name may be fixed text", async () => {
    await serve();
    const data = await readEc2(`${TWO_REGIONS}hostnames:
  - name: tag:Name
    prefix: instance-id
    separator: "-"
  - name: broker
    prefix: private-ip-address
`);
    expect(hostsOf(data, "aws_ec2")).toEqual(["i-0aaa0000000000001-broker-use1-a", "i-0aaa0000000000002-sensor-use1-b", "10.213.1.13_broker", "i-0bbb0000000000001-broker-euw1-b"]);
    // an empty prefix is no prefix, as the plugin's default ''
    const unprefixed = await readEc2(`${TWO_REGIONS}hostnames:\n  - name: private-ip-address\n    prefix: ""\n`);
    expect(hostsOf(unprefixed, "aws_ec2")).toEqual(["10.213.1.11", "10.213.1.12", "10.213.1.13", "10.213.2.11"]);
  });

  it("leaves out an instance that has none of the preferred names", async () => {
    await serve();
    const data = await readEc2(`${TWO_REGIONS}hostnames: [ip-address]\n`);
    expect(hostsOf(data, "aws_ec2")).toEqual(["10.213.101.11", "10.213.102.11"]);
  });

  it("an unknown plain entry is a mistake (the plugin would name every instance with it)", async () => {
    await serve();
    const error = await userError(readEc2(`${TWO_REGIONS}hostnames:\n  - tag:Name\n  - private-ip\n`));
    expect(error.message).toBe("unknown hostnames entry 'private-ip'");
    expect(error.location).toMatchObject({ line: 6 });
    expect(error.location?.file).toMatch(/test\.aws_ec2\.yml$/);
    expect(error.hint).toContain("private-ip-address");
  });
});

describe("compose, groups and keyed_groups", () => {
  const CONSTRUCTED = `${TWO_REGIONS}hostnames: [tag:Name, private-ip-address]
compose:
  ansible_host: public_ip_address | default(private_ip_address)
  mqtt_role: tags.Role | upper
  notes: tags.Notes
groups:
  running: state.name == 'running'
  arm_sensors: architecture == 'arm64' and 'sensor' in tags.Role
  has.dots: "'broker' in mqtt_role | lower"
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
  - key: tags.Env
    separator: ""
  - key: tags.Role | regex_replace('-', '_')
    prefix: sg
`;

  it("builds the groups Ansible's constructed features build", async () => {
    await serve();
    const data = await readEc2(CONSTRUCTED.replace("  - key: tags.Role | regex_replace('-', '_')\n    prefix: sg\n", ""));
    expect(hostsOf(data, "running")).toEqual(["broker-use1-a", "10.213.1.13", "broker-euw1-b"]);
    expect(hostsOf(data, "arm_sensors")).toEqual(["sensor-use1-b"]);
    // group names become safe: every character but letters, digits and _ is _
    expect(hostsOf(data, "has_dots")).toEqual(["broker-use1-a", "10.213.1.13", "broker-euw1-b"]);
    expect(hostsOf(data, "role_broker")).toEqual(["broker-use1-a", "10.213.1.13", "broker-euw1-b"]);
    expect(hostsOf(data, "role_sensor")).toEqual(["sensor-use1-b"]);
    expect(hostsOf(data, "aws_region_us_east_1")).toEqual(["broker-use1-a", "sensor-use1-b", "10.213.1.13"]);
    expect([...(data.groups.get("regions")?.children ?? [])]).toEqual(["aws_region_us_east_1", "aws_region_eu_west_1"]);
    expect(hostsOf(data, "env_prod")).toEqual(["broker-use1-a", "broker-euw1-b"]);
    expect(hostsOf(data, "env_unset")).toEqual(["10.213.1.13"]);
    expect(hostsOf(data, "tag_Name_broker_use1_a")).toEqual(["broker-use1-a"]);
    expect(hostsOf(data, "tag_aws_autoscaling_groupName_mqtt_brokers_asg")).toEqual(["10.213.1.13"]);
    // an empty tag value keeps the trailing separator by default
    expect(hostsOf(data, "tag_Env_")).toEqual(["10.213.1.13"]);
    // no prefix: the separator leads (leading_separator), unless the separator is empty
    expect(hostsOf(data, "prod")).toEqual(["broker-use1-a", "broker-euw1-b"]);
    expect(data.hosts.get("broker-use1-a")?.vars).toMatchObject({ ansible_host: "10.213.101.11", mqtt_role: "BROKER" });
    expect(data.hosts.get("10.213.1.13")?.vars).toMatchObject({ ansible_host: "10.213.1.13", mqtt_role: "BROKER" });
  });

  it("a tag value is data: a {{ }} in it is never rendered", async () => {
    await serve();
    const data = await readEc2(CONSTRUCTED.replace("  - key: tags.Role | regex_replace('-', '_')\n    prefix: sg\n", ""));
    expect(data.hosts.get("sensor-use1-b")?.vars["notes"]).toBe("{{ lookup('pipe', 'id') }}");
  });

  it("skips an entry whose expression needs a missing tag, unless strict", async () => {
    await serve();
    const lenient = await readEc2(`${TWO_REGIONS}hostnames: [tag:Name, private-ip-address]
compose:
  display_name: tags.Name
keyed_groups:
  - key: tags.Name
    prefix: name
`);
    expect(lenient.hosts.get("10.213.1.13")?.vars).not.toHaveProperty("display_name");
    expect(lenient.hosts.get("broker-use1-a")?.vars).toMatchObject({ display_name: "broker-use1-a" });
    expect(hostsOf(lenient, "name_broker_use1_a")).toEqual(["broker-use1-a"]);

    const error = await userError(
      readEc2(`${TWO_REGIONS}hostnames: [tag:Name, private-ip-address]
strict: true
compose:
  display_name: tags.Name
`),
    );
    expect(error.message).toBe(`could not set 'display_name' for host 10.213.1.13: undefined variable "tags.Name"`);
    expect(error.location).toMatchObject({ line: 7 });
  });

  it("trailing_separator: false drops the separator of an empty value; with default_value it is a mistake", async () => {
    await serve();
    const data = await readEc2(`${TWO_REGIONS}hostnames: [tag:Name, private-ip-address]
keyed_groups:
  - key: tags
    prefix: tag
    trailing_separator: false
`);
    expect(hostsOf(data, "tag_Env")).toEqual(["10.213.1.13"]);
    const error = await userError(readEc2(`${TWO_REGIONS}keyed_groups:\n  - key: tags\n    default_value: x\n    trailing_separator: false\n`));
    expect(error.message).toBe("a keyed group takes default_value or trailing_separator, not both");
    expect(error.location).toMatchObject({ line: 5 });
  });

  it("an expression tsible cannot evaluate is an error naming the file and line, strict or not", async () => {
    await serve();
    const unknownFilter = await userError(readEc2(CONSTRUCTED));
    expect(unknownFilter.message).toMatch(/^keyed group key "tags.Role \| regex_replace\('-', '_'\)": unknown filter "regex_replace"/);
    expect(unknownFilter.location).toMatchObject({ line: 26 });
    expect(unknownFilter.location?.file).toMatch(/test\.aws_ec2\.yml$/);

    // a syntax error shows before any request is made
    const requestsBefore = endpoint?.requests.length;
    const syntax = await userError(readEc2(`${TWO_REGIONS}groups:\n  brokers: tags.Role == ('broker'\n`));
    expect(syntax.message).toMatch(/^group 'brokers' "tags.Role == \('broker'": syntax error/);
    expect(syntax.location).toMatchObject({ line: 5 });
    expect(endpoint?.requests.length).toBe(requestsBefore);
  });
});

describe("what goes wrong is a UserError naming the file", () => {
  it("no credentials", async () => {
    const ec2 = await serve();
    vi.stubEnv("AWS_ACCESS_KEY_ID", undefined);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", undefined);
    const error = await userError(readEc2(TWO_REGIONS));
    expect(error.message).toMatch(/^no AWS credentials to query EC2 with: /);
    expect(error.location?.file).toMatch(/test\.aws_ec2\.yml$/);
    expect(error.hint).toContain("AWS_ACCESS_KEY_ID");
    expect(ec2.requests).toEqual([]);
  });

  it("a profile from the shared credentials file signs the requests", async () => {
    const ec2 = await serve();
    const root = await writeTree({ credentials: "[mqtt-inventory]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n" });
    vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", join(root, "credentials"));
    vi.stubEnv("AWS_ACCESS_KEY_ID", undefined);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", undefined);
    const data = await readEc2(`${TWO_REGIONS}profile: mqtt-inventory\n`);
    expect(hostsOf(data, "aws_ec2")).toHaveLength(4);
    expect(ec2.requests.map((request) => /Credential=(\w+)\//.exec(request.authorization)?.[1])).toEqual(["AKIAI44QH8DHBEXAMPLE", "AKIAI44QH8DHBEXAMPLE", "AKIAI44QH8DHBEXAMPLE"]);
  });

  it("a profile that does not exist", async () => {
    await serve();
    vi.stubEnv("AWS_ACCESS_KEY_ID", undefined);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", undefined);
    const error = await userError(readEc2(`${TWO_REGIONS}profile: mqtt-inventory\n`));
    expect(error.message).toBe("no AWS credentials to query EC2 with (profile 'mqtt-inventory'): Could not load credentials from any providers");
  });

  it("an endpoint whose answer is no EC2 answer (a proxy's error page, another service)", async () => {
    await serve((request) => (request.region === "us-east-1" ? { status: 502, body: "<html><body>Bad Gateway</body></html>" } : { status: 200, body: "not xml" }));
    const proxy = await userError(readEc2(TWO_REGIONS.replace("regions: [us-east-1, eu-west-1]", "regions: [us-east-1]")));
    expect(proxy.message).toBe(`DescribeInstances in region us-east-1 failed: ${endpoint?.url} gave no EC2 answer (HTTP 502)`);
    expect(proxy.hint).toContain("EC2 API endpoint");
    const other = await userError(readEc2(TWO_REGIONS.replace("regions: [us-east-1, eu-west-1]", "regions: [eu-west-1]")));
    expect(other.message).toMatch(new RegExp(`^DescribeInstances in region eu-west-1 failed: ${endpoint?.url} gave no EC2 answer \\(HTTP 200\\): .*XML parse error`));
  });

  it("an endpoint that does not answer", async () => {
    const closed = await startEc2Endpoint();
    await closed.close();
    const file = await sourceFile(TWO_REGIONS.replace("ENDPOINT", closed.url));
    const error = await userError(loadInventory([file]));
    expect(error.message).toMatch(new RegExp(`^cannot reach the EC2 endpoint ${closed.url} for region (us-east-1|eu-west-1): .*ECONNREFUSED`));
    expect(error.location?.file).toBe(file);
  });

  it("EC2 refusing DescribeInstances (403 UnauthorizedOperation); strict_permissions: false skips that region", async () => {
    const refusing: Ec2Responder = (request) => (request.region === "eu-west-1" ? { status: 403, body: recording("unauthorized.xml") } : recordedAccount(request));
    await serve(refusing);
    const error = await userError(readEc2(TWO_REGIONS));
    expect(error.message).toMatch(/^DescribeInstances in region eu-west-1 failed: UnauthorizedOperation \(HTTP 403\): You are not authorized to perform this operation\./);
    expect(error.location?.file).toMatch(/test\.aws_ec2\.yml$/);
    expect(error.hint).toContain("ec2:DescribeInstances");

    const data = await readEc2(`${TWO_REGIONS}strict_permissions: false\nhostnames: [instance-id]\n`);
    expect(hostsOf(data, "aws_ec2")).toEqual(["i-0aaa0000000000001", "i-0aaa0000000000002", "i-0aaa0000000000003"]);
  });

  it("an AccessDenied answer (as a policy-enforcing proxy or an EC2 look-alike gives it)", async () => {
    await serve(() => ({ status: 403, body: errorXml("AccessDenied", "User: arn:aws:iam::123456789012:user/inventory-reader is not authorized to perform: ec2:DescribeInstances") }));
    const error = await userError(readEc2(TWO_REGIONS.replace("regions: [us-east-1, eu-west-1]", "regions: [us-east-1]")));
    expect(error.message).toBe(
      "DescribeInstances in region us-east-1 failed: AccessDenied (HTTP 403): User: arn:aws:iam::123456789012:user/inventory-reader is not authorized to perform: ec2:DescribeInstances",
    );
    expect(error.location?.file).toMatch(/test\.aws_ec2\.yml$/);
    expect(error.hint).toContain("ec2:DescribeInstances permission");
  });

  it("bad credentials (401 AuthFailure) and a filter EC2 does not know", async () => {
    await serve((request) =>
      request.region === "us-east-1"
        ? { status: 401, body: errorXml("AuthFailure", "AWS was not able to validate the provided access credentials") }
        : { status: 400, body: errorXml("InvalidParameterValue", "The filter 'tag-name' is invalid") },
    );
    const auth = await userError(readEc2(TWO_REGIONS.replace("regions: [us-east-1, eu-west-1]", "regions: [us-east-1]")));
    expect(auth.message).toBe("DescribeInstances in region us-east-1 failed: AuthFailure (HTTP 401): AWS was not able to validate the provided access credentials");
    const filter = await userError(readEc2(`${TWO_REGIONS.replace("regions: [us-east-1, eu-west-1]", "regions: [eu-west-1]")}filters:\n  tag-name: x\n`));
    expect(filter.message).toBe("DescribeInstances in region eu-west-1 failed: InvalidParameterValue (HTTP 400): The filter 'tag-name' is invalid");
    expect(filter.hint).toContain("filter names");
  });

  it.each([
    ["an unknown option", "plugin: aws_ec2\nregions: [us-east-1]\ncache: true\n", /^unknown option 'cache'$/, 3],
    ["another plugin", "plugin: aws_rds\n", /^'plugin': Invalid option: expected one of "aws_ec2"\|"amazon.aws.aws_ec2"$/, 1],
    ["no plugin line", "regions: [us-east-1]\n", /^an EC2 inventory file needs 'plugin: aws_ec2'$/, 1],
    ["a region that is no region name", "plugin: aws_ec2\nregions:\n  - us-east-1\n  - eu west 1\n", /^'regions.1': .*region name/, 4],
    ["a keyed group without key", "plugin: aws_ec2\nkeyed_groups:\n  - prefix: role\n", /^'keyed_groups.0.key': /, 3],
    ["an unknown keyed group option", "plugin: aws_ec2\nkeyed_groups:\n  - key: tags.Role\n    parent: x\n", /^unknown option 'parent' in 'keyed_groups.0'$/, 4],
    ["a filter given a dict", "plugin: aws_ec2\nfilters:\n  tag:Role: {a: b}\n", /^'filters.tag:Role': /, 3],
    ["two spellings of one option", "plugin: aws_ec2\nprofile: a\naws_profile: b\n", /^'profile' and 'aws_profile' are the same option$/, 3],
    ["an endpoint that is no URL", "plugin: aws_ec2\nendpoint_url: localhost:4566\n", /^'endpoint_url': /, 2],
  ])("bad option: %s", async (_name, text, message, line) => {
    const error = await userError(readEc2(text));
    expect(error.message).toMatch(message);
    expect(error.location).toMatchObject({ line });
    expect(error.location?.file).toMatch(/test\.aws_ec2\.yml$/);
  });

  it("only files named *aws_ec2.yml / *aws_ec2.yaml are EC2 sources, as Ansible's rule", async () => {
    await serve();
    const yamlName = await readEc2(`${TWO_REGIONS}hostnames: [instance-id]\n`, "mqtt.aws_ec2.yaml");
    expect(hostsOf(yamlName, "aws_ec2")).toHaveLength(4);
    // any other name is a static YAML inventory, which refuses plugin files
    await expect(readEc2(TWO_REGIONS, "ec2.yml")).rejects.toThrow("inventory plugin configuration files are not supported");
  });
});

describe("Ansible's naming rules", () => {
  it("snakeCase as camel_dict_to_snake_dict", () => {
    expect(["PrivateIpAddress", "EbsOptimized", "AmiLaunchIndex", "Ipv6Address", "TargetGroupARNs", "VpcId", "IamInstanceProfile", "SriovNetSupport"].map(snakeCase)).toEqual([
      "private_ip_address",
      "ebs_optimized",
      "ami_launch_index",
      "ipv6_address",
      "target_group_arns",
      "vpc_id",
      "iam_instance_profile",
      "sriov_net_support",
    ]);
  });

  it("safeGroupName as to_safe_group_name(force=True)", () => {
    expect(["role_broker", "aws_region_us-east-1", "1st", "tag_aws:autoscaling:groupName", "_x", "ünïcode-ok"].map(safeGroupName)).toEqual([
      "role_broker",
      "aws_region_us_east_1",
      "_st",
      "tag_aws_autoscaling_groupName",
      "_x",
      "ünïcode_ok",
    ]);
  });
});
