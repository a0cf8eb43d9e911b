/**
 * One error class per kind, each with a literal `code` (see docs/architecture.md "Errors").
 * Library code throws these; only the CLI turns them into messages and exit codes.
 */
export class NixwrtError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export function isNixwrtError(err: unknown): err is NixwrtError {
  return err instanceof NixwrtError;
}
