// NLM (Open Group XNFS ch. 10-14, RFC 1813 appendix II) — the one error class of the nlm layer.

export type NlmErrorCode =
  | 'NOT_REGISTERED' // no nlockmgr of the wanted version and transport registered with the server's rpcbind
  | 'BAD_REPLY' // a reply body that does not decode as the procedure's result
  | 'BAD_ARGUMENT' // a lock request we refuse to send (range out of the version's bounds, version 1 SHARE, ...)
  | 'BAD_COOKIE' // a reply whose cookie is not the one we sent
  | 'NOT_GRANTED' // a blocking lock whose GRANTED callback did not arrive before the deadline (the lock is cancelled)
  | 'CALLBACK_REGISTERED' // another lock manager is registered with the local rpcbind and replacing was not asked
  | 'DENIED' // `expectGranted`: the server answered a status other than LCK_GRANTED (see `stat`)
  | 'CLOSED'; // the client or callback server is closed

/** Thrown by src/nlm. `code` is machine-readable; tests assert on it, never on the message. */
export class NlmError extends Error {
  override readonly name = 'NlmError';
  readonly code: NlmErrorCode;
  /** The nlm4_stats value the server answered, for DENIED. */
  readonly stat: number | undefined;

  constructor(code: NlmErrorCode, message: string, options: { stat?: number; cause?: unknown } = {}) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.stat = options.stat;
  }
}
