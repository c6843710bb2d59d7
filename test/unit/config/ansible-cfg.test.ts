/**
 * ansible.cfg: found as Ansible finds it, read as Python's configparser reads it, the settings
 * tsible uses taken and the rest listed; and `tsible play` run from a directory with one.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { describeConfig, findAnsibleConfig, readAnsibleConfig } from "../../../src/config/ansible-cfg.js";
import { project } from "../../helpers/project.js";

const tsibleBin = fileURLToPath(new URL("../../../dist/bin/tsible.js", import.meta.url));

const teamConfig = `# the team's ansible.cfg
[defaults]
inventory = inventories/aws/hosts, inventories/acme
remote_user: ec2-user
forks = 20 ; more than the default
host_key_checking = False
roles_path = roles:/opt/shared/roles
vault_password_file = ~/.vault_pass
private_key_file = keys/deploy.pem
timeout = 30
gathering = smart
stdout_callback = yaml

[privilege_escalation]
become = True
become_user = mosquitto
become_method = sudo

[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto
  -o ControlPersist=60s
`;

describe("ansible.cfg", () => {
  it("reads the settings tsible uses, paths relative to the file, and lists the rest with their lines", () => {
    const config = readAnsibleConfig(teamConfig, "/srv/team/ansible.cfg");
    expect(config).toMatchObject({
      inventory: ["/srv/team/inventories/aws/hosts", "/srv/team/inventories/acme"],
      remoteUser: "ec2-user",
      forks: 20,
      hostKeyChecking: false,
      rolesPath: ["/srv/team/roles", "/opt/shared/roles"],
      privateKeyFile: "/srv/team/keys/deploy.pem",
      timeoutSeconds: 30,
      become: true,
      becomeUser: "mosquitto",
    });
    expect(config.vaultPasswordFile).toMatch(/\/\.vault_pass$/);
    expect(config.vaultPasswordFile).not.toContain("~");
    expect(config.ignored).toEqual([
      { key: "defaults.gathering", line: 11 },
      { key: "defaults.stdout_callback", line: 12 },
      { key: "privilege_escalation.become_method", line: 17 },
      { key: "ssh_connection.pipelining", line: 20 },
      { key: "ssh_connection.ssh_args", line: 21 },
    ]);
    expect(describeConfig(config)).toContain("tsible ignores defaults.gathering (line 11), defaults.stdout_callback (line 12)");
  });

  it("a bad value or line names the file and line", () => {
    expect(() => readAnsibleConfig("[defaults]\nforks = many\n", "/x/ansible.cfg")).toThrow(/forks must be a positive whole number/);
    expect(() => readAnsibleConfig("[defaults]\nforks = many\n", "/x/ansible.cfg")).toThrow(expect.objectContaining({ location: { file: "/x/ansible.cfg", line: 2 } }));
    expect(() => readAnsibleConfig("forks = 5\n", "/x/ansible.cfg")).toThrow(/before any \[section\]/);
    expect(() => readAnsibleConfig("[defaults]\nhost_key_checking = maybe\n", "/x/ansible.cfg")).toThrow(/true or false/);
  });

  it("is found as Ansible finds it: ANSIBLE_CONFIG, then ./ansible.cfg (not in a world-writable directory), then ~/.ansible.cfg", async () => {
    const home = await project({ ".ansible.cfg": "[defaults]\n" });
    const work = await project({ "ansible.cfg": "[defaults]\n", "other/ansible.cfg": "[defaults]\n" });
    const savedHome = process.env.HOME;
    process.env.HOME = home;
    try {
      expect(findAnsibleConfig(work, { ANSIBLE_CONFIG: path.join(work, "other") }).file).toBe(path.join(work, "other", "ansible.cfg"));
      expect(findAnsibleConfig(work, {}).file).toBe(path.join(work, "ansible.cfg"));
      expect(findAnsibleConfig(path.join(work, "other", ".."), { ANSIBLE_CONFIG: "/nonexistent.cfg" }).file).toBe(path.join(work, "ansible.cfg"));
      await chmod(work, 0o777);
      expect(findAnsibleConfig(work, {})).toEqual({ file: path.join(home, ".ansible.cfg"), skipped: path.join(work, "ansible.cfg") });
      await chmod(work, 0o755);
      const empty = await project({});
      expect(findAnsibleConfig(empty, {}).file).toBe(path.join(home, ".ansible.cfg"));
    } finally {
      process.env.HOME = savedHome;
    }
  });

  it("tsible play takes the inventory, forks and vault password file from ./ansible.cfg, and says what it ignores with -v", async () => {
    const dir = await project({
      "ansible.cfg": "[defaults]\ninventory = hosts\nvault_password_file = pw\nforks = 1\nretry_files_enabled = False\n",
      hosts: "[local]\ncontroller ansible_connection=local\n",
      pw: "cfg vault password\n",
      "secret.yml": "from_vault: opened-by-cfg-password\n",
      "site.yml": [
        "- hosts: local",
        "  gather_facts: false",
        "  vars_files: [secret.yml]",
        "  tasks:",
        "    - assert: { that: ['from_vault == \"opened-by-cfg-password\"'] }",
        "",
      ].join("\n"),
    });
    // (from elsewhere: ansible-vault would read this ansible.cfg too, and then have two passwords)
    await execa("ansible-vault", ["encrypt", "--vault-password-file", path.join(dir, "pw"), path.join(dir, "secret.yml")], { cwd: "/" });
    const run = await execa("node", [tsibleBin, "play", "site.yml", "-v"], { cwd: dir, reject: false, env: { NO_COLOR: "1", HOME: dir } });
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stderr).toContain(`Using ${path.join(dir, "ansible.cfg")} as config file`);
    expect(run.stderr).toContain("tsible ignores defaults.retry_files_enabled (line 5)");
    expect(run.stdout).toMatch(/controller\s*: ok=1/);
    // without -v nothing is said about the config
    const quiet = await execa("node", [tsibleBin, "play", "site.yml"], { cwd: dir, reject: false, env: { NO_COLOR: "1", HOME: dir } });
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stderr).not.toContain("ansible.cfg");
  });
});
