/** Unified diffs of what a task changes, in the shape ansible-playbook --diff prints */
import { createTwoFilesPatch } from "diff";
import type { FileDiff } from "../modules/types.js";

export function unifiedDiff(diff: FileDiff): string {
  const patch = createTwoFilesPatch(`before: ${diff.path}`, `after: ${diff.path}`, diff.before, diff.after, undefined, undefined, {
    context: 3,
  });
  // the first line is a "====" separator that ansible's output does not have
  return patch.replace(/^=+\n/, "");
}
