import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { playbookLoadOptions } from "../../../src/executor/index.js";
import { loadInventory } from "../../../src/inventory/index.js";
import { loadPlaybook } from "../../../src/playbook/load.js";
import { checkBrokerHosts } from "../../../src/release/broker-hosts.js";
import { ReleaseError } from "../../../src/release/exit-codes.js";
import { releaseHosts } from "../../../src/release/select-hosts.js";

async function infra(hosts: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "smcrelease-infra-"));
  await mkdir(path.join(dir, "group_vars"));
  await writeFile(path.join(dir, "hosts"), hosts);
  await writeFile(path.join(dir, "group_vars", "all.yml"), "domain: example.com\n");
  return dir;
}

function caught(run: () => unknown): ReleaseError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ReleaseError);
    return error as ReleaseError;
  }
  throw new Error("did not throw");
}

describe("the broker-name check before a release", () => {
  it("passes mqtt.<infra>.<group>.<domain> names, also from templates, without warnings", async () => {
    const inventory = await loadInventory([
      await infra("[mqtt]\nb1 mqtt_broker_host=mqtt.acme.prod.example.com\nb2 mqtt_broker_host='mqtt.acme.dev.{{ domain }}'\n"),
    ]);
    expect(checkBrokerHosts(inventory, ["b1", "b2"], "acme")).toEqual([]);
  });

  it("warns about names off the convention, naming the host", async () => {
    const inventory = await loadInventory([
      await infra("[mqtt]\nb1 mqtt_broker_host=broker.acme.example.com\nmqtt.beta.prod.example.com\nb3 mqtt_broker_host=mqtt.acme.com\n"),
    ]);
    const warnings = checkBrokerHosts(inventory, ["b1", "mqtt.beta.prod.example.com", "b3"], "acme");
    expect(warnings).toEqual([
      expect.stringMatching(/^b1: mqtt_broker_host 'broker\.acme\.example\.com' does not start with 'mqtt\.'/),
      expect.stringMatching(/^mqtt\.beta\.prod\.example\.com: mqtt_broker_host .* names infra 'beta', not 'acme'/),
      expect.stringMatching(/^b3: mqtt_broker_host 'mqtt\.acme\.com' has 3 labels/),
    ]);
  });

  it("refuses names that are not DNS names with exit 4, listing every bad host", async () => {
    const inventory = await loadInventory([
      await infra("[mqtt]\nb1 mqtt_broker_host=mqtt_acme.prod.example.com\nb2 mqtt_broker_host=mqtt..example.com\nb3 mqtt_broker_host=mqtt.acme.prod.example.com\n"),
    ]);
    const error = caught(() => checkBrokerHosts(inventory, ["b1", "b2", "b3"], "acme"));
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(/b1: mqtt_broker_host 'mqtt_acme\.prod\.example\.com' is not a valid DNS host name/);
    expect(error.message).toMatch(/b2: mqtt_broker_host 'mqtt\.\.example\.com' is not a valid DNS host name/);
    expect(error.message).not.toContain("b3");
  });
});

describe("the hosts of a release", () => {
  it("are the playbook's hosts narrowed by -l, in inventory order; none is an error", async () => {
    const dir = await infra("[mqtt]\nb1\nb2\n[pi]\np1\n[mqtt:children]\npi\n[web]\nw1\n");
    // beside, not inside, the inventory directory: every file there is read as inventory
    const playbookFile = path.join(await mkdtemp(path.join(tmpdir(), "smcrelease-playbooks-")), "site.yml");
    await writeFile(playbookFile, "- hosts: mqtt\n  gather_facts: false\n  tasks: []\n");
    const inventory = await loadInventory([dir]);
    const playbook = await loadPlaybook(playbookFile, playbookLoadOptions());
    expect(releaseHosts(playbook, inventory, undefined)).toEqual(["b1", "b2", "p1"]);
    expect(releaseHosts(playbook, inventory, "pi:b2")).toEqual(["b2", "p1"]);
    const error = caught(() => releaseHosts(playbook, inventory, "web"));
    expect(error.exitCode).toBe(5);
    expect(error.message).toContain("with limit 'web'");
    expect(error.hint).toBe("hosts in the inventory: b1, b2, p1, w1");
  });
});
