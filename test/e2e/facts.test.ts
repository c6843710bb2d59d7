/** Facts gathered from a real fleet host in one round trip */
import { afterAll, describe, expect, it } from "vitest";
import { useFleet } from "../fleet/use-fleet.js";
import { openConnection } from "../../src/connection/open.js";
import type { Connection } from "../../src/connection/types.js";
import { factsToVars, gatherFacts } from "../../src/facts/gather.js";

const fleet = useFleet();
const host = fleet.host(0);
const opened: Connection[] = [];

afterAll(async () => {
  await Promise.all(opened.map((conn) => conn.close()));
});

describe("gathering facts on a fleet host", () => {
  it("sees Debian 12 with apt, no service manager (no init in the container), in one command", async () => {
    const commands: string[] = [];
    const conn = await openConnection(
      {
        name: host.name, type: "ssh", address: host.address, port: host.port, user: "deploy",
        privateKeyFile: fleet.keyFile, hostKeyChecking: "strict", knownHostsFile: fleet.knownHostsFile, sshConfigFile: "",
      },
      { log: (line) => commands.push(line) },
    );
    opened.push(conn);
    const facts = await gatherFacts(conn);
    expect(commands).toHaveLength(1);
    const arch = (await fleet.sshRun(host, "uname -m")).stdout.trim();
    expect(facts).toEqual({
      os_family: "Debian",
      distribution: "debian",
      distribution_version: "12",
      distribution_major_version: "12",
      architecture: arch,
      kernel: (await fleet.sshRun(host, "uname -r")).stdout.trim(),
      pkg_mgr: "apt",
      service_mgr: "none",
      hostname: host.name,
      user_id: "deploy",
      has_init_d: true,
      python: "/usr/bin/python3",
    });
    expect(factsToVars(facts)).toMatchObject({ ansible_distribution: "debian", ansible_pkg_mgr: "apt", ansible_hostname: host.name });
  });
});
