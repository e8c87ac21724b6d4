// RFC 5531 (ONC RPC v2) — the one error class of the rpc layer.

export type RpcErrorCode =
  // The peer answered, but not with results (RFC 5531 section 9, accept_stat and reject_stat).
  | 'PROG_UNAVAIL'
  | 'PROG_MISMATCH' // low/high: the versions the peer supports
  | 'PROC_UNAVAIL'
  | 'GARBAGE_ARGS'
  | 'SYSTEM_ERR'
  | 'RPC_MISMATCH' // low/high: the RPC versions the peer supports
  | 'AUTH_ERROR' // authStat: the auth_stat the peer gave
  // Our side of the conversation.
  | 'TIMEOUT' // no reply within the deadline
  | 'ABORTED' // the caller's AbortSignal fired
  | 'CONNECTION' // connect failed, or the connection dropped with the call in flight
  | 'REFUSED' // UDP: the peer's host reported that nothing listens on the port (ICMP port unreachable)
  | 'CLOSED' // the client, endpoint or server was closed
  | 'BAD_REPLY' // a reply to our xid that does not decode
  | 'BAD_MESSAGE' // a message that is neither a valid CALL nor a valid REPLY
  | 'RECORD_TOO_LARGE' // a record-marked record longer than the configured maximum
  | 'TOO_MANY_FRAGMENTS' // a record split into more fragments than the configured maximum
  | 'BAD_AUTH' // a credential we were asked to encode, or one we decoded, breaks its flavor's rules
  | 'BAD_ADDRESS' // an unparseable universal address or host
  | 'PRIVILEGED_PORT' // a privileged source port was asked for but could not be bound (needs root)
  | 'BIND_FAILED' // the local address/port asked for could not be bound (in use, not a local address)
  | 'NO_REPLY' // thrown by a server handler: send no reply at all (simulates an unresponsive peer)
  | 'REGISTRATION_FAILED'; // rpcbind refused a SET or UNSET

/** Codes that mirror the reply statuses a server can send back for one call. */
export type RpcStatusCode = 'PROG_UNAVAIL' | 'PROG_MISMATCH' | 'PROC_UNAVAIL' | 'GARBAGE_ARGS' | 'SYSTEM_ERR';

export interface RpcErrorDetails {
  /** PROG_MISMATCH / RPC_MISMATCH: lowest version supported. */
  low?: number;
  /** PROG_MISMATCH / RPC_MISMATCH: highest version supported. */
  high?: number;
  /** AUTH_ERROR: the auth_stat from the reply. */
  authStat?: number;
  cause?: unknown;
}

/**
 * Thrown by every rpc operation. `code` is machine-readable (tests and callers switch on it, never on the message);
 * `low`/`high` are set for PROG_MISMATCH and RPC_MISMATCH, `authStat` for AUTH_ERROR.
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: RpcErrorCode;
  readonly low?: number;
  readonly high?: number;
  readonly authStat?: number;

  constructor(code: RpcErrorCode, message?: string, details: RpcErrorDetails = {}) {
    super(
      message === undefined ? code : `${code}: ${message}`,
      details.cause === undefined ? {} : { cause: details.cause },
    );
    this.code = code;
    if (details.low !== undefined) this.low = details.low;
    if (details.high !== undefined) this.high = details.high;
    if (details.authStat !== undefined) this.authStat = details.authStat;
  }
}
