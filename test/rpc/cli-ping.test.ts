// `nfsprobe ping` end to end without root: a closed UDP port fails at once with REFUSED, and Ctrl-C (SIGINT) prints
// the statistics gathered so far. The built CLI against raw UDP responders in this process.
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import t, { type Test } from 'tap';
import { bin, buildCli, nfsprobe, root } from '../helpers/cli.js';

const build = buildCli();
t.equal(build.status, 0, `build: ${build.output}`);

const PROG = 536871067; // user range (RFC 5531)

/** A UDP responder on 127.0.0.1 counting calls; it answers NULL calls with SUCCESS unless `silent`. */
async function responder(t: Test, silent: boolean): Promise<{ socket: Socket; port: number; calls: () => number }> {
  const socket = createSocket('udp4');
  let calls = 0;
  socket.on('message', (message, from) => {
    calls++;
    if (silent || message.length < 24) return;
    // xid, REPLY, MSG_ACCEPTED, AUTH_NONE verifier (flavor 0, length 0), SUCCESS
    const reply = Buffer.alloc(24);
    message.copy(reply, 0, 0, 4);
    reply.writeUInt32BE(1, 4);
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.teardown(() => socket.close());
  return { socket, port: socket.address().port, calls: () => calls };
}

/** A UDP port that was free a moment ago (nobody listens on it now). */
async function closedPort(): Promise<number> {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

// The CLI's deadline (30 s) is twice this test's own timeout: only the ICMP report can end it in time.
t.test('a UDP port nobody listens on: REFUSED at once, status "refused"', { timeout: 15_000 }, async (t) => {
  const port = await closedPort();
  const r = await nfsprobe([
    '--timeout',
    '30s',
    '--json',
    'ping',
    `127.0.0.1:${port}`,
    'nfs',
    '3',
    '--count',
    '2',
    '--interval',
    '0',
  ]);
  t.equal(r.code, 1, r.err);
  t.same(JSON.parse(r.out).results, [
    { version: 3, transport: 'udp', port, sent: 2, received: 0, rttMs: null, status: 'refused', error: 'REFUSED' },
  ]);
  t.match(r.err, /^nfsprobe: nfs \(100003\) on 127\.0\.0\.1: v3 udp port \d+: [^\n]*REFUSED[^\n]*\n$/);
  // No VERSION: the PROG_MISMATCH probe is refused too, one line, exit 1.
  const discover = await nfsprobe(['--timeout', '30s', 'ping', `127.0.0.1:${port}`, 'nfs']);
  t.equal(discover.code, 1);
  t.equal(discover.out, '');
  t.match(discover.err, /^nfsprobe: [^\n]*REFUSED[^\n]*\n$/);
});

/** Start `nfsprobe ARGS`, send SIGINT once `ready()` holds, and collect what it printed. */
async function interrupted(
  args: readonly string[],
  ready: () => boolean,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 30_000;
  while (!ready() && Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGINT');
  return { ...(await closed), out, err };
}

t.test('Ctrl-C: the statistics so far, as JSON and as text; exit 0 when pings were answered', async (t) => {
  const server = await responder(t, false);
  const args = ['ping', `127.0.0.1:${server.port}`, String(PROG), '1', '--count', '1000000', '--interval', '5ms'];
  const json = await interrupted(['--json', ...args], () => server.calls() >= 5);
  t.equal(json.signal, null, 'not killed by the signal');
  t.equal(json.code, 0, json.err);
  const doc = JSON.parse(json.out);
  t.equal(doc.results.length, 1);
  const result = doc.results[0];
  t.match(result, { version: 1, transport: 'udp', port: server.port, status: 'ok' });
  t.ok(result.sent >= 5 && result.sent < 1_000_000, `stopped after ${result.sent} pings`);
  t.equal(result.received, result.sent, 'the ping in flight is not counted');
  t.type(result.rttMs.avg, 'number');

  const before = server.calls();
  const text = await interrupted(args, () => server.calls() >= before + 5);
  t.equal(text.code, 0, text.err);
  t.match(text.out, /NULL pings, round trips in ms/);
  t.match(text.out, /^1\s+udp\s+\d+\s+(\d+)\s+\1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+ok$/m);
});

t.test('Ctrl-C before any reply: status "interrupted", exit 1, one line on stderr', async (t) => {
  const server = await responder(t, true);
  const r = await interrupted(
    ['--json', '--timeout', '30s', 'ping', `127.0.0.1:${server.port}`, String(PROG), '1'],
    () => server.calls() >= 1,
  );
  t.equal(r.signal, null);
  t.equal(r.code, 1);
  t.same(JSON.parse(r.out).results, [
    { version: 1, transport: 'udp', port: server.port, sent: 0, received: 0, rttMs: null, status: 'interrupted' },
  ]);
  t.match(r.err, /^nfsprobe: [^\n]*interrupted before any reply\n$/);
});
