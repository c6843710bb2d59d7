/**
 * Before anything runs: every selected host's `mqtt_broker_host` must be a DNS
 * name (an error otherwise), and should be `mqtt.<infra>.<group>.<domain>` (a
 * warning otherwise). The name rules are the inventory editor's (checkBrokerHostName).
 */
import { checkBrokerHostName } from "../inventory/edit-names.js";
import type { Inventory } from "../inventory/index.js";
import type { Vars } from "../vars/vars.js";
import { renderString } from "../vars/template.js";
import { ReleaseError, ReleaseExit } from "./exit-codes.js";

/** The role's default: the broker is named like its inventory entry */
function brokerHostOf(inventory: Inventory, host: string, extraVars: Vars): unknown {
  const vars = { ...inventory.hostVars(host), ...extraVars };
  const value = vars.mqtt_broker_host ?? host;
  if (typeof value !== "string" || !value.includes("{{")) return value;
  return renderString(value, vars, { file: `inventory vars of ${host}` });
}

/** Warnings to show; throws (exit 4) naming every host whose broker name is not a DNS name */
export function checkBrokerHosts(inventory: Inventory, hosts: readonly string[], infra: string, extraVars: Vars = {}): string[] {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const host of hosts) {
    const name = brokerHostOf(inventory, host, extraVars);
    if (typeof name !== "string") {
      errors.push(`${host}: mqtt_broker_host must be a DNS name, not ${JSON.stringify(name)}`);
      continue;
    }
    const check = checkBrokerHostName(name, infra);
    errors.push(...check.errors.map((error) => `${host}: mqtt_broker_host ${error}`));
    warnings.push(...check.warnings.map((warning) => `${host}: mqtt_broker_host ${warning}`));
  }
  if (errors.length > 0) {
    throw new ReleaseError(`invalid broker names:\n  ${errors.join("\n  ")}`, ReleaseExit.badInput, {
      hint: `set mqtt_broker_host in inventories/${infra}/ to the broker's DNS name, mqtt.${infra}.<group>.<domain>`,
    });
  }
  return warnings;
}
