/** `tsible convert PATH...`: Jinja templates and templated YAML strings to tsible's Handlebars (see src/convert/convert-files.ts) */
import { relative } from "node:path";
import { Command } from "commander";
import { convertFiles, type FileOutcome } from "../convert/convert-files.js";

export interface ConvertCommandOutput {
  /** the unified diff */
  write: (text: string) => void;
  /** what could not be converted, warnings, the summary */
  warn: (text: string) => void;
}

/** the exit code when something could not be converted */
export const NOT_CONVERTED_EXIT_CODE = 1;

export function convertCommand(setExitCode: (code: number) => void, output: Partial<ConvertCommandOutput> = {}): Command {
  const io: ConvertCommandOutput = {
    write: output.write ?? ((text) => process.stdout.write(text)),
    warn: output.warn ?? ((text) => process.stderr.write(text)),
  };
  return new Command("convert")
    .description("rewrite Jinja templates (x.j2 -> x.hbs beside it) and the templated strings of YAML files (in place) to tsible's Handlebars")
    .argument("<paths...>", "playbooks, roles, group_vars/host_vars directories, .j2 templates")
    .option("-C, --check", "write nothing: print the diff and the report only", false)
    .configureOutput({ writeOut: io.write, writeErr: io.warn })
    .action(async (paths: string[], flags: { check: boolean }) => {
      const outcomes = await convertFiles(paths, { check: flags.check });
      for (const outcome of outcomes) io.write(outcome.diff);
      for (const outcome of outcomes) io.warn(findings(outcome));
      io.warn(summary(outcomes, flags.check));
      if (outcomes.some((outcome) => outcome.status === "not converted")) setExitCode(NOT_CONVERTED_EXIT_CODE);
    });
}

function findings(outcome: FileOutcome): string {
  const file = relative(process.cwd(), outcome.file) || outcome.file;
  const lines = outcome.problems.map((problem) => `${file}:${problem.line}:${problem.column}: not converted: ${problem.message}\n`);
  // one line per kind of warning and file: the same caveat on every line would hide the rest
  const seen = new Map<string, { first: string; more: number }>();
  for (const warning of outcome.warnings) {
    const entry = seen.get(warning.message);
    if (entry) entry.more++;
    else seen.set(warning.message, { first: `${file}:${warning.line}:${warning.column}`, more: 0 });
  }
  for (const [message, { first, more }] of seen) lines.push(`${first}: warning: ${message}${more > 0 ? ` (and ${more} more in this file)` : ""}\n`);
  return lines.join("");
}

function summary(outcomes: FileOutcome[], check: boolean): string {
  if (outcomes.length === 0) return "no .j2, .yml or .yaml files under the given paths\n";
  const count = (status: FileOutcome["status"]) => outcomes.filter((outcome) => outcome.status === status).length;
  const notConverted = count("not converted");
  const verb = check ? "would convert" : "converted";
  return `${verb} ${count("converted")} file(s), ${count("unchanged")} unchanged, ${notConverted} not converted${notConverted > 0 ? " (left as they were: see above)" : ""}\n`;
}
