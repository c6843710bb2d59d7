/**
 * The one error class for user mistakes: bad YAML, an unknown module, a missing
 * variable, an unreachable host. The CLI prints these without a stack trace;
 * anything else that escapes is a bug in tsible and is printed with its stack.
 */
export interface SourceLocation {
  file: string;
  /** 1-based line number, when known */
  line?: number;
  /** 1-based column, when known */
  column?: number;
}

export class UserError extends Error {
  readonly location: SourceLocation | undefined;
  readonly hint: string | undefined;

  constructor(message: string, options: { location?: SourceLocation; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UserError";
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

export function formatLocation(location: SourceLocation): string {
  let text = location.file;
  if (location.line !== undefined) text += `:${location.line}`;
  if (location.column !== undefined) text += `:${location.column}`;
  return text;
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
