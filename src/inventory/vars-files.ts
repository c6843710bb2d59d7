/**
 * group_vars/ and host_vars/ files, found as Ansible's host_group_vars plugin finds them:
 * `<dir>/<name>` with no extension, `.yml`, `.yaml` or `.json` (the first that exists),
 * or a directory `<dir>/<name>/` whose files are merged in lexical order.
 */
import { readdir, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { UserError, type SourceLocation } from "../errors.js";
import { activeVaultKeyring } from "../vault/keyring.js";
import { readMaybeVaultedText } from "../vault/vaulted-file.js";
import type { Vars } from "../vars/vars.js";
import { parseYamlFile, toValue } from "./yaml-file.js";

export interface VarsFile {
  file: string;
  vars: Vars;
}

const EXTENSIONS = ["", ".yml", ".yaml", ".json"];

/** The vars files for `name` under `<baseDir>/<kind>/`, in the order they apply. */
export async function loadVarsFiles(baseDir: string, kind: "group_vars" | "host_vars", name: string): Promise<VarsFile[]> {
  const stem = join(baseDir, kind, name);
  for (const extension of EXTENSIONS) {
    const path = stem + extension;
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    const files = info.isDirectory() ? await filesIn(path) : [path];
    return Promise.all(files.map(loadVarsFile));
  }
  return [];
}

/** Files inside a group_vars/<group>/ directory, recursively, in lexical order. */
async function filesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    // hidden files and editor backups are not vars files
    if (name.startsWith(".") || name.endsWith("~")) continue;
    const path = join(dir, name);
    const extension = extname(name);
    const info = await stat(path);
    if (info.isDirectory() && extension === "") found.push(...(await filesIn(path)));
    else if (info.isFile() && EXTENSIONS.includes(extension)) found.push(path);
  }
  return found;
}

export async function loadVarsFile(file: string): Promise<VarsFile> {
  const { text, vaulted } = await readMaybeVaultedText(file);
  const yaml = parseYamlFile(text, file);
  const value = toValue(yaml);
  // a vault-encrypted vars file holds secrets: every value in it is masked in output
  if (vaulted) activeVaultKeyring().reveal(value);
  if (value === null || value === undefined) return { file, vars: {} };
  if (typeof value !== "object" || Array.isArray(value)) {
    const location: SourceLocation = yaml.locate(yaml.document.contents);
    throw new UserError("a vars file must be a mapping of variable names to values", {
      location,
      hint: "write 'name: value' lines at the top level of the file",
    });
  }
  return { file, vars: value as Vars };
}
