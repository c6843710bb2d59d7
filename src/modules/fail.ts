/** `fail`: stop the host with a message (usually under `when:`) */
import * as z from "zod";
import { ModuleFailure, defineModule } from "./types.js";

export const failModule = defineModule({
  name: "fail",
  args: z.object({ msg: z.string().default("Failed as requested from task") }).strict(),
  freeForm: "msg",
  async plan(_ctx, args) {
    throw new ModuleFailure(args.msg);
  },
});
