/**
 * The EC2 API calls of an EC2 inventory source, through the AWS SDK (@aws-sdk/client-ec2):
 * DescribeInstances per region and filter set, every page, as the aws_ec2 plugin queries.
 * Credentials come from the SDK's usual chain (environment, ~/.aws files, SSO, instance
 * role); the endpoint from `endpoint_url`, else AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL, which
 * the SDK reads itself. What the user can fix (no credentials, an endpoint that does not
 * answer, a refusal) is a UserError naming the file.
 *
 * The SDK is imported here, when an EC2 source is read, so that no other run pays for loading it.
 */
import { UserError } from "../errors.js";
import type { AwsEc2Config, FilterSet } from "./aws-ec2-config.js";
import type { Ec2Instance } from "./aws-ec2-hostvars.js";

type Sdk = typeof import("@aws-sdk/client-ec2");
type Client = InstanceType<Sdk["EC2Client"]>;

/** the plugin's default: every instance that is not terminated or shutting down */
const LIVE_STATES = ["running", "pending", "stopping", "stopped"];
/** the plugin asks for the region list in this region when `regions` is empty */
const REGION_LIST_REGION = "us-east-1";
const NETWORK_ERROR_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"]);
const CREDENTIALS_HINT =
  "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (or 'profile:' in the file) naming a profile in ~/.aws/credentials or ~/.aws/config";

/** The instances the file selects, in every region, sorted by instance id as the plugin sorts them */
export async function describeAwsEc2Instances(config: AwsEc2Config): Promise<Ec2Instance[]> {
  const sdk = await loadSdk();
  const clients = new Map<string, Client>();
  const clientFor = (region: string): Client => {
    let client = clients.get(region);
    if (!client) {
      client = new sdk.EC2Client({
        region,
        ...(config.profile === undefined ? {} : { profile: config.profile }),
        ...(config.endpointUrl === undefined ? {} : { endpoint: config.endpointUrl }),
        // without limits an endpoint that accepts and never answers would hang the run
        requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
      });
      clients.set(region, client);
    }
    return client;
  };
  try {
    const regions = config.regions.length > 0 ? config.regions : await listRegions(sdk, clientFor(REGION_LIST_REGION), config);
    // regions are queried at once (the plugin goes one by one): the order is settled by the sort
    const inAllRegions = async (filters: FilterSet): Promise<Ec2Instance[]> =>
      (await Promise.all(regions.map((region) => describe(sdk, clientFor(region), region, filters, config)))).flat();
    const excluded = new Set<string>();
    for (const filters of config.excludeFilters) for (const instance of await inAllRegions(filters)) excluded.add(instanceId(instance));
    const selected = new Map<string, Ec2Instance>();
    for (const filters of config.includeFilters) {
      for (const instance of await inAllRegions(filters)) {
        const id = instanceId(instance);
        if (!excluded.has(id) && !selected.has(id)) selected.set(id, instance);
      }
    }
    return [...selected.values()].sort(byInstanceId);
  } finally {
    for (const client of clients.values()) client.destroy();
  }
}

async function loadSdk(): Promise<Sdk> {
  // The SDK warns on every run under Node 20 that its releases from 2027 will need Node 22:
  // that concerns whoever upgrades tsible's dependencies, not someone listing an inventory.
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  return import("@aws-sdk/client-ec2");
}

async function listRegions(sdk: Sdk, client: Client, config: AwsEc2Config): Promise<string[]> {
  let regions: string[];
  try {
    const output = await client.send(new sdk.DescribeRegionsCommand({}));
    regions = (output.Regions ?? []).flatMap((region) => (region.RegionName === undefined ? [] : [region.RegionName]));
  } catch (error) {
    throw apiError(sdk, error, config, REGION_LIST_REGION, "DescribeRegions");
  }
  if (regions.length === 0) {
    throw new UserError("DescribeRegions listed no regions", { location: { file: config.file }, hint: "list the regions to query under 'regions:'" });
  }
  return regions;
}

async function describe(sdk: Sdk, client: Client, region: string, filters: FilterSet, config: AwsEc2Config): Promise<Ec2Instance[]> {
  const Filters = Object.entries(filters).map(([Name, Values]) => ({ Name, Values }));
  if (!("instance-state-name" in filters)) Filters.push({ Name: "instance-state-name", Values: LIVE_STATES });
  const instances: Ec2Instance[] = [];
  try {
    for await (const page of sdk.paginateDescribeInstances({ client }, { Filters })) {
      for (const reservation of page.Reservations ?? []) {
        const reservationIds = { OwnerId: reservation.OwnerId, RequesterId: reservation.RequesterId ?? "", ReservationId: reservation.ReservationId };
        for (const instance of reservation.Instances ?? []) instances.push({ region, attributes: { ...instance, ...reservationIds } });
      }
    }
  } catch (error) {
    // the plugin's strict_permissions: false reads a region it may not list as empty
    if (!config.strictPermissions && error instanceof sdk.EC2ServiceException && error.$metadata.httpStatusCode === 403) return [];
    throw apiError(sdk, error, config, region, "DescribeInstances");
  }
  return instances;
}

function instanceId(instance: Ec2Instance): string {
  return String(instance.attributes["InstanceId"] ?? "");
}

function byInstanceId(a: Ec2Instance, b: Ec2Instance): number {
  const [first, second] = [instanceId(a), instanceId(b)];
  return first < second ? -1 : first > second ? 1 : 0;
}

/** What went wrong, worded for the user; an error that is not about credentials, network or the API is a bug and stays as it is */
function apiError(sdk: Sdk, error: unknown, config: AwsEc2Config, region: string, action: string): unknown {
  const location = { file: config.file };
  if (!(error instanceof Error)) return error;
  if (error.name === "CredentialsProviderError") {
    const profile = config.profile === undefined ? "" : ` (profile '${config.profile}')`;
    return new UserError(`no AWS credentials to query EC2 with${profile}: ${firstLine(error.message)}`, { location, hint: CREDENTIALS_HINT, cause: error });
  }
  const code = Reflect.get(error, "code");
  if ((typeof code === "string" && NETWORK_ERROR_CODES.has(code)) || error.name === "TimeoutError") {
    return new UserError(`cannot reach the EC2 endpoint ${endpointOf(config, region)} for region ${region}: ${firstLine(error.message) || String(code)}`, {
      location,
      hint: "check the network, the region names, and endpoint_url / AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL if you set one",
      cause: error,
    });
  }
  const status = (Reflect.get(error, "$metadata") as { httpStatusCode?: number } | undefined)?.httpStatusCode;
  const http = status === undefined ? "" : ` (HTTP ${status})`;
  // an answer without an EC2 error in it: a proxy's error page, or an endpoint that is no EC2
  if (!(error instanceof sdk.EC2ServiceException) || error.name === "Unknown") {
    if (status === undefined) return error;
    const detail = error.name === "Unknown" ? "" : `: ${firstLine(error.message)}`;
    return new UserError(`${action} in region ${region} failed: ${endpointOf(config, region)} gave no EC2 answer${http}${detail}`, {
      location,
      hint: "check that endpoint_url / AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL, if set, is an EC2 API endpoint, and any proxy in between",
      cause: error,
    });
  }
  return new UserError(`${action} in region ${region} failed: ${error.name}${http}: ${firstLine(error.message)}`, {
    location,
    hint: refusalHint(error.name, status),
    cause: error,
  });
}

function refusalHint(code: string, status: number | undefined): string {
  if (status === 403 || code === "UnauthorizedOperation" || code === "AccessDenied") {
    return "the credentials need the ec2:DescribeInstances permission (and ec2:DescribeRegions without 'regions:'); 'strict_permissions: false' skips regions that refuse";
  }
  if (status === 401 || ["AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"].includes(code)) {
    return CREDENTIALS_HINT;
  }
  if (code.startsWith("InvalidParameter") || code === "InvalidFilter") {
    return "check the filter names and values: they are DescribeInstances' filters (instance-state-name, tag:Name, vpc-id, ...)";
  }
  return "see the message above; it is EC2's answer to tsible's request";
}

function endpointOf(config: AwsEc2Config, region: string): string {
  return config.endpointUrl ?? process.env["AWS_ENDPOINT_URL_EC2"] ?? process.env["AWS_ENDPOINT_URL"] ?? `https://ec2.${region}.amazonaws.com`;
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0]?.trim() ?? "";
}
