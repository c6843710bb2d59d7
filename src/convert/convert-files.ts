/**
 * `tsible convert` over files and directories. The rule:
 * - every `x.j2` that converts fully gets `x.hbs` written beside it (x.j2 stays, so
 *   Ansible keeps working and the two can be compared); an existing different
 *   `x.hbs` is never overwritten;
 * - every `.yml`/`.yaml` file is rewritten in place, only its templated strings and
 *   `template:` tasks' `src: x.j2` (to `x.hbs` when that template is converted now
 *   or already has an `.hbs`);
 * - a file holding anything that cannot be converted is left untouched as a whole
 *   and each such construct is reported (file:line:column, why);
 * - with `check`, nothing is written; the diff and the report are the same.
 */
import { existsSync, statSync } from "node:fs";
import { chmod, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { createTwoFilesPatch } from "diff";
import { UserError } from "../errors.js";
import { readUserText } from "../text-file.js";
import { convertJinja, type Finding } from "./convert-template.js";
import { convertYaml } from "./convert-yaml.js";

export interface ConvertFilesOptions {
  /** write nothing */
  check: boolean;
}

export interface FileOutcome {
  /** the file read */
  file: string;
  /** the file written (x.hbs for x.j2, the file itself for YAML) */
  target: string;
  status: "converted" | "unchanged" | "not converted";
  diff: string;
  problems: Finding[];
  warnings: Finding[];
}

const SKIPPED_DIRECTORIES = new Set(["node_modules", ".git"]);

export function hbsPathOf(template: string): string {
  return template.replace(/\.j2$/, ".hbs");
}

export async function convertFiles(paths: string[], options: ConvertFilesOptions): Promise<FileOutcome[]> {
  const found: string[] = [];
  for (const path of paths) found.push(...(await collect(resolve(path), path)));
  // a file named twice (a directory and a file in it) is converted once
  const files = [...new Set(found)];
  const templates = files.filter((file) => file.endsWith(".j2"));
  const yamlFiles = files.filter((file) => !file.endsWith(".j2"));

  const outcomes: FileOutcome[] = [];
  const convertedTemplates = new Set<string>();
  for (const file of templates) {
    const outcome = await convertTemplateFile(file, options);
    if (outcome.status !== "not converted") convertedTemplates.add(file);
    outcomes.push(outcome);
  }
  const templateState = { processed: new Set(templates), converted: convertedTemplates };
  for (const file of yamlFiles) outcomes.push(await convertYamlFile(file, templateState, options));
  return outcomes;
}

async function collect(absolute: string, given: string): Promise<string[]> {
  if (!existsSync(absolute)) throw new UserError(`no such file or directory: ${given}`, { hint: "give playbooks, roles, group_vars/host_vars directories or .j2 templates" });
  if (statSync(absolute).isDirectory()) {
    const entries = await readdir(absolute, { withFileTypes: true });
    const found: string[] = [];
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith(".") || SKIPPED_DIRECTORIES.has(entry.name)) continue;
      const path = join(absolute, entry.name);
      if (entry.isDirectory()) found.push(...(await collect(path, path)));
      else if (/\.(j2|ya?ml)$/.test(entry.name)) found.push(path);
    }
    return found;
  }
  if (!/\.(j2|ya?ml)$/.test(absolute)) throw new UserError(`${given} is neither a .j2 template nor a YAML file`, { hint: "tsible convert reads .j2, .yml and .yaml files" });
  return [absolute];
}

async function convertTemplateFile(file: string, options: ConvertFilesOptions): Promise<FileOutcome> {
  const target = hbsPathOf(file);
  const before = await readUserText(file);
  const result = convertJinja(before, { mode: "template" });
  if (!result.ok) return { file, target, status: "not converted", diff: "", problems: result.problems, warnings: result.warnings };
  const existing = existsSync(target) ? await readFile(target, "utf8") : undefined;
  if (existing === result.text) return { file, target, status: "unchanged", diff: "", problems: [], warnings: result.warnings };
  if (existing !== undefined) {
    const problem = { line: 1, column: 1, message: `${relative(process.cwd(), target)} exists and differs from this conversion; it is not overwritten (remove it to convert again)` };
    return { file, target, status: "not converted", diff: "", problems: [problem], warnings: result.warnings };
  }
  const diff = createTwoFilesPatch(displayPath(file), displayPath(target), before, result.text);
  if (!options.check) await writeAtomically(target, result.text);
  return { file, target, status: "converted", diff, problems: [], warnings: result.warnings };
}

interface TemplateState {
  /** the templates this run read */
  processed: ReadonlySet<string>;
  /** those it converted (or found converted already) */
  converted: ReadonlySet<string>;
}

async function convertYamlFile(file: string, templates: TemplateState, options: ConvertFilesOptions): Promise<FileOutcome> {
  const before = await readUserText(file);
  const result = convertYaml(before, { renamedTemplate: (src) => renamedTemplate(file, src, templates) });
  if (!result.ok) return { file, target: file, status: "not converted", diff: "", problems: result.problems, warnings: result.warnings };
  if (result.text === before) return { file, target: file, status: "unchanged", diff: "", problems: [], warnings: result.warnings };
  const diff = createTwoFilesPatch(displayPath(file), displayPath(file), before, result.text);
  if (!options.check) await writeAtomically(file, result.text);
  return { file, target: file, status: "converted", diff, problems: [], warnings: result.warnings };
}

/**
 * `src: x.j2` of a template task in `yamlFile` as `x.hbs`, when that template is converted by
 * this run, or (when this run did not read it) already has its `.hbs`. tsible looks templates up
 * in the role's and the project's templates/ directories.
 */
function renamedTemplate(yamlFile: string, src: string, templates: TemplateState): string | undefined {
  const here = dirname(yamlFile);
  const candidates = [join(here, "..", "templates", src), join(here, "templates", src), join(here, src), resolve(src)].map((path) => resolve(path));
  const found = candidates.some((candidate) => (templates.processed.has(candidate) ? templates.converted.has(candidate) : existsSync(hbsPathOf(candidate))));
  return found ? hbsPathOf(src) : undefined;
}

function displayPath(file: string): string {
  return relative(process.cwd(), file) || file;
}

/** a temporary file beside the target, renamed over it: a reader never sees half a file; a replaced file keeps its mode */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = join(dirname(file), `.${Date.now()}-${process.pid}.tsible-convert.tmp`);
  await writeFile(temporary, text, { encoding: "utf8", flag: "wx" });
  if (existsSync(file)) await chmod(temporary, (await stat(file)).mode & 0o7777);
  await rename(temporary, file);
}
