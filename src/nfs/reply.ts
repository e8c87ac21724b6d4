// RFC 5531 section 9 — positioning a reader at the results of a successful RPC reply without building the reply
// object: for decoding NFS replies from captures or raw datagrams, where the rpc layer's RpcClient is not in the way.

import { AcceptStat, decodeReply, MAX_AUTH_BYTES, MsgType, ReplyStat } from '../rpc/index.js';
import { uint32At, XdrError, type XdrReader } from '../xdr/index.js';

/**
 * Read an RPC REPLY header (xid, MSG_ACCEPTED, verifier, SUCCESS) and leave `reader` at the procedure's results.
 * Returns the xid. Any other reply (denied, PROG_MISMATCH, ...) or a CALL throws the XdrError the rpc layer's
 * `decodeReply` gives, or XdrError BAD_VALUE naming the reply status.
 */
export function readSuccessfulReplyHeader(reader: XdrReader): number {
  const start = reader.offset;
  // The common case, read straight from the bytes: xid, REPLY, MSG_ACCEPTED, verifier flavor and length (20 bytes,
  // bounds-checked at once), the verifier body, SUCCESS. Anything else goes the word-by-word way below.
  const b = reader.bytes;
  if (start + 20 <= reader.end && uint32At(b, start + 4) === MsgType.REPLY) {
    const length = uint32At(b, start + 16);
    const at = start + 20 + length + ((4 - (length & 3)) & 3);
    if (
      uint32At(b, start + 8) === ReplyStat.MSG_ACCEPTED &&
      length <= MAX_AUTH_BYTES &&
      at + 4 <= reader.end &&
      uint32At(b, at) === AcceptStat.SUCCESS
    ) {
      reader.offset = at + 4;
      return uint32At(b, start);
    }
  }
  const xid = reader.readUnsignedInt();
  const type = reader.readUnsignedInt();
  const replyStat = reader.readUnsignedInt();
  if (type === MsgType.REPLY && replyStat === ReplyStat.MSG_ACCEPTED) {
    reader.readUnsignedInt(); // verifier flavor
    const length = reader.readLength(MAX_AUTH_BYTES, 'verifier body');
    reader.skip(length + ((4 - (length & 3)) & 3));
    if (reader.readUnsignedInt() === AcceptStat.SUCCESS) return xid;
  }
  reader.offset = start;
  const reply = decodeReply(reader);
  const stat = 'acceptStat' in reply ? `accept_stat ${reply.acceptStat}` : `reject_stat ${reply.rejectStat}`;
  throw new XdrError('BAD_VALUE', `reply ${xid} is not a success (${stat})`, 'rpc_msg');
}
