// The CLI's error class: bad input from the user. Exit code 2, one line, nothing done.
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code: string;
  constructor(message: string, code = 'USAGE') {
    super(message);
    this.code = code;
  }
}

/** Exit codes of ../shared/CLI.md. */
export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;
