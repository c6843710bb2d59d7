/**
 * The configuration file of an EC2 inventory source (`*.aws_ec2.yml`), read as Ansible's
 * amazon.aws.aws_ec2 inventory plugin reads it: which regions and filters to query, how to
 * name hosts, and the constructed features (compose, groups, keyed_groups). Every mistake
 * is a UserError at the file and line of the option.
 */
import { isMap, isNode, isScalar, isSeq, type Node } from "yaml";
import * as z from "zod";
import { UserError, type SourceLocation } from "../errors.js";
import { parseExpression } from "../vars/expression.js";
import { ExpressionError } from "../vars/values.js";
import { AWS_EC2_HOSTNAME_ATTRIBUTES, type HostnamePreference } from "./aws-ec2-hostvars.js";
import { parseYamlFile, toValue, type YamlFile } from "./yaml-file.js";

/** Ansible's rule: the aws_ec2 plugin reads only files whose names end so */
export function isAwsEc2Source(file: string): boolean {
  return file.endsWith("aws_ec2.yml") || file.endsWith("aws_ec2.yaml");
}

/** one DescribeInstances filter set: filter name -> accepted values */
export type FilterSet = Record<string, string[]>;

/** an expression with the place it was written, for error messages */
export interface PlacedExpression {
  /** the variable (compose) or group (groups) it defines */
  name: string;
  expression: string;
  location: SourceLocation;
}

export interface KeyedGroup {
  key: string;
  prefix: string;
  separator: string;
  parentGroup: string | undefined;
  defaultValue: string | undefined;
  trailingSeparator: boolean | undefined;
  location: SourceLocation;
}

export interface AwsEc2Config {
  file: string;
  /** empty: every region DescribeRegions lists */
  regions: string[];
  /** `filters` and each of `include_filters`: an instance matching any set is in (one query per set) */
  includeFilters: FilterSet[];
  /** an instance matching any of these sets is out, whatever the include filters say */
  excludeFilters: FilterSet[];
  hostnames: HostnamePreference[];
  compose: PlacedExpression[];
  groups: PlacedExpression[];
  keyedGroups: KeyedGroup[];
  /** an expression naming an undefined variable is an error, not a skipped entry */
  strict: boolean;
  /** a region that answers 403 is an error, not an empty region */
  strictPermissions: boolean;
  /** a keyed group without prefix starts with its separator */
  leadingSeparator: boolean;
  profile: string | undefined;
  endpointUrl: string | undefined;
}

const HINT = "see the 'EC2 inventory' paragraph of README.md for the options tsible reads";

const filterValue = z.union([z.string(), z.number(), z.boolean()]);
const filterSet = z.record(z.string().min(1), z.union([filterValue, z.array(filterValue)]));
const expressionText = z.union([z.string().min(1), z.number(), z.boolean()]);
// the SDK builds the endpoint's host name from the region: a plain name keeps it one label
const region = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "a region name such as eu-west-1");

const schema = z.strictObject({
  plugin: z.enum(["aws_ec2", "amazon.aws.aws_ec2"]),
  // Ansible's list options take a comma-separated string too
  regions: z.preprocess((value) => (typeof value === "string" ? value.split(",").map((part) => part.trim()) : value), z.array(region)).default([]),
  filters: filterSet.default({}),
  include_filters: z.array(filterSet).default([]),
  exclude_filters: z.array(filterSet).default([]),
  hostnames: z
    .array(z.union([z.string().min(1), z.strictObject({ name: z.string().min(1), prefix: z.string().optional(), separator: z.string().default("_") })]))
    .default([]),
  compose: z.record(z.string().min(1), expressionText).default({}),
  groups: z.record(z.string().min(1), expressionText).default({}),
  keyed_groups: z
    .array(
      z.strictObject({
        key: z.string().min(1),
        prefix: z.string().default(""),
        separator: z.string().default("_"),
        parent_group: z.string().min(1).optional(),
        default_value: z.string().optional(),
        trailing_separator: z.boolean().optional(),
      }),
    )
    .default([]),
  strict: z.boolean().default(false),
  strict_permissions: z.boolean().default(true),
  leading_separator: z.boolean().default(true),
  profile: z.string().min(1).optional(),
  aws_profile: z.string().min(1).optional(),
  boto_profile: z.string().min(1).optional(),
  endpoint_url: z.url({ protocol: /^https?$/ }).optional(),
  aws_endpoint_url: z.url({ protocol: /^https?$/ }).optional(),
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
});

type RawConfig = z.infer<typeof schema>;

export function parseAwsEc2Config(text: string, file: string): AwsEc2Config {
  const yaml = parseYamlFile(text, file);
  const root = yaml.document.contents;
  if (!isMap(root)) {
    throw new UserError("an EC2 inventory file must be a mapping of options, starting with 'plugin: aws_ec2'", { location: yaml.locate(root), hint: HINT });
  }
  if (!root.has("plugin")) {
    throw new UserError("an EC2 inventory file needs 'plugin: aws_ec2'", {
      location: { file, line: 1 },
      hint: "files named *.aws_ec2.yml are EC2 inventory sources; add 'plugin: aws_ec2', or rename a static inventory",
    });
  }
  const parsed = schema.safeParse(toValue(yaml));
  if (!parsed.success) throw issueError(yaml, parsed.error.issues[0]);
  const raw = parsed.data;
  const at = (...path: (string | number)[]): SourceLocation => locatePath(yaml, path);
  const filters = (set: Record<string, unknown>): FilterSet =>
    Object.fromEntries(Object.entries(set).map(([name, values]) => [name, (Array.isArray(values) ? values : [values]).map(String)]));
  const config: AwsEc2Config = {
    file,
    regions: raw.regions,
    includeFilters: [...(Object.keys(raw.filters).length > 0 ? [raw.filters] : []), ...raw.include_filters].map(filters),
    excludeFilters: raw.exclude_filters.map(filters),
    hostnames: raw.hostnames.map((entry, index) => hostnamePreference(entry, at("hostnames", index))),
    compose: Object.entries(raw.compose).map(([name, expression]) => placed("compose", name, expression, at("compose", name))),
    groups: Object.entries(raw.groups).map(([name, expression]) => placed("group", name, expression, at("groups", name))),
    keyedGroups: raw.keyed_groups.map((entry, index) => keyedGroup(entry, at("keyed_groups", index))),
    strict: raw.strict,
    strictPermissions: raw.strict_permissions,
    leadingSeparator: raw.leading_separator,
    profile: oneOf(yaml, raw, ["profile", "aws_profile", "boto_profile"]),
    endpointUrl: oneOf(yaml, raw, ["endpoint_url", "aws_endpoint_url", "endpoint"]),
  };
  if (config.includeFilters.length === 0) config.includeFilters.push({});
  return config;
}

function hostnamePreference(entry: RawConfig["hostnames"][number], location: SourceLocation): HostnamePreference {
  if (typeof entry !== "string") return { ...entry, location };
  // the plugin would use an unknown name as a literal host name, which names every instance alike
  if (!entry.startsWith("tag:") && !AWS_EC2_HOSTNAME_ATTRIBUTES.has(entry)) {
    throw new UserError(`unknown hostnames entry '${entry}'`, {
      location,
      hint: `use tag:NAME, tag:NAME=VALUE or one of ${[...AWS_EC2_HOSTNAME_ATTRIBUTES.keys()].join(", ")}; for a fixed text write '- name: ${entry}' with a prefix`,
    });
  }
  return { name: entry, separator: "_", location };
}

function keyedGroup(entry: RawConfig["keyed_groups"][number], location: SourceLocation): KeyedGroup {
  if (entry.default_value !== undefined && entry.trailing_separator !== undefined) {
    throw new UserError("a keyed group takes default_value or trailing_separator, not both", {
      location,
      hint: "default_value names the group of hosts whose value is empty; trailing_separator: false drops the separator for them instead",
    });
  }
  checkSyntax(entry.key, location, "keyed group key");
  return {
    key: entry.key,
    prefix: entry.prefix,
    separator: entry.separator,
    parentGroup: entry.parent_group,
    defaultValue: entry.default_value,
    trailingSeparator: entry.trailing_separator,
    location,
  };
}

function placed(kind: "compose" | "group", name: string, expression: string | number | boolean, location: SourceLocation): PlacedExpression {
  const text = typeof expression === "string" ? expression : String(expression);
  checkSyntax(text, location, `${kind} '${name}'`);
  return { name, expression: text, location };
}

/** a syntax error shows when the file is read, not only when some instance reaches it */
function checkSyntax(expression: string, location: SourceLocation, what: string): void {
  try {
    parseExpression(expression);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    throw new UserError(`${what} "${expression}": ${error.message}`, { location, hint: error.hint });
  }
}

/** an option and its aliases: at most one may be set */
function oneOf<K extends keyof RawConfig>(yaml: YamlFile, raw: RawConfig, names: K[]): string | undefined {
  const set = names.filter((name) => raw[name] !== undefined);
  const second = set[1];
  if (second !== undefined) {
    throw new UserError(`'${set[0]}' and '${second}' are the same option`, { location: locatePath(yaml, [second]), hint: `keep one of ${names.join(", ")}` });
  }
  const first = set[0];
  return first === undefined ? undefined : String(raw[first]);
}

function issueError(yaml: YamlFile, issue: z.core.$ZodIssue | undefined): UserError {
  if (issue === undefined) return new UserError("invalid EC2 inventory options", { location: { file: yaml.file }, hint: HINT });
  const path = issue.path.filter((part): part is string | number => typeof part !== "symbol");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    const where = path.length === 0 ? "" : ` in '${path.join(".")}'`;
    return new UserError(`unknown option '${key}'${where}`, {
      location: locatePath(yaml, [...path, key]),
      hint: path.length === 0 ? `tsible reads ${Object.keys(schema.shape).join(", ")}` : HINT,
    });
  }
  const name = path.length === 0 ? "the file" : `'${path.join(".")}'`;
  return new UserError(`${name}: ${issue.message}`, { location: locatePath(yaml, path), hint: HINT });
}

/** the line of the deepest node that exists along `path` (a missing option points at its parent) */
function locatePath(yaml: YamlFile, path: (string | number)[]): SourceLocation {
  let node: unknown = yaml.document.contents;
  let location = yaml.locate(isNode(node) ? node : undefined);
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (!pair) break;
      location = yaml.locate(pair.key as Node);
      node = pair.value;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part];
      if (!isNode(item)) break;
      location = yaml.locate(item);
      node = item;
    } else {
      break;
    }
  }
  return location;
}
