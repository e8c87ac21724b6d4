// RFC 5531 section 9 — the rpc_msg CALL and REPLY codec. Arguments and results are zero-copy views.

import { XdrError, type XdrReader, type XdrWriter } from '../xdr/index.js';
import { decodeOpaqueAuth, encodeOpaqueAuth, type OpaqueAuth, opaqueAuthEncodingLength } from './auth.js';

export const RPC_VERSION = 2;

export const MsgType = { CALL: 0, REPLY: 1 } as const;
export const ReplyStat = { MSG_ACCEPTED: 0, MSG_DENIED: 1 } as const;
export const AcceptStat = {
  SUCCESS: 0,
  PROG_UNAVAIL: 1,
  PROG_MISMATCH: 2,
  PROC_UNAVAIL: 3,
  GARBAGE_ARGS: 4,
  SYSTEM_ERR: 5,
} as const;
export const RejectStat = { RPC_MISMATCH: 0, AUTH_ERROR: 1 } as const;
export const AuthStat = {
  AUTH_OK: 0,
  AUTH_BADCRED: 1,
  AUTH_REJECTEDCRED: 2,
  AUTH_BADVERF: 3,
  AUTH_REJECTEDVERF: 4,
  AUTH_TOOWEAK: 5,
  AUTH_INVALIDRESP: 6,
  AUTH_FAILED: 7,
  AUTH_KERB_GENERIC: 8,
  AUTH_TIMEEXPIRE: 9,
  AUTH_TKT_FILE: 10,
  AUTH_DECODE: 11,
  AUTH_NET_ADDR: 12,
  RPCSEC_GSS_CREDPROBLEM: 13,
  RPCSEC_GSS_CTXPROBLEM: 14,
} as const;

function table(values: Record<string, number>): (value: number) => string | undefined {
  const names = new Map<number, string>(Object.entries(values).map(([k, v]) => [v, k]));
  return (value) => names.get(value);
}
export const acceptStatName = table(AcceptStat);
export const rejectStatName = table(RejectStat);
export const authStatName = table(AuthStat);

/** Procedure arguments: bytes already XDR-encoded, or a callback that writes them. */
export type RpcArgs = Uint8Array | ((writer: XdrWriter) => void);

/** `call_body` with its xid. `args` is a view of the rest of the message (aliases the input on decode). */
export interface RpcCallMessage {
  readonly xid: number;
  readonly rpcvers: number;
  readonly program: number;
  readonly version: number;
  readonly procedure: number;
  readonly cred: OpaqueAuth;
  readonly verifier: OpaqueAuth;
  readonly args: Uint8Array;
}

type AcceptedBase = { readonly xid: number; readonly replyStat: 0; readonly verifier: OpaqueAuth };

/** `reply_body` with its xid: a discriminated union on replyStat, then acceptStat or rejectStat. */
export type RpcReplyMessage =
  | (AcceptedBase & { readonly acceptStat: 0; readonly results: Uint8Array })
  | (AcceptedBase & { readonly acceptStat: 2; readonly low: number; readonly high: number })
  | (AcceptedBase & { readonly acceptStat: 1 | 3 | 4 | 5 })
  | { readonly xid: number; readonly replyStat: 1; readonly rejectStat: 0; readonly low: number; readonly high: number }
  | { readonly xid: number; readonly replyStat: 1; readonly rejectStat: 1; readonly authStat: number };

export type RpcMessage = ({ readonly type: 0 } & RpcCallMessage) | ({ readonly type: 1 } & RpcReplyMessage);

/** What `encodeCall` needs: the header fields and the arguments as bytes or a writer callback. */
export interface RpcCallInput {
  readonly xid: number;
  readonly rpcvers?: number;
  readonly program: number;
  readonly version: number;
  readonly procedure: number;
  readonly cred: OpaqueAuth;
  readonly verifier: OpaqueAuth;
  readonly args?: RpcArgs;
}

/** Write a CALL message (rpcvers defaults to 2). */
export function encodeCall(writer: XdrWriter, call: RpcCallInput): void {
  writer.encode((w) => {
    w.writeUnsignedInt(call.xid);
    w.writeUnsignedInt(MsgType.CALL);
    w.writeUnsignedInt(call.rpcvers ?? RPC_VERSION);
    w.writeUnsignedInt(call.program);
    w.writeUnsignedInt(call.version);
    w.writeUnsignedInt(call.procedure);
    encodeOpaqueAuth(w, call.cred);
    encodeOpaqueAuth(w, call.verifier);
    writeArgs(w, call.args);
  });
}

/** Write pre-encoded bytes or run the writer callback. */
export function writeArgs(writer: XdrWriter, args: RpcArgs | undefined): void {
  if (args === undefined) return;
  if (args instanceof Uint8Array) writer.writeRaw(args);
  else args(writer);
}

/** Bytes `encodeCall` writes when args are bytes (a callback's length is unknown until it runs). */
export function callEncodingLength(call: RpcCallInput & { args?: Uint8Array }): number {
  return 24 + opaqueAuthEncodingLength(call.cred) + opaqueAuthEncodingLength(call.verifier) + (call.args?.length ?? 0);
}

/** What `encodeReply` needs: like RpcReplyMessage, but results may be a writer callback. */
export type RpcReplyInput =
  | (Omit<Extract<RpcReplyMessage, { acceptStat: 0 }>, 'results'> & { readonly results?: RpcArgs })
  | Exclude<RpcReplyMessage, { acceptStat: 0 }>;

export function encodeReply(writer: XdrWriter, reply: RpcReplyInput): void {
  writer.encode((w) => {
    w.writeUnsignedInt(reply.xid);
    w.writeUnsignedInt(MsgType.REPLY);
    w.writeUnsignedInt(reply.replyStat);
    if (reply.replyStat === ReplyStat.MSG_ACCEPTED) {
      encodeOpaqueAuth(w, reply.verifier);
      w.writeUnsignedInt(reply.acceptStat);
      if (reply.acceptStat === AcceptStat.SUCCESS) writeArgs(w, reply.results);
      else if (reply.acceptStat === AcceptStat.PROG_MISMATCH) {
        w.writeUnsignedInt(reply.low);
        w.writeUnsignedInt(reply.high);
      }
      return;
    }
    w.writeUnsignedInt(reply.rejectStat);
    if (reply.rejectStat === RejectStat.RPC_MISMATCH) {
      w.writeUnsignedInt(reply.low);
      w.writeUnsignedInt(reply.high);
    } else {
      w.writeUnsignedInt(reply.authStat);
    }
  });
}

/** Decode the part of a CALL after xid and msg_type. `args` aliases the reader's bytes. */
function decodeCallBody(reader: XdrReader, xid: number): RpcCallMessage {
  const rpcvers = reader.readUnsignedInt();
  const program = reader.readUnsignedInt();
  const version = reader.readUnsignedInt();
  const procedure = reader.readUnsignedInt();
  const cred = decodeOpaqueAuth(reader);
  const verifier = decodeOpaqueAuth(reader);
  const args = reader.readRest();
  return { xid, rpcvers, program, version, procedure, cred, verifier, args };
}

/** Decode the part of a REPLY after xid and msg_type. `results` aliases the reader's bytes. */
function decodeReplyBody(reader: XdrReader, xid: number): RpcReplyMessage {
  const replyStat = reader.readUnsignedInt();
  if (replyStat === ReplyStat.MSG_ACCEPTED) {
    const verifier = decodeOpaqueAuth(reader);
    const acceptStat = reader.readUnsignedInt();
    switch (acceptStat) {
      case AcceptStat.SUCCESS:
        return { xid, replyStat, verifier, acceptStat, results: reader.readRest() };
      case AcceptStat.PROG_MISMATCH: {
        const low = reader.readUnsignedInt();
        const high = reader.readUnsignedInt();
        return { xid, replyStat, verifier, acceptStat, low, high };
      }
      case AcceptStat.PROG_UNAVAIL:
      case AcceptStat.PROC_UNAVAIL:
      case AcceptStat.GARBAGE_ARGS:
      case AcceptStat.SYSTEM_ERR:
        return { xid, replyStat, verifier, acceptStat };
      default:
        throw new XdrError('BAD_DISCRIMINANT', `accept_stat ${acceptStat} is not defined`, 'accepted_reply.stat');
    }
  }
  if (replyStat === ReplyStat.MSG_DENIED) {
    const rejectStat = reader.readUnsignedInt();
    if (rejectStat === RejectStat.RPC_MISMATCH) {
      const low = reader.readUnsignedInt();
      const high = reader.readUnsignedInt();
      return { xid, replyStat, rejectStat, low, high };
    }
    if (rejectStat === RejectStat.AUTH_ERROR) {
      return { xid, replyStat, rejectStat, authStat: reader.readUnsignedInt() };
    }
    throw new XdrError('BAD_DISCRIMINANT', `reject_stat ${rejectStat} is not defined`, 'rejected_reply.stat');
  }
  throw new XdrError('BAD_DISCRIMINANT', `reply_stat ${replyStat} is not defined`, 'reply_body.stat');
}

/** Decode a CALL (throws XdrError BAD_DISCRIMINANT if the message is a REPLY). Does not check rpcvers. */
export function decodeCall(reader: XdrReader): RpcCallMessage {
  const xid = reader.readUnsignedInt();
  const type = reader.readUnsignedInt();
  if (type !== MsgType.CALL) throw new XdrError('BAD_DISCRIMINANT', `msg_type ${type} where a CALL was expected`);
  return decodeCallBody(reader, xid);
}

/** Decode a REPLY (throws XdrError BAD_DISCRIMINANT if the message is a CALL or a status is undefined). */
export function decodeReply(reader: XdrReader): RpcReplyMessage {
  const xid = reader.readUnsignedInt();
  const type = reader.readUnsignedInt();
  if (type !== MsgType.REPLY) throw new XdrError('BAD_DISCRIMINANT', `msg_type ${type} where a REPLY was expected`);
  return decodeReplyBody(reader, xid);
}

/** Decode either kind of message. */
export function decodeMessage(reader: XdrReader): RpcMessage {
  const xid = reader.readUnsignedInt();
  const type = reader.readUnsignedInt();
  if (type === MsgType.CALL) return { type, ...decodeCallBody(reader, xid) };
  if (type === MsgType.REPLY) return { type, ...decodeReplyBody(reader, xid) };
  throw new XdrError('BAD_DISCRIMINANT', `msg_type ${type} is not CALL or REPLY`, 'rpc_msg.mtype');
}
