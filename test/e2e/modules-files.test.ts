/**
 * The file modules against real hosts: this machine (local connection) and
 * a host of the shared e2e fleet over SSH as `deploy` becoming root with sudo.
 * Every story: the first run changes, a second run changes nothing, check mode
 * predicts exactly the change and leaves the host byte-for-byte alone.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyModule } from "../../src/modules/copy.js";
import { fileModule } from "../../src/modules/file.js";
import { lineinfileModule } from "../../src/modules/lineinfile.js";
import { statModule } from "../../src/modules/stat.js";
import { templateModule } from "../../src/modules/template.js";
import type { Module, ModuleContext } from "../../src/modules/types.js";
import { ModuleFailure } from "../../src/modules/types.js";
import { sha256 } from "../../src/modules/files/content.js";
import {
  attributesOf,
  fleetTestHost,
  listing,
  localTestHost,
  makeModuleContext,
  type ModuleTestHost,
  runModule,
} from "../helpers/module-context.js";

const hostKinds = [{ kind: "local" }, { kind: "fleet" }];

describe.each(hostKinds)("file modules on $kind", ({ kind }) => {
  let host: ModuleTestHost;
  let localDir: string;
  let testCount = 0;
  /** a fresh directory on the host per test */
  let dir: string;

  beforeAll(async () => {
    host = kind === "local" ? await localTestHost() : await fleetTestHost();
    localDir = await mkdtemp(join(tmpdir(), "tsible-local-src-"));
    await writeFile(join(localDir, "broker.conf.hbs"), "listener {{port}}\nallow_anonymous {{anonymous}}\n# end\n");
    await writeFile(join(localDir, "plain.txt"), "plain bytes\n");
  }, 120_000);

  afterAll(async () => {
    await host?.close();
  });

  async function freshDir(): Promise<string> {
    testCount++;
    dir = `${host.dir}/t${testCount}`;
    await host.sh(`mkdir -p -- "$1"`, dir);
    return dir;
  }

  function ctx(options: { check?: boolean; vars?: Record<string, unknown> } = {}): ModuleContext {
    return makeModuleContext({ conn: host.conn, become: host.become, templatesDir: localDir, filesDir: localDir, ...options });
  }

  /** bytes + attributes of a path, to prove check mode touched nothing */
  async function snapshot(path: string): Promise<string> {
    return host.sh(`if [ -e "$1" ]; then stat -c '%a %U %G %s %Y' -- "$1"; sha256sum < "$1"; else echo absent; fi`, path);
  }

  /** check run (host untouched), real run (changed), second run (unchanged); returns the check and real runs */
  async function converge<A>(module: Module<A>, args: unknown, path: string, vars: Record<string, unknown> = {}) {
    const before = await snapshot(path);
    const check = await runModule(module, ctx({ check: true, vars }), args);
    expect(await snapshot(path)).toBe(before);
    const real = await runModule(module, ctx({ vars }), args);
    expect(real.changed).toBe(true);
    expect(real.changes.map((change) => change.description)).toEqual(check.changes.map((change) => change.description));
    expect(real.changes.map((change) => change.diff)).toEqual(check.changes.map((change) => change.diff));
    const again = await runModule(module, ctx({ vars }), args);
    expect(again.changed, `second run of ${module.name} should change nothing: ${again.changes.map((c) => c.description).join("; ")}`).toBe(false);
    return { check, real };
  }

  describe("template", () => {
    it("renders a new file with its mode, then changes nothing on a second run", async () => {
      const d = await freshDir();
      const dest = `${d}/broker.conf`;
      const { check, real } = await converge(templateModule, { src: "broker.conf.hbs", dest, mode: "0640" }, dest, { port: 1883, anonymous: false });
      expect(check.changes).toHaveLength(1);
      expect(check.changes[0]?.description).toBe(`create ${dest}, mode 0640`);
      expect(check.changes[0]?.diff).toEqual({ path: dest, before: "", after: "listener 1883\nallow_anonymous false\n# end\n" });
      expect(await host.sh(`cat -- "$1"`, dest)).toBe("listener 1883\nallow_anonymous false\n# end");
      expect(await attributesOf(host, dest)).toMatch(/^640 /);
      expect(real.result).toMatchObject({ dest, mode: "0640", checksum_sha256: sha256("listener 1883\nallow_anonymous false\n# end\n") });
      expect(await listing(host, d)).toEqual(["./broker.conf"]);
    });

    it("check mode predicts a content change with a diff of the changed line and changes nothing", async () => {
      const d = await freshDir();
      const dest = `${d}/broker.conf`;
      await runModule(templateModule, ctx({ vars: { port: 1883, anonymous: false } }), { src: "broker.conf.hbs", dest });
      const { check } = await converge(templateModule, { src: "broker.conf.hbs", dest }, dest, { port: 8883, anonymous: false });
      expect(check.changes.map((change) => change.description)).toEqual([`update ${dest}`]);
      expect(check.changes[0]?.diff?.before).toContain("listener 1883\n");
      expect(check.changes[0]?.diff?.after).toContain("listener 8883\n");
      expect(await host.sh(`head -n1 -- "$1"`, dest)).toBe("listener 8883");
    });

    it("a content and mode change is one write with the new mode; a mode change alone is a chmod", async () => {
      const d = await freshDir();
      const dest = `${d}/broker.conf`;
      await runModule(templateModule, ctx({ vars: { port: 1, anonymous: true } }), { src: "broker.conf.hbs", dest, mode: "0644" });
      const both = await converge(templateModule, { src: "broker.conf.hbs", dest, mode: "0600" }, dest, { port: 2, anonymous: true });
      expect(both.check.changes.map((change) => change.description)).toEqual([`update ${dest}, mode 0644 -> 0600`]);
      expect(await attributesOf(host, dest)).toMatch(/^600 /);
      const modeOnly = await converge(templateModule, { src: "broker.conf.hbs", dest, mode: 0o640 }, dest, { port: 2, anonymous: true });
      expect(modeOnly.check.changes.map((change) => change.description)).toEqual([`mode of ${dest}: 0600 -> 0640`]);
      expect(modeOnly.check.changes[0]?.diff).toBeUndefined();
      expect(await attributesOf(host, dest)).toMatch(/^640 /);
    });

    it("sets owner and group, and refuses an unknown owner already in check mode", async () => {
      const d = await freshDir();
      const dest = `${d}/owned.conf`;
      await converge(templateModule, { src: "broker.conf.hbs", dest, owner: "nobody", group: "nogroup" }, dest, { port: 1, anonymous: true });
      expect(await attributesOf(host, dest)).toMatch(/ nobody nogroup$/);
      const unknown = runModule(templateModule, ctx({ check: true, vars: { port: 1, anonymous: true } }), {
        src: "broker.conf.hbs",
        dest,
        owner: "no-such-user-x",
      });
      await expect(unknown).rejects.toThrow(/user "no-such-user-x" does not exist/);
    });

    it("a failing validate fails the task and leaves dest and the directory untouched", async () => {
      const d = await freshDir();
      const dest = `${d}/broker.conf`;
      await runModule(templateModule, ctx({ vars: { port: 1, anonymous: true } }), { src: "broker.conf.hbs", dest });
      const before = await snapshot(dest);
      const failing = runModule(templateModule, ctx({ vars: { port: 2, anonymous: true } }), { src: "broker.conf.hbs", dest, validate: "grep -q 'listener 1$' %s" });
      await expect(failing).rejects.toBeInstanceOf(ModuleFailure);
      await expect(failing).rejects.toThrow(/failed to validate: rc:1/);
      expect(await snapshot(dest)).toBe(before);
      expect(await listing(host, d)).toEqual(["./broker.conf"]);
      // a passing validator lets the change through, and leaves no temp file either
      await runModule(templateModule, ctx({ vars: { port: 2, anonymous: true } }), { src: "broker.conf.hbs", dest, validate: "grep -q 'listener 2$' %s" });
      expect(await host.sh(`head -n1 -- "$1"`, dest)).toBe("listener 2");
      expect(await listing(host, d)).toEqual(["./broker.conf"]);
    });

    it("backup keeps the old file as dest.<timestamp>~ and reports it", async () => {
      const d = await freshDir();
      const dest = `${d}/broker.conf`;
      await runModule(templateModule, ctx({ vars: { port: 1, anonymous: true } }), { src: "broker.conf.hbs", dest, backup: true });
      expect(await listing(host, d)).toEqual(["./broker.conf"]);
      const run = await runModule(templateModule, ctx({ vars: { port: 2, anonymous: true } }), { src: "broker.conf.hbs", dest, backup: "yes" });
      const backupFile = String(run.result.backup_file);
      expect(backupFile).toMatch(new RegExp(`^${dest}\\.\\d{4}-\\d\\d-\\d\\d@\\d\\d:\\d\\d:\\d\\d~$`));
      expect(await host.sh(`head -n1 -- "$1"`, backupFile)).toBe("listener 1");
      expect(await host.sh(`head -n1 -- "$1"`, dest)).toBe("listener 2");
    });

    it("a missing template is a user error naming it", async () => {
      const d = await freshDir();
      await expect(runModule(templateModule, ctx(), { src: "nope.hbs", dest: `${d}/x` })).rejects.toThrow(/could not find templates file "nope.hbs"/);
    });

    it("a missing destination directory fails, in check mode too", async () => {
      const d = await freshDir();
      await expect(runModule(templateModule, ctx({ check: true, vars: { port: 1, anonymous: true } }), { src: "broker.conf.hbs", dest: `${d}/no/such/x` })).rejects.toThrow(
        /Destination directory .*no\/such does not exist/,
      );
    });
  });

  describe("copy", () => {
    it("writes content, then changes nothing; force: no never replaces", async () => {
      const d = await freshDir();
      const dest = `${d}/motd`;
      const { check } = await converge(copyModule, { content: "hello\nworld\n", dest, mode: 600 }, dest);
      expect(check.changes[0]?.description).toBe(`create ${dest}, mode 0600`);
      expect(await host.sh(`cat -- "$1"; echo .`, dest)).toBe("hello\nworld\n.");
      const kept = await runModule(copyModule, ctx(), { content: "other\n", dest, force: false });
      expect(kept.changed).toBe(false);
      expect(await host.sh(`cat -- "$1"`, dest)).toBe("hello\nworld");
    });

    it("copies a local file into a directory under its own name", async () => {
      const d = await freshDir();
      await converge(copyModule, { src: "plain.txt", dest: `${d}/` }, `${d}/plain.txt`);
      expect(await host.sh(`cat -- "$1"`, `${d}/plain.txt`)).toBe("plain bytes");
      const intoExisting = await runModule(copyModule, ctx(), { src: "plain.txt", dest: d });
      expect(intoExisting.changed).toBe(false);
    });

    it("copies binary bytes exactly, without a text diff", async () => {
      const d = await freshDir();
      const bytes = Buffer.from([0, 1, 2, 255, 10, 0]);
      await writeFile(join(localDir, "blob.bin"), bytes);
      const { check } = await converge(copyModule, { src: "blob.bin", dest: `${d}/blob.bin` }, `${d}/blob.bin`);
      expect(check.changes[0]?.diff).toBeUndefined();
      expect(await host.sh(`od -An -tu1 -- "$1" | tr -s ' '`, `${d}/blob.bin`)).toBe(" 0 1 2 255 10 0");
    });

    it("needs exactly one of src and content", async () => {
      await expect(runModule(copyModule, ctx(), { dest: "/tmp/x" })).rejects.toThrow(/exactly one of src or content/);
    });

    it("writes through a symlink to its target, as a user editing the link expects", async () => {
      const d = await freshDir();
      await host.sh(`echo old > "$1/real"; ln -s real "$1/link"`, d);
      const run = await converge(copyModule, { content: "new\n", dest: `${d}/link` }, `${d}/real`);
      expect(run.check.changes[0]?.diff).toEqual({ path: `${d}/real`, before: "old\n", after: "new\n" });
      expect(await host.sh(`readlink -- "$1/link"; cat -- "$1/real"`, d)).toBe("real\nnew");
    });
  });

  describe("file", () => {
    it("creates a directory with its parents, each with the mode, then changes nothing", async () => {
      const d = await freshDir();
      const path = `${d}/a/b/c`;
      const { check } = await converge(fileModule, { path, state: "directory", mode: "0750" }, `${d}/a`);
      expect(check.changes.map((change) => change.description)).toEqual([`create directory ${path} (mode 0750)`]);
      expect(await host.sh(`stat -c '%a %F' -- "$1/a" "$1/a/b" "$1/a/b/c"`, d)).toBe("750 directory\n750 directory\n750 directory");
    });

    it("recurse sets owner and mode on everything below, and notices one file that drifted", async () => {
      const d = await freshDir();
      await host.sh(`mkdir -p "$1/tree/sub" && echo x > "$1/tree/sub/f" && echo y > "$1/tree/g" && ln -s g "$1/tree/l"`, d);
      const args = { path: `${d}/tree`, state: "directory", recurse: true, owner: "nobody", mode: "0755" };
      await converge(fileModule, args, `${d}/tree/sub/f`);
      expect(await host.sh(`cd -- "$1/tree" && stat -c '%n %a %U' sub sub/f g && stat -c '%n %U' l`, d)).toBe("sub 755 nobody\nsub/f 755 nobody\ng 755 nobody\nl nobody");
      await host.sh(`chmod 600 -- "$1/tree/sub/f"`, d);
      const drift = await runModule(fileModule, ctx({ check: true }), args);
      expect(drift.changes.map((change) => change.description)).toEqual([`set owner nobody, mode 0755 on everything under ${d}/tree`]);
      expect(await host.sh(`stat -c %a -- "$1/tree/sub/f"`, d)).toBe("600");
    });

    it("state=file on a missing path fails like Ansible; touch creates it; absent removes it", async () => {
      const d = await freshDir();
      const path = `${d}/flag`;
      await expect(runModule(fileModule, ctx(), { path, state: "file" })).rejects.toThrow(`file (${path}) is absent, cannot continue`);
      const created = await runModule(fileModule, ctx(), { path, state: "touch", mode: "0600" });
      expect(created.changes.map((change) => change.description)).toEqual([`create empty file ${path} (mode 0600)`]);
      expect(await attributesOf(host, path)).toMatch(/^600 /);
      // touching an existing file is a change (times), unless both times are preserved
      expect((await runModule(fileModule, ctx({ check: true }), { path, state: "touch" })).changed).toBe(true);
      expect((await runModule(fileModule, ctx(), { path, state: "touch", access_time: "preserve", modification_time: "preserve" })).changed).toBe(false);
      const fileMode = await converge(fileModule, { path, state: "file", mode: "0644" }, path);
      expect(fileMode.check.changes.map((change) => change.description)).toEqual([`mode of ${path}: 0600 -> 0644`]);
      await converge(fileModule, { dest: path, state: "absent" }, path);
      expect(await host.sh(`[ -e "$1" ] && echo present || echo gone`, path)).toBe("gone");
    });

    it("creates and retargets a symlink atomically, and refuses to replace a file without force", async () => {
      const d = await freshDir();
      await host.sh(`echo a > "$1/a"; echo b > "$1/b"; echo f > "$1/file"`, d);
      const link = `${d}/current`;
      const first = await converge(fileModule, { src: "a", path: link, state: "link" }, link);
      expect(first.check.changes.map((change) => change.description)).toEqual([`link ${link} -> a`]);
      const second = await converge(fileModule, { src: `${d}/b`, path: link, state: "link" }, link);
      expect(second.check.changes.map((change) => change.description)).toEqual([`link ${link} -> ${d}/b (was -> a)`]);
      expect(await host.sh(`readlink -- "$1"`, link)).toBe(`${d}/b`);
      await expect(runModule(fileModule, ctx(), { src: "a", path: `${d}/file`, state: "link" })).rejects.toThrow(/refusing to convert from file to symlink/);
      await expect(runModule(fileModule, ctx(), { src: "missing", path: `${d}/l2`, state: "link" })).rejects.toThrow(/src file does not exist/);
      expect(await listing(host, d)).toEqual(["./a", "./b", "./current", "./file"]);
    });

    it("rejects a symbolic mode with a clear message", async () => {
      expect(() => fileModule.args.parse({ path: "/x", mode: "u+rw" })).toThrow(/mode must be octal/);
    });
  });

  describe("lineinfile", () => {
    it("adds, replaces and removes lines, with diffs and idempotent second runs", async () => {
      const d = await freshDir();
      const path = `${d}/mosquitto.conf`;
      await host.sh(`printf 'per_listener_settings false\\nlistener 1883\\n' > "$1"`, path);
      const replaced = await converge(lineinfileModule, { path, regexp: "^listener ", line: "listener 8883" }, path);
      expect(replaced.check.changes[0]?.diff).toEqual({
        path,
        before: "per_listener_settings false\nlistener 1883\n",
        after: "per_listener_settings false\nlistener 8883\n",
      });
      expect(replaced.real.result.msg).toBe("line replaced");
      await converge(lineinfileModule, { path, line: "allow_anonymous false", insertbefore: "^listener" }, path);
      expect(await host.sh(`cat -- "$1"`, path)).toBe("per_listener_settings false\nallow_anonymous false\nlistener 8883");
      const removed = await converge(lineinfileModule, { dest: path, regexp: "^per_listener", state: "absent" }, path);
      expect(removed.real.result).toMatchObject({ msg: "1 line(s) removed", found: 1 });
      expect(await host.sh(`cat -- "$1"`, path)).toBe("allow_anonymous false\nlistener 8883");
    });

    it("fails on a missing file unless create, which also makes the parent directories", async () => {
      const d = await freshDir();
      const path = `${d}/new/dir/file.conf`;
      await expect(runModule(lineinfileModule, ctx(), { path, line: "x" })).rejects.toThrow(`Destination ${path} does not exist !`);
      const { check } = await converge(lineinfileModule, { path, line: "x", create: true, mode: "0600" }, path);
      expect(check.changes[0]?.description).toBe(`create ${path} (and its parent directories), mode 0600`);
      expect(await host.sh(`cat -- "$1"; stat -c %a -- "$1"`, path)).toBe("x\n600");
      expect((await runModule(lineinfileModule, ctx(), { path: `${d}/absent`, line: "x", state: "absent" })).result.msg).toBe("file not present");
    });
  });

  describe("stat", () => {
    it("reports a file, a link and a missing path, and never changes anything", async () => {
      const d = await freshDir();
      await host.sh(`printf 'abc' > "$1/f"; chmod 640 "$1/f"; ln -s f "$1/l"`, d);
      const file = await runModule(statModule, ctx(), { path: `${d}/f` });
      expect(file.changed).toBe(false);
      expect(file.result.stat).toMatchObject({
        exists: true,
        isreg: true,
        isdir: false,
        islnk: false,
        mode: "0640",
        size: 3,
        pw_name: "root",
        uid: 0,
        // sha1 by default, as Ansible's stat
        checksum: "a9993e364706816aba3e25717850c26c9cd0d89d",
        checksum_sha1: "a9993e364706816aba3e25717850c26c9cd0d89d",
        rusr: true,
        roth: false,
      });
      const link = await runModule(statModule, ctx(), { path: `${d}/l` });
      expect(link.result.stat).toMatchObject({ exists: true, islnk: true, lnk_target: "f", lnk_source: `${d}/f` });
      expect(link.result.stat).not.toHaveProperty("checksum");
      const followed = await runModule(statModule, ctx(), { path: `${d}/l`, follow: true, checksum_algorithm: "sha1" });
      expect(followed.result.stat).toMatchObject({ isreg: true, checksum: "a9993e364706816aba3e25717850c26c9cd0d89d" });
      expect((await runModule(statModule, ctx(), { path: `${d}/none` })).result.stat).toEqual({ exists: false, path: `${d}/none` });
    });
  });
});
