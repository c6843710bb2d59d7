/**
 * Ansible types its connection variables when it uses them (`ansible_become=yes` is a
 * boolean, `ansible_port="2222"` a port number). tsible does it once, here, so the executor
 * reads typed values, and a bad value is reported with the place it was written.
 */
import { UserError } from "../errors.js";
import { parseAnsibleBool } from "../ansible-bool.js";
import type { Vars } from "../vars/vars.js";
import { describeOrigin, type VarOrigins } from "./model.js";

const BOOLEAN_VARS = ["ansible_become", "ansible_pipelining", "ansible_ssh_pipelining", "ansible_host_key_checking"];
const PORT_VARS = ["ansible_port", "ansible_ssh_port"];

/** Returns `vars` with connection variables typed; throws UserError naming where a bad one was set. */
export function typeConnectionVars(host: string, vars: Vars, origins: VarOrigins): Vars {
  const typed = { ...vars };
  const fail = (key: string, expected: string): never => {
    throw new UserError(`host '${host}': ${key} is ${JSON.stringify(vars[key])}, expected ${expected}`, {
      location: origins[key],
      hint: `set ${key} in ${describeOrigin(origins[key])} to ${expected}`,
    });
  };
  for (const key of BOOLEAN_VARS) {
    const value = vars[key];
    if (value === undefined || typeof value === "boolean" || isTemplate(value)) continue;
    typed[key] = parseAnsibleBool(value) ?? fail(key, "a boolean (true/false, yes/no)");
  }
  for (const key of PORT_VARS) {
    const value = vars[key];
    if (value === undefined || isTemplate(value)) continue;
    const port = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) fail(key, "a port number from 1 to 65535");
    typed[key] = port;
  }
  return typed;
}

/** A value still to be templated is typed after templating, by the executor. */
function isTemplate(value: unknown): boolean {
  return typeof value === "string" && value.includes("{{");
}
