import { describe, expect, it } from "vitest";
import { editLines, expandBackrefs, pythonRegExp } from "../../../src/modules/lineinfile.js";

const present = (text: string, edit: Parameters<typeof editLines>[1] extends infer E ? Omit<E & object, "state"> : never) =>
  editLines(text, { state: "present", ...edit });

describe("lineinfile: regexp replaces", () => {
  it("replaces the LAST matching line only", () => {
    const result = present("port 1\nx\nport 2\n", { regexp: "^port ", line: "port 1883" });
    expect(result).toMatchObject({ text: "port 1\nx\nport 1883\n", changed: true, msg: "line replaced" });
  });

  it("replaces the first match with firstmatch", () => {
    expect(present("port 1\nport 2\n", { regexp: "^port ", line: "port 9", firstmatch: true }).text).toBe("port 9\nport 2\n");
  });

  it("is idempotent when the replaced line is already there", () => {
    const once = present("a\nport 1\nb\n", { regexp: "^port ", line: "port 1883" });
    const twice = present(once.text, { regexp: "^port ", line: "port 1883" });
    expect(twice).toEqual({ text: once.text, changed: false, msg: "" });
  });

  it("treats $ like Python: it matches before the line's newline", () => {
    expect(present("listener 1883\n", { regexp: "^listener 1883$", line: "listener 8883" }).text).toBe("listener 8883\n");
  });

  it("does not add a line when the regexp misses but the exact line exists", () => {
    expect(present("a\nport 1883\n", { regexp: "^#port", line: "port 1883" }).changed).toBe(false);
  });

  it("appends at EOF when nothing matches", () => {
    expect(present("a\nb\n", { regexp: "^port", line: "port 1" })).toMatchObject({ text: "a\nb\nport 1\n", msg: "line added" });
  });

  it("adds the missing newline of the last line before appending", () => {
    expect(present("a\nb", { line: "c" }).text).toBe("a\nb\nc\n");
  });

  it("replacing a last line without newline gives it one", () => {
    expect(present("a\nport 1", { regexp: "^port", line: "port 1" })).toMatchObject({ text: "a\nport 1\n", changed: true });
  });

  it("creates content in an empty file", () => {
    expect(present("", { line: "only" }).text).toBe("only\n");
  });
});

describe("lineinfile: backrefs", () => {
  it("expands \\1 and \\g<name> from the match", () => {
    const result = present("user = bob\n", { regexp: "^(?P<key>user) = (\\w+)$", line: "\\g<key> = \\2-admin", backrefs: true });
    expect(result.text).toBe("user = bob-admin\n");
  });

  it("leaves the file alone when the regexp does not match", () => {
    expect(present("a\n", { regexp: "^(x)=", line: "\\1=y", backrefs: true })).toMatchObject({ changed: false, text: "a\n" });
  });

  it("without backrefs, \\1 is written literally", () => {
    expect(present("x=1\n", { regexp: "^(x)=", line: "\\1=2" }).text).toBe("\\1=2\n");
  });

  it("expandBackrefs handles escapes and unmatched groups", () => {
    const match = /(a)(b)?/.exec("a") as RegExpExecArray;
    expect(expandBackrefs("[\\1][\\2]\\t\\\\", match)).toBe("[a][]\t\\");
  });
});

describe("lineinfile: insertafter / insertbefore", () => {
  const text = "[main]\nx=1\n[other]\ny=2\n";

  it("inserts after the LAST line matching insertafter", () => {
    expect(present("# a\nk\n# b\nk\n", { line: "new", insertafter: "^#" }).text).toBe("# a\nk\n# b\nnew\nk\n");
  });

  it("inserts after the first match with firstmatch", () => {
    expect(present("# a\nk\n# b\n", { line: "new", insertafter: "^#", firstmatch: true }).text).toBe("# a\nnew\nk\n# b\n");
  });

  it("inserts before the matching line", () => {
    expect(present(text, { line: "z=3", insertbefore: "^\\[other\\]" }).text).toBe("[main]\nx=1\nz=3\n[other]\ny=2\n");
  });

  it("inserts at the beginning with BOF", () => {
    expect(present(text, { line: "# top", insertbefore: "BOF" }).text).toBe(`# top\n${text}`);
    expect(present(text, { line: "# top", insertafter: "BOF" }).text).toBe(`# top\n${text}`);
  });

  it("falls back to EOF when insertafter matches nothing", () => {
    expect(present(text, { line: "end", insertafter: "^nothing" }).text).toBe(`${text}end\n`);
  });

  it("falls back to EOF when insertbefore matches nothing", () => {
    expect(present(text, { line: "end", insertbefore: "^nothing" }).text).toBe(`${text}end\n`);
  });

  it("regexp wins over insertafter when it matches", () => {
    expect(present(text, { regexp: "^y=", line: "y=5", insertafter: "^\\[main\\]" }).text).toBe("[main]\nx=1\n[other]\ny=5\n");
  });

  it("uses insertafter when regexp does not match", () => {
    expect(present(text, { regexp: "^z=", line: "z=5", insertafter: "^\\[main\\]" }).text).toBe("[main]\nz=5\nx=1\n[other]\ny=2\n");
  });

  it("is idempotent after inserting", () => {
    const once = present(text, { line: "z=3", insertbefore: "^\\[other\\]" });
    expect(present(once.text, { line: "z=3", insertbefore: "^\\[other\\]" }).changed).toBe(false);
    const after = present(text, { line: "z=3", insertafter: "^x=" });
    expect(present(after.text, { line: "z=3", insertafter: "^x=" }).changed).toBe(false);
  });
});

describe("lineinfile: search_string", () => {
  it("replaces the last line containing the literal string", () => {
    expect(present("a.b=1\naxb=2\n", { search_string: "a.b", line: "a.b=9" }).text).toBe("a.b=9\naxb=2\n");
  });
});

describe("lineinfile: absent", () => {
  it("removes every line matching the regexp and counts them", () => {
    expect(editLines("#a\nb\n#c\n", { state: "absent", regexp: "^#" })).toEqual({ text: "b\n", changed: true, msg: "2 line(s) removed", found: 2 });
  });

  it("removes exact lines only, ignoring line endings", () => {
    expect(editLines("port 1\nport 10\nport 1", { state: "absent", line: "port 1" }).text).toBe("port 10\n");
  });

  it("changes nothing when nothing matches", () => {
    expect(editLines("a\n", { state: "absent", search_string: "zzz" })).toMatchObject({ changed: false, found: 0, text: "a\n" });
  });
});

describe("pythonRegExp", () => {
  it("translates named groups, group references and leading flags", () => {
    const pattern = pythonRegExp("(?i)^(?P<w>ab)(?P=w)$");
    expect(pattern.flags).toBe("i");
    expect(pattern.test("ABab")).toBe(true);
  });

  it("reports an invalid expression as a module failure", () => {
    expect(() => pythonRegExp("(")).toThrow(/invalid regular expression/);
  });
});
