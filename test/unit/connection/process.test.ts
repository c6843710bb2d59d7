import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { driveProcess, type StartedProcess } from "../../../src/connection/process.js";
import { BecomeError } from "../../../src/connection/types.js";

/**
 * The sudo handshake against scripted streams: what sudo prints, in the order
 * it prints it. Real sudo over real SSH is in test/e2e/connection.test.ts.
 */
function scriptedSudo(correctPassword: string, output: { lecture?: string } = {}) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let received = "";
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  const context = { become: { user: "root", password: correctPassword }, markers: { prompt: "[P]", started: "STARTED" }, hostName: "h1", loginUser: "ops" };
  let prompts = 0;
  const prompt = () => {
    prompts++;
    stderr.write(`${output.lecture ?? ""}[P]`);
  };
  stdin.on("data", (chunk: Buffer) => {
    received += chunk.toString();
    if (prompts > 0 && received.endsWith("\n") && !received.includes("STDIN")) {
      const line = received.split("\n").at(-2);
      if (line === correctPassword) {
        stderr.write("\nSTARTED\n");
      } else if (prompts < 3) {
        stderr.write("\nSorry, try again.\n");
        prompt();
      }
    }
  });
  stdin.on("end", () => {
    if (received.includes("STDIN")) {
      stdout.end(`command read: ${received.split("\n").slice(1).join("|")}`);
      stderr.end("command warning\n");
      setImmediate(() => resolveExit(0));
    } else {
      stdout.end();
      stderr.end("sudo: no password was provided\n");
      setImmediate(() => resolveExit(1));
    }
  });
  setImmediate(prompt);
  const process: StartedProcess = { stdin, stdout, stderr, exited };
  return { process, context, received: () => received };
}

describe("driving a command behind sudo", () => {
  it("answers the prompt once, then sends the command's stdin; sudo's words never reach the result", async () => {
    const sudo = scriptedSudo("right", { lecture: "We trust you have received the usual lecture...\n" });
    const result = await driveProcess(sudo.process, "STDIN\n", sudo.context);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toBe("command read: STDIN|");
    expect(result.stderr.toString()).toBe("command warning\n");
    expect(sudo.received()).toBe("right\nSTDIN\n");
  });

  it("gives up at the second prompt: BecomeError, stdin never sent", async () => {
    const sudo = scriptedSudo("right");
    sudo.context.become.password = "wrong";
    const failure = driveProcess(sudo.process, "STDIN\n", sudo.context);
    await expect(failure).rejects.toBeInstanceOf(BecomeError);
    await expect(failure).rejects.toThrow(/incorrect sudo password; the command did not run/);
    expect(sudo.received()).toBe("wrong\n");
  });
});
