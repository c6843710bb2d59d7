/**
 * command, shell and wait_for against real hosts: this machine (local
 * connection) and a host of the shared e2e fleet over SSH as `deploy`
 * becoming root with sudo.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandModule, shellModule } from "../../src/modules/command.js";
import type { ModuleContext } from "../../src/modules/types.js";
import { ModuleFailure } from "../../src/modules/types.js";
import { waitForModule } from "../../src/modules/wait_for.js";
import { fleetTestHost, localTestHost, makeModuleContext, type ModuleTestHost, runModule } from "../helpers/module-context.js";

const hostKinds = [{ kind: "local" }, { kind: "fleet" }];

describe.each(hostKinds)("command modules on $kind", ({ kind }) => {
  let host: ModuleTestHost;

  beforeAll(async () => {
    host = kind === "local" ? await localTestHost() : await fleetTestHost();
  }, 120_000);

  afterAll(async () => {
    await host?.close();
  });

  function ctx(check = false): ModuleContext {
    return makeModuleContext({ conn: host.conn, become: host.become, check });
  }

  describe("command", () => {
    it("runs argv without a shell: quotes are words, operators and $vars are literal", async () => {
      const run = await runModule(commandModule, ctx(), { cmd: `printf '%s|' "a b" '$HOME' ';' "*"` });
      expect(run.result).toMatchObject({ rc: 0, stdout: "a b|$HOME|;|*|", stderr: "", cmd: ["printf", "%s|", "a b", "$HOME", ";", "*"] });
      expect(run.changes.map((change) => change.description)).toEqual([`run \`printf '%s|' 'a b' '$HOME' ';' '*'\``]);
    });

    it("takes argv as a list and reports stdout lines without the final newline", async () => {
      const run = await runModule(commandModule, ctx(), { argv: ["printf", "one\\ntwo\\n\\n"] });
      expect(run.result).toMatchObject({ stdout: "one\ntwo", stdout_lines: ["one", "two"], stderr_lines: [] });
      expect(run.result.delta).toMatch(/^0:00:\d\d\.\d{6}$/);
    });

    it("a non-zero exit fails the task with rc, stdout and stderr", async () => {
      const failing = runModule(commandModule, ctx(), { argv: ["sh", "-c", "echo out; echo err >&2; exit 3"] });
      await expect(failing).rejects.toBeInstanceOf(ModuleFailure);
      const failure = (await failing.catch((error: unknown) => error)) as ModuleFailure;
      expect(failure.message).toBe("non-zero return code");
      expect(failure.result).toMatchObject({ rc: 3, stdout: "out", stderr: "err", stderr_lines: ["err"] });
    });

    it("a missing program fails with rc 127", async () => {
      const failure = (await runModule(commandModule, ctx(), { cmd: "no-such-program-tsible" }).catch((error: unknown) => error)) as ModuleFailure;
      expect(failure.result.rc).toBe(127);
    });

    it("creates and removes skip the command, globs allowed, relative to chdir", async () => {
      await host.sh(`mkdir -p "$1/w" && touch "$1/w/marker.done"`, host.dir);
      const args = { cmd: "touch ran", chdir: `${host.dir}/w` };
      const skipped = await runModule(commandModule, ctx(), { ...args, creates: "*.done" });
      expect(skipped).toMatchObject({ changed: false, result: { msg: "Did not run command since '*.done' exists", stdout: "skipped, since *.done exists", rc: 0 } });
      const notRemoved = await runModule(commandModule, ctx(), { ...args, removes: "absent file" });
      expect(notRemoved.changed).toBe(false);
      const ran = await runModule(commandModule, ctx(), { ...args, creates: "ran" });
      expect(ran.changed).toBe(true);
      expect(await host.sh(`ls -- "$1/w"`, host.dir)).toBe("marker.done\nran");
      expect((await runModule(commandModule, ctx(), { ...args, creates: "ran" })).changed).toBe(false);
    });

    it("is unpredictable: check mode runs nothing, but still honours creates", async () => {
      const check = await runModule(commandModule, ctx(true), { cmd: `touch ${host.dir}/check-flag` });
      expect(check.unpredictable).toMatch(/check mode cannot tell/);
      expect(check.changed).toBe(true);
      expect(await host.sh(`[ -e "$1/check-flag" ] && echo yes || echo no`, host.dir)).toBe("no");
      await host.sh(`touch "$1/exists"`, host.dir);
      expect((await runModule(commandModule, ctx(true), { cmd: "true", creates: `${host.dir}/exists` })).changed).toBe(false);
    });

    it("passes stdin, with a newline added unless told not to", async () => {
      expect((await runModule(commandModule, ctx(), { cmd: "od -c", stdin: "hi" })).result.stdout).toContain("h   i  \\n");
      expect((await runModule(commandModule, ctx(), { cmd: "wc -c", stdin: "hi", stdin_add_newline: false })).result.stdout).toMatch(/^\s*2\s*$/);
    });

    it("rejects a command line with an unterminated quote as a user mistake", async () => {
      await expect(runModule(commandModule, ctx(), { cmd: "echo 'oops" })).rejects.toThrow(/unterminated single quote/);
    });

    it("runs as root when becoming", async () => {
      expect((await runModule(commandModule, ctx(), { cmd: "id -un" })).result.stdout).toBe("root");
    });
  });

  describe("shell", () => {
    it("runs the user's text through sh -c: pipes, variables and redirections work", async () => {
      const run = await runModule(shellModule, ctx(), { cmd: `echo "a b" | tr a-z A-Z; X=1; echo "x=$X" > ${host.dir}/out`, chdir: host.dir });
      expect(run.result).toMatchObject({ rc: 0, stdout: "A B" });
      expect(await host.sh(`cat -- "$1/out"`, host.dir)).toBe("x=1");
      expect(run.result.cmd).toBe(`echo "a b" | tr a-z A-Z; X=1; echo "x=$X" > ${host.dir}/out`);
    });

    it("uses another interpreter with executable", async () => {
      expect((await runModule(shellModule, ctx(), { cmd: "echo ${BASH_VERSION:+bash}", executable: "/bin/bash" })).result.stdout).toBe("bash");
    });

    it("fails with the fields when the script fails", async () => {
      await expect(runModule(shellModule, ctx(), { cmd: "exit 2" })).rejects.toMatchObject({ result: { rc: 2 } });
    });
  });

  describe("wait_for", () => {
    it("returns once a port opens on the host, and in check mode too", async () => {
      // a listener that appears a second later, on the host itself, and goes away on its own
      const listener = "import socket, time\ns = socket.socket()\ns.bind(('127.0.0.1', 47311))\ns.listen(5)\ntime.sleep(10)";
      await host.sh(`(sleep 1; exec timeout 12 python3 -c "$1") >/dev/null 2>&1 &`, listener);
      const run = await runModule(waitForModule, ctx(true), { port: 47311, timeout: 15, sleep: 0.2 });
      expect(run).toMatchObject({ changed: false, result: { state: "started", port: 47311 } });
      expect(run.result.elapsed).toBeGreaterThanOrEqual(0);
    }, 30_000);

    it("fails with a clear message when the port never opens", async () => {
      await expect(runModule(waitForModule, ctx(), { port: 47312, timeout: 1, sleep: 0.2 })).rejects.toThrow("Timeout when waiting for 127.0.0.1:47312");
      await expect(runModule(waitForModule, ctx(), { port: 47312, timeout: 1, msg: "broker did not start" })).rejects.toThrow("broker did not start");
    }, 20_000);

    it("waits for a closed port to be stopped, and for a file and a pattern in it", async () => {
      expect((await runModule(waitForModule, ctx(), { port: 47313, state: "stopped", timeout: 5 })).changed).toBe(false);
      const path = `${host.dir}/log`;
      await host.sh(`(sleep 1; echo "starting"; sleep 1; echo "mosquitto version 2 running") > "$1" 2>/dev/null &`, path);
      const run = await runModule(waitForModule, ctx(), { path, search_regex: "version [0-9]+ running", timeout: 15, sleep: 0.2 });
      expect(run.result.path).toBe(path);
      expect(await host.sh(`tail -n1 -- "$1"`, path)).toBe("mosquitto version 2 running");
      expect((await runModule(waitForModule, ctx(), { path: `${host.dir}/never`, state: "absent", timeout: 2 })).changed).toBe(false);
      await expect(runModule(waitForModule, ctx(), { path: `${host.dir}/never`, timeout: 1 })).rejects.toThrow(`Timeout when waiting for file ${host.dir}/never`);
    }, 30_000);
  });
});
