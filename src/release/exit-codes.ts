/** smcrelease's exit codes: ansible-playbook's (0, 2, 3, 4, 5) plus the release's own refusals */
import { UserError, type ErrorKind, type SourceLocation, type TsibleError } from "../errors.js";

export const ReleaseExit = {
  ok: 0,
  hostFailed: 2,
  hostUnreachable: 3,
  badInput: 4,
  badOptions: 5,
  refused: 6,
  locked: 7,
} as const;

export type ReleaseExitCode = (typeof ReleaseExit)[keyof typeof ReleaseExit];

/**
 * A user mistake or a refusal that ends the release with a specific exit code
 * (a plain UserError means bad input, exit 4).
 */
export class ReleaseError extends UserError {
  constructor(
    message: string,
    readonly exitCode: ReleaseExitCode,
    options: { location?: SourceLocation; hint?: string; cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = "ReleaseError";
  }
}

const EXIT_BY_ERROR_KIND: Readonly<Record<ErrorKind, ReleaseExitCode>> = {
  user: ReleaseExit.badInput,
  failed: ReleaseExit.hostFailed,
  unreachable: ReleaseExit.hostUnreachable,
};

/** The exit code of a release that an error ended: a ReleaseError's own, otherwise by the error's kind */
export function releaseExitFor(error: TsibleError): ReleaseExitCode {
  return error instanceof ReleaseError ? error.exitCode : EXIT_BY_ERROR_KIND[error.kind];
}
