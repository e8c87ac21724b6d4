// bench/watch: how well `nfsprobe watch` measures an outage, and what it costs. Needs root, rpcbind and
// nfs-ganesha: it re-runs itself in a private network + mount namespace (`unshare -n -m`) with rpcbind and ganesha on
// that namespace's loopback. Two figures:
// - outage error: the loopback is taken down for an injected gap (1 s, 5 runs, interval 100 ms); the error is the
//   measured outage of each path minus the gap (target: within one interval + 50 ms);
// - CPU: one Watcher with every path on (NFSv3 and NFSv4.1, data path) at --interval 10ms for 5 s, as a share of
//   one core, against a baseline process that only runs a 10 ms timer (target: under 10%).
import { execFileSync } from 'node:child_process';
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
  const start = process.cpuUsage();
  const wall = performance.now();
  const summary = await watcher.run();
  const used = usage(start, wall);
  for (const path of summary.paths) probes += path.ok + path.failed;
  if (summary.writesAcknowledged < 100) throw new Error(`only ${summary.writesAcknowledged} writes acknowledged`);
  process.stdout.write(
    `CPU at --interval 10ms, ${summary.paths.length} paths (${probes} probes, ${summary.writesAcknowledged} writes ` +
      `acknowledged in ${seconds} s): ${used.toFixed(1)}% of one core; a bare 10 ms timer: ${baseline.toFixed(1)}% ` +
      `(ratio ${(used / Math.max(baseline, 0.1)).toFixed(0)}x; target < 10%)\n`,
  );
}

function usage(start: NodeJS.CpuUsage, wallStart: number): number {
  const d = process.cpuUsage(start);
  return ((d.user + d.system) / 1000 / (performance.now() - wallStart)) * 100;
}
