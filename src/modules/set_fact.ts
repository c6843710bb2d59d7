/** `set_fact`: set host variables for the rest of the run (the executor stores `ansible_facts`) */
import * as z from "zod";
import { defineModule } from "./types.js";

export const setFactModule = defineModule({
  name: "set_fact",
  args: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a variable name"), z.unknown()),
  async plan(_ctx, args) {
    const { cacheable: _cacheable, ...facts } = args;
    return { changes: [], result: { ansible_facts: facts } };
  },
});
