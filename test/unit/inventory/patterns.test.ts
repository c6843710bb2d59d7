import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadInventory, type Inventory } from "../../../src/inventory/index.js";
import { UserError } from "../../../src/errors.js";
import { FIXTURES } from "./helpers.js";

const EU = ["mqtt-eu-1.example.internal", "mqtt-eu-2.example.internal"];
const US = "mqtt-us-1.example.internal";

describe("host patterns", () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await loadInventory([join(FIXTURES, "infra/hosts"), join(FIXTURES, "aws/hosts.yml")]);
  });

  it("selects a group, a host, all and *", () => {
    expect(inventory.selectHosts("pi")).toEqual(["broker2", "sensor01", "sensor02", "sensor03"]);
    expect(inventory.selectHosts("broker2")).toEqual(["broker2"]);
    expect(inventory.selectHosts("all")).toHaveLength(9);
    expect(inventory.selectHosts("*")).toEqual(inventory.selectHosts("all"));
  });

  it("unions with ':' and ',' in inventory order", () => {
    expect(inventory.selectHosts("aws_us:broker1")).toEqual(["broker1", US]);
    expect(inventory.selectHosts("sensors,broker1")).toEqual(["broker1", "sensor01", "sensor02", "sensor03"]);
  });

  it("intersects with ':&' and excludes with ':!', whatever their position", () => {
    expect(inventory.selectHosts("site:&pi")).toEqual(["broker2", "sensor01", "sensor02", "sensor03"]);
    expect(inventory.selectHosts("mqtt:!aws")).toEqual(["broker1", "broker2"]);
    expect(inventory.selectHosts("!aws:mqtt")).toEqual(["broker1", "broker2"]);
    expect(inventory.selectHosts("mqtt:&pi:!sensors")).toEqual(["broker2"]);
    expect(inventory.selectHosts("!mqtt")).toEqual(["localhost", "sensor01", "sensor02", "sensor03"]);
  });

  it("matches globs against group and host names", () => {
    expect(inventory.selectHosts("sensor0[1-2]")).toEqual(["sensor01", "sensor02"]);
    expect(inventory.selectHosts("sensor0[!2]")).toEqual(["sensor01", "sensor03"]);
    expect(inventory.selectHosts("mqtt-eu-*")).toEqual(EU);
    expect(inventory.selectHosts("aws_*")).toEqual([...EU, US]);
    expect(inventory.selectHosts("broker?")).toEqual(["broker1", "broker2"]);
  });

  it("matches regexes anchored at the start, as Python's re.match", () => {
    expect(inventory.selectHosts("~sensor0[13]")).toEqual(["sensor01", "sensor03"]);
    expect(inventory.selectHosts("~mqtt-(eu|us)-1")).toEqual(["mqtt-eu-1.example.internal", US]);
    expect(inventory.selectHosts("~eu")).toEqual([]);
  });

  it("takes subscripts of a group", () => {
    expect(inventory.selectHosts("pi[0]")).toEqual(["broker2"]);
    expect(inventory.selectHosts("pi[-1]")).toEqual(["sensor03"]);
    expect(inventory.selectHosts("pi[1:2]")).toEqual(["sensor01", "sensor02"]);
    expect(inventory.selectHosts("pi[2:]")).toEqual(["sensor02", "sensor03"]);
    expect(inventory.selectHosts("pi[9]")).toEqual([]);
    // as in Ansible, name[digits] is a subscript, not a glob character set
    expect(inventory.selectHosts("sensors[12]")).toEqual([]);
  });

  it("returns [] for a pattern matching nothing", () => {
    expect(inventory.selectHosts("nosuchgroup")).toEqual([]);
    expect(inventory.selectHosts("mqtt:&sensors")).toEqual([]);
  });

  it("rejects a bad pattern with a UserError", () => {
    expect(() => inventory.selectHosts("")).toThrow(UserError);
    expect(() => inventory.selectHosts("mqtt:!")).toThrow(/invalid host pattern 'mqtt:!'/);
    expect(() => inventory.selectHosts("~web[")).toThrow(/not a valid regular expression/);
    expect(() => inventory.selectHosts("mqtt pi")).toThrow(UserError);
  });
});
