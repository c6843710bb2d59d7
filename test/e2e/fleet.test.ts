/**
 * The test fleet itself works as every other e2e test assumes: real sshd hosts with their own
 * identity, the four test users, a local apt repository, a stock mosquitto, a shared bridge.
 * Checked with the system ssh client, independent of tsible's SSH code.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { fleetCredentials, sshClientOptions, type FleetHost } from "../fleet/fleet.js";
import { useFleet } from "../fleet/use-fleet.js";

const fleet = useFleet();
const [hostA, hostB] = [fleet.host(0), fleet.host(1)];

describe("the test fleet", () => {
  it("has three hosts, each answering over ssh with its own hostname", async () => {
    expect(fleet.hosts).toHaveLength(3);
    for (const host of fleet.hosts) {
      const result = await fleet.sshRun(host, "hostname && cat /etc/hostname && id -u");
      expect(result).toMatchObject({ exitCode: 0, stdout: `${host.name}\n${host.name}\n0\n` });
    }
  });

  it("gives every host its own host key, the one recorded in known_hosts", async () => {
    const knownHosts = await readFile(fleet.knownHostsFile, "utf8");
    const keys: string[] = [];
    for (const host of fleet.hosts) {
      const result = await fleet.sshRun(host, "cat /etc/ssh/ssh_host_ed25519_key.pub");
      expect(result.exitCode).toBe(0);
      const key = result.stdout.split(" ").slice(0, 2).join(" ");
      expect(knownHosts).toContain(`${host.address} ${key}\n`);
      keys.push(key);
    }
    expect(new Set(keys).size).toBe(fleet.hosts.length);
  });

  it("lets deploy sudo without a password", async () => {
    const result = await fleet.sshRun(hostA, "sudo -n true && sudo -n id -u", { user: "deploy" });
    expect(result).toMatchObject({ exitCode: 0, stdout: "0\n" });
  });

  it("makes ops give its password to sudo, and refuses a wrong one", async () => {
    const withoutPassword = await fleet.sshRun(hostA, "sudo -n true", { user: "ops" });
    expect(withoutPassword.exitCode).not.toBe(0);
    expect(withoutPassword.stderr).toContain("a password is required");

    const sudoWithStdin = "sudo -S -p '' id -u";
    const withPassword = await fleet.sshRun(hostA, sudoWithStdin, {
      user: "ops",
      input: `${fleetCredentials.opsSudoPassword}\n`,
    });
    expect(withPassword).toMatchObject({ exitCode: 0, stdout: "0\n" });

    const wrongPassword = await fleet.sshRun(hostB, sudoWithStdin, { user: "ops", input: "not-the-password\n" });
    expect(wrongPassword.exitCode).not.toBe(0);
    expect(wrongPassword.stdout).toBe("");
  });

  describe("pwuser", () => {
    let askpassDir: string | undefined;
    afterAll(async () => {
      if (askpassDir) await rm(askpassDir, { recursive: true, force: true });
    });

    /** ssh as pwuser with a password only (no key), fed by SSH_ASKPASS since there is no tty */
    async function sshWithPassword(host: FleetHost, password: string, command: string) {
      askpassDir ??= await mkdtemp(join(tmpdir(), "tsible-askpass-"));
      const askpass = join(askpassDir, `askpass-${password.length}-${Date.now()}`);
      await writeFile(askpass, `#!/bin/sh\nprintf '%s\\n' '${password}'\n`);
      await chmod(askpass, 0o700);
      return execa(
        "ssh",
        [
          // ssh keeps the first value of an option: these override sshClientOptions' BatchMode.
          "-o", "BatchMode=no",
          "-o", "PubkeyAuthentication=no",
          "-o", "PreferredAuthentications=password",
          "-o", "NumberOfPasswordPrompts=1",
          ...sshClientOptions(fleet),
          `pwuser@${host.address}`,
          command,
        ],
        { reject: false, stdin: "ignore", env: { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force" } },
      );
    }

    it("logs in with its password, not with the fleet key, and cannot sudo", async () => {
      const withPassword = await sshWithPassword(hostA, fleetCredentials.pwuserPassword, "id -un; sudo -n true");
      expect(withPassword.stdout).toBe("pwuser");
      expect(withPassword.exitCode).not.toBe(0);
      expect(withPassword.stderr).toMatch(/password is required|may not run sudo|not in the sudoers/);

      const wrongPassword = await sshWithPassword(hostA, "wrong-password", "id -un");
      expect(wrongPassword.exitCode).toBe(255);
      expect(wrongPassword.stderr).toContain("Permission denied");

      const withKey = await fleet.sshRun(hostA, "id -un", { user: "pwuser" });
      expect(withKey.exitCode).toBe(255);
      expect(withKey.stderr).toContain("Permission denied");
    });
  });

  describe("apt", () => {
    afterAll(async () => {
      await fleet.sshRun(hostA, "apt-get purge -y -q hello");
    });

    it("installs hello from the local repository, on that host only", async () => {
      const sources = await fleet.sshRun(hostA, "cat /etc/apt/sources.list.d/* /etc/apt/sources.list 2>/dev/null");
      expect(sources.stdout.trim()).toBe("deb [trusted=yes] file:/srv/tsible-repo ./");

      const install = await fleet.sshRun(
        hostA,
        "export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q hello && hello",
      );
      expect(install.stderr).not.toMatch(/^E:/m);
      expect(install).toMatchObject({ exitCode: 0 });
      expect(install.stdout).toContain("Hello, world!");

      const policy = await fleet.sshRun(hostA, "apt-cache policy hello");
      expect(policy.stdout).toContain("file:/srv/tsible-repo");

      // Hosts share a read-only base, but each writes to its own layer.
      const elsewhere = await fleet.sshRun(hostB, "command -v hello");
      expect(elsewhere.exitCode).not.toBe(0);
    });
  });

  describe("mosquitto", () => {
    it("is 2.0.11 exactly as Debian ships it: dpkg --verify finds no file changed", async () => {
      const version = await fleet.sshRun(hostB, "mosquitto -h | head -n 1");
      expect(version.stdout).toContain("mosquitto version 2.0.11");
      const verify = await fleet.sshRun(hostB, "dpkg --verify mosquitto && echo verified");
      expect(verify).toMatchObject({ exitCode: 0, stdout: "verified\n" });
    });

    it("cannot be started by its own init script as shipped, on a host without an init system (the role handles it)", async () => {
      // The stock config gives the broker the pid file the init script also makes (start-stop-daemon
      // --make-pidfile), and nothing makes /run/mosquitto without systemd: the broker never runs.
      const start = await fleet.sshRun(hostB, "service mosquitto start; sleep 1; service mosquitto status; pgrep -x mosquitto");
      expect(start.exitCode).not.toBe(0);
      expect(start.stdout).not.toContain("mosquitto is running");
      await fleet.sshRun(hostB, "service mosquitto stop; true");
    });
  });

  describe("network", () => {
    it("lets host A reach host B over the bridge, by address and by name", async () => {
      const result = await fleet.sshRun(
        hostA,
        `ping -c 1 -W 2 ${hostB.address} >/dev/null && echo > /dev/tcp/${hostB.name}/22 && echo reached`,
      );
      expect(result).toMatchObject({ exitCode: 0, stdout: "reached\n" });
    });

    it("gives hosts no route beyond the fleet subnet", async () => {
      // A route lookup only: no packet leaves. 192.0.2.1 is a documentation address.
      const routes = await fleet.sshRun(hostA, "ip -4 route; ip route get 192.0.2.1");
      expect(routes.stdout.trim()).toBe(`${fleet.subnet} dev eth0 proto kernel scope link src ${hostA.address}`);
      expect(routes.stderr).toContain("Network is unreachable");
    });
  });
});
