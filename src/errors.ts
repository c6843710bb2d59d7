/**
 * The errors a user or a host can cause share one base type, TsibleError, whose
 * kind decides how they are reported: a failed task, an unreachable host, or a
 * mistake in what the user wrote (bad YAML, an unknown module, a missing
 * variable). They are printed without a stack trace; anything else that escapes
 * is a bug in tsible and is printed with its stack.
 */
export interface SourceLocation {
  file: string;
  /** 1-based line number, when known */
  line?: number;
  /** 1-based column, when known */
  column?: number;
}

/** how an error is reported: the task failed, the host cannot be reached, or the user's input is wrong */
export type ErrorKind = "failed" | "unreachable" | "user";

export interface ErrorDetails {
  location?: SourceLocation | undefined;
  hint?: string | undefined;
  cause?: unknown;
}

export class TsibleError extends Error {
  readonly kind: ErrorKind;
  /** result fields a failed task shows and registers (rc, stdout, ...) */
  readonly data: Record<string, unknown>;
  readonly location: SourceLocation | undefined;
  readonly hint: string | undefined;

  constructor(message: string, options: ErrorDetails & { kind: ErrorKind; data?: Record<string, unknown> | undefined }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TsibleError";
    this.kind = options.kind;
    this.data = options.data ?? {};
    this.location = options.location;
    this.hint = options.hint;
  }

  /** "file:line:col: message (hint)" in the form editors can jump to */
  format(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : "";
    const hint = this.hint ? `\n  hint: ${this.hint}` : "";
    return `${where}${this.message}${hint}`;
  }
}

/** A mistake in what the user wrote: a playbook, an inventory, a variable, a command line */
export class UserError extends TsibleError {
  constructor(message: string, options: ErrorDetails = {}) {
    super(message, { ...options, kind: "user" });
    this.name = "UserError";
  }
}

export function formatLocation(location: SourceLocation): string {
  let text = location.file;
  if (location.line !== undefined) text += `:${location.line}`;
  if (location.column !== undefined) text += `:${location.column}`;
  return text;
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

export function isTsibleError(error: unknown): error is TsibleError {
  return error instanceof TsibleError;
}
