/** `debug`: print a message or a variable; never changes anything */
import * as z from "zod";
import { defineModule } from "./types.js";

export const debugModule = defineModule({
  name: "debug",
  args: z
    .object({ msg: z.unknown().optional(), var: z.string().optional(), verbosity: z.number().int().min(0).optional() })
    .strict(),
  async plan(ctx, args) {
    if (args.var !== undefined) {
      const value = lookupPath(ctx.vars, args.var);
      return { changes: [], result: { [args.var]: value === undefined ? "VARIABLE IS NOT DEFINED!" : value, msg: formatValue(value) } };
    }
    const msg = args.msg === undefined ? "Hello world!" : args.msg;
    return { changes: [], result: { msg: formatValue(msg) } };
  },
});

function lookupPath(vars: Readonly<Record<string, unknown>>, dotted: string): unknown {
  let value: unknown = vars;
  for (const part of dotted.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function formatValue(value: unknown): string {
  if (value === undefined) return "VARIABLE IS NOT DEFINED!";
  return typeof value === "string" ? value : JSON.stringify(value);
}
