import { describe, expect, it } from "vitest";
import { commandArgv, newSudoMarkers, withSudo } from "../../../src/connection/command-line.js";
import { quoteArgv } from "../../../src/connection/quote.js";

const markers = { prompt: "[P]", started: "S" };

describe("command lines", () => {
  it("passes a plain argv through", () => {
    expect(commandArgv(["ls", "-l", "/etc"], {}, markers)).toEqual(["ls", "-l", "/etc"]);
  });

  it("changes directory with a constant script, the directory as $1", () => {
    const argv = commandArgv(["pwd"], { cwd: "/srv/my app" }, markers);
    expect(argv).toEqual(["sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", "/srv/my app", "pwd"]);
  });

  it("sets environment through env, inside sudo, refusing names that are not names", () => {
    const argv = commandArgv(["printenv", "A"], { env: { A: "x y$z" }, become: { user: "root" } }, markers);
    expect(argv).toEqual(["sudo", "-H", "-n", "-p", "[P]", "-u", "root", "--", "sh", "-c", 'echo "$0" >&2 && exec "$@"', "S", "env", "A=x y$z", "printenv", "A"]);
    expect(() => commandArgv(["true"], { env: { "A;rm": "1" } }, markers)).toThrow(/invalid environment variable name/);
  });

  it("uses sudo -S with our prompt when a password is given, and never puts the password in the argv", () => {
    const argv = withSudo(["id"], { user: "mosquitto", password: "hunter22" }, markers);
    expect(argv.slice(0, 8)).toEqual(["sudo", "-H", "-S", "-p", "[P]", "-u", "mosquitto", "--"]);
    expect(quoteArgv(argv)).not.toContain("hunter22");
  });

  it("makes markers unique per call", () => {
    const a = newSudoMarkers();
    const b = newSudoMarkers();
    expect(a.prompt).not.toBe(b.prompt);
    expect(a.started).not.toBe(a.prompt);
  });
});
