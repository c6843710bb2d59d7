import { describe, expect, it } from "vitest";
import { emptyStats, type TaskResult } from "../../../src/executor/results.js";
import { DryRunReporter, hostsWithChanges } from "../../../src/release/dry-run-reporter.js";
import { SecretMasker } from "../../../src/secrets.js";

const base: TaskResult = { status: "ok", changed: false, failed: false, skipped: false, changes: [], diff: [], data: {} };
const task = (name: string) => ({ name, where: "roles/mosquitto/tasks/main.yml:1", handler: false });

function run(feed: (reporter: DryRunReporter) => void): { text: string; reporter: DryRunReporter } {
  const masker = new SecretMasker();
  masker.add("s3cret-pass");
  let text = "";
  const reporter = new DryRunReporter({ write: (chunk) => (text += chunk), masker, color: false });
  reporter.playStart({ name: "Mosquitto brokers", hosts: ["b1", "b2", "b3"] });
  feed(reporter);
  reporter.end({ b1: emptyStats(), b2: emptyStats(), b3: { ...emptyStats(), failures: 1 } });
  return { text, reporter };
}

describe("the release's dry-run report", () => {
  it("lists per host only the tasks that would change, with descriptions and masked diffs", () => {
    const { text, reporter } = run((r) => {
      r.hostResult("b1", task("install"), { ...base });
      r.hostResult("b1", task("config"), {
        ...base,
        status: "changed",
        changed: true,
        changes: ["write /etc/mosquitto/mosquitto.conf"],
        diff: [{ path: "/etc/mosquitto/mosquitto.conf", before: "port 1883\npassword s3cret-pass\n", after: "port 20200\npassword s3cret-pass\n" }],
      });
      r.hostResult("b2", task("config"), { ...base });
      r.hostResult("b2", task("migrate"), { ...base, status: "skipped", skipped: true, msg: "skipped in check mode (command)" });
      r.hostResult("b3", task("config"), { ...base, status: "failed", failed: true, msg: "mosquitto.conf: bad value" });
      r.hostResult("b3", task("noisy"), { ...base, status: "failed", failed: true, ignored: true, msg: "ignored" });
    });
    expect(text).toBe(
      [
        "b1: 1 task would change",
        "  ~ config",
        "      write /etc/mosquitto/mosquitto.conf",
        "      --- before: /etc/mosquitto/mosquitto.conf",
        "      +++ after: /etc/mosquitto/mosquitto.conf",
        "      @@ -1,2 +1,2 @@",
        "      -port 1883",
        "      +port 20200",
        "       password ********",
        "b2: nothing to change",
        "  ? migrate: not predicted (skipped in check mode)",
        "b3: FAILED in the dry run",
        "  ! config: mosquitto.conf: bad value",
        "",
      ].join("\n"),
    );
    expect(hostsWithChanges(reporter.summary!)).toEqual(["b1"]);
  });

  it("hides the details of a no_log task", () => {
    const { text } = run((r) =>
      r.hostResult("b1", task("users"), {
        ...base, status: "changed", changed: true, censored: true, changes: ["user smc: password x"],
        diff: [{ path: "/etc/passwd-ish", before: "a", after: "b" }],
      }),
    );
    expect(text).toContain("  ~ users\n      (details hidden by no_log)\n");
    expect(text).not.toContain("password x");
  });
});
