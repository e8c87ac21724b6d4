// Hand-built captures for tshark: raw IPv4 packets (LINKTYPE_RAW) carrying a TCP segment or a UDP datagram between
// 127.0.0.1 (the client) and 127.0.0.2 (the server), in a classic pcap file. Transport checksums are left 0: tshark
// does not check them.

export const CLIENT_ADDRESS = [127, 0, 0, 1] as const;
export const SERVER_ADDRESS = [127, 0, 0, 2] as const;

export function u16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

export function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** An IPv4 packet (header checksum computed) around `transport` (a TCP or UDP header) and `payload`. */
export function ipv4(
  protocol: 6 | 17,
  fromClient: boolean,
  id: number,
  transport: readonly number[],
  payload: Uint8Array,
): Uint8Array {
  const [src, dst] = fromClient ? [CLIENT_ADDRESS, SERVER_ADDRESS] : [SERVER_ADDRESS, CLIENT_ADDRESS];
  const total = 20 + transport.length + payload.length;
  const ip = [0x45, 0, ...u16(total), ...u16(id), 0x40, 0, 64, protocol, 0, 0, ...src, ...dst];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i]! << 8) | ip[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip[10] = (~sum >>> 8) & 0xff;
  ip[11] = ~sum & 0xff;
  const out = new Uint8Array(total);
  out.set(ip, 0);
  out.set(transport, 20);
  out.set(payload, 20 + transport.length);
  return out;
}

/** A classic pcap file (microsecond, LINKTYPE_RAW) holding `packets`, one second apart. */
export function pcap(packets: readonly Uint8Array[]): Uint8Array {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(101, 20); // LINKTYPE_RAW
  const parts: Buffer[] = [header];
  packets.forEach((p, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000 + i, 0);
    h.writeUInt32LE(p.length, 8);
    h.writeUInt32LE(p.length, 12);
    parts.push(h, Buffer.from(p));
  });
  return Buffer.concat(parts);
}
