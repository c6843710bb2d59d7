/** `assert`: fail the host unless every condition holds */
import * as z from "zod";
import { ModuleFailure, defineModule } from "./types.js";

const condition = z.union([z.string(), z.boolean()]);

export const assertModule = defineModule({
  name: "assert",
  args: z
    .object({
      that: z.union([condition, z.array(condition)]),
      fail_msg: z.string().optional(),
      msg: z.string().optional(),
      success_msg: z.string().optional(),
      quiet: z.boolean().optional(),
    })
    .strict(),
  async plan(ctx, args) {
    const conditions = Array.isArray(args.that) ? args.that : [args.that];
    for (const item of conditions) {
      const holds = typeof item === "boolean" ? item : ctx.evaluate(item);
      if (!holds) {
        throw new ModuleFailure(args.fail_msg ?? args.msg ?? `Assertion failed: ${String(item)}`, { assertion: item, evaluated_to: false });
      }
    }
    return { changes: [], result: { msg: args.success_msg ?? "All assertions passed" } };
  },
});
