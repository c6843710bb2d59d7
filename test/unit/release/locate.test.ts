import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ReleaseError } from "../../../src/release/exit-codes.js";
import { locateInfra, locatePlaybook, playbookCandidates } from "../../../src/release/locate.js";

let root: string;
const inventories = () => path.join(root, "inventories");
const playbooks = () => path.join(root, "playbooks");

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "smcrelease-locate-"));
  for (const infra of ["acme", "beta"]) {
    await mkdir(path.join(inventories(), infra, "group_vars"), { recursive: true });
    await writeFile(path.join(inventories(), infra, "hosts"), "[mqtt]\nb1\n");
  }
  await writeFile(path.join(inventories(), "README.md"), "not an infra\n");
  await mkdir(playbooks(), { recursive: true });
  await writeFile(path.join(playbooks(), "mosquitto.yml"), "- hosts: mqtt\n  tasks: []\n");
  await symlink("mosquitto.yml", path.join(playbooks(), "_mosquitto.yml"));
  await writeFile(path.join(playbooks(), "_upgrade.yml"), "- hosts: all\n  tasks: []\n");
  await writeFile(path.join(playbooks(), "pi-bridge.yaml"), "- hosts: pi\n  tasks: []\n");
});

async function refusal(promise: Promise<unknown>): Promise<ReleaseError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ReleaseError);
  return error as ReleaseError;
}

describe("locating an infra", () => {
  it("finds inventories/<infra>/", async () => {
    expect(await locateInfra(inventories(), "acme")).toBe(path.join(inventories(), "acme"));
  });

  it("refuses an unknown infra with exit 4, listing the infras that exist", async () => {
    const error = await refusal(locateInfra(inventories(), "acmee"));
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain("unknown infra 'acmee'");
    expect(error.hint).toBe(`infras in ${inventories()}: acme, beta`);
  });

  it("refuses names that would leave the inventories directory", async () => {
    await mkdir(path.join(root, "outside"), { recursive: true });
    for (const name of ["../outside", "acme/../beta", ".", ".."]) expect((await refusal(locateInfra(inventories(), name))).exitCode).toBe(4);
  });

  it("says so when the inventories directory itself is missing", async () => {
    const error = await refusal(locateInfra(path.join(root, "nope"), "acme"));
    expect(error.message).toContain("does not exist");
    expect(error.hint).toContain("--inventories");
  });
});

describe("locating a playbook", () => {
  it("tries the name as given, with and without '_' and '.yml'", () => {
    expect(playbookCandidates("mosquitto")).toEqual([
      "mosquitto", "mosquitto.yml", "mosquitto.yaml", "_mosquitto.yml", "_mosquitto.yaml", "_mosquitto",
    ]);
    expect(playbookCandidates("_mosquitto.yml").slice(0, 3)).toEqual(["_mosquitto.yml", "_mosquitto.yaml", "_mosquitto"]);
  });

  it("finds the team's names for the mosquitto playbook", async () => {
    expect(await locatePlaybook(playbooks(), "mosquitto.yml")).toBe(path.join(playbooks(), "mosquitto.yml"));
    expect(await locatePlaybook(playbooks(), "mosquitto")).toBe(path.join(playbooks(), "mosquitto.yml"));
    // the symlink is a playbook of its own name
    expect(await locatePlaybook(playbooks(), "_mosquitto.yml")).toBe(path.join(playbooks(), "_mosquitto.yml"));
    expect(await locatePlaybook(playbooks(), "_mosquitto")).toBe(path.join(playbooks(), "_mosquitto.yml"));
  });

  it("finds _name.yml from name and name.yaml from name", async () => {
    expect(await locatePlaybook(playbooks(), "upgrade")).toBe(path.join(playbooks(), "_upgrade.yml"));
    expect(await locatePlaybook(playbooks(), "upgrade.yml")).toBe(path.join(playbooks(), "_upgrade.yml"));
    expect(await locatePlaybook(playbooks(), "pi-bridge")).toBe(path.join(playbooks(), "pi-bridge.yaml"));
  });

  it("refuses an unknown playbook with exit 4, listing the playbooks that exist", async () => {
    const error = await refusal(locatePlaybook(playbooks(), "mosquito.yml"));
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain("unknown playbook 'mosquito.yml'");
    expect(error.hint).toBe("playbooks there: _mosquitto.yml, _upgrade.yml, mosquitto.yml, pi-bridge.yaml");
  });

  it("refuses a path instead of a name", async () => {
    expect((await refusal(locatePlaybook(playbooks(), "../playbooks/mosquitto.yml"))).exitCode).toBe(4);
  });
});
