import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sshConfigForHost, sshConfigFromText } from "../../../src/connection/ssh-config.js";
import { resolveSshTarget } from "../../../src/connection/ssh-target.js";
import type { ConnectionSpec } from "../../../src/connection/types.js";

const CONFIG = `
Host broker-*
  HostName %h.mqtt.internal
  User deploy
  Port 2222
  IdentityFile ~/.ssh/brokers
  UserKnownHostsFile ~/.ssh/known_brokers

Host edge1
  HostName 10.213.9.10

Match exec "touch /tmp/tsible-must-not-exist"
  User evil

Host *
  User fallback
  IdentityFile ~/.ssh/id_default
`;

describe("ssh config", () => {
  it("computes HostName (with %h), User, Port, IdentityFile for a matching host, first value winning", () => {
    expect(sshConfigFromText(CONFIG, "broker-3")).toEqual({
      hostName: "broker-3.mqtt.internal",
      user: "deploy",
      port: 2222,
      identityFiles: [join(homedir(), ".ssh/brokers"), join(homedir(), ".ssh/id_default")],
      userKnownHostsFile: join(homedir(), ".ssh/known_brokers"),
    });
    expect(sshConfigFromText(CONFIG, "edge1")).toMatchObject({ hostName: "10.213.9.10", user: "fallback" });
  });

  it("never runs Match exec", () => {
    expect(sshConfigFromText(CONFIG, "other").user).toBe("fallback");
    expect(existsSync("/tmp/tsible-must-not-exist")).toBe(false);
  });

  it("gives nothing for a missing file or an empty path", () => {
    expect(sshConfigForHost("x", "/nonexistent/config")).toEqual({ identityFiles: [] });
    expect(sshConfigForHost("x", "")).toEqual({ identityFiles: [] });
  });
});

describe("resolving where to connect", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsible-sshcfg-"));
  const configFile = join(dir, "config");
  writeFileSync(configFile, CONFIG);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const spec = (over: Partial<ConnectionSpec>): ConnectionSpec => ({
    name: "broker-3", type: "ssh", address: "broker-3", hostKeyChecking: "strict", sshConfigFile: configFile, ...over,
  });

  it("takes what the inventory leaves open from ssh config", () => {
    const target = resolveSshTarget(spec({}));
    expect(target).toMatchObject({
      host: "broker-3.mqtt.internal", port: 2222, user: "deploy",
      keyFiles: [join(homedir(), ".ssh/brokers"), join(homedir(), ".ssh/id_default")], keyFileRequired: false,
      knownHostsWriteFile: join(homedir(), ".ssh/known_brokers"), connectTimeoutMs: 10_000,
    });
  });

  it("lets inventory values override ssh config", () => {
    const target = resolveSshTarget(spec({ port: 22, user: "ops", privateKeyFile: "/keys/ops", knownHostsFile: "/kh", connectTimeoutMs: 500 }));
    expect(target).toMatchObject({ port: 22, user: "ops", keyFiles: ["/keys/ops"], keyFileRequired: true, knownHostsFiles: ["/kh"], knownHostsWriteFile: "/kh", connectTimeoutMs: 500 });
  });
});

describe("proxies and timeouts from ssh config", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsible-sshcfg-proxy-"));
  const configFile = join(dir, "config");
  writeFileSync(
    configFile,
    [
      "Host inner-*",
      "  ProxyCommand ssh -W %h:%p gate",
      "  ProxyJump bastion",
      "  ConnectTimeout 4",
      "Host direct",
      "  ProxyJump none",
      "Host *",
      "  ProxyJump bastion",
      "",
    ].join("\n"),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const spec = (address: string, over: Partial<ConnectionSpec> = {}): ConnectionSpec => ({
    name: address, type: "ssh", address, hostKeyChecking: "strict", sshConfigFile: configFile, ...over,
  });

  it("takes whichever of ProxyCommand and ProxyJump comes first, and ConnectTimeout", () => {
    expect(sshConfigFromText("Host x\n  ProxyJump a\n  ProxyCommand nc %h %p\n", "x").proxy).toEqual({ kind: "jump", value: "a" });
    const target = resolveSshTarget(spec("inner-1"));
    expect(target.proxy).toEqual({ kind: "command", command: "ssh -W %h:%p gate" });
    expect(target.connectTimeoutMs).toBe(4000);
    expect(resolveSshTarget(spec("inner-1", { connectTimeoutMs: 1500 })).connectTimeoutMs).toBe(1500);
  });

  it("lets the inventory's ProxyJump or ProxyCommand win, and none mean directly", () => {
    expect(resolveSshTarget(spec("web")).proxy).toEqual({ kind: "jump", hosts: "bastion" });
    expect(resolveSshTarget(spec("web", { proxyJump: "other" })).proxy).toEqual({ kind: "jump", hosts: "other" });
    expect(resolveSshTarget(spec("inner-1", { proxyJump: "other" })).proxy).toEqual({ kind: "jump", hosts: "other" });
    expect(resolveSshTarget(spec("web", { proxyCommand: "nc %h %p" })).proxy).toEqual({ kind: "command", command: "nc %h %p" });
    expect(resolveSshTarget(spec("web", { proxyJump: "none" })).proxy).toBeUndefined();
    expect(resolveSshTarget(spec("direct")).proxy).toBeUndefined();
  });
});
