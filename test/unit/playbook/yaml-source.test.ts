/** Reading playbook YAML: aliases are expanded, but never without bound */
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { MAX_ALIAS_EXPANSION, parseYaml } from "../../../src/playbook/yaml-source.js";
import { aliasBomb } from "../../helpers/yaml-bomb.js";

describe("YAML aliases", () => {
  it("expands anchors, aliases and merge keys as Ansible does", () => {
    const value = parseYaml("defaults: &d {port: 1883, tls: no}\nbroker:\n  <<: *d\n  port: 20200\nalso: *d\n", "vars.yml");
    expect(value).toEqual({ defaults: { port: 1883, tls: false }, broker: { port: 20200, tls: false }, also: { port: 1883, tls: false } });
  });

  it("refuses an alias bomb at once, naming the file and the line of the alias", () => {
    const started = Date.now();
    let caught: unknown;
    try {
      parseYaml(aliasBomb(8), "bomb.yml");
    } catch (error) {
      caught = error;
    }
    expect(Date.now() - started).toBeLessThan(2000);
    expect(caught).toBeInstanceOf(UserError);
    const error = caught as UserError;
    expect(error.message).toBe(`YAML aliases here expand to more than ${MAX_ALIAS_EXPANSION} values`);
    expect(error.location).toMatchObject({ file: "bomb.yml" });
    expect(error.location?.line).toBeGreaterThan(1);
    expect(error.format()).toMatch(/alias bomb/);
  });

  it("still allows a few levels of legitimate reuse", () => {
    // l2 holds 9 * 9 * 9 = 729 strings, reached through aliases: far below the bound
    const value = parseYaml(aliasBomb(2), "ok.yml") as Record<string, unknown[]>;
    expect((value["l2"] as unknown[][]).flat(2)).toHaveLength(729);
  });
});
