import { TsibleError } from "../errors.js";

/** A task failure that a module reports: the message and the result fields to show and register */
export class ModuleFailure extends TsibleError {
  constructor(
    message: string,
    readonly result: Record<string, unknown> = {},
  ) {
    super(message, { kind: "failed", data: result });
    this.name = "ModuleFailure";
  }
}
