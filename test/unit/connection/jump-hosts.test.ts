import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { parseJumpHosts, routeTo, type Route } from "../../../src/connection/jump-hosts.js";
import { resolveSshTarget } from "../../../src/connection/ssh-target.js";
import type { ConnectionSpec } from "../../../src/connection/types.js";

describe("ProxyJump lists", () => {
  it("reads [user@]host[:port] entries, ssh:// URIs and bracketed IPv6", () => {
    expect(parseJumpHosts("jump@bastion:2222, gate ,ssh://ops@10.0.0.1:22,[fd00::1]:2200")).toEqual([
      { user: "jump", host: "bastion", port: 2222 },
      { host: "gate" },
      { user: "ops", host: "10.0.0.1", port: 22 },
      { host: "fd00::1", port: 2200 },
    ]);
  });

  it("refuses what is not a jump host, as a UserError", () => {
    expect(() => parseJumpHosts("a,,b")).toThrow(UserError);
    expect(() => parseJumpHosts("host:port")).toThrow(/not \[user@\]host\[:port\]/);
    expect(() => parseJumpHosts("host:70000")).toThrow(/not a port number/);
  });
});

describe("the route to a host", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsible-jumps-"));
  const configFile = join(dir, "config");
  writeFileSync(
    configFile,
    [
      "Host bastion",
      "  HostName 192.0.2.1",
      "  User jump",
      "  Port 2222",
      "  IdentityFile /keys/bastion",
      "Host inner",
      "  HostName 198.51.100.7",
      "  ProxyJump bastion",
      "Host gated",
      "  ProxyCommand nc -X connect -x proxy:3128 %h %p",
      "Host loop",
      "  ProxyJump loop",
      "Host *",
      "  User fallback",
      "  IdentityFile /keys/default",
      "",
    ].join("\n"),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const spec = (over: Partial<ConnectionSpec>): ConnectionSpec => ({
    name: "web", type: "ssh", address: "10.9.0.5", hostKeyChecking: "accept-new", knownHostsFile: "/kh", sshConfigFile: configFile, connectTimeoutMs: 3000, ...over,
  });
  const route = (over: Partial<ConnectionSpec>): Route | undefined => {
    const host = spec(over);
    return routeTo(host, resolveSshTarget(host));
  };
  /** the hops from the host outwards: "user@host:port" of each */
  const hops = (first: Route | undefined): string[] => {
    const names: string[] = [];
    for (let at = first; at?.kind === "jump"; at = at.hop.route) names.push(`${at.hop.target.user}@${at.hop.target.host}:${at.hop.target.port}`);
    return names;
  };

  it("is direct without ProxyJump or ProxyCommand", () => {
    expect(route({})).toBeUndefined();
  });

  it("goes through a jump host with its own ssh config's user, port and key, and the run's host key settings", () => {
    const first = route({ proxyJump: "bastion" });
    expect(first?.kind).toBe("jump");
    if (first?.kind !== "jump") return;
    expect(first.hop.target).toMatchObject({ host: "192.0.2.1", port: 2222, user: "jump", keyFiles: ["/keys/bastion", "/keys/default"], knownHostsFiles: ["/kh"], connectTimeoutMs: 3000 });
    expect(first.hop.policy).toBe("accept-new");
    expect(first.hop.route).toBeUndefined();
  });

  it("-J a,b reaches b through a, and the host through b; a user@ or :port in the list beats the hop's config", () => {
    expect(hops(route({ proxyJump: "root@bastion:22,ops@inner" }))).toEqual(["ops@198.51.100.7:22", "root@192.0.2.1:22"]);
  });

  it("follows a jump host's own ProxyJump from its config (unless -J gives its way in)", () => {
    expect(hops(route({ proxyJump: "inner" }))).toEqual(["fallback@198.51.100.7:22", "jump@192.0.2.1:2222"]);
    expect(hops(route({ proxyJump: "gate,inner" }))).toEqual(["fallback@198.51.100.7:22", "fallback@gate:22"]);
  });

  it("keys a hop by user@host:port, keys and route: the same bastion for two hosts is one key", () => {
    const a = route({ proxyJump: "bastion", address: "10.9.0.5" });
    const b = route({ proxyJump: "jump@192.0.2.1:2222", address: "10.9.0.6", sshConfigFile: configFile });
    const c = route({ proxyJump: "root@bastion" });
    if (a?.kind !== "jump" || b?.kind !== "jump" || c?.kind !== "jump") throw new Error("expected jump routes");
    expect(a.hop.key).toBe("jump@192.0.2.1:2222 keys /keys/bastion,/keys/default");
    expect(c.hop.key).not.toBe(a.hop.key);
    // the same address and user but the config's keys for 192.0.2.1 are only /keys/default
    expect(b.hop.key).toBe("jump@192.0.2.1:2222 keys /keys/default");
  });

  it("takes a ProxyCommand as the way in, for the host or for a jump host", () => {
    expect(route({ proxyCommand: "ssh -W %h:%p gate" })).toEqual({ kind: "command", command: "ssh -W %h:%p gate" });
    const viaGated = route({ proxyJump: "gated" });
    expect(viaGated?.kind === "jump" && viaGated.hop.route).toEqual({ kind: "command", command: "nc -X connect -x proxy:3128 %h %p" });
  });

  it("stops a ProxyJump that leads back to itself with a UserError", () => {
    expect(() => route({ proxyJump: "loop" })).toThrow(/more than 10 jump hosts/);
  });
});
