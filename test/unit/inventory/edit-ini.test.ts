import { chmod, copyFile, lstat, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { addHostToInventory, removeHostFromInventory } from "../../../src/inventory/edit.js";
import { loadInventory } from "../../../src/inventory/index.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/inventory-edit");
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A copy of the aws/hosts fixture (or of `text`) in a fresh temp dir, as inventories/aws/hosts. */
async function hostsFile(text?: string): Promise<{ file: string; original: string }> {
  const dir = await mkdtemp(join(tmpdir(), "tsible-edit-ini-"));
  dirs.push(dir);
  const file = join(dir, "hosts");
  if (text === undefined) await copyFile(join(FIXTURES, "aws/hosts"), file);
  else await writeFile(file, text);
  return { file, original: await readFile(file, "utf8") };
}

const HEAD = `# inventories/aws/hosts -- every AWS host, for later maintenance.
# One host per line, its vars inline.

[mqtt]
mqtt.aws1.dev.example.com ansible_host=10.213.0.10   # eu-west-1
# mqtt.aws0.dev.example.com was retired in March
mqtt.aws2.dev.example.com ansible_host=10.213.0.11 mqtt_password=s3cretpw
`;
const SENSORS = `
; sensors come next
[sensors]
sensor01 ansible_host=10.213.0.20
sensor02 ansible_host=10.213.0.21 motd="hello world"
# trailing comment of sensors
`;
const TAIL = `
[aws:children]
mqtt
sensors

[aws:vars]
ansible_user=ec2-user
ansible_become=yes
# end of file
`;

describe("addHostToInventory on an INI file", () => {
  it("the fixture is the three parts the expectations are built from", async () => {
    const { original } = await hostsFile();
    expect(original).toBe(HEAD + SENSORS + TAIL);
  });

  it("appends the host after the group's last host line; every other line stays byte-identical", async () => {
    const { file } = await hostsFile();
    const result = await addHostToInventory(file, "mqtt.aws3.dev.example.com", "mqtt", { ansible_host: "10.213.0.12", motd: "new broker" });
    expect(result.changed).toBe(true);
    expect(await readFile(file, "utf8")).toBe(
      HEAD + `mqtt.aws3.dev.example.com ansible_host=10.213.0.12 motd="new broker"\n` + SENSORS + TAIL,
    );
    // and the reader sees it where it was put, typed as the INI reader types values
    const inventory = await loadInventory([file]);
    expect(inventory.host("mqtt.aws3.dev.example.com")?.groups).toEqual(["all", "aws", "mqtt"]);
    expect(inventory.host("mqtt.aws3.dev.example.com")?.vars).toMatchObject({ ansible_host: "10.213.0.12", motd: "new broker", ansible_user: "ec2-user" });
  });

  it("inserts before the trailing comment that ends a section", async () => {
    const { file } = await hostsFile();
    await addHostToInventory(file, "sensor03", "sensors", {});
    expect(await readFile(file, "utf8")).toBe(HEAD + SENSORS.replace(`world"\n`, `world"\nsensor03\n`) + TAIL);
  });

  it("a second identical add changes nothing and reports unchanged", async () => {
    const { file } = await hostsFile();
    await addHostToInventory(file, "mqtt.aws3.dev.example.com", "mqtt", { ansible_host: "10.213.0.12" });
    const once = await readFile(file, "utf8");
    const again = await addHostToInventory(file, "mqtt.aws3.dev.example.com", "mqtt", { ansible_host: "10.213.0.12" });
    expect(again).toEqual({ changed: false, diff: "", warnings: [] });
    expect(await readFile(file, "utf8")).toBe(once);
  });

  it("an existing host with the same vars (quoted in the file) is unchanged", async () => {
    const { file, original } = await hostsFile();
    const result = await addHostToInventory(file, "sensor02", "sensors", { motd: "hello world" });
    expect(result.changed).toBe(false);
    expect(await readFile(file, "utf8")).toBe(original);
  });

  it("different vars update only that host's line, keeping its other vars and its comment", async () => {
    const { file } = await hostsFile();
    const result = await addHostToInventory(file, "mqtt.aws1.dev.example.com", "mqtt", { ansible_host: "10.213.0.19", mqtt_broker_port: "20201" });
    expect(result.changed).toBe(true);
    expect(await readFile(file, "utf8")).toBe(
      HEAD.replace(
        "mqtt.aws1.dev.example.com ansible_host=10.213.0.10   # eu-west-1",
        "mqtt.aws1.dev.example.com ansible_host=10.213.0.19 mqtt_broker_port=20201   # eu-west-1",
      ) + SENSORS + TAIL,
    );
  });

  it("creates a missing group as a section at the end of the file", async () => {
    const { file } = await hostsFile();
    await addHostToInventory(file, "10.213.0.30", "bastion", { ansible_user: "admin" });
    expect(await readFile(file, "utf8")).toBe(HEAD + SENSORS + TAIL + "\n[bastion]\n10.213.0.30 ansible_user=admin\n");
  });

  it("keeps a file without a final newline without one", async () => {
    const { file } = await hostsFile((HEAD + SENSORS + TAIL).trimEnd());
    await addHostToInventory(file, "10.213.0.30", "bastion", {});
    expect(await readFile(file, "utf8")).toBe(HEAD + SENSORS + TAIL + "\n[bastion]\n10.213.0.30");
  });

  it("keeps CRLF line endings", async () => {
    const crlf = (HEAD + SENSORS + TAIL).replace(/\n/g, "\r\n");
    const { file } = await hostsFile(crlf);
    await addHostToInventory(file, "sensor03", "sensors", {});
    expect(await readFile(file, "utf8")).toBe(crlf.replace(`world"\r\n`, `world"\r\nsensor03\r\n`));
  });

  it("--dry-run returns a unified diff with secrets masked and writes nothing", async () => {
    const { file, original } = await hostsFile();
    const result = await addHostToInventory(file, "mqtt.aws3.dev.example.com", "mqtt", { ansible_host: "10.213.0.12", mqtt_password: "pw1" }, { dryRun: true });
    expect(result.changed).toBe(true);
    expect(result.diff).toBe(
      [
        `--- before: ${file}`,
        `+++ after: ${file}`,
        "@@ -5,6 +5,7 @@",
        " mqtt.aws1.dev.example.com ansible_host=10.213.0.10   # eu-west-1",
        " # mqtt.aws0.dev.example.com was retired in March",
        " mqtt.aws2.dev.example.com ansible_host=10.213.0.11 mqtt_password=********",
        "+mqtt.aws3.dev.example.com ansible_host=10.213.0.12 mqtt_password=********",
        " ",
        " ; sensors come next",
        " [sensors]",
        "",
      ].join("\n"),
    );
    expect(await readFile(file, "utf8")).toBe(original);
  });

  it("writes atomically: the file keeps its mode, no temp file is left, a symlink stays a symlink", async () => {
    const { file } = await hostsFile();
    await chmod(file, 0o640);
    const link = join(dirname(file), "hosts-link");
    await symlink(file, link);
    await addHostToInventory(link, "sensor03", "sensors", {});
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect((await readdir(dirname(file))).sort()).toEqual(["hosts", "hosts-link"]);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(file, "utf8")).toContain("sensor03\n");
  });

  it("refuses to change a host that is listed as part of a range", async () => {
    const { file, original } = await hostsFile("[sensors]\nsensor[01:03] ansible_user=pi\n");
    expect((await addHostToInventory(file, "sensor02", "sensors", { ansible_user: "pi" })).changed).toBe(false);
    const error = await addHostToInventory(file, "sensor02", "sensors", { ansible_user: "root" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).format()).toContain(`${file}:2: host 'sensor02' is listed as 'sensor[01:03]'`);
    expect(await readFile(file, "utf8")).toBe(original);
  });

  it("refuses a var that a later line would override, naming that line", async () => {
    const { file, original } = await hostsFile("[a]\nh1\n[b]\nh1 x=1\n");
    const error = await addHostToInventory(file, "h1", "a", { x: "2" }).catch((caught: unknown) => caught);
    expect((error as UserError).format()).toContain(`'x' of host 'h1' is set again at ${file}:4`);
    expect(await readFile(file, "utf8")).toBe(original);
  });

  it("refuses to edit a file that is not a valid inventory, naming its line", async () => {
    const { file } = await hostsFile("[mqtt]\nbroker1 'unclosed\n");
    await expect(addHostToInventory(file, "broker2", "mqtt", {})).rejects.toThrow(/cannot read host line/);
  });

  it("refuses bad host names, groups and var names with a UserError naming the argument", async () => {
    const { file, original } = await hostsFile();
    for (const [host, group, vars, argument] of [
      ["bad host", "mqtt", {}, "HOST"],
      ["-leading.example.com", "mqtt", {}, "HOST"],
      ["web[01:03]", "mqtt", {}, "HOST"],
      ["broker1:2222", "mqtt", {}, "HOST"],
      ["a..b", "mqtt", {}, "HOST"],
      ["broker1", "my group", {}, "--group"],
      ["broker1", "mqtt", { "bad-name": "1" }, "--var"],
      ["broker1", "mqtt", { mqtt_broker_host: "mqtt_x.example.com" }, "--var mqtt_broker_host"],
    ] as const) {
      const error = await addHostToInventory(file, host, group, vars).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toContain(`invalid ${argument}`);
    }
    expect(await readFile(file, "utf8")).toBe(original);
  });

  it("accepts IPv4 and IPv6 addresses as hosts", async () => {
    const { file } = await hostsFile("[mqtt]\n");
    await addHostToInventory(file, "10.213.0.40", "mqtt", {});
    await addHostToInventory(file, "fd00::40", "mqtt", {});
    expect(await readFile(file, "utf8")).toBe("[mqtt]\n10.213.0.40\nfd00::40\n");
  });

  it("warns when mqtt_broker_host does not follow mqtt.<infra>.<group>.<domain>", async () => {
    const { file } = await hostsFile("[mqtt]\n");
    const result = await addHostToInventory(file, "broker1", "mqtt", { mqtt_broker_host: "broker1.example.com" });
    expect(result.warnings).toEqual(["'broker1.example.com' does not start with 'mqtt.': the team's brokers are named mqtt.<infra>.<group>.<domain>"]);
    expect(await readFile(file, "utf8")).toBe("[mqtt]\nbroker1 mqtt_broker_host=broker1.example.com\n");
  });
});

describe("removeHostFromInventory on an INI file", () => {
  it("removes the host's line and leaves every other line as it was", async () => {
    const { file } = await hostsFile();
    const result = await removeHostFromInventory(file, "mqtt.aws2.dev.example.com", "mqtt");
    expect(result.changed).toBe(true);
    expect(await readFile(file, "utf8")).toBe(HEAD.replace("mqtt.aws2.dev.example.com ansible_host=10.213.0.11 mqtt_password=s3cretpw\n", "") + SENSORS + TAIL);
  });

  it("without a group, removes the host from every group", async () => {
    const { file } = await hostsFile("h0\n[a]\nh1\nh2 x=1\n[b]\nh2\n# b's end\n");
    await removeHostFromInventory(file, "h2");
    expect(await readFile(file, "utf8")).toBe("h0\n[a]\nh1\n[b]\n# b's end\n");
  });

  it("with a group, leaves the host's lines in other groups", async () => {
    const { file } = await hostsFile("[a]\nh1\nh2 x=1\n[b]\nh2\n");
    await removeHostFromInventory(file, "h2", "b");
    expect(await readFile(file, "utf8")).toBe("[a]\nh1\nh2 x=1\n[b]\n");
  });

  it("removing a host that is not there changes nothing", async () => {
    const { file, original } = await hostsFile();
    expect(await removeHostFromInventory(file, "nothere.example.com")).toEqual({ changed: false, diff: "", warnings: [] });
    expect(await removeHostFromInventory(file, "sensor01", "mqtt")).toEqual({ changed: false, diff: "", warnings: [] });
    expect(await readFile(file, "utf8")).toBe(original);
  });

  it("removing the last line keeps the file's missing final newline", async () => {
    const { file } = await hostsFile("[a]\nh1\nh2");
    await removeHostFromInventory(file, "h2");
    expect(await readFile(file, "utf8")).toBe("[a]\nh1");
  });

  it("dry-run prints the diff and writes nothing", async () => {
    const { file, original } = await hostsFile("[a]\nh1\nh2\n");
    const result = await removeHostFromInventory(file, "h1", undefined, { dryRun: true });
    expect(result.diff).toBe(`--- before: ${file}\n+++ after: ${file}\n@@ -1,3 +1,2 @@\n [a]\n-h1\n h2\n`);
    expect(await readFile(file, "utf8")).toBe(original);
  });

  it("refuses to take one host out of a range", async () => {
    const { file } = await hostsFile("[a]\nweb[1:3]\n");
    await expect(removeHostFromInventory(file, "web2")).rejects.toThrow(/part of the range 'web\[1:3\]'/);
  });
});
