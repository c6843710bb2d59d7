/**
 * hostname: give the host its name, in /etc/hostname (what it boots with)
 * and in the running kernel (what `hostname` says now). Ansible's hostname
 * module with `name:` only; no /etc/hosts editing.
 */
import * as z from "zod";
import { defineModule, type Change } from "./types.js";

// RFC 1123 labels joined by dots: nothing an option parser or a shell could misread
const hostName = z.string().regex(/^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/, "a host name: letters, digits and dashes, in dot-separated labels");

export const hostnameModule = defineModule({
  name: "hostname",
  args: z.strictObject({ name: hostName.max(253) }),
  async plan(ctx, args) {
    const [running, stored] = await Promise.all([ctx.host.runChecked(["hostname"]), ctx.host.read("/etc/hostname")]);
    const before = { running: running.trim(), stored: stored?.toString("utf8").trim() ?? "" };
    const changes: Change[] = [];
    if (before.stored !== args.name) {
      changes.push({
        description: `write ${args.name} to /etc/hostname`,
        diff: { path: "/etc/hostname", before: stored?.toString("utf8") ?? "", after: `${args.name}\n` },
        apply: () => ctx.host.write("/etc/hostname", `${args.name}\n`, { mode: "0644" }),
      });
    }
    if (before.running !== args.name) {
      changes.push({ description: `set the running host name: ${before.running} -> ${args.name}`, apply: async () => void (await ctx.host.runChecked(["hostname", args.name])) });
    }
    return { changes, result: { name: args.name } };
  },
});
