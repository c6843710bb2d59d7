import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { readSshArgs, sshArgsFromVars } from "../../../src/connection/ssh-args.js";

const read = (line: string) => sshArgsFromVars([{ variable: "ansible_ssh_common_args", text: line }]);

describe("ssh options from ansible_ssh_common_args", () => {
  it("reads -o in its three spellings, and the short flags, joined or apart", () => {
    expect(read("-o ProxyJump=jump@bastion:2222 -oPort=2200 -o 'User deploy' -o ConnectTimeout=7")).toMatchObject({
      proxyJump: "jump@bastion:2222", port: 2200, user: "deploy", connectTimeoutSeconds: 7, ignored: [],
    });
    expect(read("-p2222 -l ops -i ~/.ssh/a -i/k/b -F /etc/tsible/ssh_config -J a,b")).toMatchObject({
      port: 2222, user: "ops", identityFiles: ["~/.ssh/a", "/k/b"], configFile: "/etc/tsible/ssh_config", proxyJump: "a,b",
    });
  });

  it("keeps a quoted ProxyCommand whole", () => {
    expect(read(`-o ProxyCommand="ssh -W %h:%p -q bastion.example.com"`).proxyCommand).toBe("ssh -W %h:%p -q bastion.example.com");
    expect(read(`'-oProxyCommand=nc -x proxy:1080 %h %p'`).proxyCommand).toBe("nc -x proxy:1080 %h %p");
  });

  it("takes the first value of an option, as ssh does, also across common and extra args", () => {
    expect(read("-p 1 -o Port=2 -l a -o User=b").port).toBe(1);
    expect(read("-o User=b -l a").user).toBe("b");
    const both = sshArgsFromVars([
      { variable: "ansible_ssh_common_args", text: "-o \"ProxyCommand=nc %h %p\"" },
      { variable: "ansible_ssh_extra_args", text: "-J bastion -o ConnectTimeout=3" },
    ]);
    // ProxyJump and ProxyCommand exclude each other: the first one given wins
    expect(both).toMatchObject({ proxyCommand: "nc %h %p", connectTimeoutSeconds: 3 });
    expect(both.proxyJump).toBeUndefined();
  });

  it("maps StrictHostKeyChecking and UserKnownHostsFile onto tsible's host key settings", () => {
    expect(read("-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null")).toMatchObject({ strictHostKeyChecking: "off", userKnownHostsFile: "/dev/null" });
    expect(read("-o StrictHostKeyChecking=accept-new").strictHostKeyChecking).toBe("accept-new");
    expect(read("-o StrictHostKeyChecking=yes").strictHostKeyChecking).toBe("strict");
  });

  it("names what it cannot honour, and keeps quiet about what needs nothing here", () => {
    expect(read("-C -q -o ControlMaster=auto -o ControlPersist=60s -o ServerAliveInterval=30").ignored).toEqual([]);
    expect(read("-A -o ForwardAgent=yes -L 8080:localhost:80 -4 stray").ignored).toEqual(["-A", "-o ForwardAgent=yes", "-L 8080:localhost:80", "-4", "stray"]);
    // a cluster of flags whose last takes the next word
    expect(readSshArgs(["-Cqp", "2022"], "x")).toMatchObject({ port: 2022, ignored: [] });
  });

  it("refuses what it cannot read with a UserError naming the variable", () => {
    expect(() => read("-p")).toThrow(/ansible_ssh_common_args: ssh option -p needs a value/);
    expect(() => read("-p twenty")).toThrow(UserError);
    expect(() => read("-o ProxyCommand='nc %h %p")).toThrow(/ansible_ssh_common_args: unterminated single quote/);
    expect(() => read("-o =x")).toThrow(/Name=value/);
    expect(() => read("-o StrictHostKeyChecking=maybe")).toThrow(/StrictHostKeyChecking/);
  });

  it("reads nothing from empty or missing variables", () => {
    expect(sshArgsFromVars([{ variable: "a", text: undefined }, { variable: "b", text: "  " }])).toEqual({ identityFiles: [], ignored: [] });
  });
});
