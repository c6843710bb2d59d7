/**
 * The arguments every file module shares: owner, group and mode.
 */
import * as z from "zod";
import { normalizeMode } from "../host/file-mode.js";

/** zod type of `mode:`; yields "0644"-style strings */
export const modeArg = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return normalizeMode(value);
  } catch {
    ctx.addIssue({
      code: "custom",
      message: `mode must be octal like "0644" (symbolic modes such as u+rw are not supported), got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
});

/** owner/group/mode: the attributes every file module can set */
export const fileAttributeArgs = {
  owner: z.union([z.string().min(1), z.number().int().nonnegative().transform(String)]).optional(),
  group: z.union([z.string().min(1), z.number().int().nonnegative().transform(String)]).optional(),
  mode: modeArg.optional(),
};
