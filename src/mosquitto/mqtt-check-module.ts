/**
 * mqtt_check: prove a deployed broker works, from the controller (as the
 * runbook does with mosquitto_sub/pub from a laptop): users log in, wrong
 * and removed credentials and anonymous clients are refused, messages flow
 * where the ACL allows and not where it forbids, bridges are connected.
 * It changes nothing, so all its work happens in plan() and it also runs in
 * check mode, as wait_for does (a dry run before the broker is deployed
 * fails it: give the task `when: not ansible_check_mode` if that matters).
 * A failed check fails the task with the per-check report.
 */
import { readFile } from "node:fs/promises";
import * as z from "zod";
import type { AclRule } from "./acl.js";
import type { BrokerUser } from "./verify.js";
import { Secret } from "../secrets.js";
import { ansibleBool } from "../modules/system-args.js";
import { defineModule, ModuleFailure } from "../modules/types.js";

const secret = z.union([z.string(), z.number().transform(String), z.instanceof(Secret)]).transform((value) => (value instanceof Secret ? value : new Secret(value)));

const brokerUser = z.object({
  name: z.string().min(1),
  password: secret,
  // the role's user list can be passed as it is: absent users are moved to absent_users
  state: z.enum(["present", "absent"]).default("present"),
});

const access = z.enum(["read", "write", "readwrite", "deny"]).default("readwrite");
const aclRule = z.union([
  z.object({ user: z.string().min(1).optional(), topic: z.string().min(1), access }).strict(),
  z.object({ pattern: z.string().min(1), access }).strict(),
]);

const mqttCheckArgs = z
  .object({
    host: z.string().min(1),
    port: z.coerce.number().int().min(1).max(65535).default(1883),
    users: z.array(brokerUser).min(1),
    absent_users: z.array(brokerUser).default([]),
    acl: z.array(aclRule).default([]),
    allow_anonymous: ansibleBool.default(false),
    bridges: z.array(z.object({ name: z.string().min(1), remote_clientid: z.string().min(1) })).default([]),
    /** seconds per check */
    timeout: z.coerce.number().positive().default(10),
    /** seconds a forbidden message is given to show up after the witness saw its own */
    quiet_time: z.coerce.number().positive().default(1),
    tls: z.object({ ca: z.string().min(1) }).strict().optional(),
  })
  .strict();

export const mqttCheckModule = defineModule({
  name: "mqtt_check",
  args: mqttCheckArgs,
  async plan(ctx, args) {
    const ca = args.tls === undefined ? undefined : await readFile(await ctx.findLocalFile("files", args.tls.ca), "utf8");
    const toUser = (user: { name: string; password: Secret }): BrokerUser => ({ name: user.name, password: user.password });
    const present = args.users.filter((user) => user.state === "present").map(toUser);
    const absent = [...args.users.filter((user) => user.state === "absent"), ...args.absent_users].map(toUser);
    if (present.length === 0) throw new ModuleFailure("mqtt_check needs at least one user whose state is present");
    // the MQTT client library is large: load it only when a check really runs
    const { formatReport, verifyBroker } = await import("./verify.js");
    const report = await verifyBroker({
      endpoint: { host: args.host, port: args.port, ca, timeoutMs: args.timeout * 1000 },
      users: present,
      absentUsers: absent,
      acl: args.acl.map(toAclRule),
      allowAnonymous: args.allow_anonymous,
      bridges: args.bridges.map((bridge) => ({ name: bridge.name, remoteClientId: bridge.remote_clientid })),
      quietMs: args.quiet_time * 1000,
    });
    // one line per check, shown under the host's result line
    const perCheck = formatReport(report).split("\n").map((line) => `  ${line}`);
    const result = { checks: report.checks, msg: [report.msg, ...perCheck].join("\n"), ...(report.untested.length > 0 ? { untested: report.untested } : {}) };
    if (report.failed > 0) {
      const failures = report.checks.filter((check) => !check.ok).map((check) => `FAIL ${check.name}: ${check.detail}`);
      throw new ModuleFailure(`${report.msg} on ${args.host}:${args.port}\n${failures.join("\n")}`, result);
    }
    return { changes: [], result };
  },
});

function toAclRule(rule: z.output<typeof aclRule>): AclRule {
  if ("pattern" in rule) return { kind: "pattern", topic: rule.pattern, access: rule.access };
  return { kind: "topic", user: rule.user, topic: rule.topic, access: rule.access };
}
