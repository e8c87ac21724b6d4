// A simulated NSM client that answers from another of its addresses: it is called at `calledAt` (rpcbind and statd
// on one UDP port there), but every reply leaves from a second socket bound to `repliesFrom` — as a multi-homed host,
// or one whose rpcbind/statd is bound to INADDR_ANY without IP_PKTINFO, answers from the address its routing picks.
import { createSocket, type Socket } from 'node:dgram';
import { procedures, SM_NOTIFY } from '../../src/nsm/index.js';
import { AUTH_NONE_CRED, decodeCall, encodeReply, type RpcReplyInput } from '../../src/rpc/index.js';
import { XdrReader, XdrWriter } from '../../src/xdr/index.js';

export interface MultiHomedClient {
  readonly calledAt: string;
  readonly repliesFrom: string;
  /** The one port rpcbind and statd share on `calledAt` (replies leave from this port too when it was free). */
  readonly port: number;
  /** The port replies leave from. */
  readonly replyPort: number;
  /** Every call received, as `program/version/procedure`. */
  readonly calls: string[];
  readonly notifications: { monName: string; state: number }[];
  close(): Promise<void>;
}

function bind(socket: Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** Start the client; `port` 0 (default) lets the kernel pick the port at `calledAt`. */
export async function startMultiHomedClient(o: {
  calledAt: string;
  repliesFrom?: string;
  port?: number;
}): Promise<MultiHomedClient> {
  const repliesFrom = o.repliesFrom ?? '127.0.0.1';
  const front = createSocket('udp4');
  await bind(front, o.calledAt, o.port ?? 0);
  const port = front.address().port;
  let back = createSocket('udp4');
  try {
    await bind(back, repliesFrom, port);
  } catch {
    back.close();
    back = createSocket('udp4');
    await bind(back, repliesFrom, 0);
  }
  const calls: string[] = [];
  const notifications: { monName: string; state: number }[] = [];
  front.on('message', (message, from) => {
    const call = decodeCall(new XdrReader(message));
    calls.push(`${call.program}/${call.version}/${call.procedure}`);
    const base = { xid: call.xid, replyStat: 0 as const, verifier: AUTH_NONE_CRED };
    let reply: RpcReplyInput = { ...base, acceptStat: 1 }; // PROG_UNAVAIL
    if (call.program === 100000 && call.version === 2 && call.procedure === 3) {
      reply = { ...base, acceptStat: 0, results: (w) => w.writeUnsignedInt(port) }; // GETPORT: statd is here too
    } else if (call.program === 100024 && call.version === 1 && call.procedure === SM_NOTIFY) {
      notifications.push(procedures[SM_NOTIFY].args.decode(new XdrReader(call.args)));
      reply = { ...base, acceptStat: 0 };
    } else if (call.program === 100024 && call.version === 1 && call.procedure === 0) {
      reply = { ...base, acceptStat: 0 };
    }
    const w = new XdrWriter(64);
    encodeReply(w, reply);
    back.send(w.finish(), from.port, from.address);
  });
  return {
    calledAt: o.calledAt,
    repliesFrom,
    port,
    replyPort: back.address().port,
    calls,
    notifications,
    close: async () => {
      await Promise.all([front, back].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
