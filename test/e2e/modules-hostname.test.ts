/**
 * hostname on a real fleet host, logged in as `deploy` and becoming root: the README's
 * example of a module written on the host handle (modules/hostname.ts). Check mode predicts
 * and changes nothing; the run renames the host (the kernel's name and /etc/hostname); a
 * second run changes nothing; without become the host refuses, and the task fails saying so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostnameModule } from "../../src/modules/hostname.js";
import { failureOf, fleetTestHost, makeModuleContext, runModule, withCheck, type ModuleTestHost } from "../helpers/module-context.js";

let host: ModuleTestHost;
let original: { running: string; stored: string };

const names = async (): Promise<{ running: string; stored: string }> => {
  const [running = "", stored = ""] = (await host.sh("hostname; cat /etc/hostname")).split("\n");
  return { running, stored };
};

beforeAll(async () => {
  host = await fleetTestHost();
  original = await names();
});

afterAll(async () => {
  if (original) await host.sh('hostname "$1" && printf "%s\\n" "$1" > /etc/hostname', original.stored);
  await host?.close();
});

describe("hostname", () => {
  it("predicts the rename in check mode and touches nothing", async () => {
    const ctx = withCheck(makeModuleContext({ conn: host.conn, become: host.become }), true);
    const run = await runModule(hostnameModule, ctx, { name: "broker-7.infra.example" });
    expect(run.changed).toBe(true);
    expect(run.changes.map((change) => change.description)).toEqual([
      "write broker-7.infra.example to /etc/hostname",
      `set the running host name: ${original.running} -> broker-7.infra.example`,
    ]);
    expect(run.changes[0]?.diff).toEqual({ path: "/etc/hostname", before: `${original.stored}\n`, after: "broker-7.infra.example\n" });
    expect(await names()).toEqual(original);
  });

  it("renames the host, and a second run changes nothing", async () => {
    const ctx = makeModuleContext({ conn: host.conn, become: host.become });
    expect((await runModule(hostnameModule, ctx, { name: "broker-7.infra.example" })).changed).toBe(true);
    expect(await names()).toEqual({ running: "broker-7.infra.example", stored: "broker-7.infra.example" });
    expect(await host.sh("stat -c '%a %U' /etc/hostname")).toBe("644 root");
    expect((await runModule(hostnameModule, ctx, { name: "broker-7.infra.example" })).changed).toBe(false);
  });

  it("fails the task, not tsible, when the login user may not rename the host", async () => {
    const failure = await failureOf(runModule(hostnameModule, makeModuleContext({ conn: host.conn }), { name: "other-name" }));
    expect(failure.message).toMatch(/\/etc\/hostname|hostname/);
    expect((await names()).running).toBe("broker-7.infra.example");
  });

  it("refuses a name a shell or an option parser could misread", () => {
    for (const name of ["-n", "a b", "x;reboot", "", "a..b", "trailing-.x"]) expect(hostnameModule.args.safeParse({ name }).success).toBe(false);
  });
});
