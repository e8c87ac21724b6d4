// A fleet of simulated NFS clients for the notifier's tests and benchmark: one UDP socket per loopback address
// (127.x.y.z), each answering as that host's rpcbind (portmap v2 GETPORT, rpcbind v3/v4 GETADDR) AND its statd
// (SM_NULL, SM_NOTIFY) on the same port. Written on raw dgram with its own minimal RFC 5531 parsing, so it is an
// independent peer for src/rpc and src/nsm. Replies leave from the address the call went to (one socket per address).

import { createSocket, type Socket } from 'node:dgram';

/**
 * 'ok' answers as rpcbind and statd; 'no-statd' has rpcbind without statd; 'silent' has no socket at all (the kernel
 * answers with ICMP port unreachable); 'drop' has a socket that reads and ignores every datagram, as a powered-off
 * host on a LAN looks from the sender (no answer and no ICMP). A fleet of thousands of sockets on one port makes
 * every datagram to a 'silent' address expensive for the SENDER (measured here: about 165 us of system time per
 * datagram with 9,000 sockets bound to port 111, against 15-25 us with none), a cost of the simulation that real
 * hosts do not have; benchmarks use 'drop'.
 */
export type FleetMode = 'ok' | 'no-statd' | 'silent' | 'drop';

export interface FleetNotification {
  address: string;
  from: string;
  monName: string;
  state: number;
}

export interface Fleet {
  port: number;
  addresses: string[];
  notifications: FleetNotification[];
  /** SM_NOTIFY calls received per address (retransmissions and repeated names included). */
  calls: Map<string, number>;
  close(): Promise<void>;
}

/** The i-th fleet address: 127.1.0.1, 127.1.0.2, ... skipping .0 and .255 in the last octet. */
export function fleetAddress(i: number): string {
  const n = Math.floor(i / 254);
  const last = (i % 254) + 1;
  return `127.${1 + Math.floor(n / 256)}.${n % 256}.${last}`;
}

const u32 = (b: Buffer, at: number): number => b.readUInt32BE(at);

function reply(xid: number, results: Buffer, acceptStat = 0): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32BE(xid, 0);
  head.writeUInt32BE(1, 4); // REPLY
  head.writeUInt32BE(0, 8); // MSG_ACCEPTED
  head.writeUInt32BE(0, 12); // verifier AUTH_NONE
  head.writeUInt32BE(0, 16); // verifier length 0
  head.writeUInt32BE(acceptStat, 20);
  return Buffer.concat([head, results]);
}

function xdrString(s: string): Buffer {
  const bytes = Buffer.from(s);
  const out = Buffer.alloc(4 + bytes.length + ((4 - (bytes.length & 3)) & 3));
  out.writeUInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

/**
 * Start `addresses.length` simulated clients on `port` (0 = pick one free port on the first address and use it on
 * all). `mode(i)` decides per host (see FleetMode).
 */
export async function startFleet(
  addresses: string[],
  options: { port?: number; mode?: (index: number) => FleetMode } = {},
): Promise<Fleet> {
  const notifications: FleetNotification[] = [];
  const calls = new Map<string, number>();
  const sockets: Socket[] = [];
  let port = options.port ?? 0;
  const handle =
    (socket: Socket, address: string, statd: boolean) =>
    (message: Buffer, rinfo: { address: string; port: number }) => {
      try {
        if (message.length < 40 || u32(message, 4) !== 0) return;
        const xid = u32(message, 0);
        const program = u32(message, 12);
        const version = u32(message, 16);
        const procedure = u32(message, 20);
        let at = 24;
        at += 8 + ((u32(message, at + 4) + 3) & ~3); // credential
        at += 8 + ((u32(message, at + 4) + 3) & ~3); // verifier
        const send = (b: Buffer) => socket.send(b, rinfo.port, rinfo.address);
        if (program === 100000) {
          if (procedure === 0) return send(reply(xid, Buffer.alloc(0)));
          if (version === 2 && procedure === 3) {
            const result = Buffer.alloc(4);
            if (statd && u32(message, at) === 100024) result.writeUInt32BE(port, 0);
            return send(reply(xid, result));
          }
          if ((version === 3 || version === 4) && procedure === 3) {
            const uaddr = statd && u32(message, at) === 100024 ? `${address}.${port >> 8}.${port & 255}` : '';
            return send(reply(xid, xdrString(uaddr)));
          }
          return send(reply(xid, Buffer.alloc(0), 3)); // PROC_UNAVAIL
        }
        if (program === 100024 && statd) {
          if (version !== 1) return send(reply(xid, Buffer.alloc(0), 2));
          if (procedure === 0) return send(reply(xid, Buffer.alloc(0)));
          if (procedure === 6) {
            const length = u32(message, at);
            const monName = message.toString('utf8', at + 4, at + 4 + length);
            const state = message.readInt32BE(at + 4 + ((length + 3) & ~3));
            calls.set(address, (calls.get(address) ?? 0) + 1);
            notifications.push({ address, from: `${rinfo.address}:${rinfo.port}`, monName, state });
            return send(reply(xid, Buffer.alloc(0)));
          }
          return send(reply(xid, Buffer.alloc(0), 3));
        }
        send(reply(xid, Buffer.alloc(0), 1)); // PROG_UNAVAIL
      } catch {
        // A malformed call is dropped, as a real peer would.
      }
    };
  const bind = (address: string, p: number) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind({ address, port: p, exclusive: true }, () => {
        socket.off('error', reject);
        resolve(socket);
      });
    });
  for (let i = 0; i < addresses.length; i++) {
    const mode = options.mode?.(i) ?? 'ok';
    if (mode === 'silent') continue;
    const address = addresses[i]!;
    const socket = await bind(address, port);
    if (port === 0) port = socket.address().port;
    if (mode === 'drop') socket.on('message', () => {});
    else socket.on('message', handle(socket, address, mode === 'ok'));
    sockets.push(socket);
  }
  return {
    port,
    addresses,
    notifications,
    calls,
    async close() {
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/**
 * Prime a started fleet the way a real fleet is primed: send each reachable address one portmap GETPORT and one
 * SM_NOTIFY (state 0, which the benchmark never announces) from a throwaway socket on 127.0.0.1, and wait for the
 * replies. A real client's rpcbind and statd are long-running C daemons; the simulated ones are JavaScript handlers
 * in a freshly started process, whose first calls pay for the JIT and for the kernel's first packets to each new
 * address. Priming takes that start-up cost out of whatever is timed next, for nfsprobe and sm-notify alike.
 * Resolves with the number of addresses that answered both calls.
 */
export async function primeFleet(addresses: readonly string[], port: number, timeoutMs = 10_000): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
  const getport = getportArgs();
  const notify = notifyArgs('prime', 0); // state 0: never announced by the benchmark
  const pending = new Map<number, () => void>();
  socket.on('message', (message) => {
    if (message.length >= 4) pending.get(message.readUInt32BE(0))?.();
  });
  let answered = 0;
  let xid = 1;
  const exchange = (address: string, program: number, version: number, procedure: number, args: Buffer) =>
    new Promise<boolean>((resolve) => {
      const id = xid++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(false);
      }, timeoutMs);
      pending.set(id, () => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(true);
      });
      socket.send(rawCall(id, program, version, procedure, args), port, address);
    });
  // 256 addresses at a time, so that no socket buffer overflows.
  for (let at = 0; at < addresses.length; at += 256) {
    const batch = addresses.slice(at, at + 256);
    const results = await Promise.all(
      batch.map(
        async (address) =>
          (await exchange(address, 100000, 2, 3, getport)) && (await exchange(address, 100024, 1, 6, notify)),
      ),
    );
    answered += results.filter(Boolean).length;
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return answered;
}

/** An RPC CALL built by hand (RFC 5531, AUTH_NONE credential and verifier), independent of src/rpc. */
export function rawCall(xid: number, program: number, version: number, procedure: number, args: Buffer): Buffer {
  const head = Buffer.alloc(40); // bytes 24..39, credential and verifier AUTH_NONE of length 0, stay zero
  head.writeUInt32BE(xid, 0);
  head.writeUInt32BE(0, 4); // CALL
  head.writeUInt32BE(2, 8); // RPC version
  head.writeUInt32BE(program, 12);
  head.writeUInt32BE(version, 16);
  head.writeUInt32BE(procedure, 20);
  return Buffer.concat([head, args]);
}

/** portmap v2 GETPORT arguments asking for statd (100024 v1) over UDP. */
export function getportArgs(): Buffer {
  const args = Buffer.alloc(16);
  args.writeUInt32BE(100024, 0);
  args.writeUInt32BE(1, 4);
  args.writeUInt32BE(17, 8);
  return args;
}

/** SM_NOTIFY arguments (stat_chge): mon_name, state. */
export function notifyArgs(monName: string, state: number): Buffer {
  const tail = Buffer.alloc(4);
  tail.writeInt32BE(state, 0);
  return Buffer.concat([xdrString(monName), tail]);
}
