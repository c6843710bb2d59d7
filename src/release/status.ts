/**
 * `smcrelease <infra> --status`: what each host says it was last released with,
 * read from every host at once. A host never released, an unreadable record and
 * an unreachable host are each said plainly.
 */
import { loadInventory } from "../inventory/index.js";
import { activeVaultKeyring } from "../vault/keyring.js";
import { SecretMasker } from "../secrets.js";
import { ReleaseError, ReleaseExit } from "./exit-codes.js";
import { describeHolder, type LockHolder } from "./holder.js";
import { readHostLock } from "./host-lock.js";
import { readHostRelease } from "./host-record.js";
import { closeHosts, openHosts, type OpenedHost } from "./hosts.js";
import { locateInfra } from "./locate.js";
import type { ReleaseIo, StatusRequest } from "./options.js";
import type { ReleaseRecord } from "./record.js";
import { REMOTE_CURRENT_RELEASE } from "./remote-paths.js";

export type HostStatus =
  | { host: string; state: "released"; release: ReleaseRecord; lock?: LockHolder | "unreadable" | undefined }
  | { host: string; state: "never-released"; lock?: LockHolder | "unreadable" | undefined }
  | { host: string; state: "unreadable"; message: string }
  | { host: string; state: "unreachable"; message: string };

export async function readStatuses(hosts: readonly OpenedHost[]): Promise<HostStatus[]> {
  return Promise.all(
    hosts.map(async (opened): Promise<HostStatus> => {
      if (!opened.target) return { host: opened.name, state: "unreachable", message: firstLine(opened.error.message) };
      try {
        const [release, lock] = await Promise.all([readHostRelease(opened.target), readHostLock(opened.target)]);
        if (release === "unreadable") {
          return { host: opened.name, state: "unreadable", message: `${REMOTE_CURRENT_RELEASE} is not a release record` };
        }
        return release === undefined
          ? { host: opened.name, state: "never-released", lock }
          : { host: opened.name, state: "released", release, lock };
      } catch (error) {
        return { host: opened.name, state: "unreachable", message: firstLine(error instanceof Error ? error.message : String(error)) };
      }
    }),
  );
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

/** A table: host, version, playbook, when, who (and a line under a host whose release is in progress) */
export function formatStatus(infra: string, statuses: readonly HostStatus[]): string {
  const rows: string[][] = [["HOST", "VERSION", "PLAYBOOK", "WHEN", "WHO"]];
  const notes: string[] = [];
  for (const status of statuses) {
    switch (status.state) {
      case "released": {
        const r = status.release;
        const who = r.sudoUser ? `${r.sudoUser} (as ${r.user})` : r.user;
        const commit = r.git ? ` @${r.git.commit.slice(0, 12)}${r.git.dirty ? "+dirty" : ""}` : "";
        rows.push([status.host, r.version, r.playbook, r.time, `${who} on ${r.controller}${commit}`]);
        break;
      }
      case "never-released":
        rows.push([status.host, "never released", "", "", ""]);
        break;
      case "unreadable":
        rows.push([status.host, "unknown", "", "", status.message]);
        break;
      case "unreachable":
        rows.push([status.host, "unreachable", "", "", status.message]);
        break;
    }
    if ((status.state === "released" || status.state === "never-released") && status.lock) {
      notes.push(`${status.host}: release in progress by ${status.lock === "unreadable" ? "an unknown holder" : describeHolder(status.lock)}`);
    }
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  const lines = rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  ").trimEnd());
  return [`infra ${infra}:`, ...lines, ...notes].join("\n") + "\n";
}

/** The JSON form of --status: one object per host */
export function statusJson(infra: string, statuses: readonly HostStatus[]): string {
  return `${JSON.stringify({ infra, hosts: statuses }, null, 2)}\n`;
}

/** The whole --status command: every host of the infra (or of -l), read in parallel; exit 3 when one cannot be read */
export async function runStatus(request: StatusRequest, io: ReleaseIo): Promise<number> {
  const inventoryDir = await locateInfra(request.inventoriesDir, request.infra);
  const inventory = await loadInventory([inventoryDir]);
  const masker = new SecretMasker();
  activeVaultKeyring().maskIn(masker);
  masker.addFromVars(inventory.allHostVars());
  masker.addFromVars(request.extraVars);
  const names = request.limit === undefined ? inventory.hosts().map((host) => host.name) : inventory.selectHosts(request.limit);
  if (names.length === 0) {
    throw new ReleaseError(`no host of infra ${request.infra} matches '${request.limit ?? ""}'`, ReleaseExit.badOptions, {
      hint: `hosts: ${inventory.hosts().map((host) => host.name).join(", ") || "(none)"}`,
    });
  }
  const opened = await openHosts(names, { inventory, extraVars: request.extraVars, masker, connection: request.connection });
  try {
    const statuses = await readStatuses(opened);
    io.out(masker.mask(request.json ? statusJson(request.infra, statuses) : formatStatus(request.infra, statuses)));
    return statuses.some((status) => status.state === "unreachable") ? ReleaseExit.hostUnreachable : ReleaseExit.ok;
  } finally {
    await closeHosts(opened);
  }
}
