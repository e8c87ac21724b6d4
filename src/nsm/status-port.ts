// RFC 1833 — find statd (program 100024 v1, UDP) on a host through one shared RpcUdpEndpoint: portmap v2 GETPORT
// for IPv4 peers, rpcbind v3 GETADDR (netid udp6) for IPv6 peers, as sm-notify does.

import { isIP } from 'node:net';
import type { RpcReply } from '../rpc/calls.js';
import { type RpcUdpEndpoint, sameAddress, type UdpCallOptions } from '../rpc/udp.js';
import { parseUniversalAddress } from '../rpc/universal-address.js';
import { XdrReader } from '../xdr/index.js';
import { NsmError } from './errors.js';
import { NSM_PROGRAM, NSM_VERSION } from './protocol.js';

const RPCBIND_PROGRAM = 100000;
const PMAPPROC_GETPORT = 3; // portmap v2
const RPCBPROC_GETADDR = 3; // rpcbind v3
const IPPROTO_UDP = 17;

export interface StatusPort {
  /** statd's UDP port; 0 when statd is not registered. */
  port: number;
  rttMs: number;
  attempts: number;
  /** The address rpcbind answered from, when it was not the one called (only with matchReplyBy 'xid'). */
  repliedFrom?: string;
}

function statusPort(port: number, reply: RpcReply, address: string): StatusPort {
  const found: StatusPort = { port, rttMs: reply.rttMs, attempts: reply.attempts };
  if (reply.fromAddress !== undefined && !sameAddress(reply.fromAddress, address))
    found.repliedFrom = reply.fromAddress;
  return found;
}

/**
 * Ask the rpcbind at `address:rpcbindPort` for statd's UDP port. RpcError on timeout etc.; NsmError BAD_REPLY.
 * With `matchReplyBy: 'xid'` an answer from another address of the host counts (see `repliedFrom`); the port it
 * gives is still statd's on `address`, as sm-notify takes it.
 */
export async function lookupStatusPort(
  endpoint: RpcUdpEndpoint,
  address: string,
  options: UdpCallOptions & { rpcbindPort?: number } = {},
): Promise<StatusPort> {
  const peer = { address, port: options.rpcbindPort ?? 111 };
  if (isIP(address) === 6 && !address.startsWith('::ffff:')) {
    const reply = await endpoint.call(
      peer,
      RPCBIND_PROGRAM,
      3,
      RPCBPROC_GETADDR,
      (w) => {
        w.writeUnsignedInt(NSM_PROGRAM); // r_prog
        w.writeUnsignedInt(NSM_VERSION); // r_vers
        w.writeString('udp6'); // r_netid
        w.writeString(''); // r_addr
        w.writeString(''); // r_owner
      },
      options,
    );
    let uaddr: string;
    try {
      uaddr = new XdrReader(reply.body).readString(1024);
    } catch (error) {
      throw new NsmError('BAD_REPLY', `rpcbind GETADDR reply from ${address} does not decode`, { cause: error });
    }
    return statusPort(uaddr === '' ? 0 : parseUniversalAddress(uaddr).port, reply, address);
  }
  const reply = await endpoint.call(
    peer,
    RPCBIND_PROGRAM,
    2,
    PMAPPROC_GETPORT,
    (w) => {
      w.writeUnsignedInt(NSM_PROGRAM); // prog
      w.writeUnsignedInt(NSM_VERSION); // vers
      w.writeUnsignedInt(IPPROTO_UDP); // prot
      w.writeUnsignedInt(0); // port (ignored)
    },
    options,
  );
  let port: number;
  try {
    port = new XdrReader(reply.body).readUnsignedInt();
  } catch (error) {
    throw new NsmError('BAD_REPLY', `portmap GETPORT reply from ${address} does not decode`, { cause: error });
  }
  if (port > 65535) throw new NsmError('BAD_REPLY', `portmap GETPORT from ${address} gave port ${port}`);
  return statusPort(port, reply, address);
}
