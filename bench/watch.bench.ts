// bench/watch: how well `nfsprobe watch` measures an outage, and what it costs. Needs root, rpcbind and
// nfs-ganesha: it re-runs itself in a private network + mount namespace (`unshare -n -m`) with rpcbind and ganesha on
// that namespace's loopback. Two figures:
// - outage error: the loopback is taken down for an injected gap (1 s, 5 runs, interval 100 ms); the error is the
//   measured outage of each path minus the gap (target: within one interval + 50 ms);
// - CPU: one Watcher with every path on (NFSv3 and NFSv4.1, data path) at --interval 10ms for 5 s, as a share of
//   one core, against two baselines in the same process: a bare 10 ms timer, and a floor that sends the same
//   number of RPC NULL calls per 10 ms grid point on raw sockets (node:dgram and node:net, pre-encoded bytes, no
//   decoding, no timeline), one socket per path with the watcher's UDP/TCP split (target: under 10%).
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Watcher } from '../src/probe/watch/watcher.js';
import { runInNamespace, withLoopbackGanesha } from './loopback-ganesha.js';

const here = fileURLToPath(import.meta.url);

export async function run(): Promise<void> {
  runInNamespace(here);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Inside the namespace: rpcbind and ganesha on loopback, then the two measurements. */
export async function inner(): Promise<void> {
  await withLoopbackGanesha(async (exportDir) => {
    await outageError(exportDir);
    await cpu(exportDir);
  });
}

async function outageError(exportDir: string): Promise<void> {
  const intervalMs = 100;
  const gapMs = 1000;
  const errors: number[] = [];
  for (let i = 0; i < 5; i++) {
    const watcher = new Watcher({ host: '127.0.0.1', exportPath: exportDir, intervalMs });
    const running = watcher.run();
    while (watcher.status().elapsedMs < 1000) await sleep(50);
    const down = performance.now();
    execFileSync('ip', ['link', 'set', 'lo', 'down']);
    const downDone = performance.now();
    await sleep(gapMs);
    const up = performance.now();
    execFileSync('ip', ['link', 'set', 'lo', 'up']);
    const injected = (up + performance.now()) / 2 - (down + downDone) / 2;
    await sleep(1000);
    watcher.stop();
    const summary = await running;
    // Validate before using the figures: every path saw exactly this outage.
    for (const path of summary.paths) {
      if (path.outages.length !== 1) throw new Error(`${path.path}: ${path.outages.length} outages, expected 1`);
      errors.push(path.outages[0]!.durationMs - injected);
    }
  }
  errors.sort((a, b) => a - b);
  const abs = errors.map(Math.abs).sort((a, b) => a - b);
  const at = (q: number) => abs[Math.min(abs.length - 1, Math.floor(q * abs.length))]!;
  process.stdout.write(
    `outage error, ${errors.length} path-outages over 5 injected ${gapMs} ms gaps at interval ${intervalMs} ms:\n` +
      `  min ${errors[0]!.toFixed(0)} ms, max ${errors[errors.length - 1]!.toFixed(0)} ms, ` +
      `|error| p50 ${at(0.5).toFixed(0)} ms, p100 ${at(1).toFixed(0)} ms (target <= ${intervalMs + 50} ms)\n`,
  );
}

async function cpu(exportDir: string): Promise<void> {
  const seconds = 5;
  const baselineStart = process.cpuUsage();
  const wallStart = performance.now();
  const timer = setInterval(() => {}, 10);
  await sleep(seconds * 1000);
  clearInterval(timer);
  const baseline = usage(baselineStart, wallStart);
  const watcher = new Watcher({
    host: '127.0.0.1',
    exportPath: exportDir,
    intervalMs: 10,
    nfsVersion: 'all',
    transport: 'both',
    durationMs: seconds * 1000,
  });
  let probes = 0;
  const floorStart = process.cpuUsage();
  const floorWall = performance.now();
  const floorCalls = await floor(seconds * 1000, 4, 6);
  const floorUsed = usage(floorStart, floorWall);
  const start = process.cpuUsage();
  const wall = performance.now();
  const summary = await watcher.run();
  const used = usage(start, wall);
  for (const path of summary.paths) probes += path.ok + path.failed;
  if (summary.writesAcknowledged < 100) throw new Error(`only ${summary.writesAcknowledged} writes acknowledged`);
  process.stdout.write(
    `CPU at --interval 10ms, ${summary.paths.length} paths (${probes} probes, ${summary.writesAcknowledged} writes ` +
      `acknowledged in ${seconds} s): ${used.toFixed(1)}% of one core; a bare 10 ms timer: ${baseline.toFixed(1)}% ` +
      `(ratio ${(used / Math.max(baseline, 0.1)).toFixed(0)}x; target < 10%)\n` +
      `  floor, raw sockets (4 UDP + 6 TCP, ${floorCalls} NULL calls in ${seconds} s): ${floorUsed.toFixed(1)}% of one ` +
      `core; watch / floor ${(used / Math.max(floorUsed, 0.1)).toFixed(2)}x\n`,
  );
}

/** A NULL call to NFS v3 as raw bytes: xid, CALL, rpcvers 2, prog, vers, proc 0, AUTH_NONE cred and verifier. */
function nullCall(xid: number): Buffer {
  const call = Buffer.alloc(40);
  const words = [xid, 0, 2, 100003, 3, 0, 0, 0, 0, 0];
  for (const [i, word] of words.entries()) call.writeUInt32BE(word >>> 0, i * 4);
  return call;
}

/**
 * The floor: `udp` datagram sockets and `tcp` stream sockets to the NFS port, each sending one NULL call per
 * `intervalMs` grid point and waiting for its reply, on one shared timer as the watcher's Ticker. Returns the
 * number of replies received; throws when a socket got none (the figure would be meaningless).
 */
async function floor(durationMs: number, udp: number, tcp: number, intervalMs = 10): Promise<number> {
  const replies: number[] = new Array(udp + tcp).fill(0);
  const senders: Array<() => void> = [];
  const closers: Array<() => void> = [];
  for (let i = 0; i < udp; i++) {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.connect(2049, '127.0.0.1', resolve));
    let waiting = false;
    socket.on('message', () => {
      waiting = false;
      replies[i]!++;
    });
    senders.push(() => {
      if (waiting) return;
      waiting = true;
      socket.send(nullCall(0x10000 + i));
    });
    closers.push(() => socket.close());
  }
  for (let i = udp; i < udp + tcp; i++) {
    const socket: Socket = await new Promise((resolve, reject) => {
      const s = connect(2049, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    socket.setNoDelay(true);
    const mark = Buffer.alloc(4);
    mark.writeUInt32BE((0x80000000 | 40) >>> 0);
    let waiting = false;
    let pending = 0;
    let need = 0;
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.length;
      if (need === 0 && pending >= 4) need = 4 + (chunk.readUInt32BE(0) & 0x7fffffff);
      if (need > 0 && pending >= need) {
        pending -= need;
        need = 0;
        waiting = false;
        replies[i]!++;
      }
    });
    senders.push(() => {
      if (waiting) return;
      waiting = true;
      socket.write(Buffer.concat([mark, nullCall(0x20000 + i)]));
    });
    closers.push(() => socket.destroy());
  }
  const end = performance.now() + durationMs;
  let due = performance.now();
  while (due < end) {
    for (const send of senders) send();
    due += intervalMs;
    await sleep(Math.max(0, due - performance.now()));
  }
  for (const close of closers) close();
  if (replies.some((n) => n === 0)) throw new Error(`floor: a socket got no reply (${replies.join(', ')})`);
  return replies.reduce((a, b) => a + b, 0);
}

function usage(start: NodeJS.CpuUsage, wallStart: number): number {
  const d = process.cpuUsage(start);
  return ((d.user + d.system) / 1000 / (performance.now() - wallStart)) * 100;
}
