import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CommanderError } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { inventoryCommand } from "../../../src/cli/inventory-command.js";
import { UserError } from "../../../src/errors.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/inventory-edit");
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function awsHosts(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tsible-inventory-cli-"));
  dirs.push(dir);
  await copyFile(join(FIXTURES, "aws/hosts"), join(dir, "hosts"));
  return join(dir, "hosts");
}

/** Runs `tsible inventory ARGS` and returns what it printed, or what it threw. */
async function run(args: string[]): Promise<{ out: string; err: string; error?: unknown }> {
  let out = "";
  let err = "";
  const command = inventoryCommand({ write: (text) => (out += text), warn: (text) => (err += text) }).exitOverride();
  try {
    await command.parseAsync(args, { from: "user" });
    return { out, err };
  } catch (error) {
    return { out, err, error };
  }
}

describe("tsible inventory", () => {
  it("list prints ansible-inventory's JSON with secrets masked; --show-secrets shows them", async () => {
    const file = await awsHosts();
    const masked = await run(["list", "-i", file]);
    expect(masked.error).toBeUndefined();
    expect(JSON.parse(masked.out).mqtt).toEqual({ hosts: ["mqtt.aws1.dev.example.com", "mqtt.aws2.dev.example.com"] });
    expect(masked.out).not.toContain("s3cretpw");
    expect((await run(["list", "-i", file, "--show-secrets"])).out).toContain('"mqtt_password": "s3cretpw"');
    expect(JSON.parse((await run(["list", "-i", file, "--host", "sensor02"])).out).motd).toBe("hello world");
  });

  it("graph prints the tree from a group", async () => {
    const file = await awsHosts();
    expect((await run(["graph", "-i", file, "sensors"])).out).toBe("@sensors:\n  |--sensor01\n  |--sensor02\n");
  });

  it("add edits the file and says so; the same add again says unchanged", async () => {
    const file = await awsHosts();
    const first = await run(["add", "mqtt.aws3.dev.example.com", "--group", "mqtt", "--var", "ansible_host=10.213.0.12", "--var", "mqtt_broker_host=mqtt.aws3.dev.example.com", "-i", file]);
    expect(first).toEqual({ out: `changed: mqtt.aws3.dev.example.com in [mqtt] of ${file}\n`, err: "" });
    expect(await readFile(file, "utf8")).toContain(
      "mqtt_password=s3cretpw\nmqtt.aws3.dev.example.com ansible_host=10.213.0.12 mqtt_broker_host=mqtt.aws3.dev.example.com\n\n; sensors come next",
    );
    const second = await run(["add", "mqtt.aws3.dev.example.com", "-g", "mqtt", "--var", "ansible_host=10.213.0.12", "-i", file]);
    expect(second.out).toBe(`unchanged: mqtt.aws3.dev.example.com in [mqtt] of ${file}\n`);
  });

  it("add --dry-run prints the diff, masks secrets, writes nothing; a broker name off the convention warns", async () => {
    const file = await awsHosts();
    const before = await readFile(file, "utf8");
    const result = await run(["add", "b4", "-g", "mqtt", "--var", "mqtt_password=pw", "--var", "mqtt_broker_host=b4.example.com", "-i", file, "--dry-run"]);
    expect(result.out).toContain("+b4 mqtt_password=******** mqtt_broker_host=b4.example.com\n");
    expect(result.out).toMatch(/would change: b4 in \[mqtt\] of .*\n$/);
    expect(result.out).not.toContain("s3cretpw");
    expect(result.err).toBe("[WARNING]: 'b4.example.com' does not start with 'mqtt.': the team's brokers are named mqtt.<infra>.<group>.<domain>\n");
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("remove takes the host out; removing it again is unchanged", async () => {
    const file = await awsHosts();
    expect((await run(["remove", "sensor01", "-i", file])).out).toBe(`changed: sensor01 out of ${file}\n`);
    expect(await readFile(file, "utf8")).not.toContain("sensor01");
    expect((await run(["remove", "sensor01", "-g", "sensors", "-i", file])).out).toBe(`unchanged: sensor01 out of [sensors] of ${file}\n`);
  });

  it("a bad HOST is a UserError naming the argument (exit 4 in tsible)", async () => {
    const file = await awsHosts();
    const { error } = await run(["add", "bad_host!", "-g", "mqtt", "-i", file]);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/^invalid HOST argument 'bad_host!'/);
  });

  it("option mistakes are commander errors (exit 5 in tsible): missing --group, --var without '=', two files", async () => {
    const file = await awsHosts();
    for (const args of [
      ["add", "h1", "-i", file],
      ["add", "h1", "-g", "mqtt", "--var", "novalue", "-i", file],
      ["add", "h1", "-g", "mqtt", "-i", file, "-i", file],
      ["list"],
    ]) {
      const { error, err } = await run(args);
      expect(error, args.join(" ")).toBeInstanceOf(CommanderError);
      expect((error as CommanderError).exitCode).not.toBe(0);
      expect(err).toMatch(/error/);
    }
  });
});
