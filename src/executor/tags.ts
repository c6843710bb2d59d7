/** Ansible's rules for -t / --skip-tags, including the special tags always, never, tagged, untagged and all */
export interface TagSelection {
  tags: readonly string[];
  skipTags: readonly string[];
}

export function isSelected(taskTags: readonly string[], selection: TagSelection): boolean {
  const has = (tag: string) => taskTags.includes(tag);
  const skip = selection.skipTags;
  if (skip.some((tag) => has(tag))) return false;
  if (skip.includes("tagged") && taskTags.length > 0) return false;
  if (skip.includes("untagged") && taskTags.length === 0) return false;
  if (skip.includes("all") && !has("always")) return false;

  const wanted = selection.tags;
  if (wanted.length === 0 || wanted.includes("all")) return !has("never") || wanted.includes("never");
  if (has("always")) return true;
  if (wanted.includes("tagged") && taskTags.length > 0) return true;
  if (wanted.includes("untagged") && taskTags.length === 0) return true;
  return wanted.some((tag) => has(tag));
}
