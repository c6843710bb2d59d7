/**
 * `tsible play` with a vaulted vars file in a later play: a wrong password fails the run before
 * the first play changes anything (on the controller, over the local connection).
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { encryptToVault } from "../../../src/vault/envelope.js";
import { project } from "../../helpers/project.js";

const tsibleBin = fileURLToPath(new URL("../../../dist/bin/tsible.js", import.meta.url));

describe("tsible play with vaulted vars_files", () => {
  it("a wrong vault password for the second play's vars file fails before the first play runs", async () => {
    const dir = await project({
      hosts: "controller ansible_connection=local\n",
      "right.txt": "right password\n",
      "wrong.txt": "wrong password\n",
      "vaulted.yml": encryptToVault(Buffer.from("opened: yes-it-is\n"), Buffer.from("right password")),
    });
    const touched = path.join(dir, "first-play-ran");
    const playbook = [
      "- hosts: all",
      "  gather_facts: false",
      "  tasks:",
      `    - file: { path: ${touched}, state: touch }`,
      "- hosts: all",
      "  gather_facts: false",
      "  vars_files: [vaulted.yml]",
      "  tasks:",
      "    - assert: { that: ['opened == \"yes-it-is\"'] }",
      "",
    ].join("\n");
    await writeFile(path.join(dir, "site.yml"), playbook);
    const wrong = await execa("node", [tsibleBin, "play", "site.yml", "-i", "hosts", "--vault-password-file", "wrong.txt"], { cwd: dir, reject: false, env: { NO_COLOR: "1" } });
    expect(wrong.exitCode).toBe(4);
    expect(wrong.stderr).toContain("vaulted.yml: cannot decrypt the file: no vault password given opens it (tried default from wrong.txt)");
    expect(wrong.stdout).toBe("");
    expect(existsSync(touched)).toBe(false);
    const right = await execa("node", [tsibleBin, "play", "site.yml", "-i", "hosts", "--vault-password-file", "right.txt"], { cwd: dir, reject: false, env: { NO_COLOR: "1" } });
    expect(right.exitCode, `${right.stdout}\n${right.stderr}`).toBe(0);
    expect(existsSync(touched)).toBe(true);
  });
});
