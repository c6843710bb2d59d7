import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { addHostToInventory, removeHostFromInventory } from "../../../src/inventory/edit.js";
import { loadInventory } from "../../../src/inventory/index.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/inventory-edit");
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function yamlFile(text?: string, name = "hosts.yml"): Promise<{ file: string; original: string }> {
  const dir = await mkdtemp(join(tmpdir(), "tsible-edit-yaml-"));
  dirs.push(dir);
  const file = join(dir, name);
  if (text === undefined) await copyFile(join(FIXTURES, "aws/hosts.yml"), file);
  else await writeFile(file, text);
  return { file, original: await readFile(file, "utf8") };
}

const MQTT = `# inventories/aws/hosts.yml -- every AWS host, for later maintenance.
all:
  vars:
    ansible_user: ec2-user   # the AMI's user
  children:
    mqtt:
      hosts:
        # the first broker, eu-west-1
        mqtt.aws1.dev.example.com:
          ansible_host: 10.213.0.10
        mqtt.aws2.dev.example.com: {ansible_host: 10.213.0.11, mqtt_password: s3cretpw}
`;
const SENSORS = `
    # sensors come next
    sensors:
      hosts:
        sensor01:
          ansible_host: 10.213.0.20   # rack 3
      vars:
        motd: "hello world"
# end of file
`;

describe("addHostToInventory on a YAML file", () => {
  it("the fixture is the two parts the expectations are built from", async () => {
    expect((await yamlFile()).original).toBe(MQTT + SENSORS);
  });

  it("adds the host under the group's hosts; comments and every other line survive byte for byte", async () => {
    const { file } = await yamlFile();
    const result = await addHostToInventory(file, "mqtt.aws3.dev.example.com", "mqtt", { ansible_host: "10.213.0.12", mqtt_broker_port: "20201" });
    expect(result).toMatchObject({ changed: true, warnings: [] });
    expect(await readFile(file, "utf8")).toBe(
      MQTT + "        mqtt.aws3.dev.example.com:\n          ansible_host: 10.213.0.12\n          mqtt_broker_port: 20201\n" + SENSORS,
    );
    const inventory = await loadInventory([file]);
    expect(inventory.host("mqtt.aws3.dev.example.com")?.vars).toEqual({ ansible_user: "ec2-user", ansible_host: "10.213.0.12", mqtt_broker_port: 20201 });
  });

  it("a host without vars is written as `name:`", async () => {
    const { file } = await yamlFile();
    await addHostToInventory(file, "sensor02", "sensors", {});
    expect(await readFile(file, "utf8")).toBe(MQTT + SENSORS.replace("# rack 3\n", "# rack 3\n        sensor02:\n"));
  });

  it("a second identical add changes nothing", async () => {
    const { file } = await yamlFile();
    await addHostToInventory(file, "mqtt.aws3.dev.example.com", "mqtt", { ansible_host: "10.213.0.12" });
    const once = await readFile(file, "utf8");
    expect(await addHostToInventory(file, "mqtt.aws3.dev.example.com", "mqtt", { ansible_host: "10.213.0.12" })).toEqual({ changed: false, diff: "", warnings: [] });
    expect(await addHostToInventory(file, "mqtt.aws2.dev.example.com", "mqtt", { ansible_host: "10.213.0.11" })).toMatchObject({ changed: false });
    expect(await readFile(file, "utf8")).toBe(once);
  });

  // the changed line itself is rendered by the yaml package: its comment stays, its spacing is the package's
  it("different vars update the host's entry only, in its own style, keeping the comment of a changed value", async () => {
    const { file } = await yamlFile();
    await addHostToInventory(file, "mqtt.aws2.dev.example.com", "mqtt", { ansible_host: "10.213.0.19" });
    await addHostToInventory(file, "sensor01", "sensors", { ansible_host: "10.213.0.29" });
    expect(await readFile(file, "utf8")).toBe(
      MQTT.replace("{ansible_host: 10.213.0.11,", "{ansible_host: 10.213.0.19,") + SENSORS.replace("10.213.0.20   # rack 3", "10.213.0.29 # rack 3"),
    );
  });

  it("creates a missing group under all.children, before the closing comment", async () => {
    const { file } = await yamlFile();
    await addHostToInventory(file, "10.213.0.30", "bastion", { ansible_user: "admin" });
    expect(await readFile(file, "utf8")).toBe(
      MQTT + SENSORS.replace("# end of file\n", "    bastion:\n      hosts:\n        10.213.0.30:\n          ansible_user: admin\n# end of file\n"),
    );
    expect((await loadInventory([file])).host("10.213.0.30")?.groups).toEqual(["all", "bastion"]);
  });

  it("reads a YAML file without an extension as YAML, as the reader does", async () => {
    const { file } = await yamlFile("all:\n  hosts:\n    h1:   # first\n", "hosts");
    await addHostToInventory(file, "h2", "all", { a: "yes" });
    expect(await readFile(file, "utf8")).toBe("all:\n  hosts:\n    h1:   # first\n    h2:\n      a: true\n");
  });

  it("when the file cannot be edited line by line, it is rewritten whole, comments kept, with a warning", async () => {
    // the yaml package renders this multi-line flow map on one line, so lines no longer line up
    const { file } = await yamlFile("all:\n  vars: {a: 1,\n    b: 2}\n  hosts:\n    h1: # first\n");
    const result = await addHostToInventory(file, "h2", "all", {});
    expect(result.warnings).toEqual([expect.stringContaining("rewritten whole by the yaml library")]);
    expect(await readFile(file, "utf8")).toBe("all:\n  vars: {a: 1, b: 2}\n  hosts:\n    h1: # first\n    h2:\n");
  });

  it("dry-run gives the diff with the password masked, and writes nothing", async () => {
    const { file, original } = await yamlFile();
    const result = await addHostToInventory(file, "sensor02", "sensors", { mqtt_password: "pw2" }, { dryRun: true });
    expect(result.diff).toBe(
      [
        `--- before: ${file}`,
        `+++ after: ${file}`,
        "@@ -15,6 +15,8 @@",
        "       hosts:",
        "         sensor01:",
        "           ansible_host: 10.213.0.20   # rack 3",
        "+        sensor02:",
        "+          mqtt_password: ********",
        "       vars:",
        '         motd: "hello world"',
        " # end of file",
        "",
      ].join("\n"),
    );
    expect(await readFile(file, "utf8")).toBe(original);
  });
});

describe("removeHostFromInventory on a YAML file", () => {
  it("removes the host's entry; comments and other lines stay", async () => {
    const { file } = await yamlFile();
    await removeHostFromInventory(file, "mqtt.aws1.dev.example.com", "mqtt");
    expect(await readFile(file, "utf8")).toBe(MQTT.replace("        mqtt.aws1.dev.example.com:\n          ansible_host: 10.213.0.10\n", "") + SENSORS);
  });

  it("removes from every group, and an emptied group reads as `group:`", async () => {
    const { file } = await yamlFile("all:\n  children:\n    a:   # group a\n      hosts:\n        h1:\n    b:\n      hosts:\n        h1:\n        h2:\n");
    await removeHostFromInventory(file, "h1");
    expect(await readFile(file, "utf8")).toBe("all:\n  children:\n    a: # group a\n    b:\n      hosts:\n        h2:\n");
  });

  it("removing a host that is not there changes nothing", async () => {
    const { file, original } = await yamlFile();
    expect((await removeHostFromInventory(file, "sensor01", "mqtt")).changed).toBe(false);
    expect((await removeHostFromInventory(file, "nothere")).changed).toBe(false);
    expect(await readFile(file, "utf8")).toBe(original);
  });
});
