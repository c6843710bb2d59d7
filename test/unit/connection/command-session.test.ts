import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CommandSession, encodeCommandLine, SessionEndedError } from "../../../src/connection/command-session.js";
import { openLocalConnection } from "../../../src/connection/local.js";
import type { StartedProcess } from "../../../src/connection/process.js";

/**
 * The session's shell is the real /bin/sh of this machine (dash on Debian),
 * started as a local child: the protocol is tested against the shell it
 * runs on, not against a model of it. Over ssh it is the same script.
 */
let lastChild: ReturnType<typeof spawn> | undefined;
function startLocal(argv: readonly string[]): Promise<StartedProcess> {
  const [file = "", ...args] = argv;
  const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
  lastChild = child;
  const exited = new Promise<number>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal === "SIGKILL" ? 137 : 143))));
  return Promise.resolve({ stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, exited });
}

const NASTY = ["with space", "it's", 'dq"', "$HOME", "`id`", "a\nb", "\n", "x\n\n", "*", "", "-n", "\\x", "ünï", "'\n'"];

describe("the command session's protocol", () => {
  it("sends a command as one line, whatever newlines its values hold", () => {
    const line = encodeCommandLine(["printf", "%s", "a\nb", "it's"]);
    expect(line).not.toContain("\n");
    expect(line).toBe(`exec printf %s 'a'"$tsible_nl"'b' 'it'\\''s'`);
  });

  it("runs tsible's own scripts in the shell's subshell, with their arguments as positional parameters", async () => {
    expect(encodeCommandLine(["sh", "-c", 'echo "$1"', "sh", "a\nb"])).toBe(`tsible_script 'echo "$1"' sh 'a'"$tsible_nl"'b'`);
    expect(encodeCommandLine(["/bin/sh", "-c", "echo"])).toBe("exec /bin/sh -c echo");
    const session = await CommandSession.open({ hostName: "h", start: startLocal });
    const result = await session.run(["sh", "-c", 'printf "%s|" "$0" "$#" "$@"; shift; exit 4', "sh", "a b", "", "c\nd"]);
    expect(result.stdout.toString()).toBe("sh|3|a b||c\nd|");
    expect(result.exitCode).toBe(4);
    session.close();
  });

  it("passes every argv value through unchanged", async () => {
    const session = await CommandSession.open({ hostName: "h", start: startLocal });
    const result = await session.run(["printf", "%s\\0", ...NASTY]);
    expect(result.stdout.toString("utf8").split("\0").slice(0, -1)).toEqual(NASTY);
    session.close();
  });

  it("keeps stdout and stderr apart, byte for byte, with the exit code", async () => {
    const session = await CommandSession.open({ hostName: "h", start: startLocal });
    const result = await session.run(["sh", "-c", "printf 'no newline'; printf 'err' >&2; exit 7"]);
    expect(result.exitCode).toBe(7);
    expect(result.stdout.toString()).toBe("no newline");
    expect(result.stderr.toString()).toBe("err");
    expect((await session.run(["no-such-program-tsible"])).exitCode).toBe(127);
    session.close();
  });

  it("delivers exactly the stdin bytes sent, and stays in step when a command does not read them", async () => {
    const session = await CommandSession.open({ hostName: "h", start: startLocal });
    const bytes = Buffer.concat([randomBytes(200_000), Buffer.from("\n0\nexit 3\n"), Buffer.from([0, 10, 0])]);
    const echoed = await session.run(["cat"], bytes);
    expect(echoed.stdout.equals(bytes)).toBe(true);
    // `true` never reads its stdin: the bytes must not be taken for the next request
    expect((await session.run(["true"], "2\nsh -c 'echo injected'\n")).stdout.toString()).toBe("");
    const next = await session.run(["echo", "next"]);
    expect(next.stdout.toString()).toBe("next\n");
    // without stdin a command reads end of file, not the protocol
    expect((await session.run(["cat"])).stdout.toString()).toBe("");
    session.close();
  });

  it("frames a large output and binary bytes exactly", async () => {
    const session = await CommandSession.open({ hostName: "h", start: startLocal });
    const result = await session.run(["sh", "-c", "head -c 5000000 /dev/zero; printf '\\000\\001'"]);
    expect(result.stdout.length).toBe(5_000_002);
    expect(result.stdout.subarray(-2)).toEqual(Buffer.from([0, 1]));
    session.close();
  });

  it("runs a program in place of its subshell; neither a builtin nor a script changes the session", async () => {
    const session = await CommandSession.open({ hostName: "h", start: startLocal });
    // `$$` in tsible's own script is the session shell's pid; a program's parent is that shell
    const shellPid = (await session.run(["sh", "-c", "echo $$", "sh"])).stdout.toString();
    expect((await session.run(["sh", "-c", "echo $PPID"])).stdout.toString()).toBe(shellPid);
    const before = (await session.run(["pwd"])).stdout.toString();
    expect((await session.run(["cd", "/"])).exitCode).toBe(127);
    expect((await session.run(["sh", "-c", "cd / && tsible_token=x && exit 3", "sh"])).exitCode).toBe(3);
    expect((await session.run(["pwd"])).stdout.toString()).toBe(before);
    expect((await session.run(["echo", "still here"])).stdout.toString()).toBe("still here\n");
    session.close();
  });

  it("runs commands given at once one after another, each with its own result", async () => {
    const session = await CommandSession.open({ hostName: "h", start: startLocal });
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => session.run(["sh", "-c", `sleep 0.0$((${index} % 3)); echo ${index}`])));
    expect(results.map((result) => result.stdout.toString())).toEqual(Array.from({ length: 20 }, (_, index) => `${index}\n`));
    session.close();
  });

  it("fails the command in flight when the shell dies, and says the command may have run", async () => {
    const session = await CommandSession.open({ hostName: "h1", start: startLocal });
    const running = session.run(["sleep", "2"]);
    setTimeout(() => lastChild?.kill("SIGKILL"), 100);
    await expect(running).rejects.toBeInstanceOf(SessionEndedError);
    await expect(running).rejects.toThrow(/h1: the shell running tsible's commands ended \(exit 137\).*may or may not have run/);
    expect(session.ended).toBe(true);
    await expect(session.run(["true"])).rejects.toBeInstanceOf(SessionEndedError);
  });

  it("says what a shell that could not start said", async () => {
    const start = (argv: readonly string[]) => startLocal(["sh", "-c", "echo 'sh: 1: exec: /bin/sh: not found' >&2; exit 127", ...argv.slice(3)]);
    const session = await CommandSession.open({ hostName: "h2", start });
    await expect(session.run(["true"])).rejects.toThrow(/h2: the shell running tsible's commands ended \(exit 127\).*: sh: 1: exec: \/bin\/sh: not found$/);
  });

  it("a connection starts a new shell once its shell has died", async () => {
    const conn = openLocalConnection("localhost");
    // `$$` in tsible's own script is the session shell's pid
    const pid = (await conn.run(["sh", "-c", "echo $$", "sh"])).stdout.trim();
    expect((await conn.run(["sh", "-c", "echo $$", "sh"])).stdout.trim()).toBe(pid);
    await expect(conn.run(["sh", "-c", "kill -9 $$; sleep 2", "sh"])).rejects.toBeInstanceOf(SessionEndedError);
    const after = await conn.run(["sh", "-c", "echo $$", "sh"]);
    expect(after.exitCode).toBe(0);
    expect(after.stdout.trim()).not.toBe(pid);
    await conn.close();
  });
});
