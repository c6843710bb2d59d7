/** `-e` values as ansible-playbook reads them: key=value pairs, @file (YAML/JSON), or inline JSON/YAML */
import path from "node:path";
import { UserError } from "../errors.js";
import { loadYamlFile, parseYaml } from "../playbook/yaml-source.js";
import type { Vars } from "../vars/vars.js";

export async function parseExtraVars(values: readonly string[], cwd: string): Promise<Vars> {
  const vars: Vars = {};
  for (const value of values) Object.assign(vars, await parseOne(value, cwd));
  return vars;
}

async function parseOne(value: string, cwd: string): Promise<Vars> {
  const trimmed = value.trim();
  if (trimmed.startsWith("@")) {
    const file = path.resolve(cwd, trimmed.slice(1));
    return asVars(await loadYamlFile(file), file);
  }
  if (trimmed.startsWith("{")) return asVars(parseYaml(trimmed, "-e"), "-e");
  const vars: Vars = {};
  // key=value pairs; values keep their spaces when quoted, and stay strings as in Ansible
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|(\S*))/g;
  let consumed = "";
  for (const match of trimmed.matchAll(pattern)) {
    vars[match[1] as string] = match[3] ?? match[4] ?? match[5] ?? "";
    consumed += match[0];
  }
  if (consumed.length === 0 || trimmed.replace(pattern, "").trim() !== "") {
    throw new UserError(`cannot read extra vars '${value}'`, {
      location: { file: "-e" },
      hint: "use -e key=value, -e '{\"key\": \"value\"}' or -e @vars.yml",
    });
  }
  return vars;
}

function asVars(value: unknown, file: string): Vars {
  if (value === null) return {};
  if (typeof value === "object" && !Array.isArray(value)) return value as Vars;
  throw new UserError("extra vars must be a mapping of names to values", { location: { file } });
}
