// bench/notify: time to notify a fleet of simulated clients (127.x.y.z, each a rpcbind-like responder + statd on
// port 111, served by one child process with one socket per address).
// - N = 1,000: `nfsprobe notify`, real `sm-notify -d -f -P DIR` and a bare-syscall floor, each a fresh process on a
//   fresh primed fleet, several interleaved runs, medians and the ratio (sm-notify's time is quantized by its 2 s
//   retransmission timer, so one run says little).
// - The library in-process: N = 1,000 (cold JIT), 10,000, and 10,000 with 10% unreachable; time until the reachable
//   hosts are done, and the live heap (after a forced GC) per host.
// Needs root: re-runs itself inside `unshare -n -m` so that it never touches the host's port 111.
// NFSPROBE_BENCH_RUNS sets the number of 1,000-host runs (default 5).

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { notifyAll } from '../src/nsm/notifier.js';
import { formatRecordLine } from '../src/nsm/record.js';
import { StatdDirectory } from '../src/nsm/statd-directory.js';
import { fleetAddress, primeFleet, startFleet } from './nsm-fleet.js';

const HERE = fileURLToPath(import.meta.url);
const MODE = 'NFSPROBE_BENCH_NOTIFY';

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) {
    process.stdout.write('skipped: needs root (unshare -n -m) for a private port 111\n');
    return;
  }
  const child = spawn(
    'unshare',
    [
      '-n',
      '-m',
      '--propagation',
      'private',
      process.execPath,
      '--expose-gc',
      '--input-type=module',
      '-e',
      `import(${JSON.stringify(`file://${HERE}`)}).then((m) => m.inner())`,
    ],
    { stdio: 'inherit', env: { ...process.env, [MODE]: 'inner' } },
  );
  await new Promise((resolve) => child.once('close', resolve));
}

// ---- the fleet, in its own process (so that the notifier under test does not share an event loop with it)

interface FleetHandle {
  child: ChildProcess;
  port: number;
  /** Distinct addresses that received SM_NOTIFY with `state`. */
  count(state: number): Promise<number>;
  /** Prime the fleet (see primeFleet); resolves with the number of hosts that answered. */
  prime(): Promise<number>;
  close(): Promise<void>;
}

async function spawnFleet(n: number, unreachableEvery: number, prime = true): Promise<FleetHandle> {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import(${JSON.stringify(`file://${HERE}`)}).then((m) => m.fleetMain(${n}, ${unreachableEvery}))`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const ready = await next();
  const port = Number(ready.split(' ')[1]);
  const handle: FleetHandle = {
    child,
    port,
    async count(state) {
      const answer = next();
      child.stdin!.write(`count ${state}\n`);
      return Number(await answer);
    },
    async prime() {
      const answer = next();
      child.stdin!.write('prime\n');
      return Number(await answer);
    },
    async close() {
      child.stdin!.end();
      await new Promise((resolve) => child.once('close', resolve));
    },
  };
  if (prime) await handle.prime();
  return handle;
}

export async function fleetMain(n: number, unreachableEvery: number): Promise<void> {
  const addresses = Array.from({ length: n }, (_, i) => fleetAddress(i));
  const silent = (i: number) => unreachableEvery > 0 && i % unreachableEvery === unreachableEvery - 1;
  // Unreachable hosts read and drop what they get (see FleetMode: 'silent' would measure the simulation).
  const fleet = await startFleet(addresses, { port: 111, mode: (i) => (silent(i) ? 'drop' : 'ok') });
  process.stdout.write(`ready ${fleet.port}\n`);
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const [command, arg] = line.split(' ');
    if (command === 'count') {
      const state = Number(arg);
      const seen = new Set<string>();
      for (const x of fleet.notifications) if (x.state === state) seen.add(x.address);
      process.stdout.write(`${seen.size}\n`);
    } else if (command === 'prime') {
      void primeFleet(
        addresses.filter((_, i) => !silent(i)),
        fleet.port,
      ).then((answered) => process.stdout.write(`${answered}\n`));
    }
  });
  input.on('close', () => {
    void fleet.close().then(() => process.exit(0));
  });
}

// ---- inside the namespace

function statdDir(n: number, state: number): StatdDirectory {
  const path = mkdtempSync(join(tmpdir(), 'nfsprobe-bench-'));
  mkdirSync(join(path, 'sm'));
  mkdirSync(join(path, 'sm.bak'));
  const priv = new Uint8Array(16);
  for (let i = 0; i < n; i++) {
    const address = fleetAddress(i);
    const line = formatRecordLine({
      monName: address,
      myName: 'node',
      myProg: 100021,
      myVers: 3,
      myProc: 16,
      priv,
      callerAddress: '127.0.0.1',
    });
    writeFileSync(join(path, 'sm', address), line, { mode: 0o600 });
  }
  const bytes = Buffer.alloc(4);
  if (endianness() === 'LE') bytes.writeInt32LE(state);
  else bytes.writeInt32BE(state);
  writeFileSync(join(path, 'state'), bytes);
  return new StatdDirectory(path);
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Run a command to completion; wall-clock ms from spawn to exit (process start-up included), exit code, stdout. */
async function timed(command: string, args: string[]): Promise<{ ms: number; code: number | null; stdout: string }> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { ms: performance.now() - started, code, stdout: Buffer.concat(chunks).toString() };
}

// ---- 1,000 hosts, each tool as the fresh process a cluster manager starts at takeover

/** The launcher users run (bin/ over dist/; `npm run bench` builds dist/ first). */
const CLI = join(HERE, '..', '..', '..', 'bin', 'nfsprobe.js');
const FLOOR = join(HERE, '..', 'notify-floor.js');

async function cliRun(n: number, state: number): Promise<number> {
  const fleet = await spawnFleet(n, 0);
  const dir = statdDir(n, state - 2);
  const r = await timed(process.execPath, [CLI, 'notify', '-d', '-f', '-P', dir.path, '-v', 'localhost', '--json']);
  const seen = await fleet.count(state);
  await fleet.close();
  rmSync(dir.path, { recursive: true, force: true });
  const report = JSON.parse(r.stdout) as { notified: number; state: number };
  if (r.code !== 0 || report.notified !== n || report.state !== state || seen !== n) {
    throw new Error(
      `nfsprobe notify validation failed: exit ${r.code}, notified ${report.notified}, fleet saw ${seen}`,
    );
  }
  return r.ms;
}

async function smNotifyRun(n: number, state: number): Promise<number> {
  const fleet = await spawnFleet(n, 0);
  const dir = statdDir(n, state - 2);
  const r = await timed('sm-notify', ['-d', '-f', '-P', dir.path, '-v', 'localhost']);
  const seen = await fleet.count(state);
  await fleet.close();
  rmSync(dir.path, { recursive: true, force: true });
  if (r.code !== 0 || seen !== n)
    throw new Error(`sm-notify validation failed: exit ${r.code}, fleet saw ${seen} of ${n}`);
  return r.ms;
}

interface FloorResult {
  wallMs: number;
  moveMs: number;
  scanMs: number;
  networkMs: number;
}

async function floorRun(n: number, state: number): Promise<FloorResult> {
  const fleet = await spawnFleet(n, 0);
  const dir = statdDir(n, state - 2);
  const r = await timed(process.execPath, [FLOOR, dir.path, String(state), 'localhost']);
  const seen = await fleet.count(state);
  await fleet.close();
  rmSync(dir.path, { recursive: true, force: true });
  if (r.code !== 0 || seen !== n) throw new Error(`floor validation failed: exit ${r.code}, fleet saw ${seen} of ${n}`);
  return { wallMs: r.ms, ...(JSON.parse(r.stdout) as Omit<FloorResult, 'wallMs'>) };
}

// ---- the library in this process: 1,000, 10,000 and 10,000 with 10% unreachable

interface OursResult {
  totalMs: number;
  reachableDoneMs: number;
  /** From the first packet (after lock, move, scan, state bump) to the last reachable host acknowledged. */
  phaseMs: number;
  /** Duration of each step of notifyAll, ms. */
  phases: string;
  notified: number;
  /** Live heap (after a full GC) once the records are loaded, and after the run with the report still held. */
  liveAtStart: number;
  liveAtEnd: number;
  /** Peak heap growth sampled every 10 ms without forcing GC (garbage included: what V8 chose to keep around), or
   * in `memory` mode the peak live heap. */
  peakHeap: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
const liveHeap = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

/**
 * `memory`: a full GC before every heap sample (every 100 ms), so that the peak is the live heap, not garbage V8 has
 * not collected yet. It slows the run down: its times are not reported.
 */
async function ours(
  n: number,
  unreachableEvery: number,
  state: number,
  deadlineMs: number,
  memory = false,
): Promise<OursResult> {
  const fleet = await spawnFleet(n, unreachableEvery);
  const dir = statdDir(n, state - 2);
  const before = liveHeap();
  let liveAtStart = 0;
  let peakHeap = before;
  const sampler = setInterval(
    () => {
      if (memory) gc?.();
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    },
    memory ? 100 : 10,
  );
  let reachableDoneMs = 0;
  let phaseStartMs = 0;
  let paused = 0;
  const phases: string[] = [];
  const started = performance.now();
  const report = await notifyAll({
    directory: dir,
    monNames: ['bench-ha'],
    retryDeadlineMs: deadlineMs,
    kernelStatePath: null,
    onPhase: (name, ms) => {
      phases.push(`${name} ${ms.toFixed(0)}`);
    },
    onStart: () => {
      // The forced GC for the live-heap figure is not the notifier's time.
      const t = performance.now();
      liveAtStart = liveHeap() - before;
      paused = performance.now() - t;
      phaseStartMs = performance.now() - started - paused;
    },
    onHost: (h) => {
      if (h.status === 'notified') reachableDoneMs = performance.now() - started - paused;
    },
  });
  const totalMs = performance.now() - started - paused;
  clearInterval(sampler);
  const liveAtEnd = liveHeap() - before;
  // Validate before reporting: the fleet saw every reachable host notified with the announced state.
  const expected = unreachableEvery > 0 ? n - Math.floor(n / unreachableEvery) : n;
  const seen = await fleet.count(state);
  await fleet.close();
  rmSync(dir.path, { recursive: true, force: true });
  if (report.state !== state || report.notified !== expected || seen !== expected) {
    throw new Error(
      `validation failed: state ${report.state}/${state}, notified ${report.notified}, fleet saw ${seen}, expected ${expected}`,
    );
  }
  return {
    totalMs,
    reachableDoneMs,
    phaseMs: reachableDoneMs - phaseStartMs,
    notified: report.notified,
    liveAtStart,
    liveAtEnd,
    peakHeap: peakHeap - before,
    phases: phases.join(', '),
  };
}

export async function inner(): Promise<void> {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', '/run']);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const runs = Math.max(1, Number(process.env.NFSPROBE_BENCH_RUNS ?? 5));
  let smMedian: number | undefined;
  let hasSmNotify = true;
  try {
    execFileSync('sh', ['-c', 'command -v sm-notify'], { stdio: 'ignore' });
  } catch {
    hasSmNotify = false;
  }
  out('notify: a fleet process serves every simulated client (one UDP socket per 127.x.y.z: rpcbind and statd on');
  out('port 111) and is primed before each timed run (one GETPORT and one SM_NOTIFY per host), as real clients are');
  out('long-running daemons. Each run gets a fresh fleet and a fresh statd directory on the local disk.\n');

  out(`1,000 hosts, each tool started as a fresh process, as a cluster manager runs it (${runs} runs, interleaved):`);
  out(
    '  nfsprobe: `nfsprobe notify -d -f -P DIR -v localhost --json`; sm-notify: `sm-notify -d -f -P DIR -v localhost`;',
  );
  out('  floor: bench/notify-floor.ts, the bare system calls of a notifier in Node (no report, no retry logic)');
  const rowWidths = [8, 12, 12, 12, 34];
  const row = (cells: string[]) => out(`  ${cells.map((c, i) => c.padEnd(rowWidths[i] ?? 0)).join(' ')}`.trimEnd());
  row(['run', 'nfsprobe', 'sm-notify', 'floor', 'floor: move / scan / network']);
  const cli: number[] = [];
  const sm: number[] = [];
  const floor: FloorResult[] = [];
  for (let i = 0; i < runs; i++) {
    const state = 1001 + 10 * i;
    cli.push(await cliRun(1000, state));
    if (hasSmNotify) sm.push(await smNotifyRun(1000, state + 2));
    floor.push(await floorRun(1000, state + 4));
    const f = floor[i]!;
    row([
      String(i + 1),
      fmt(cli[i]!),
      hasSmNotify ? fmt(sm[i]!) : '-',
      fmt(f.wallMs),
      `${f.moveMs.toFixed(0)} / ${f.scanMs.toFixed(0)} / ${f.networkMs.toFixed(0)} ms`,
    ]);
  }
  const floorWall = median(floor.map((f) => f.wallMs));
  row(['median', fmt(median(cli)), hasSmNotify ? fmt(median(sm)) : '-', fmt(floorWall)]);
  if (hasSmNotify) {
    smMedian = median(sm);
    const ratios = cli.map((c, i) => sm[i]! / c);
    out(
      `  ratio, median sm-notify / median nfsprobe: ${(median(sm) / median(cli)).toFixed(1)}x (target >= 20x); per run ${Math.min(...ratios).toFixed(1)}x..${Math.max(...ratios).toFixed(1)}x`,
    );
    out(
      `  against sm-notify's fastest run (${fmt(Math.min(...sm))}): ${(Math.min(...sm) / median(cli)).toFixed(1)}x; the floor itself would be ${(Math.min(...sm) / floorWall).toFixed(1)}x`,
    );
    out('  (sm-notify reads one reply per 11 packets it sends; the replies it has no room for are dropped and resent');
    out(
      '  when its per-host timer fires, 2 s and doubling: its times land on steps of about 2 s, 2.1, 4.1, 6.1 ... 14.1 s)',
    );
  }
  out(
    `  nfsprobe over the floor: +${fmt(median(cli) - floorWall)} per run (report, retries, crash-safe bookkeeping)\n`,
  );

  out('the library (notifyAll) in this process; the 1,000 row is its first run here, so the JIT is cold:');
  const widths = [40, 7, 9, 9, 15, 14, 8, 12, 12, 10];
  const line = (cells: string[]) => out(`  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' ')}`.trimEnd());
  line([
    'case',
    'hosts',
    'notified',
    'all done',
    'reachable done',
    'network phase',
    'hosts/s',
    'live, loaded',
    'live, after',
    'peak heap',
  ]);
  const show = (name: string, n: number, r: OursResult) =>
    line([
      name,
      n.toLocaleString('en-US'),
      String(r.notified),
      fmt(r.totalMs),
      fmt(r.reachableDoneMs),
      fmt(r.phaseMs),
      (r.notified / (r.reachableDoneMs / 1000)).toFixed(0),
      `+${mb(r.liveAtStart)}`,
      `+${mb(r.liveAtEnd)}`,
      `+${mb(r.peakHeap)}`,
    ]);
  const r1k = await ours(1000, 0, 5, 60_000);
  show('nfsprobe (cold)', 1000, r1k);
  const r10k = await ours(10_000, 0, 7, 60_000);
  show('nfsprobe', 10_000, r10k);
  const deadline = 5000;
  const r10u = await ours(10_000, 10, 9, deadline);
  show(`nfsprobe, 10% unreachable (deadline ${fmt(deadline)})`, 10_000, r10u);
  if (smMedian !== undefined) {
    out(
      `  the library's cold 1,000-host run against the median sm-notify above: ${(smMedian / r1k.totalMs).toFixed(1)}x (no process start-up or module loading)`,
    );
  }
  out(`  steps (ms): 1,000: ${r1k.phases}; 10,000: ${r10k.phases}; 10,000 with 10% unreachable: ${r10u.phases}`);
  out(
    `  10,000 reachable: all done in ${fmt(r10k.reachableDoneMs)} (target < 2 s); with 10% unreachable the reachable ones were done in ${fmt(r10u.reachableDoneMs)} (target < 2 s)`,
  );
  if (gc === undefined) {
    out('  (run node with --expose-gc for the live-heap figures)');
    return;
  }
  out('');
  out(
    'memory: the same runs again with a full GC before each heap sample (every 100 ms), so that the peak is live data (not timed; the unreachable run gets a 10 s deadline, as it runs slower):',
  );
  const m1k = await ours(1000, 0, 11, 60_000, true);
  const m10k = await ours(10_000, 0, 13, 60_000, true);
  const m10u = await ours(10_000, 10, 15, 10_000, true);
  const perHost = (bytes: number, n: number) => `${Math.round(bytes / n).toLocaleString('en-US')} B/host`;
  out(
    `  peak live heap growth: 1,000 hosts +${mb(m1k.peakHeap)} (${perHost(m1k.peakHeap, 1000)}); 10,000 hosts +${mb(m10k.peakHeap)} (${perHost(m10k.peakHeap, 10_000)}); 10,000 with 10% unreachable +${mb(m10u.peakHeap)} (${perHost(m10u.peakHeap, 10_000)})`,
  );
  out(
    `  once loaded ${perHost(m10k.liveAtStart, 10_000)}; held after the run (the per-host report) ${perHost(m10k.liveAtEnd, 10_000)}; without forced GC the heap peaked at +${mb(r10k.peakHeap)} (garbage V8 had not collected yet)`,
  );
}
