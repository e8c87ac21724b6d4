// The exporter's metric mapping and probe cycle on scripted probes: health probes as up/RTT series, compare checks
// as one-hot status series that go away with the check, NSM states, client counts, per-part deadlines (a hanging
// probe leaves the last results in place), no overlapping cycles, stop() aborting the running cycle.
import t from 'tap';
import type { ClientReport } from '../../src/nsm/client-probe.js';
import { Exporter, ExporterMetrics, type ExporterProbes, probeLabels } from '../../src/probe/exporter/index.js';
import type { HealthProbe, HealthReport } from '../../src/probe/health.js';
import type { Snapshot } from '../../src/probe/snapshot.js';
import { parseExposition, samples, value } from '../helpers/prometheus.js';

function report(target: string, probes: HealthProbe[]): HealthReport {
  return { target, ok: probes.every((p) => p.ok), durationMs: 1, probes, identity: null, fsid: null };
}

function snapshot(host: string, over: Partial<Snapshot> = {}): Snapshot {
  return {
    snapshot: 1,
    host,
    takenAt: new Date(0).toISOString(),
    programs: [{ program: 100003, name: 'nfs', version: 3, netid: 'tcp', protocol: 'tcp', port: 2049 }],
    exports: [{ path: '/export', groups: ['*'] }],
    targets: [],
    nsm: { registered: true, state: 3 },
    errors: [],
    ...over,
  };
}

const HEALTHY: HealthProbe[] = [
  { name: 'rpcbind-udp', ok: true, rttMs: 0.3 },
  { name: 'nfs3-null-tcp', ok: true, rttMs: 0.5 },
  { name: 'mount', ok: true, rttMs: 1.2 },
  { name: 'nlockmgr-null-udp', ok: true, skipped: true },
];

t.test('probe names as program and transport labels', async (t) => {
  t.same(probeLabels('nfs3-null-udp'), { program: 'nfs3', transport: 'udp' });
  t.same(probeLabels('rpcbind-tcp'), { program: 'rpcbind', transport: 'tcp' });
  t.same(probeLabels('nfs4-exchange-id'), { program: 'nfs4-exchange-id', transport: 'tcp' });
  t.same(probeLabels('mount'), { program: 'mount', transport: 'auto' });
  t.same(probeLabels('nfs3-getattr'), { program: 'nfs3-getattr', transport: 'auto' });
});

t.test('health: up per probe, RTT of those that passed, skipped and vanished probes have no series', async (t) => {
  const m = new ExporterMetrics();
  m.recordHealth('a', report('a', HEALTHY));
  let f = parseExposition(await m.serialize());
  t.equal(value(f, 'nfsprobe_up', { target: 'a', program: 'nfs3', transport: 'tcp' }), 1);
  t.equal(value(f, 'nfsprobe_up', { target: 'a', program: 'mount', transport: 'auto' }), 1);
  t.equal(samples(f, 'nfsprobe_up', { program: 'nlockmgr' }).length, 0, 'a skipped probe is not exported');
  t.equal(f.types.get('nfsprobe_rpc_rtt_seconds'), 'histogram');
  const nfs3 = { target: 'a', program: 'nfs3', transport: 'tcp' };
  t.equal(value(f, 'nfsprobe_rpc_rtt_seconds_count', nfs3), 1);
  t.equal(value(f, 'nfsprobe_rpc_rtt_seconds_sum', nfs3), 0.0005, 'milliseconds become seconds');
  t.equal(value(f, 'nfsprobe_rpc_rtt_seconds_bucket', { ...nfs3, le: '0.0005' }), 1);
  t.equal(value(f, 'nfsprobe_rpc_rtt_seconds_bucket', { ...nfs3, le: '0.0001' }), 0);

  m.recordHealth(
    'a',
    report('a', [
      { name: 'rpcbind-udp', ok: true, rttMs: 0.2 },
      { ...HEALTHY[1]!, ok: false },
    ]),
  );
  f = parseExposition(await m.serialize());
  t.equal(value(f, 'nfsprobe_up', { target: 'a', program: 'nfs3', transport: 'tcp' }), 0, 'failed now');
  t.equal(value(f, 'nfsprobe_up', { target: 'a', program: 'mount' }), undefined, 'a probe that went away is removed');
  t.equal(samples(f, 'nfsprobe_rpc_rtt_seconds_count', { program: 'mount' }).length, 0);
  t.equal(value(f, 'nfsprobe_rpc_rtt_seconds_count', { program: 'rpcbind' }), 2, 'the histogram accumulates');
  t.equal(value(f, 'nfsprobe_rpc_rtt_seconds_count', { program: 'nfs3' }), 1, 'no RTT for a failure');

  m.recordHealthFailure('a');
  f = parseExposition(await m.serialize());
  t.same(
    samples(f, 'nfsprobe_up', { target: 'a' }).map((s) => s.value),
    ['0', '0'],
    'a target that cannot be probed is down everywhere',
  );
});

t.test('compare: one-hot status per check, removed with the check; NSM states', async (t) => {
  const m = new ExporterMetrics();
  const { compareSnapshots } = await import('../../src/probe/compare.js');
  const a = snapshot('a');
  m.recordCompare('p', compareSnapshots(a, snapshot('b', { nsm: { registered: true, state: 5 } })), { a: 3, b: 5 });
  let f = parseExposition(await m.serialize());
  const status = (check: string) =>
    Object.fromEntries(
      samples(f, 'nfsprobe_compare_check', { pair: 'p', check }).map((s) => [s.labels?.status, s.value]),
    );
  t.same(status('programs'), { pass: '1', warn: '0', fail: '0' });
  t.same(status('nsm state'), { pass: '0', warn: '1', fail: '0' }, 'separate state files warn in parity mode');
  t.equal(value(f, 'nfsprobe_nsm_state', { target: 'a' }), 3);
  t.equal(value(f, 'nfsprobe_nsm_state', { target: 'b' }), 5);

  // B loses statd: the `nsm state` check is gone (its series too), `nsm` fails, B has no state.
  m.recordCompare('p', compareSnapshots(a, snapshot('b', { nsm: { registered: false, state: null } })), {
    a: 3,
    b: null,
  });
  f = parseExposition(await m.serialize());
  t.same(status('nsm'), { pass: '0', warn: '0', fail: '1' });
  t.same(status('nsm state'), {}, 'the check that disappeared has no series');
  t.equal(value(f, 'nfsprobe_nsm_state', { target: 'b' }), undefined);
  t.equal(value(f, 'nfsprobe_nsm_state', { target: 'a' }), 3);
});

t.test('clients: a count for every status', async (t) => {
  const m = new ExporterMetrics();
  const c = (name: string, status: ClientReport['status']): ClientReport => ({
    name,
    list: 'sm',
    status,
    monNames: [],
    myNames: [],
  });
  m.recordClients([c('x', 'up'), c('y', 'up'), c('z', 'down')]);
  const f = parseExposition(await m.serialize());
  t.equal(value(f, 'nfsprobe_clients', { status: 'up' }), 2);
  t.equal(value(f, 'nfsprobe_clients', { status: 'down' }), 1);
  t.equal(value(f, 'nfsprobe_clients', { status: 'no-statd' }), 0);
  t.equal(value(f, 'nfsprobe_clients', { status: 'unresolved' }), 0);
});

/** Scripted probes: `hang` makes a target's health wait until aborted (or forever with `ignoreAbort`). */
function scripted() {
  const calls = { health: 0, snapshot: 0, clients: 0, inFlight: 0, maxInFlight: 0 };
  const state = { hang: new Set<string>(), ignoreAbort: false, bStatd: true };
  const probes: ExporterProbes = {
    async health(_host, target, options) {
      calls.health++;
      calls.inFlight++;
      calls.maxInFlight = Math.max(calls.maxInFlight, calls.inFlight);
      try {
        if (state.hang.has(target)) {
          // As checkHealth: at its own deadline every waiting probe fails with TIMEOUT (unless it ignores it).
          await new Promise<void>((resolve) => {
            if (state.ignoreAbort) return;
            const timer = setTimeout(resolve, options.timeoutMs);
            options.signal?.addEventListener('abort', () => {
              clearTimeout(timer);
              resolve();
            });
          });
          return report(
            target,
            HEALTHY.map((p) => ({ name: p.name, ok: false, code: 'TIMEOUT' })),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
        return report(target, HEALTHY);
      } finally {
        calls.inFlight--;
      }
    },
    async snapshot(host) {
      calls.snapshot++;
      return snapshot(host, host === '127.0.0.2' && !state.bStatd ? { nsm: { registered: false, state: null } } : {});
    },
    async clients() {
      calls.clients++;
      return [{ name: 'c', list: 'sm', status: 'up', monNames: [], myNames: [] }];
    },
  };
  return { probes, calls, state };
}

const PAIR = {
  name: 'ha',
  a: { label: 'a', host: '127.0.0.1' },
  b: { label: 'b', host: '127.0.0.2' },
  floating: { label: 'f', host: '127.0.0.3' },
};

t.test('a cycle runs every part and records its duration and completion', async (t) => {
  const { probes, calls } = scripted();
  const e = new Exporter({ pairs: [PAIR], stateDir: '/nonexistent', intervalMs: 1000 }, probes);
  const before = Date.now() / 1000;
  await e.runCycle();
  t.same(calls, { health: 3, snapshot: 2, clients: 1, inFlight: 0, maxInFlight: 3 }, 'health parts run concurrently');
  const f = parseExposition(await e.metrics.serialize());
  for (const probe of ['health a', 'health b', 'health f', 'compare ha', 'clients']) {
    const at = value(f, 'nfsprobe_last_probe_timestamp_seconds', { probe });
    t.ok(at !== undefined && at >= Math.floor(before), `${probe} completed`);
    t.type(value(f, 'nfsprobe_probe_duration_seconds', { probe }), 'number');
  }
  t.equal(value(f, 'nfsprobe_up', { target: 'f', program: 'nfs3' }), 1);
  t.equal(value(f, 'nfsprobe_compare_check', { pair: 'ha', check: 'nsm', status: 'pass' }), 1);
  t.same(
    e.state().parts.map((p) => [p.probe, p.error]),
    [
      ['health a', undefined],
      ['health b', undefined],
      ['health f', undefined],
      ['compare ha', undefined],
      ['clients', undefined],
    ],
  );
});

t.test('a hanging probe: the deadline ends the part, the last results stay, the timestamp does not move', async (t) => {
  const { probes, state } = scripted();
  const e = new Exporter({ pairs: [PAIR], intervalMs: 1000, deadlineMs: 100 }, probes);
  await e.runCycle();
  const first = parseExposition(await e.metrics.serialize());
  const at = value(first, 'nfsprobe_last_probe_timestamp_seconds', { probe: 'health f' });
  state.hang.add('f');
  state.ignoreAbort = true; // a probe that ignores its signal too: only the deadline race ends it
  const cycle = e.runCycle();
  t.equal(e.runCycle(), cycle, 'a second cycle does not start while one runs');
  // A scrape while the probe hangs serves the last completed results.
  const during = parseExposition(await e.metrics.serialize());
  t.equal(value(during, 'nfsprobe_up', { target: 'f', program: 'nfs3' }), 1);
  await cycle;
  const after = parseExposition(await e.metrics.serialize());
  t.equal(value(after, 'nfsprobe_up', { target: 'f', program: 'nfs3' }), 0, 'given up at the deadline: down');
  t.equal(value(after, 'nfsprobe_last_probe_timestamp_seconds', { probe: 'health f' }), at);
  t.ok(value(after, 'nfsprobe_probe_duration_seconds', { probe: 'health f' })! >= 0.09, 'the duration shows the wait');
  t.match(
    e.state().parts.find((p) => p.probe === 'health f'),
    {
      error: /deadline/,
      health: { ok: true },
    },
  );
  t.ok(value(after, 'nfsprobe_last_probe_timestamp_seconds', { probe: 'health a' })! >= at!, 'others completed');
});

t.test('a silent server: health times out inside the part deadline and reports its probes down', async (t) => {
  const { probes, state } = scripted();
  const e = new Exporter({ pairs: [PAIR], intervalMs: 1000, deadlineMs: 100 }, probes);
  await e.runCycle();
  state.hang.add('b');
  await e.runCycle();
  const f = parseExposition(await e.metrics.serialize());
  t.equal(value(f, 'nfsprobe_up', { target: 'b', program: 'nfs3' }), 0);
  t.equal(value(f, 'nfsprobe_up', { target: 'a', program: 'nfs3' }), 1);
  t.type(value(f, 'nfsprobe_last_probe_timestamp_seconds', { probe: 'health b' }), 'number', 'it completed');
  t.equal(e.state().parts.find((p) => p.probe === 'health b')?.error, undefined);
});

t.test('parity breaks: compare series follow, the vanished check is removed', async (t) => {
  const { probes, state } = scripted();
  const e = new Exporter({ pairs: [PAIR], intervalMs: 1000 }, probes);
  await e.runCycle();
  let f = parseExposition(await e.metrics.serialize());
  t.equal(value(f, 'nfsprobe_compare_check', { pair: 'ha', check: 'nsm state', status: 'pass' }), 1);
  state.bStatd = false;
  await e.runCycle();
  f = parseExposition(await e.metrics.serialize());
  t.equal(value(f, 'nfsprobe_compare_check', { pair: 'ha', check: 'nsm', status: 'fail' }), 1);
  t.equal(samples(f, 'nfsprobe_compare_check', { check: 'nsm state' }).length, 0);
  t.equal(value(f, 'nfsprobe_nsm_state', { target: 'b' }), undefined);
});

t.test('start() cycles every interval without overlap; stop() aborts the running cycle', async (t) => {
  const { probes, calls, state } = scripted();
  const e = new Exporter({ pairs: [PAIR], intervalMs: 20, deadlineMs: 60_000 }, probes);
  e.start();
  await new Promise((r) => setTimeout(r, 120));
  t.ok(e.state().cycles >= 3, `cycled (${e.state().cycles})`);
  state.hang.add('a');
  await new Promise((r) => setTimeout(r, 60));
  const cycles = e.state().cycles;
  await new Promise((r) => setTimeout(r, 60));
  t.equal(e.state().cycles, cycles, 'no new cycle while one hangs');
  const t0 = Date.now();
  await e.stop();
  t.ok(Date.now() - t0 < 1000, 'stop() does not wait for the 60 s deadline');
  t.equal(calls.inFlight, 0, 'the hanging probe was aborted');
  await new Promise((r) => setTimeout(r, 60));
  t.equal(e.state().cycles, cycles, 'no cycle after stop()');
});

t.test(
  'portability: A handles presented to B each cycle; B refusing them fails the check; an unreachable B is not asked',
  async (t) => {
    const { probes } = scripted();
    const asked: string[] = [];
    let refuse = false;
    probes.portability = async (host, a) => {
      asked.push(`${host} ${a.host}`);
      return [
        {
          path: '/export',
          version: 3,
          handle: '01',
          expectedFileid: '7',
          outcome: refuse
            ? { status: 'error', code: 'NFS3ERR_STALE', message: 'GETATTR: NFS3ERR_STALE' }
            : { status: 'ok', fileid: '7', fsid: '1' },
        },
      ];
    };
    const e = new Exporter({ pairs: [PAIR], intervalMs: 1000 }, probes);
    await e.runCycle();
    const check = (f: ReturnType<typeof parseExposition>, status: string) =>
      value(f, 'nfsprobe_compare_check', { pair: 'ha', check: 'portability /export', status });
    let f = parseExposition(await e.metrics.serialize());
    t.same(asked, ['127.0.0.2 127.0.0.1'], "A's snapshot presented to B's host");
    t.equal(check(f, 'pass'), 1, 'B accepts the handle: pass');
    refuse = true;
    await e.runCycle();
    f = parseExposition(await e.metrics.serialize());
    t.equal(check(f, 'fail'), 1, 'B refuses it (STALE): fail');
    t.equal(check(f, 'pass'), 0);
    t.equal(value(f, 'nfsprobe_compare_check', { pair: 'ha', check: 'portability /export', status: 'warn' }), 0);

    // B answers nothing at all: no portability probes, and the series goes (not a stale pass or fail).
    probes.snapshot = async (host) => (host === '127.0.0.2' ? snapshot(host, { programs: null }) : snapshot(host));
    asked.length = 0;
    await e.runCycle();
    f = parseExposition(await e.metrics.serialize());
    t.same(asked, [], 'not asked');
    t.equal(check(f, 'fail'), undefined, 'no portability series for an unreachable B');
  },
);
