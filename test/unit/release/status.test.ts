import { describe, expect, it } from "vitest";
import { formatStatus, statusJson, type HostStatus } from "../../../src/release/status.js";

const release = {
  infra: "acme",
  version: "1.1.0",
  playbook: "mosquitto.yml",
  time: "2025-03-04T05:06:07.089Z",
  user: "root",
  sudoUser: "alice",
  controller: "jump1",
  git: { commit: "0123456789abcdef0123456789abcdef01234567", dirty: true },
  result: "ok" as const,
  host: "b1",
  changed: 2,
};

const statuses: HostStatus[] = [
  { host: "mqtt.acme.prod.example.com", state: "released", release },
  { host: "b2", state: "released", release: { ...release, version: "1.0.0", sudoUser: undefined, user: "bob", git: null } },
  { host: "b3", state: "never-released" },
  { host: "b4", state: "unreachable", message: "connect ECONNREFUSED 10.213.9.13:22" },
  { host: "b5", state: "unreadable", message: "/var/lib/tsible/release.json is not a release record" },
  { host: "b6", state: "never-released", lock: { user: "carol", pid: 42, hostname: "jump2", since: "2025-03-05T00:00:00.000Z", version: "1.2.0" } },
];

describe("--status output", () => {
  it("shows per host the version, playbook, when and who, in aligned columns", () => {
    expect(formatStatus("acme", statuses)).toBe(
      [
        "infra acme:",
        "HOST                        VERSION         PLAYBOOK       WHEN                      WHO",
        "mqtt.acme.prod.example.com  1.1.0           mosquitto.yml  2025-03-04T05:06:07.089Z  alice (as root) on jump1 @0123456789ab+dirty",
        "b2                          1.0.0           mosquitto.yml  2025-03-04T05:06:07.089Z  bob on jump1",
        "b3                          never released",
        "b4                          unreachable                                              connect ECONNREFUSED 10.213.9.13:22",
        "b5                          unknown                                                  /var/lib/tsible/release.json is not a release record",
        "b6                          never released",
        "b6: release in progress by carol (pid 42 on jump2, releasing 1.2.0, since 2025-03-05T00:00:00.000Z)",
        "",
      ].join("\n"),
    );
  });

  it("prints one JSON document with --json", () => {
    const document = JSON.parse(statusJson("acme", statuses)) as { infra: string; hosts: HostStatus[] };
    expect(document.infra).toBe("acme");
    expect(document.hosts.map((host) => host.state)).toEqual(["released", "released", "never-released", "unreachable", "unreadable", "never-released"]);
  });
});
