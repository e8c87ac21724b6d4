// The report layer's error: a watch log that cannot be read as one. `code` is machine-readable, `line` the 1-based
// line of the log it is about (undefined for the whole file).
export type ReportErrorCode = 'EMPTY' | 'NOT_JSON' | 'BAD_EVENT' | 'NO_SUMMARY' | 'AFTER_SUMMARY' | 'MISSING_ASSET';

export class ReportError extends Error {
  override readonly name = 'ReportError';
  readonly code: ReportErrorCode;
  readonly line: number | undefined;
  constructor(code: ReportErrorCode, message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.code = code;
    this.line = line;
  }
}
