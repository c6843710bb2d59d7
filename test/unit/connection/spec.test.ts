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
