import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { Secret } from "../../../src/secrets.js";
import { becomeFromVars, connectionSpecFromVars, resolveBecome } from "../../../src/connection/spec.js";

describe("connection spec from inventory vars", () => {
  it("defaults to ssh to the inventory name, strict host keys", () => {
    expect(connectionSpecFromVars("web1", {})).toMatchObject({ name: "web1", type: "ssh", address: "web1", hostKeyChecking: "strict", port: undefined });
  });

  it("reads the ansible_* connection variables", () => {
    const spec = connectionSpecFromVars("web1", {
      ansible_host: "10.213.0.10", ansible_port: "2222", ansible_user: "deploy", ansible_ssh_pass: new Secret("pw-x"),
      ansible_ssh_private_key_file: "/k/id", ansible_ssh_common_args: "-o ProxyJump=x", ansible_timeout: 3,
    });
    expect(spec).toMatchObject({ address: "10.213.0.10", port: 2222, user: "deploy", password: "pw-x", privateKeyFile: "/k/id", connectTimeoutMs: 3000 });
    expect(connectionSpecFromVars("l", { ansible_connection: "local" }).type).toBe("local");
    expect(connectionSpecFromVars("x", { ansible_password: "a", ansible_ssh_pass: "b" }).password).toBe("a");
  });

  it("maps host key settings: ansible_host_key_checking=false is off, tsible_host_key_policy wins", () => {
    expect(connectionSpecFromVars("h", { ansible_host_key_checking: false }).hostKeyChecking).toBe("off");
    expect(connectionSpecFromVars("h", { ansible_host_key_checking: "True" }, { hostKeyChecking: "accept-new" }).hostKeyChecking).toBe("accept-new");
    expect(connectionSpecFromVars("h", { ansible_host_key_checking: false, tsible_host_key_policy: "accept-new" }).hostKeyChecking).toBe("accept-new");
  });

  it("rejects bad values with a UserError naming the variable", () => {
    expect(() => connectionSpecFromVars("h", { ansible_port: "ssh" })).toThrow(/ansible_port/);
    expect(() => connectionSpecFromVars("h", { tsible_host_key_policy: "yolo" })).toThrow(UserError);
    expect(() => connectionSpecFromVars("h", { ansible_connection: "winrm" })).toThrow(/winrm/);
    expect(() => connectionSpecFromVars("h", { ansible_host_key_checking: "maybe" })).toThrow(/ansible_host_key_checking/);
  });
});

describe("ssh options in ansible_ssh_common_args and ansible_ssh_extra_args", () => {
  it("fills what the inventory leaves open, as ssh's first-value-wins order has it", () => {
    const args = "-p 2200 -l ops -i /k/args -o ConnectTimeout=4 -J jump@bastion -F /cfg";
    expect(connectionSpecFromVars("h", { ansible_ssh_common_args: args })).toMatchObject({
      port: 2200, user: "ops", privateKeyFile: "/k/args", connectTimeoutMs: 4000, proxyJump: "jump@bastion", sshConfigFile: "/cfg",
    });
    // ansible_port/user/key come first on Ansible's ssh command line, so they win
    expect(connectionSpecFromVars("h", { ansible_ssh_common_args: args, ansible_port: 22, ansible_user: "root", ansible_ssh_private_key_file: "/k/inv", ansible_timeout: 9 })).toMatchObject({
      port: 22, user: "root", privateKeyFile: "/k/inv", connectTimeoutMs: 9000, ignoredSshOptions: ["-i /k/args"],
    });
    // the play's remote_user too
    expect(connectionSpecFromVars("h", { ansible_ssh_extra_args: "-l ops" }, { user: "deploy" }).user).toBe("deploy");
  });

  it("carries a ProxyCommand and names the options tsible cannot apply", () => {
    const spec = connectionSpecFromVars("h", { ansible_ssh_common_args: `-o ProxyCommand="nc %h %p"`, ansible_ssh_extra_args: "-o ForwardAgent=yes -C" });
    expect(spec).toMatchObject({ proxyCommand: "nc %h %p", ignoredSshOptions: ["-o ForwardAgent=yes"] });
    expect(spec.proxyJump).toBeUndefined();
    expect(connectionSpecFromVars("h", { ansible_ssh_common_args: "-C -o ControlMaster=auto" }).ignoredSshOptions).toBeUndefined();
  });

  it("StrictHostKeyChecking in the args beats the run's policy, not the host's own variables", () => {
    const vars = { ansible_ssh_common_args: "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null" };
    expect(connectionSpecFromVars("h", vars, { hostKeyChecking: "strict", knownHostsFile: "/kh" })).toMatchObject({ hostKeyChecking: "off", knownHostsFile: "/dev/null" });
    expect(connectionSpecFromVars("h", { ...vars, tsible_host_key_policy: "strict" }).hostKeyChecking).toBe("strict");
  });

  it("rejects args it cannot read, naming the variable", () => {
    expect(() => connectionSpecFromVars("h", { ansible_ssh_extra_args: "-o 'ProxyJump=x" })).toThrow(/ansible_ssh_extra_args/);
  });
});

describe("become", () => {
  it("is off unless asked, root by default, with the password from the variables", () => {
    expect(becomeFromVars({})).toBeUndefined();
    expect(becomeFromVars({ ansible_become: true })).toEqual({ user: "root" });
    expect(becomeFromVars({ ansible_become: "yes", ansible_become_user: "mosquitto", ansible_become_pass: "s3cret" })).toEqual({ user: "mosquitto", password: "s3cret" });
    expect(becomeFromVars({ ansible_become_password: new Secret("a1b2"), ansible_become_pass: "old" }, { become: true })).toEqual({ user: "root", password: "a1b2" });
  });

  it("lets the task override the play, and the play override the host variables", () => {
    const vars = { ansible_become: true, ansible_become_user: "ops" };
    expect(resolveBecome({ vars })).toEqual({ user: "ops" });
    expect(resolveBecome({ play: { become: false }, vars })).toBeUndefined();
    expect(resolveBecome({ play: { become: false }, task: { become: true }, vars })).toEqual({ user: "ops" });
    expect(resolveBecome({ play: { become: true, becomeUser: "root" }, task: { becomeUser: "mosquitto" }, vars: {} })).toEqual({ user: "mosquitto" });
    expect(resolveBecome({ play: { become: true }, task: { become: false }, vars })).toBeUndefined();
  });
});
