/**
 * template: render a local template with the task's variables and make dest
 * hold the result. An unchanged file costs one round trip (stat + sha256).
 */
import { readFile } from "node:fs/promises";
import * as z from "zod";
import { absolutePath, ansibleBool } from "./system-args.js";
import { defineModule } from "./types.js";
import { fileAttributeArgs } from "./files/file-args.js";
import { planFileWrite, probeDestination, withPathInfo, writtenFileResult } from "./files/file-write.js";

const templateArgs = z
  .object({
    src: z.string().min(1),
    dest: absolutePath("dest"),
    ...fileAttributeArgs,
    backup: ansibleBool.default(false),
    force: ansibleBool.default(true),
    validate: z.string().min(1).optional(),
  })
  .strict();

export const templateModule = defineModule({
  name: "template",
  args: templateArgs,
  async plan(ctx, args) {
    const srcPath = await ctx.findLocalFile("templates", args.src);
    const rendered = Buffer.from(ctx.renderTemplate(await readFile(srcPath, "utf8"), srcPath), "utf8");
    const probe = await probeDestination(ctx.host, args.dest, args.src, args);
    const changes = await planFileWrite(ctx.host, probe, {
      dest: args.dest,
      content: rendered,
      attributes: args,
      backup: args.backup,
      validate: args.validate,
      force: args.force,
    });
    return { changes: withPathInfo(ctx.host, { path: probe.realPath }, changes), result: { src: srcPath, ...writtenFileResult(probe, args, rendered) } };
  },
});
