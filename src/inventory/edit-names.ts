/**
 * The names `tsible inventory add` accepts: a host as a DNS name or an IP address, a group
 * as Ansible's INI reader can hold it, variables as Ansible names them; and the team's
 * convention for a broker's DNS name, `mqtt.<infra>.<group>.<domain>`.
 */
import { isIP } from "node:net";
import { UserError } from "../errors.js";

const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `name` is not a DNS host name (RFC 1123), or undefined when it is one. */
export function dnsNameProblem(name: string): string | undefined {
  if (name === "") return "it is empty";
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  if (bare.length > 253) return "it is longer than 253 characters";
  const labels = bare.split(".");
  const bad = labels.find((label) => !DNS_LABEL.test(label));
  if (bad === undefined) return undefined;
  if (bad === "") return "it has an empty label (two dots in a row, or a leading dot)";
  if (bad.length > 63) return `the label '${bad}' is longer than 63 characters`;
  return `the label '${bad}' may hold only letters, digits and '-', and may not start or end with '-'`;
}

/** Refuses a HOST argument that is neither an IP address nor a DNS host name. */
export function validateHostArgument(host: string): void {
  if (isIP(host) !== 0) return;
  const problem = dnsNameProblem(host);
  if (problem === undefined) return;
  throw new UserError(`invalid HOST argument '${host}': not an IP address or a DNS host name (${problem})`, {
    hint: "name one host, such as mqtt.aws1.dev.example.com or 10.213.0.10; ranges like web[01:10] and host:port are not accepted here (set the port with --var ansible_port=2222)",
  });
}

export function validateGroupArgument(group: string): void {
  if (GROUP_NAME.test(group)) return;
  throw new UserError(`invalid --group argument '${group}'`, {
    hint: "a group name starts with a letter or '_' and holds only letters, digits, '_' and '-'",
  });
}

export function validateVarName(name: string): void {
  if (VAR_NAME.test(name)) return;
  throw new UserError(`invalid --var name '${name}'`, {
    hint: "a variable name starts with a letter or '_' and holds only letters, digits and '_' (write --var key=value)",
  });
}

export interface NameCheck {
  errors: string[];
  warnings: string[];
}

/**
 * Checks a broker's DNS name (`mqtt_broker_host`): an error when it is not a DNS host name,
 * a warning when it does not follow `mqtt.<infra>.<group>.<domain>` (or names another infra).
 */
export function checkBrokerHostName(name: string, infra?: string): NameCheck {
  const problem = dnsNameProblem(name);
  if (problem !== undefined) return { errors: [`'${name}' is not a valid DNS host name: ${problem}`], warnings: [] };
  const warnings: string[] = [];
  const labels = (name.endsWith(".") ? name.slice(0, -1) : name).split(".");
  const convention = `mqtt.${infra ?? "<infra>"}.<group>.<domain>`;
  if (labels[0]?.toLowerCase() !== "mqtt") {
    warnings.push(`'${name}' does not start with 'mqtt.': the team's brokers are named ${convention}`);
  } else if (labels.length < 4) {
    warnings.push(`'${name}' has ${labels.length} labels; the team's brokers are named ${convention} (at least 4 labels)`);
  } else if (infra !== undefined && labels[1]?.toLowerCase() !== infra.toLowerCase()) {
    warnings.push(`'${name}' names infra '${labels[1] ?? ""}', not '${infra}': expected ${convention}`);
  }
  return { errors: [], warnings };
}
