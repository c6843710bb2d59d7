/**
 * The `mosquitto_broker` module's arguments: the files a broker runs on, its
 * password file and users, and how to tell that it came back after a change.
 */
import * as z from "zod";
import { ansibleBool, systemName } from "../modules/system-args.js";
import { fileAttributeArgs, modeArg } from "../modules/files/file-args.js";
import { configLineProblem } from "./config-line.js";

const absolutePath = z.string().min(1).regex(/^\//, "must be an absolute path");

/** A password may come out of templating as a number ("1234" in YAML is 1234) */
const password = z.union([z.string(), z.number().transform(String)]);

const brokerFile = z
  .strictObject({
    dest: absolutePath,
    /** the file's text, already rendered */
    content: z.string().optional(),
    /** a template (templates/ of the role or playbook), rendered with the task's variables */
    template: z.string().min(1).optional(),
    ...fileAttributeArgs,
    /** true: the broker takes a change of this file on SIGHUP (acl file); false: it needs a restart */
    reload: ansibleBool.default(false),
  })
  .refine((file) => (file.content === undefined) !== (file.template === undefined), {
    message: "give each file exactly one of content or template",
  });

/** A user name is the part of a password file line before the first ':' */
const userName = z
  .string()
  .min(1, "a user name cannot be empty")
  .superRefine((name, ctx) => {
    const problem = name.includes(":") ? "a ':' (it ends the name in the password file)" : configLineProblem(name);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: `user name ${JSON.stringify(name)} holds ${problem}, which a password file line cannot carry` });
  });

const brokerUser = z.strictObject({
  name: userName,
  password: password.default(""),
  state: z.enum(["present", "absent"]).default("present"),
});

const passwordFileArgs = z.strictObject({
  path: absolutePath,
  owner: fileAttributeArgs.owner,
  group: fileAttributeArgs.group,
  /** when not given, an existing file keeps its mode and a new one is created 0600: it holds hashes */
  mode: modeArg.optional(),
  users: z.array(brokerUser).default([]),
  /** remove users the file has but `users` does not list */
  remove_unlisted: ansibleBool.default(false),
});

const seconds = z.coerce.number().positive();

export const brokerArgs = z
  .strictObject({
    service: systemName.default("mosquitto"),
    /** the listener that must answer after a reload or restart */
    port: z.coerce.number().int().min(1).max(65535),
    /** where that port is checked, from the target itself */
    host: z.string().min(1).default("127.0.0.1"),
    files: z.array(brokerFile).default([]),
    password_file: passwordFileArgs.optional(),
    /** the broker's own log (log_dest file): read on failure, and after a reload for its errors */
    log_file: absolutePath.default("/var/log/mosquitto/mosquitto.log"),
    /**
     * The file the service starts the broker with. When the broker does not
     * start, it is run once by hand on this file to capture the error it
     * prints: mosquitto reports configuration errors on stderr only, before it
     * opens its log, and an init script sends stderr to /dev/null.
     */
    config_file: absolutePath.default("/etc/mosquitto/mosquitto.conf"),
    wait_timeout: seconds.default(30),
    /**
     * How long the host waits for tsible to confirm a deploy before it puts the previous files
     * back and restarts the broker on them by itself (a dropped connection): default
     * 2 * wait_timeout + 60, longer than tsible's own activation and rollback take.
     */
    rollback_after: seconds.optional(),
  })
  .superRefine((args, ctx) => {
    const seen = new Set<string>();
    const paths = [...args.files.map((file) => file.dest), ...(args.password_file ? [args.password_file.path] : [])];
    for (const path of paths) {
      if (seen.has(path)) ctx.addIssue({ code: "custom", message: `${path} is listed twice (files and password_file must name different paths)` });
      seen.add(path);
    }
  });

export type BrokerArgs = z.output<typeof brokerArgs>;
export type BrokerFileArgs = BrokerArgs["files"][number];
export type PasswordFileArgs = NonNullable<BrokerArgs["password_file"]>;
