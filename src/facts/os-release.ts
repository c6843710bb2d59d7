/**
 * /etc/os-release (os-release(5)): shell-style KEY=value lines, values maybe
 * quoted. From it: distribution, its family and version.
 */
import type { Facts } from "./types.js";

export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    fields[match[1]] = unquote(match[2]);
  }
  return fields;
}

function unquote(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
    const inner = value.slice(1, -1);
    // inside double quotes, backslash escapes $ " \ and `
    return quote === '"' ? inner.replace(/\\([$"\\`])/g, "$1") : inner;
  }
  return value;
}

const DEBIAN_LIKE = new Set(["debian", "ubuntu", "raspbian"]);
const REDHAT_LIKE = new Set(["rhel", "centos", "fedora", "amzn", "rocky", "almalinux", "ol"]);

export function osFamily(id: string, idLike: string): Facts["os_family"] {
  const ids = [id, ...idLike.split(/\s+/)].filter((word) => word !== "");
  if (ids.some((word) => DEBIAN_LIKE.has(word))) return "Debian";
  if (ids.some((word) => REDHAT_LIKE.has(word))) return "RedHat";
  return "unknown";
}

export interface Distribution {
  distribution: string;
  os_family: Facts["os_family"];
  distribution_version: string;
  distribution_major_version: string;
}

export function distributionFromOsRelease(fields: Record<string, string>): Distribution {
  const id = (fields["ID"] ?? "unknown").toLowerCase();
  const version = fields["VERSION_ID"] ?? "";
  return {
    distribution: id,
    os_family: osFamily(id, (fields["ID_LIKE"] ?? "").toLowerCase()),
    distribution_version: version,
    distribution_major_version: version.split(".")[0] ?? "",
  };
}
