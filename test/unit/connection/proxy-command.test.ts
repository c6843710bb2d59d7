import { describe, expect, it } from "vitest";
import { expandProxyCommand, startProxyCommand } from "../../../src/connection/proxy-command.js";

const tokens = { host: "10.213.4.11", port: 2222, user: "deploy", alias: "broker-1" };

describe("ProxyCommand tokens", () => {
  it("expands %h %p %r %n and %%", () => {
    expect(expandProxyCommand("ssh -W %h:%p -l %r gate # %n 100%%", tokens)).toBe("ssh -W 10.213.4.11:2222 -l deploy gate # broker-1 100%");
    expect(expandProxyCommand("nc %%h %h", tokens)).toBe("nc %h 10.213.4.11");
  });

  it("refuses a name that would be shell text, and an unknown token", () => {
    expect(() => expandProxyCommand("nc %h %p", { ...tokens, host: "x;touch /tmp/owned" })).toThrow(/host name .* cannot go into a ProxyCommand/);
    expect(() => expandProxyCommand("nc %h %p", { ...tokens, user: "$(id)" })).toThrow(/user name/);
    expect(() => expandProxyCommand("nc %h %k", tokens)).toThrow(/unknown token %k/);
  });
});

describe("a ProxyCommand process", () => {
  it("carries bytes both ways over its stdin and stdout", async () => {
    const proxy = startProxyCommand("cat");
    const echoed = new Promise<string>((resolve) => proxy.socket.once("data", (chunk: Buffer) => resolve(chunk.toString())));
    proxy.socket.write("SSH-2.0-test\r\n");
    expect(await echoed).toBe("SSH-2.0-test\r\n");
    expect(await proxy.ended()).toBeUndefined();
    proxy.stop();
    expect(await proxy.ended()).toMatch(/ProxyCommand `cat` (was killed by SIGTERM|exited with status)/);
  });

  it("says how it ended, with what it printed on stderr", async () => {
    // run as ssh runs it, after `exec`: a compound command needs a shell of its own
    const command = "sh -c 'echo no route to gate >&2; exit 3'";
    const proxy = startProxyCommand(command);
    proxy.socket.resume();
    await new Promise((resolve) => proxy.socket.once("close", resolve));
    expect(await proxy.ended()).toBe(`ProxyCommand \`${command}\` exited with status 3: no route to gate`);
  });
});
