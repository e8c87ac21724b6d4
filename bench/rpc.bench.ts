// RPC round trips on loopback, one process: sequential NULL calls over UDP and TCP (RpcClient -> RpcServer) against
// a raw node:dgram ping-pong of the same bytes (the physical limit here), 64 calls in flight, and RpcUdpEndpoint with
// 10,000 concurrent NULL calls to one server. Then `nfsprobe ping`'s loop (--count 40000 --interval 0) against a raw
// dgram ping-pong to the same RpcServer in another process, beside the libtirpc C client (a clnt_call loop, when gcc
// and libtirpc's headers are there) and a loop of `rpcinfo -n PORT -u` processes. No root needed: 127.0.0.1.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pingVersion } from '../src/cli/commands/ping-run.js';
import { AUTH_NONE_CRED, encodeCall, RpcClient, RpcServer, RpcUdpEndpoint } from '../src/rpc/index.js';
import { XdrWriter } from '../src/xdr/index.js';

const HERE = fileURLToPath(import.meta.url);

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
  await pingVersusDgram();
}

// ---- `nfsprobe ping --count 40000 --interval 0` against a raw dgram ping-pong, one responder in another process

const PING_COUNT = 40_000;
const PING_ROUNDS = 5;

/** The responder's process: an RpcServer serving PROG v1 over UDP; prints its port, exits when stdin closes. */
export async function responderMain(): Promise<void> {
  const server = new RpcServer();
  server.addProgram(PROG, 1, {});
  const { udpPort } = await server.listen({ transports: ['udp'] });
  process.stdout.write(`ready ${udpPort}\n`);
  process.stdin.resume();
  process.stdin.on('close', () => void server.close().then(() => process.exit(0)));
}

async function spawnResponder(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', `import(${JSON.stringify(`file://${HERE}`)}).then((m) => m.responderMain())`],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', (l) => resolve(l)),
  );
  return { child, port: Number(line.split(' ')[1]) };
}

/**
 * Sequential raw dgram round trips of one NULL call to `port`: calls per second over `count` calls. `connected`:
 * the socket is connected to the responder and sends without an address (as RpcClient's socket), else every send
 * names the address (dgram's usual form, which looks the address up per datagram).
 */
async function rawPingPong(port: number, count: number, connected: boolean): Promise<Rate> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  if (connected) await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', () => resolve()));
  const message = nullCallBytes(0x05060708);
  let waiting: ((m: Buffer) => void) | undefined;
  socket.on('message', (m) => {
    const w = waiting;
    waiting = undefined;
    w?.(m);
  });
  const once = connected
    ? () =>
        new Promise<Buffer>((resolve) => {
          waiting = resolve;
          socket.send(message);
        })
    : () =>
        new Promise<Buffer>((resolve) => {
          waiting = resolve;
          socket.send(message, port, '127.0.0.1');
        });
  const first = await once();
  // Validate: the responder's answer is an accepted SUCCESS reply to our xid (24 bytes, no results).
  if (first.length !== 24 || first.readUInt32BE(0) !== 0x05060708 || first.readUInt32BE(20) !== 0) {
    throw new Error('the responder did not answer the raw NULL call with SUCCESS');
  }
  const rate = await timed(count, async () => {
    for (let i = 0; i < count; i++) await once();
  });
  socket.close();
  return rate;
}

/** Round trips per second, and this process's CPU time per round trip (less sensitive to a busy machine). */
interface Rate {
  perSecond: number;
  cpuUs: number;
}

async function timed(count: number, body: () => Promise<void>): Promise<Rate> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await body();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { perSecond: count / (ms / 1000), cpuUs: (used.user + used.system) / count };
}

/** `nfsprobe ping`'s loop (pingVersion, the library path the CLI runs), on a fresh client: calls per second. */
async function cliPingLoop(port: number, count: number): Promise<Rate> {
  const client = new RpcClient({ host: '127.0.0.1', port, transport: 'udp' });
  const check = await pingVersion(client, PROG, { version: 1, port }, 'udp', 1, 0);
  if (check.received !== 1) throw new Error('the responder did not answer the ping');
  let received = 0;
  const rate = await timed(count, async () => {
    received = (await pingVersion(client, PROG, { version: 1, port }, 'udp', count, 0)).received;
  });
  await client.close();
  if (received !== count) throw new Error(`ping: ${received} of ${count} answered`);
  return rate;
}

/** Wall-clock ms of a command run to completion (its process start-up included). */
function wallMs(command: string, args: string[]): Promise<{ ms: number; code: number | null }> {
  const start = performance.now();
  const child = spawn(command, args, { stdio: 'ignore' });
  return new Promise((resolve) => child.once('close', (code) => resolve({ ms: performance.now() - start, code })));
}

/** The libtirpc C client: `count` sequential clnt_call NULL over UDP to 127.0.0.1:PORT. Undefined without gcc. */
const TIRPC_LOOP = `#include <rpc/rpc.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  int sock = RPC_ANYSOCK, count = atoi(argv[4]);
  struct timeval wait = { 1, 0 }, total = { 5, 0 };
  CLIENT *clnt = clntudp_create(&addr, strtoul(argv[2], 0, 10), strtoul(argv[3], 0, 10), wait, &sock);
  if (clnt == NULL) { clnt_pcreateerror("clntudp_create"); return 1; }
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < count; i++)
    if (clnt_call(clnt, NULLPROC, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_void, NULL, total) != RPC_SUCCESS) {
      clnt_perror(clnt, "clnt_call"); return 1;
    }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%f\\n", count / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9));
  return 0;
}
`;

function tirpcLoop(port: number, count: number): number | undefined {
  if (!existsSync('/usr/include/tirpc/rpc/rpc.h')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-bench-tirpc-'));
  try {
    writeFileSync(join(dir, 'loop.c'), TIRPC_LOOP);
    execFileSync('gcc', ['-O2', '-I/usr/include/tirpc', '-o', join(dir, 'loop'), join(dir, 'loop.c'), '-ltirpc'], {
      stdio: 'ignore',
    });
    return Number(
      execFileSync(join(dir, 'loop'), [String(port), String(PROG), '1', String(count)], { encoding: 'utf8' }),
    );
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function pingVersusDgram(): Promise<void> {
  const { child, port } = await spawnResponder();
  try {
    // Interleaved rounds, best of each: the three share the machine's noise alike.
    const best = (a: Rate | undefined, b: Rate): Rate => ({
      perSecond: Math.max(a?.perSecond ?? 0, b.perSecond),
      cpuUs: Math.min(a?.cpuUs ?? Number.POSITIVE_INFINITY, b.cpuUs),
    });
    let raw: Rate | undefined;
    let rawConnected: Rate | undefined;
    let ping: Rate | undefined;
    for (let round = 0; round < PING_ROUNDS; round++) {
      raw = best(raw, await rawPingPong(port, PING_COUNT, false));
      rawConnected = best(rawConnected, await rawPingPong(port, PING_COUNT, true));
      ping = best(ping, await cliPingLoop(port, PING_COUNT));
    }
    const cpu = (r: Rate) => `${r.cpuUs.toFixed(1)} us CPU/call`;
    const versus = (r: Rate, base: Rate) =>
      `${(r.perSecond / base.perSecond).toFixed(2)}x (CPU ${(base.cpuUs / r.cpuUs).toFixed(2)}x)`;
    const lines = [
      `sequential NULL pings to one RpcServer in another process, ${PING_COUNT.toLocaleString('en-US')} calls (best of ${PING_ROUNDS}):`,
      `  raw dgram, send(msg, port, address)  ${fmt(raw!.perSecond)}   ${cpu(raw!)}`,
      `  raw dgram, connected socket          ${fmt(rawConnected!.perSecond)}   ${cpu(rawConnected!)}`,
      `  nfsprobe ping loop (pingVersion)     ${fmt(ping!.perSecond)}   ${cpu(ping!)}`,
      `    vs raw dgram ${versus(ping!, raw!)}, vs connected ${versus(ping!, rawConnected!)} (goal >= 0.90)`,
    ];
    // The CLI itself: wall time of --count 40000 less that of --count 1 (process start-up and rpcbind-free setup).
    const bin = join(dirname(HERE), '..', '..', 'bin', 'nfsprobe.js');
    if (existsSync(join(dirname(HERE), '..', '..', 'dist', 'cli', 'main.js'))) {
      const args = (n: number) => [
        bin,
        'ping',
        `127.0.0.1:${port}`,
        String(PROG),
        '1',
        '--count',
        String(n),
        '--interval',
        '0',
      ];
      const one = await wallMs(process.execPath, args(1));
      const many = await wallMs(process.execPath, args(PING_COUNT));
      if (one.code === 0 && many.code === 0) {
        const perSecond = (PING_COUNT - 1) / ((many.ms - one.ms) / 1000);
        lines.push(
          `  nfsprobe ping CLI, start-up excluded  ${fmt(perSecond)}   (${many.ms.toFixed(0)} ms wall, ${one.ms.toFixed(0)} ms for --count 1)`,
        );
      }
    }
    const tirpc = tirpcLoop(port, PING_COUNT);
    lines.push(
      tirpc === undefined
        ? '  libtirpc C client (clnt_call loop)   skipped: no gcc or libtirpc headers'
        : `  libtirpc C client (clnt_call loop)   ${fmt(tirpc)}   ratio to raw dgram ${(tirpc / raw!.perSecond).toFixed(2)}`,
    );
    // rpcinfo -n still asks rpcbind on port 111 first (GETADDR), so it runs only where an rpcbind answers.
    const n = 100;
    const rpcinfoArgs = ['-n', String(port), '-u', '127.0.0.1', String(PROG), '1'];
    if ((await wallMs('rpcinfo', rpcinfoArgs)).code === 0) {
      const start = performance.now();
      for (let i = 0; i < n; i++) await wallMs('rpcinfo', rpcinfoArgs);
      const perSecond = n / ((performance.now() - start) / 1000);
      lines.push(`  rpcinfo -n PORT -u, one process each ${fmt(perSecond)}   (process start-up dominates)`);
    } else {
      lines.push('  rpcinfo -n PORT -u                   skipped: it asks rpcbind (port 111) first, and none answers');
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => child.once('close', resolve));
  }
}
