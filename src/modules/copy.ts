/**
 * copy: make dest hold a local file's bytes (`src`, searched in files/) or the
 * given `content`. Only single files: a directory `src` is refused, and
 * `remote_src` is not supported.
 */
import { readFile, stat } from "node:fs/promises";
import * as z from "zod";
import { absolutePath, ansibleBool } from "./system-args.js";
import { UserError } from "../errors.js";
import { defineModule } from "./types.js";
import { fileAttributeArgs } from "./files/file-args.js";
import { planFileWrite, probeDestination, withPathInfo, writtenFileResult } from "./files/file-write.js";

const copyArgs = z
  .object({
    src: z.string().min(1).optional(),
    content: z.string().optional(),
    dest: absolutePath("dest"),
    ...fileAttributeArgs,
    backup: ansibleBool.default(false),
    force: ansibleBool.default(true),
    validate: z.string().min(1).optional(),
  })
  .strict()
  .refine((args) => (args.src === undefined) !== (args.content === undefined), {
    message: "copy needs exactly one of src or content",
  });

export const copyModule = defineModule({
  name: "copy",
  args: copyArgs,
  async plan(ctx, args) {
    let content: Buffer;
    let srcPath: string | undefined;
    if (args.src !== undefined) {
      srcPath = await ctx.findLocalFile("files", args.src);
      if ((await stat(srcPath)).isDirectory()) {
        throw new UserError(`copy: src ${args.src} is a directory; tsible's copy handles single files only`, {
          hint: "copy each file, or use a template per file",
        });
      }
      content = await readFile(srcPath);
    } else {
      content = Buffer.from(args.content ?? "", "utf8");
    }
    const probe = await probeDestination(ctx.host, args.dest, args.src, args);
    const changes = await planFileWrite(ctx.host, probe, {
      dest: args.dest,
      content,
      attributes: args,
      backup: args.backup,
      validate: args.validate,
      force: args.force,
    });
    return { changes: withPathInfo(ctx.host, { path: probe.realPath }, changes), result: { ...(srcPath !== undefined ? { src: srcPath } : {}), ...writtenFileResult(probe, args, content) } };
  },
});
