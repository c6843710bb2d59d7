/**
 * The templates a playbook can use, checked when it is loaded: every file of the template
 * directories its tasks search (each role's templates/, the playbook's, and the project's beside
 * playbooks/) must be UTF-8 and parse as a template, so a broken template stops the run before
 * any host is touched instead of failing a task on every host.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { readUserText } from "../text-file.js";
import { checkTemplateSyntax } from "../vars/template.js";

export async function checkTemplateDirs(dirs: readonly string[]): Promise<void> {
  for (const dir of new Set(dirs.map((entry) => path.resolve(entry)))) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const file = path.join(dir, name);
      if (!(await stat(file)).isFile()) continue;
      checkTemplateSyntax(await readUserText(file), file);
    }
  }
}
