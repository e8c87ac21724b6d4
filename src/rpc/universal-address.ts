// RFC 1833 section 2.1 (RFC 5665 section 5.2.3) — universal addresses: "h1.h2.h3.h4.p1.p2", "ipv6-address.p1.p2".
// Apart from rpcbind.ts so that a caller needing only the parser (statd lookup over a shared UDP endpoint) does not load
// the rpcbind client and the TCP transport.

import { isIP } from 'node:net';
import { RpcError } from './errors.js';
import { canonicalAddress } from './udp.js';

/** "h1.h2.h3.h4.p1.p2" or "ipv6-address.p1.p2" -> address and port. RpcError BAD_ADDRESS when malformed. */
export function parseUniversalAddress(uaddr: string): { address: string; port: number } {
  const parts = uaddr.split('.');
  if (parts.length >= 3) {
    const p1 = parts[parts.length - 2]!;
    const p2 = parts[parts.length - 1]!;
    const address = parts.slice(0, -2).join('.');
    if (/^\d{1,3}$/.test(p1) && /^\d{1,3}$/.test(p2) && Number(p1) <= 255 && Number(p2) <= 255 && isIP(address) !== 0) {
      return { address: canonicalAddress(address), port: Number(p1) * 256 + Number(p2) };
    }
  }
  throw new RpcError('BAD_ADDRESS', `${JSON.stringify(uaddr)} is not a universal address`);
}

/** address and port -> "h1.h2.h3.h4.p1.p2" (IPv6: "addr.p1.p2"). */
export function formatUniversalAddress(address: string, port: number): string {
  if (isIP(address) === 0) throw new RpcError('BAD_ADDRESS', `${JSON.stringify(address)} is not an IP address`);
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new RpcError('BAD_ADDRESS', `port ${port} is not in 0..65535`);
  }
  return `${canonicalAddress(address)}.${port >> 8}.${port & 255}`;
}
