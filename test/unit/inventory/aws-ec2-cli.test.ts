/**
 * `tsible inventory list -i demo.aws_ec2.yml` on the built command (npm run build first), as a
 * user runs it: the AWS SDK is loaded from node_modules when the source is read, talks to a
 * local stand-in for the EC2 API on 127.0.0.1 (AWS_ENDPOINT_URL_EC2) with fake credentials
 * from the environment, and the groups the file asks for are listed. No real AWS call is made.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AWS_EC2_FIXTURES, startEc2Endpoint, type Ec2Endpoint } from "./aws-ec2-endpoint.js";

const tsibleBin = fileURLToPath(new URL("../../../dist/bin/tsible.js", import.meta.url));
let endpoint: Ec2Endpoint;
let dir: string;
let demo: string;

/** the environment of a user with keys in env and nothing else about AWS set */
function awsEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")));
  return {
    ...env,
    XDG_CACHE_HOME: join(dir, "cache"),
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    AWS_CONFIG_FILE: join(dir, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_EC2: endpoint.url,
    ...extra,
  };
}

function tsible(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsibleBin, ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  if (!existsSync(tsibleBin)) throw new Error(`${tsibleBin} is missing: run npm run build first`);
  endpoint = await startEc2Endpoint();
  dir = await mkdtemp(join(tmpdir(), "tsible-aws-ec2-"));
  demo = join(dir, "demo.aws_ec2.yml");
  await copyFile(join(AWS_EC2_FIXTURES, "demo.aws_ec2.yml"), demo);
});

afterAll(async () => {
  await endpoint.close();
  await rm(dir, { recursive: true, force: true });
});

describe("tsible inventory list -i demo.aws_ec2.yml", () => {
  it("lists the hosts of both regions in the groups the file builds", async () => {
    const { code, stdout, stderr } = await tsible(["inventory", "list", "-i", demo], awsEnv());
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const listed = JSON.parse(stdout) as Record<string, { hosts?: string[]; children?: string[] }> & { _meta: { hostvars: Record<string, Record<string, unknown>> } };
    expect(listed["aws_ec2"]?.hosts).toEqual(["broker-use1-a", "sensor-use1-b", "10.213.1.13", "broker-euw1-b"]);
    expect(listed["role_broker"]?.hosts).toEqual(["broker-use1-a", "10.213.1.13", "broker-euw1-b"]);
    expect(listed["role_sensor"]?.hosts).toEqual(["sensor-use1-b"]);
    expect(listed["aws_region_us_east_1"]?.hosts).toEqual(["broker-use1-a", "sensor-use1-b", "10.213.1.13"]);
    expect(listed["aws_region_eu_west_1"]?.hosts).toEqual(["broker-euw1-b"]);
    expect(listed["environments"]?.children).toEqual(["env_prod", "env_dev", "env_unset"]);
    expect(listed["env_unset"]?.hosts).toEqual(["10.213.1.13"]);
    expect(listed["running"]?.hosts).toEqual(["broker-use1-a", "10.213.1.13", "broker-euw1-b"]);
    expect(listed["arm"]?.hosts).toEqual(["sensor-use1-b"]);
    expect(listed._meta.hostvars["broker-euw1-b"]).toMatchObject({ ansible_host: "10.213.2.11", mqtt_role: "broker", instance_id: "i-0bbb0000000000001" });
    // the endpoint came from AWS_ENDPOINT_URL_EC2; the filter and the regions from the file
    expect(new Set(endpoint.requests.map((request) => request.region))).toEqual(new Set(["us-east-1", "eu-west-1"]));
    expect(endpoint.requests.every((request) => request.filters["tag:Role"]?.join() === "broker,sensor")).toBe(true);
  });

  it("a mistake is one message naming the file, without a stack trace", async () => {
    const { code, stderr } = await tsible(["inventory", "list", "-i", demo], awsEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }));
    expect(code).not.toBe(0);
    expect(stderr).toContain(`${demo}: no AWS credentials to query EC2 with: Could not load credentials from any providers`);
    expect(stderr).toContain("hint: set AWS_ACCESS_KEY_ID");
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it("a run without an EC2 source never loads the SDK; one with it does", async () => {
    // a preloaded hook reports every @aws-sdk module the run requires
    const hook = join(dir, "report-aws-sdk.cjs");
    await writeFile(
      hook,
      'const Module = require("node:module");\nconst load = Module._load;\nModule._load = function (request, ...rest) {\n  if (request.startsWith("@aws-sdk/")) process.stderr.write(`loaded ${request}\\n`);\n  return load.call(this, request, ...rest);\n};\n',
    );
    const hosts = join(dir, "hosts");
    await writeFile(hosts, "[brokers]\nbroker1 ansible_host=10.213.1.11\n");
    const withHook = awsEnv({ NODE_OPTIONS: `--require ${hook}` });
    const staticRun = await tsible(["inventory", "list", "-i", hosts], withHook);
    expect(staticRun.code).toBe(0);
    expect(staticRun.stderr).toBe("");
    const ec2Run = await tsible(["inventory", "list", "-i", demo], withHook);
    expect(ec2Run.code).toBe(0);
    expect(ec2Run.stderr).toContain("loaded @aws-sdk/client-ec2\n");
  });

  it("the SDK is not part of the bundle every run reads: it is required from node_modules when an EC2 source is read", async () => {
    const bundle = await readFile(tsibleBin.replace(/\.js$/, ".cjs"), "latin1");
    expect(bundle).toContain('require("@aws-sdk/client-ec2")');
    expect(bundle).not.toContain("DescribeInstancesCommand");
  });
});
