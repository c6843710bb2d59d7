/**
 * What an EC2 instance becomes in the inventory, as the aws_ec2 plugin makes it: host
 * variables are DescribeInstances' attributes with snake_case names (`private_ip_address`,
 * `placement.availability_zone`), `tags` as a dict, and `placement.region`; the host's name
 * is the first `hostnames` preference the instance has a value for.
 */
import type { SourceLocation } from "../errors.js";
import type { Vars } from "../vars/vars.js";

/** a `hostnames` entry: the name, and an optional prefix joined to it by `separator` */
export interface HostnamePreference {
  name: string;
  prefix?: string | undefined;
  separator: string;
  location: SourceLocation;
}

/** one instance as DescribeInstances returns it, with its reservation's ids, and the region queried */
export interface Ec2Instance {
  region: string;
  /** PascalCase attributes, as the API names them */
  attributes: Record<string, unknown>;
}

/**
 * The DescribeInstances filter names `hostnames` accepts, and where each one's value is in an
 * instance (the common ones: the plugin knows every filter name).
 */
export const AWS_EC2_HOSTNAME_ATTRIBUTES: ReadonlyMap<string, readonly string[]> = new Map([
  ["dns-name", ["PublicDnsName"]],
  ["private-dns-name", ["PrivateDnsName"]],
  ["ip-address", ["PublicIpAddress"]],
  ["private-ip-address", ["PrivateIpAddress"]],
  ["instance-id", ["InstanceId"]],
  ["image-id", ["ImageId"]],
  ["instance-type", ["InstanceType"]],
  ["key-name", ["KeyName"]],
  ["subnet-id", ["SubnetId"]],
  ["vpc-id", ["VpcId"]],
  ["availability-zone", ["Placement", "AvailabilityZone"]],
  ["architecture", ["Architecture"]],
  ["platform", ["Platform"]],
  ["owner-id", ["OwnerId"]],
  ["reservation-id", ["ReservationId"]],
  ["network-interface.ipv6-addresses.ipv6-address", ["NetworkInterfaces", "Ipv6Addresses", "Ipv6Address"]],
]);

/** the plugin's default: public DNS name, else private DNS name */
const DEFAULT_HOSTNAMES: HostnamePreference[] = ["dns-name", "private-dns-name"].map((name) => ({ name, separator: "_", location: { file: "" } }));

/** The instance's host name by the first preference it has a value for; undefined leaves it out of the inventory */
export function hostnameOf(instance: Ec2Instance, preferences: HostnamePreference[]): string | undefined {
  for (const preference of preferences.length > 0 ? preferences : DEFAULT_HOSTNAMES) {
    let name = preferenceValue(instance, preference.name);
    if (name !== undefined && preference.prefix !== undefined) {
      const prefix = preferenceValue(instance, preference.prefix);
      if (prefix !== undefined) name = `${prefix}${preference.separator}${name}`;
    }
    // an IPv6 address is no host name to Ansible: it gets the group name treatment
    if (name !== undefined) return name.includes(":") ? safeGroupName(name) : name;
  }
  return undefined;
}

/**
 * `tag:Name`, `tag:Name=web` (gives `Name_web`), a filter name, or else the text itself (the
 * config file allows that only in the `name:`/`prefix:` form, where it is meant)
 */
function preferenceValue(instance: Ec2Instance, preference: string): string | undefined {
  if (preference.startsWith("tag:")) return tagHostname(instance, preference.slice("tag:".length));
  const path = AWS_EC2_HOSTNAME_ATTRIBUTES.get(preference);
  if (path === undefined) return preference === "" ? undefined : preference;
  const value = valueAt(instance.attributes, path);
  return typeof value === "string" && value !== "" ? value : undefined;
}

function tagHostname(instance: Ec2Instance, alternatives: string): string | undefined {
  const tags = tagsOf(instance.attributes);
  for (const alternative of alternatives.split(",")) {
    const [name = "", value] = alternative.split("=", 2);
    if (value !== undefined) {
      if (tags[name] === value) return `${name}_${value}`;
    } else if (tags[name]) {
      return tags[name];
    }
  }
  return undefined;
}

/** a path through nested attributes; a list on the way gives the one value its items have */
function valueAt(value: unknown, path: readonly string[]): unknown {
  const [first, ...rest] = path;
  if (first === undefined || value === undefined || value === null) return value;
  if (Array.isArray(value)) {
    const found = value.map((item) => valueAt(item, path)).filter((item) => item !== undefined && item !== "");
    return found.length === 1 ? found[0] : undefined;
  }
  if (typeof value !== "object") return undefined;
  return valueAt((value as Record<string, unknown>)[first], rest);
}

/** The host variables of an instance: every attribute in snake_case, tags as a dict, placement.region */
export function hostVarsOf(instance: Ec2Instance): Vars {
  const vars: Vars = {};
  for (const [key, value] of Object.entries(instance.attributes)) {
    if (key === "Tags") continue;
    vars[snakeCase(key)] = snakeCaseValue(value);
  }
  vars["tags"] = tagsOf(instance.attributes);
  // the plugin cuts the zone letter off the availability zone; the region queried is the same
  // for a regular zone and also right for a Local Zone (us-east-1-bos-1a)
  const placement = vars["placement"];
  vars["placement"] = { ...(typeof placement === "object" && placement !== null ? placement : {}), region: instance.region };
  return vars;
}

function tagsOf(attributes: Record<string, unknown>): Record<string, string> {
  const tags: Record<string, string> = {};
  const list = attributes["Tags"];
  if (!Array.isArray(list)) return tags;
  for (const tag of list as unknown[]) {
    if (typeof tag !== "object" || tag === null) continue;
    const { Key: key, Value: value } = tag as { Key?: unknown; Value?: unknown };
    if (typeof key === "string") tags[key] = typeof value === "string" ? value : "";
  }
  return tags;
}

function snakeCaseValue(value: unknown): unknown {
  if (value instanceof Date) return pythonIsoFormat(value);
  if (Array.isArray(value)) return value.map(snakeCaseValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined).map(([key, item]) => [snakeCase(key), snakeCaseValue(item)]));
  }
  return value;
}

/**
 * Ansible's camel_dict_to_snake_dict naming: `PrivateIpAddress` -> `private_ip_address`,
 * `EbsOptimized` -> `ebs_optimized`, and a plural abbreviation at the end stays one word
 * (`TargetGroupARNs` -> `target_group_arns`).
 */
export function snakeCase(name: string): string {
  let text = name.replace(/[A-Z]{3,}s$/, (plural) => `_${plural.toLowerCase()}`);
  if (text.startsWith("_") && !name.startsWith("_")) text = text.slice(1);
  return text
    .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
    .replace(/([a-z0-9])([A-Z]+)/g, "$1_$2")
    .toLowerCase();
}

/** a timestamp as boto3's datetime prints in Ansible's output: 2026-11-30T09:15:02+00:00 */
function pythonIsoFormat(date: Date): string {
  const [seconds = "", milliseconds = "000"] = date.toISOString().replace(/Z$/, "").split(".");
  return milliseconds === "000" ? `${seconds}+00:00` : `${seconds}.${milliseconds}000+00:00`;
}

/**
 * Ansible's group name rule for what inventory plugins build (to_safe_group_name, forced):
 * every character that is not a letter, digit or underscore, and a leading digit, become `_`.
 */
export function safeGroupName(name: string): string {
  return name.replace(/^\p{Nd}|[^\p{L}\p{N}_]/gu, "_");
}
