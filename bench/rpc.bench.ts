// RPC round trips on loopback, one process: sequential NULL calls over UDP and TCP (RpcClient -> RpcServer) against
// a raw node:dgram ping-pong of the same bytes (the physical limit here), 64 calls in flight, and RpcUdpEndpoint with
// 10,000 concurrent NULL calls to one server. No root needed: 127.0.0.1, kernel-chosen ports.
import { createSocket, type Socket } from 'node:dgram';
import { AUTH_NONE_CRED, encodeCall, RpcClient, RpcServer, RpcUdpEndpoint } from '../src/rpc/index.js';
import { XdrWriter } from '../src/xdr/index.js';

const PROG = 536871068;
const ROUND_MS = 700;
const ROUNDS = 3;

/** Best of ROUNDS timed rounds of `body` (each resolves after `batch` round trips): calls per second. */
async function callsPerSecond(body: () => Promise<number>): Promise<number> {
  for (let i = 0; i < 200; i++) await body(); // warm-up
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < ROUND_MS) calls += await body();
    best = Math.max(best, calls / ((performance.now() - start) / 1000));
  }
  return best;
}

function nullCallBytes(xid: number): Uint8Array {
  const w = new XdrWriter(64);
  encodeCall(w, {
    xid,
    program: PROG,
    version: 1,
    procedure: 0,
    cred: AUTH_NONE_CRED,
    verifier: AUTH_NONE_CRED,
    args: new Uint8Array(0),
  });
  return w.finish().slice();
}

/** Raw dgram ping-pong: a socket echoing every datagram, and a client awaiting each echo before the next send. */
async function rawDgram(): Promise<{ perSecond: number; close: () => void }> {
  const bind = (s: Socket) => new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const echo = createSocket('udp4');
  echo.on('message', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address));
  const client = createSocket('udp4');
  await Promise.all([bind(echo), bind(client)]);
  const port = echo.address().port;
  const message = nullCallBytes(0x01020304);
  let waiting: ((m: Buffer) => void) | undefined;
  client.on('message', (m) => {
    const w = waiting;
    waiting = undefined;
    w?.(m);
  });
  const once = () =>
    new Promise<number>((resolve) => {
      waiting = (m) => resolve(m.length === message.length ? 1 : 0);
      client.send(message, port, '127.0.0.1');
    });
  const check = await once();
  if (check !== 1) throw new Error('raw echo returned other bytes');
  const perSecond = await callsPerSecond(once);
  return {
    perSecond,
    close: () => {
      echo.close();
      client.close();
    },
  };
}

const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')} calls/s`.padStart(18);

export async function run(): Promise<void> {
  const server = new RpcServer();
  server.addProgram(PROG, 1, {});
  const { udpPort, tcpPort } = await server.listen({});
  const udp = new RpcClient({ host: '127.0.0.1', port: udpPort!, transport: 'udp' });
  const tcp = new RpcClient({ host: '127.0.0.1', port: tcpPort!, transport: 'tcp' });
  // Validate before timing: NULL answers over both transports, a wrong version is refused with the real range.
  for (const client of [udp, tcp]) {
    const reply = await client.ping(PROG, 1);
    if (reply.body.length !== 0 || reply.attempts !== 1) throw new Error('NULL reply is not empty');
    const refused = await client.ping(PROG, 2).then(
      () => undefined,
      (e: { code?: string; low?: number; high?: number }) => e,
    );
    if (refused?.code !== 'PROG_MISMATCH' || refused.low !== 1 || refused.high !== 1)
      throw new Error('no PROG_MISMATCH');
  }

  const raw = await rawDgram();
  const seqUdp = await callsPerSecond(async () => {
    await udp.ping(PROG, 1);
    return 1;
  });
  const seqTcp = await callsPerSecond(async () => {
    await tcp.ping(PROG, 1);
    return 1;
  });
  const piped = (client: RpcClient) => async () => {
    await Promise.all(Array.from({ length: 64 }, () => client.ping(PROG, 1)));
    return 64;
  };
  const pipeUdp = await callsPerSecond(piped(udp));
  const pipeTcp = await callsPerSecond(piped(tcp));

  // RpcUdpEndpoint: 10,000 NULL calls started at once to one server, all must succeed.
  const endpoint = await RpcUdpEndpoint.open({ timeoutMs: 10_000 });
  const peer = { address: '127.0.0.1', port: udpPort! };
  let burstBest = 0;
  let burstMs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    const replies = await Promise.all(
      Array.from({ length: 10_000 }, () => endpoint.call(peer, PROG, 1, 0, new Uint8Array(0))),
    );
    const ms = performance.now() - start;
    if (replies.length !== 10_000 || replies.some((r) => r.body.length !== 0)) throw new Error('a burst call failed');
    const perSecond = 10_000 / (ms / 1000);
    if (perSecond > burstBest) {
      burstBest = perSecond;
      burstMs = ms;
    }
  }
  const retransmissions = endpoint.stats.retransmissions;

  process.stdout.write(
    [
      'sequential NULL calls, one process, loopback (best of 3 rounds):',
      `  raw dgram ping-pong (same 40 bytes)  ${fmt(raw.perSecond)}`,
      `  RpcClient UDP -> RpcServer           ${fmt(seqUdp)}   ratio to raw dgram ${(seqUdp / raw.perSecond).toFixed(2)}`,
      `  RpcClient TCP -> RpcServer           ${fmt(seqTcp)}   ratio to raw dgram ${(seqTcp / raw.perSecond).toFixed(2)}`,
      '64 calls in flight:',
      `  RpcClient UDP -> RpcServer           ${fmt(pipeUdp)}   ${(pipeUdp / seqUdp).toFixed(2)}x sequential`,
      `  RpcClient TCP -> RpcServer           ${fmt(pipeTcp)}   ${(pipeTcp / seqTcp).toFixed(2)}x sequential`,
      'RpcUdpEndpoint, 10,000 concurrent NULL calls to one RpcServer (best of 3):',
      `  all answered in ${burstMs.toFixed(0)} ms  ${fmt(burstBest)}   (retransmissions over all rounds: ${retransmissions})`,
      '',
    ].join('\n'),
  );
  raw.close();
  await Promise.all([udp.close(), tcp.close(), endpoint.close(), server.close()]);
}
