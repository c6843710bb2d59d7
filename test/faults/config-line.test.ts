/**
 * Values that a mosquitto config line cannot carry are refused before anything is written.
 * Generated values go into every field the broker's templates write (ACL users, topics and
 * patterns, bridge fields, the listen address, TLS paths): a value either stays on its own line,
 * or the render is refused naming the variable. Then, on a real host, the issue's own case (a
 * newline in an ACL topic granted readwrite on '#') and generated ones leave the broker and its
 * files exactly as they were.
 */
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { configLineProblem } from "../../src/mosquitto/config-line.js";
import { renderText } from "../../src/vars/template.js";
import { startFleet, type Fleet } from "../fleet/fleet.js";
import { canLogIn, delivery } from "../e2e/helpers/mqtt-clients.js";
import { parseJson, tsible } from "../e2e/helpers/run-tsible.js";
import { cases, random, recordCase, seed, tryCase } from "./record.js";

const templates = Object.fromEntries(
  await Promise.all(["acl.hbs", "bridge.conf.hbs", "mosquitto.conf.hbs"].map(async (name) => [name, await readFile(path.join("templates", name), "utf8")] as const)),
);

/** Vars for the three templates with one field set to `value` */
function varsWith(field: string, value: string): Record<string, unknown> {
  const acl = [{ user: "smc", topic: "sensors/#", access: "readwrite" }, { pattern: "devices/%u/#", access: "read" }];
  const bridge = { name: "cloud", address: "10.213.0.1:20200", remote_clientid: "pi-01", remote_username: "bridge", remote_password: "p w", cleansession: true, topics: [{ pattern: "test1/+", direction: "out", qos: 1, local_prefix: "", remote_prefix: "devices/pi-01/" }] };
  const vars: Record<string, unknown> = {
    inventory_hostname: "b1", mqtt_broker_host: "mqtt.acme.example.com", mqtt_broker_port: 20200, mqtt_listen_address: "", mqtt_username: "smc",
    mqtt_tls_cafile: "/etc/ssl/ca.pem", mqtt_tls_certfile: "/etc/ssl/c.pem", mqtt_tls_keyfile: "/etc/ssl/k.pem", mqtt_allow_anonymous: false,
    mqtt_config_dir: "/var/lib/dgcsdev/mosquitto/conf", mqtt_data_dir: "/var/lib/dgcsdev/mosquitto/data", mqtt_persistence: true,
    mqtt_log_dest: "file /var/log/mosquitto/mosquitto.log", mqtt_pid_file: "", mqtt_acl: acl, mqtt_bridges: [bridge],
  };
  const [scope, key] = field.split(".");
  if (scope === "acl") (acl[key === "pattern" ? 1 : 0] as Record<string, unknown>)[key!] = value;
  else if (scope === "bridge") (bridge as Record<string, unknown>)[key!] = value;
  else if (scope === "topic") (bridge.topics[0] as Record<string, unknown>)[key!] = value;
  else vars[field] = value;
  return vars;
}

const fields = [
  "mqtt_username", "mqtt_listen_address", "mqtt_tls_cafile", "mqtt_tls_keyfile", "mqtt_config_dir", "mqtt_log_dest", "mqtt_pid_file",
  "acl.user", "acl.topic", "acl.pattern", "acl.access",
  "bridge.name", "bridge.address", "bridge.remote_clientid", "bridge.remote_username", "bridge.remote_password",
  "topic.pattern", "topic.local_prefix", "topic.remote_prefix",
];

/** Strings a hostile or careless inventory holds: shell syntax, quotes, unicode, and the characters a line cannot carry */
const hostileText = fc.oneof(
  fc.string({ unit: fc.constantFrom("\n", "\r", "\0", "\u0007", "\u007f", "\t", " ", "#", "'", '"', "$", ";", "&", "|", "`", "\\", "-", "é", "火", "a", "/", "+") , maxLength: 24 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("x\ntopic readwrite #", "ok\r\nuser evil", "a\0b", "\nallow_anonymous true", "-\n-"),
  // an empty value is another question (a rule with no topic): the role's asserts refuse those
).filter((text) => text !== "");

describe("values in mosquitto config lines", () => {
  it(`either stay on their own line or are refused before the file exists (${cases(3000, 30000)} generated values, seed ${seed})`, () => {
    const runs = cases(3000, 30000);
    let refused = 0;
    let rendered = 0;
    let failure: string | undefined;
    try {
      fc.assert(
        fc.property(fc.constantFrom(...fields), hostileText, (field, value) => {
          for (const [name, template] of Object.entries(templates)) {
            const baseline = renderText(template, varsWith(field, "placeholder"), { file: name }, { valueRule: configLineProblem });
            let text: string;
            try {
              text = renderText(template, varsWith(field, value), { file: name }, { valueRule: configLineProblem });
            } catch (error) {
              // refused: only for a value the line cannot carry, naming the file, never the value
              expect(error).toBeInstanceOf(UserError);
              expect(configLineProblem(value)).toBeDefined();
              expect((error as UserError).location?.file).toBe(name);
              if (value.length > 3) expect((error as UserError).format()).not.toContain(value);
              refused++;
              continue;
            }
            // rendered: the file has exactly the baseline's lines (no value added one)
            expect(text.split("\n").length).toBe(baseline.split("\n").length);
            rendered++;
          }
        }),
        { numRuns: runs, seed },
      );
    } catch (error) {
      failure = error instanceof Error ? error.message.split("\n").slice(0, 4).join(" ") : String(error);
    }
    recordCase({
      promise: "config-line",
      case: `${runs} generated values (shell syntax, quotes, unicode, line breaks, NUL, control characters) in ${fields.length} fields of the three broker templates`,
      held: failure === undefined,
      detail: failure ?? `${rendered} renders kept every value on its line, ${refused} were refused before writing`,
    });
    expect(failure).toBeUndefined();
  });
});

describe("on a real broker", () => {
  const fleetId = Number(process.env.TSIBLE_FLEET_ID ?? 0) + 35;
  let fleet: Fleet;
  let dir: string;
  const host = () => fleet.hosts[0]!.name;
  const aclPath = "/var/lib/dgcsdev/mosquitto/conf/acl";

  async function inventory(acl: string): Promise<void> {
    await writeFile(path.join(dir, "hosts"), `[mqtt]\nb1 ansible_host=${fleet.hosts[0]!.address} ansible_user=deploy ansible_ssh_private_key_file=${fleet.keyFile}\n`);
    await mkdir(path.join(dir, "group_vars"), { recursive: true });
    await writeFile(
      path.join(dir, "group_vars", "all.yml"),
      ["mqtt_password: smc-pass", "mqtt_users:", "  - { name: sensor, password: sensor-pass }", "mqtt_acl:", '  - { user: smc, topic: "#", access: readwrite }', acl, ""].join("\n"),
    );
  }

  const play = () => tsible(["play", path.resolve("playbooks/mosquitto.yml"), "-i", path.join(dir, "hosts"), "--known-hosts", fleet.knownHostsFile, "--json"]);
  const state = async () => (await fleet.sshRun(host(), `sha256sum /etc/mosquitto/mosquitto.conf ${aclPath} /var/lib/dgcsdev/mosquitto/conf/passwd; pgrep -x mosquitto`)).stdout;

  beforeAll(async () => {
    fleet = await startFleet({ count: 1, id: fleetId });
    dir = await mkdtemp(path.join(tmpdir(), "tsible-faults-line-"));
    await inventory('  - { user: sensor, topic: "sensors/#", access: read }');
    const first = await play();
    expect(first.exitCode, first.stdout.slice(-2000)).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  /** YAML double-quoted string for any text (JSON is YAML) */
  const yamlString = (text: string) => JSON.stringify(text);

  it("refuses the issue's ACL topic and generated values: exit 2, nothing written, the broker as it was", async () => {
    const pick = random(seed + 35);
    const generated = fc.sample(fc.string({ unit: fc.constantFrom("\n", "\r", "\u0001", "#", " ", "a", "$", "'"), minLength: 1, maxLength: 12 }).filter((s) => configLineProblem(s) !== undefined), { numRuns: cases(3, 20), seed });
    const values = ["x\ntopic readwrite #", ...generated];
    for (const value of values) {
      const field = pick() < 0.5 ? "topic" : "user";
      const entry = field === "topic" ? `{ user: sensor, topic: ${yamlString(value)}, access: read }` : `{ user: ${yamlString(value)}, topic: "sensors/#", access: read }`;
      await tryCase("config-line", `a real deploy with the ACL ${field} ${JSON.stringify(value)}`, async () => {
        const before = await state();
        await inventory(`  - ${entry}`);
        const run = await play();
        expect(run.exitCode).toBe(2);
        const task = parseJson(run).plays[0]!.tasks.find((t) => t.task.name === "mosquitto : Broker configuration, users, ACL and bridges")!;
        expect(task.hosts["b1"]?.msg).toMatch(/holds (a line break|a NUL byte|a control character)/);
        expect(await state()).toBe(before);
        // sensor still has read on sensors/# only: it cannot read what smc publishes elsewhere
        const leaked = await delivery(fleet, {
          subHost: host(), sub: { user: "sensor", password: "sensor-pass", topic: "#", port: 20200 },
          pubHost: host(), pub: { user: "smc", password: "smc-pass", topic: "private/x", port: 20200 },
          message: "secret", waitSeconds: 3,
        });
        expect(leaked).toBe("");
        expect(await canLogIn(fleet, host(), { user: "smc", password: "smc-pass", port: 20200 })).toBe(true);
      });
    }
  });
});
