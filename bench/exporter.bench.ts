// bench/exporter: what `nfsprobe exporter` costs. Figures:
// - scrape: serializing the metrics (prom-client exposition) of 1 and of 10 pairs with their health, compare and
//   clients series filled, against JSON.stringify of the same results (the named baseline);
// - cycle overhead: one probe cycle of 10 pairs on scripted, instant probes (the exporter's own bookkeeping);
// - cycle: one real cycle against nfs-ganesha on loopback (health of three targets, a live compare, in a private
//   namespace; needs root), wall time and CPU time.
import { fileURLToPath } from 'node:url';
import { do_not_optimize, measure } from 'mitata';
import { Exporter, type ExporterPair, type ExporterProbes, LIVE_PROBES } from '../src/probe/exporter/index.js';
import { HEALTH_SERVICES, type HealthReport } from '../src/probe/health.js';
import type { Snapshot } from '../src/probe/snapshot.js';
import { runInNamespace, withLoopbackGanesha } from './loopback-ganesha.js';

const here = fileURLToPath(import.meta.url);
const SAMPLING = { min_cpu_time: 200e6 };

/** The probes of a health report with an export, as checkHealth names them. */
const PROBE_NAMES = [
  'rpcbind-udp',
  'rpcbind-tcp',
  ...HEALTH_SERVICES.flatMap((s) => s.transports.map((t) => `${s.service}-null-${t}`)),
  'mount',
  'nfs3-getattr',
  'nfs4-exchange-id',
];

/** Instant probes with a realistic shape: 14 health probes, snapshots that give 8 checks. */
const SCRIPTED: ExporterProbes = {
  async health(_host, target): Promise<HealthReport> {
    const probes = PROBE_NAMES.map((name, i) => ({ name, ok: true, rttMs: 0.1 + i * 0.05 }));
    return { target, ok: true, durationMs: 1, probes, identity: null, fsid: null };
  },
  async snapshot(host, options): Promise<Snapshot> {
    const path = options.exports?.[0] ?? '/export';
    return {
      snapshot: 1,
      host,
      takenAt: '',
      programs: [{ program: 100003, name: 'nfs', version: 3, netid: 'tcp', protocol: 'tcp', port: 2049 }],
      exports: [{ path, groups: ['*'] }],
      targets: [],
      nsm: { registered: true, state: 3 },
      errors: [],
    };
  },
  async clients() {
    return Array.from({ length: 100 }, (_, i) => ({
      name: `client${i}`,
      list: 'sm' as const,
      status: 'up' as const,
      monNames: [],
      myNames: [],
    }));
  },
};

function pairs(n: number): ExporterPair[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `ha${i}`,
    a: { label: `nfs${i}a`, host: '127.0.0.1' },
    b: { label: `nfs${i}b`, host: '127.0.0.1' },
    floating: { label: `nfs${i}-ha`, host: '127.0.0.1' },
    exports: [`/srv/export${i}`],
  }));
}

const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;

export async function run(): Promise<void> {
  for (const n of [1, 10]) {
    const exporter = new Exporter({ pairs: pairs(n), stateDir: '/var/lib/nfs' }, SCRIPTED);
    await exporter.runCycle();
    await exporter.runCycle(); // histograms with two observations per series
    const text = await exporter.metrics.serialize();
    // Validate before timing: every target's probes are there.
    const up = text.split('\n').filter((l) => l.startsWith('nfsprobe_up{')).length;
    if (up !== n * 3 * PROBE_NAMES.length)
      throw new Error(`${up} nfsprobe_up series, expected ${n * 3 * PROBE_NAMES.length}`);
    const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    const scrape = await measure(async () => do_not_optimize(await exporter.metrics.serialize()), SAMPLING);
    const json = await measure(() => do_not_optimize(JSON.stringify(exporter.state())), SAMPLING);
    process.stdout.write(
      `scrape, ${n} pair(s), ${series} samples, ${(text.length / 1024).toFixed(1)} KiB: ${us(scrape.avg)} ` +
        `(p99 ${us(scrape.p99)}); JSON.stringify of the same results ${us(json.avg)}, ratio ${(scrape.avg / json.avg).toFixed(2)}\n`,
    );
  }
  const exporter = new Exporter({ pairs: pairs(10), stateDir: '/var/lib/nfs' }, SCRIPTED);
  const cycle = await measure(() => exporter.runCycle(), SAMPLING);
  process.stdout.write(
    `cycle overhead, 10 pairs on instant scripted probes (31 parts): ${us(cycle.avg)} (p99 ${us(cycle.p99)})\n`,
  );
  runInNamespace(here);
}

/** Inside the namespace: real cycles against ganesha on loopback. */
export async function inner(): Promise<void> {
  await withLoopbackGanesha(async (exportDir) => {
    // Three labels for the one server: A, B (the same host through rpcbind's port given) and a floating name.
    const pair: ExporterPair = {
      name: 'loopback',
      a: { label: '127.0.0.1', host: '127.0.0.1' },
      b: { label: '127.0.0.1:111', host: '127.0.0.1', rpcbindPort: 111 },
      floating: { label: 'localhost', host: 'localhost' },
      exports: [exportDir],
    };
    const exporter = new Exporter({ pairs: [pair], timeoutMs: 2000, intervalMs: 15_000 }, LIVE_PROBES);
    await exporter.runCycle(); // warm-up (and validation below)
    const text = await exporter.metrics.serialize();
    for (const target of ['127.0.0.1', '127.0.0.1:111', 'localhost']) {
      if (!text.includes(`nfsprobe_up{target="${target}",program="nfs3",transport="tcp"} 1`)) {
        throw new Error(`${target}: nfs3 tcp is not up:\n${text}`);
      }
    }
    if (!text.includes('nfsprobe_compare_check{pair="loopback",check="programs",status="pass"} 1')) {
      throw new Error(`the pair is not in parity:\n${text}`);
    }
    const runs = 30;
    const walls: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await exporter.runCycle();
      walls.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    walls.sort((a, b) => a - b);
    const avg = walls.reduce((a, b) => a + b, 0) / runs;
    const parts = exporter
      .state()
      .parts.map((p) => `${p.probe} ${p.durationMs.toFixed(1)} ms`)
      .join(', ');
    process.stdout.write(
      `cycle against ganesha on loopback (3 health targets, 1 live compare), ${runs} cycles: wall avg ` +
        `${avg.toFixed(1)} ms, p50 ${walls[runs >> 1]!.toFixed(1)} ms, max ${walls[runs - 1]!.toFixed(1)} ms; ` +
        `CPU ${((cpu.user + cpu.system) / 1000 / runs).toFixed(1)} ms per cycle\n  last cycle: ${parts}\n`,
    );
  });
}
