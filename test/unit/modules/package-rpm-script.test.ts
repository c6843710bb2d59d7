/**
 * The dnf/yum probe script's control flow, run by a real sh with stand-in `rpm`, `dnf` and `yum`
 * executables that record their arguments. This proves which commands the script runs and when;
 * it does NOT prove anything about real dnf/yum (never run against a real dnf/yum).
 */
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellScript } from "../../../src/connection/quote.js";
import { RPM_PROBE_SCRIPT, parseRpmQuery } from "../../../src/modules/package-rpm.js";
import { splitSections } from "../../../src/modules/package-managers.js";
import { SYSTEMD_PROBE_SCRIPT, SYSTEMD_VERIFY_SCRIPT } from "../../../src/modules/service-systemd.js";

const exec = promisify(execFile);
let dir: string;

// rpm knows only bash as installed, as rpm -q does: a line per name, exit 1 when one is missing
const RPM_STANDIN = `#!/bin/sh
printf 'rpm %s\\n' "$*" >>"$STANDIN_LOG"
if [ "$1" = -q ] && [ "$2" = --qf ]; then shift 3; else shift; fi
rc=0
for name in "$@"; do
  if [ "$name" = bash ]; then printf 'bash\\t(none):5.1.8-9.el9\\tx86_64\\n'; else echo "package $name is not installed"; rc=1; fi
done
exit $rc
`;
const LISTER_STANDIN = `#!/bin/sh
printf '%s %s\\n' "$(basename "$0")" "$*" >>"$STANDIN_LOG"
echo "Available Packages"
echo "mosquitto.x86_64      2.0.18-1.el9      epel"
`;

async function probe(manager: string, mode: string, names: string[]): Promise<{ sections: Map<string, string[]>; calls: string[] }> {
  const log = join(dir, `calls-${Math.random()}`);
  await writeFile(log, "");
  const [command, ...args] = shellScript(RPM_PROBE_SCRIPT, [manager, mode, ...names]);
  const { stdout } = await exec(command ?? "sh", args, { env: { PATH: `${dir}:/usr/bin:/bin`, STANDIN_LOG: log } });
  const calls = (await readFile(log, "utf8")).split("\n").filter((line) => line !== "" && !line.startsWith("rpm -q bash") && !/^rpm -q \S+$/.test(line));
  return { sections: splitSections(stdout), calls };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tsible-rpm-standin-"));
  await writeFile(join(dir, "rpm"), RPM_STANDIN);
  await writeFile(join(dir, "dnf"), LISTER_STANDIN);
  await writeFile(join(dir, "yum"), LISTER_STANDIN);
  for (const tool of ["rpm", "dnf", "yum"]) await chmod(join(dir, tool), 0o755);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the dnf/yum probe script", () => {
  it("queries rpm once with a query format, and lists nothing when every package is installed", async () => {
    const { sections, calls } = await probe("dnf", "present", ["bash"]);
    expect(calls).toEqual(["rpm -q --qf %{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n bash"]);
    expect(parseRpmQuery((sections.get("rpm") ?? []).join("\n")).get("bash")).toBe("5.1.8-9.el9");
    expect(sections.has("available")).toBe(false);
  });

  it("lists with `dnf -q list --available` when a package is missing", async () => {
    const { sections, calls } = await probe("dnf", "present", ["bash", "mosquitto"]);
    expect(calls.at(-1)).toBe("dnf -q list --available bash mosquitto");
    expect(sections.get("available-rc")?.[0]).toBe("0");
  });

  it("lists with `yum -q list available` for yum, always for latest, never for absent", async () => {
    expect((await probe("yum", "latest", ["bash"])).calls.at(-1)).toBe("yum -q list available bash");
    expect((await probe("yum", "absent", ["mosquitto"])).calls.every((call) => call.startsWith("rpm "))).toBe(true);
  });
});

describe("constant scripts parse as POSIX sh", () => {
  it.each([
    ["rpm probe", RPM_PROBE_SCRIPT],
    ["systemd probe", SYSTEMD_PROBE_SCRIPT],
    ["systemd verify", SYSTEMD_VERIFY_SCRIPT],
  ])("%s", async (_name, script) => {
    await expect(exec("sh", ["-n", "-c", script])).resolves.toBeDefined();
  });
});
