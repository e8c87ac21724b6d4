// NSM (Open Group XNFS 3W chapter 11, nfs-utils statd) — the one error class of the nsm layer.

export type NsmErrorCode =
  | 'BAD_NAME' // a host name that cannot be a record file name ('/', whitespace, empty, leading dot, too long)
  | 'BAD_RECORD' // a monitor record (line) that does not follow statd's format
  | 'BAD_STATE' // a state number that is not a positive odd 32-bit integer where one is required
  | 'BAD_PRIV' // priv is not exactly 16 bytes
  | 'NOT_FOUND' // no such record, list or directory
  | 'LOCKED' // another notifier holds the state directory's lock
  | 'LOCK_FAILED' // the lock could not be taken for another reason (no flock(1), I/O error)
  | 'STAT_FAIL' // a statd answered stat_fail
  | 'REGISTERED' // program 100024 is already registered with rpcbind (a running statd) and replacing was not asked
  | 'BAD_REPLY' // a reply body that does not decode as the procedure's result
  | 'NO_DIRECTORY' // the state directory (or its sm/ list) does not exist
  | 'UNSAFE' // sm/, sm.bak/ or state is a symbolic link or not what it claims to be: refused, nothing changed
  | 'IO'; // a filesystem operation failed

/** Thrown by src/nsm. `code` is machine-readable; tests assert on it, never on the message. */
export class NsmError extends Error {
  override readonly name = 'NsmError';
  readonly code: NsmErrorCode;
  /** The file or host the error is about, when there is one. */
  readonly subject: string | undefined;

  constructor(code: NsmErrorCode, message: string, options: { subject?: string; cause?: unknown } = {}) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.subject = options.subject;
  }
}
