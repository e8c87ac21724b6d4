// RFC 1813 section 2.6, RFC 7530 section 13, RFC 1813 section 5.1.2 (mountstat3) — the one error class of the nfs layer.

/**
 * Thrown for a non-OK NFS or MOUNT status and for replies that do not decode. `code` is the RFC name of the status
 * (`NFS3ERR_STALE`, `NFS4ERR_NOENT`, `MNT3ERR_ACCES`), or `NFS3ERR_UNKNOWN_<n>`-style for undeclared values, or one of
 * the client-side codes `BAD_REPLY` (the reply does not decode) and `NO_PORT` (the program is not registered).
 * `status` is the number on the wire (-1 for client-side codes).
 */
export class NfsError extends Error {
  override readonly name = 'NfsError';
  readonly code: string;
  readonly status: number;
  /** The procedure or operation that failed, e.g. `GETATTR` or `COMPOUND[2] LOOKUP`. */
  readonly procedure: string | undefined;
  /** The decoded failure arm of the result (e.g. the wcc_data of a failed WRITE), when there is one. */
  readonly result: unknown;

  constructor(code: string, status: number, message: string, procedure?: string, result?: unknown) {
    super(procedure === undefined ? `${code}: ${message}` : `${procedure}: ${code}: ${message}`);
    this.code = code;
    this.status = status;
    this.procedure = procedure;
    this.result = result;
  }
}

/** Client-side codes (not statuses from the wire). */
export const BAD_REPLY = 'BAD_REPLY';
export const NO_PORT = 'NO_PORT';
