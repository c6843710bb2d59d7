import { describe, expect, it } from "vitest";
import { isSelected } from "../../../src/executor/tags.js";

const run = (tags: string[], skipTags: string[] = []) => ({ tags, skipTags });

describe("tag selection like ansible-playbook -t / --skip-tags", () => {
  it("runs everything but 'never' when no tags are asked for", () => {
    expect(isSelected([], run([]))).toBe(true);
    expect(isSelected(["a"], run([]))).toBe(true);
    expect(isSelected(["never", "debug"], run([]))).toBe(false);
    expect(isSelected(["never", "debug"], run(["debug"]))).toBe(true);
  });

  it("selects by tag, keeps 'always', and honours tagged/untagged", () => {
    expect(isSelected(["a"], run(["b"]))).toBe(false);
    expect(isSelected(["a", "b"], run(["b"]))).toBe(true);
    expect(isSelected(["always"], run(["b"]))).toBe(true);
    expect(isSelected([], run(["untagged"]))).toBe(true);
    expect(isSelected(["x"], run(["tagged"]))).toBe(true);
    expect(isSelected([], run(["tagged"]))).toBe(false);
  });

  it("skip-tags wins over tags, and can skip 'always'", () => {
    expect(isSelected(["a"], run(["a"], ["a"]))).toBe(false);
    expect(isSelected(["always"], run([], ["always"]))).toBe(false);
    expect(isSelected(["a"], run([], ["b"]))).toBe(true);
  });
});
