/** The hosts a release touches: those the playbook's plays target, narrowed by -l, in inventory order */
import type { Inventory } from "../inventory/index.js";
import type { Playbook } from "../playbook/types.js";
import { ReleaseError, ReleaseExit } from "./exit-codes.js";

export function releaseHosts(playbook: Playbook, inventory: Inventory, limit: string | undefined): string[] {
  const targeted = new Set(playbook.plays.flatMap((play) => inventory.selectHosts(play.hosts)));
  const limited = limit === undefined ? undefined : new Set(inventory.selectHosts(limit));
  const hosts = inventory
    .hosts()
    .map((host) => host.name)
    .filter((name) => targeted.has(name) && (!limited || limited.has(name)));
  if (hosts.length === 0) {
    const patterns = playbook.plays.map((play) => play.hosts).join(", ");
    throw new ReleaseError(
      `no host of the inventory matches the playbook's hosts (${patterns})${limit === undefined ? "" : ` with limit '${limit}'`}`,
      limit === undefined ? ReleaseExit.badInput : ReleaseExit.badOptions,
      { hint: `hosts in the inventory: ${inventory.hosts().map((host) => host.name).join(", ") || "(none)"}` },
    );
  }
  return hosts;
}
