/**
 * Adds a host to an inventory file, or removes one, editing the file in place: the lines
 * that hold the host change, every other line stays as it was. Used by `tsible inventory
 * add/remove` and by `smcrelease --register-aws`.
 *
 * Each edit is proven before it is written: the file is read as an inventory before and
 * after, and only the host's own membership and variables may differ (edit-verify.ts).
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { isMap, parseDocument } from "yaml";
import { UserError } from "../errors.js";
import { maskedInventoryDiff } from "./edit-diff.js";
import { addHostIni, removeHostIni } from "./edit-ini.js";
import { checkBrokerHostName, validateGroupArgument, validateHostArgument, validateVarName } from "./edit-names.js";
import { readInventoryText, verifyEdit, type ExpectedChange, type InventoryFormat } from "./edit-verify.js";
import { replaceFileAtomically } from "./edit-write.js";
import { readingVaultText } from "../vault/yaml-tag.js";
import { addHostYaml, removeHostYaml } from "./edit-yaml.js";
import { iniValue } from "./ini.js";
import { ANSIBLE_YAML_OPTIONS } from "./yaml-file.js";

export interface InventoryEditOptions {
  /** compute the change and its diff, write nothing */
  dryRun?: boolean;
  /** the infra the file belongs to, to check `mqtt_broker_host` against `mqtt.<infra>.<group>.<domain>` */
  infra?: string;
}

export interface InventoryEditResult {
  changed: boolean;
  /** unified diff of the file, secrets masked; "" when nothing changes */
  diff: string;
  /** things worth telling the user that do not stop the edit */
  warnings: string[];
}

/**
 * Puts `host` in `group` with `vars` (strings, typed as an INI inventory types them). An
 * existing entry keeps its other variables; the group is created when missing.
 */
export async function addHostToInventory(
  file: string,
  host: string,
  group: string,
  vars: Record<string, string>,
  options: InventoryEditOptions = {},
): Promise<InventoryEditResult> {
  validateHostArgument(host);
  validateGroupArgument(group);
  const warnings = checkVars(vars, options.infra);
  const typed = Object.fromEntries(Object.entries(vars).map(([key, value]) => [key, iniValue(key, value)]));
  const result = await editInventoryFile(file, { file, host, group, action: "add", vars: typed }, (text, path, format) =>
    format === "yaml" ? addHostYaml(text, path, host, group, typed) : { text: addHostIni(text, path, host, group, vars), warnings: [] },
    options,
  );
  return { ...result, warnings: [...warnings, ...result.warnings] };
}

/** Takes `host` out of `group`, or out of every group; a host that is not there changes nothing. */
export async function removeHostFromInventory(
  file: string,
  host: string,
  group?: string,
  options: InventoryEditOptions = {},
): Promise<InventoryEditResult> {
  // any name already in the file may be taken out (an alias like broker_1 included); only a non-name is refused
  if (host.trim() === "" || /\s/.test(host)) validateHostArgument(host);
  if (group !== undefined) validateGroupArgument(group);
  return editInventoryFile(file, { file, host, group, action: "remove", vars: {} }, (text, path, format) =>
    format === "yaml" ? removeHostYaml(text, path, host, group) : { text: removeHostIni(text, path, host, group), warnings: [] },
    options,
  );
}

type TextEdit = (text: string, file: string, format: InventoryFormat) => { text: string; warnings: string[] };

async function editInventoryFile(file: string, change: ExpectedChange, edit: TextEdit, options: InventoryEditOptions = {}): Promise<InventoryEditResult> {
  const path = await inventoryFilePath(file);
  const text = await readFile(path, "utf8");
  const format = inventoryFormat(path, text);
  // `!vault` values stay vault text throughout: editing and checking an edit need no vault password
  const result = readingVaultText(() => {
    const before = readInventoryText(text, file, format);
    const edited = edit(text, file, format);
    if (edited.text === text) return { edited, diff: "" };
    const after = readInventoryText(edited.text, file, format);
    verifyEdit(before, after, change);
    return { edited, diff: maskedInventoryDiff(file, text, edited.text, [before, after]) };
  });
  const { edited, diff } = result;
  if (edited.text === text) return { changed: false, diff: "", warnings: edited.warnings };
  if (!options.dryRun) await replaceFileAtomically(path, edited.text);
  return { changed: true, diff, warnings: edited.warnings };
}

function checkVars(vars: Record<string, string>, infra: string | undefined): string[] {
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(vars)) {
    validateVarName(key);
    // a template is checked when it is rendered, not here
    if (key !== "mqtt_broker_host" || value.includes("{{")) continue;
    const check = checkBrokerHostName(value, infra);
    if (check.errors.length > 0) {
      throw new UserError(`invalid --var mqtt_broker_host: ${check.errors.join("; ")}`, {
        hint: "mqtt_broker_host is the broker's DNS name, such as mqtt.aws1.dev.example.com",
      });
    }
    warnings.push(...check.warnings);
  }
  return warnings;
}

/** The file to edit: symlinks resolved, so the rename replaces the file and not the link. */
async function inventoryFilePath(file: string): Promise<string> {
  const path = await realpath(file).catch(() => undefined);
  const info = path === undefined ? undefined : await stat(path);
  if (path === undefined || info === undefined) {
    throw new UserError(`inventory file '${file}' does not exist`, {
      location: { file },
      hint: "create it (an empty file is an empty INI inventory), or fix the path given with -i",
    });
  }
  if (!info.isFile()) {
    throw new UserError(`'${file}' is not a file: tsible edits one inventory file at a time`, {
      location: { file },
      hint: "pass the file itself with -i, such as inventories/aws/hosts",
    });
  }
  return path;
}

/** As the reader decides (sources.ts): .yml/.yaml/.json are YAML, .ini is INI, else YAML when it reads as a mapping. */
function inventoryFormat(path: string, text: string): InventoryFormat {
  const extension = extname(basename(path)).toLowerCase();
  if ([".yml", ".yaml", ".json"].includes(extension)) return "yaml";
  if (extension === ".ini") return "ini";
  const document = parseDocument(text, ANSIBLE_YAML_OPTIONS);
  return document.errors.length === 0 && isMap(document.contents) ? "yaml" : "ini";
}
