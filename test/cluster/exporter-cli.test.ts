// `nfsprobe exporter` without servers: bad flags and configs are exit 2 with one line; a port in use is exit 2; it
// serves /metrics (a real parser reads it), /, /healthz and 404, and stops on SIGTERM with exit 0. The status page
// escapes what peers send.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { escapeHtml, statusPage } from '../../src/cli/commands/exporter-http.js';
import { exporterOptions, parseExporterConfig, parseListen } from '../../src/cli/commands/exporter-run.js';
import { UsageError } from '../../src/cli/errors.js';
import { Exporter } from '../../src/probe/exporter/index.js';
import { buildCli, nfsprobe } from '../helpers/cli.js';
import { get, scrape, startExporter } from '../helpers/exporter.js';
import { value } from '../helpers/prometheus.js';

const build = buildCli();
t.equal(build.status, 0, `the CLI builds${build.output ? `: ${build.output}` : ''}`);

const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-exporter-'));
const config = (doc: unknown) => {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return file;
};

t.test('--listen forms', async (t) => {
  t.same(parseListen('9100'), { port: 9100 });
  t.same(parseListen('127.0.0.1:9100'), { host: '127.0.0.1', port: 9100 });
  t.same(parseListen('[::1]:0'), { host: '::1', port: 0 });
  for (const bad of ['', 'x', '70000', '127.0.0.1', ':9100', '[::1]', '1.2.3:9100']) {
    t.throws(() => parseListen(bad), UsageError, bad);
  }
});

t.test('config file: pairs, names, stateDir, interval; the flags override', async (t) => {
  const c = parseExporterConfig(
    JSON.stringify({
      pairs: [
        { name: 'ha1', a: 'nfs1', b: 'nfs2:1111', floating: 'nfs-ha', exports: ['/srv/export/'] },
        { a: '10.0.0.1', b: '10.0.0.2' },
      ],
      stateDir: '/var/lib/nfs',
      interval: '30s',
    }),
    'c.json',
  );
  t.match(c, {
    pairs: [
      {
        name: 'ha1',
        a: { label: 'nfs1', host: 'nfs1' },
        b: { label: 'nfs2:1111', host: 'nfs2', rpcbindPort: 1111 },
        floating: { label: 'nfs-ha' },
        exports: ['/srv/export'],
      },
      { name: '10.0.0.1,10.0.0.2' },
    ],
    stateDir: '/var/lib/nfs',
    intervalMs: 30_000,
  });
  const o = exporterOptions({ listen: '0', config: config({ pairs: [{ a: 'x', b: 'y' }] }), interval: '2s' }, 1000);
  t.equal(o.intervalMs, 2000);
  t.equal(o.timeoutMs, 1000);
  t.equal(exporterOptions({ listen: '0', pair: ['a', 'b'] }, 5000).intervalMs, 15_000, 'default interval');
});

t.test('bad input: exit 2, one line on stderr with a code, nothing on stdout', async (t) => {
  for (const args of [
    ['exporter', '--pair', '127.0.0.1', '127.0.0.2'],
    ['exporter', '--listen', 'nope', '--pair', '127.0.0.1', '127.0.0.2'],
    ['exporter', '--listen', '0'],
    ['exporter', '--listen', '0', '--pair', '127.0.0.1'],
    ['exporter', '--listen', '0', '--pair', '127.0.0.1', '127.0.0.2', '127.0.0.3'],
    ['exporter', '--listen', '0', '--pair', '127.0.0.1', '127.0.0.1'],
    ['exporter', '--listen', '0', '--pair', '127.0.0.1', 'bad host'],
    ['exporter', '--listen', '0', '--pair', '127.0.0.1', '127.0.0.2', '--export', 'relative'],
    ['exporter', '--listen', '0', '--pair', '127.0.0.1', '127.0.0.2', '--interval', 'soon'],
    ['exporter', '--listen', '0', '--pair', '127.0.0.1', '127.0.0.2', '--interval', '10ms'],
    ['exporter', '--listen', '0', '--config', join(dir, 'missing.json')],
    ['exporter', '--listen', '0', '--config', config('{')],
    ['exporter', '--listen', '0', '--config', config({ pairs: [] })],
    ['exporter', '--listen', '0', '--config', config({ pairs: [{ a: 'x' }] })],
    ['exporter', '--listen', '0', '--config', config({ pairs: [{ a: 'x', b: 'y', extra: 1 }] })],
    ['exporter', '--listen', '0', '--config', config({ pairs: [{ a: 'x', b: 'y' }], colour: 'red' })],
    [
      'exporter',
      '--listen',
      '0',
      '--config',
      config({
        pairs: [
          { name: 'p', a: 'x', b: 'y' },
          { name: 'p', a: 'z', b: 'w' },
        ],
      }),
    ],
    ['exporter', '--listen', '0', '--config', config({ pairs: [{ a: 'x', b: 'y' }] }), '--pair', 'a', 'b'],
    ['exporter', '--listen', '0', '--config', config({ pairs: [{ a: 'x', b: 'y' }], interval: '1y' })],
  ]) {
    const r = await nfsprobe(args);
    t.equal(r.code, 2, `${args.join(' ')}: ${r.err.trim()}`);
    t.match(r.err, /^nfsprobe: [^\n]+\n$/, 'one line');
    t.equal(r.out, '', 'nothing on stdout');
  }
  const r = await nfsprobe(['exporter', '--listen', '0', '--pair', '127.0.0.1']);
  t.match(r.err, /^nfsprobe: --pair takes two servers, got 1 \(USAGE\): give --pair A B\n$/);
});

t.test('a port in use: exit 2 with the reason', async (t) => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => busy.close());
  const port = (busy.address() as { port: number }).port;
  const r = await nfsprobe(['exporter', '--listen', `127.0.0.1:${port}`, '--pair', '127.0.0.1', '127.0.0.2']);
  t.equal(r.code, 2);
  t.match(r.err, /^nfsprobe: cannot listen on 127\.0\.0\.1:\d+: the port is in use \(EADDRINUSE\): give another/);
});

t.test('serves /metrics, /, /healthz, 404; SIGTERM stops it with exit 0', async (t) => {
  // Nothing listens on 127.0.0.1:1 / 127.0.0.2:1: every probe fails fast (refused).
  const e = await startExporter(t, ['--pair', '127.0.0.1:1', '127.0.0.2:1', '--interval', '1s'], ['--timeout', '1s']);
  let f = await scrape(e.base);
  for (const name of [
    'nfsprobe_up',
    'nfsprobe_rpc_rtt_seconds',
    'nfsprobe_compare_check',
    'nfsprobe_nsm_state',
    'nfsprobe_clients',
    'nfsprobe_probe_duration_seconds',
    'nfsprobe_last_probe_timestamp_seconds',
  ]) {
    t.ok(f.types.has(name), `${name} is declared`);
  }
  // The first cycle ends within the deadline.
  for (
    let i = 0;
    i < 50 &&
    value(f, 'nfsprobe_last_probe_timestamp_seconds', { probe: 'compare 127.0.0.1:1,127.0.0.2:1' }) === undefined;
    i++
  ) {
    await new Promise((r) => setTimeout(r, 100));
    f = await scrape(e.base);
  }
  t.equal(value(f, 'nfsprobe_up', { target: '127.0.0.1:1', program: 'rpcbind', transport: 'udp' }), 0);
  t.equal(
    value(f, 'nfsprobe_compare_check', { pair: '127.0.0.1:1,127.0.0.2:1', check: 'programs', status: 'fail' }),
    1,
  );
  const metrics = await get(`${e.base}/metrics`);
  t.match(metrics.type, /^text\/plain; version=0\.0\.4/);
  const page = await get(`${e.base}/`);
  t.equal(page.status, 200);
  t.match(page.type, /^text\/html/);
  t.match(page.body, /<h2>health 127\.0\.0\.1:1<\/h2>/);
  t.match(page.body, /rpcbind-udp/);
  t.equal((await get(`${e.base}/healthz`)).status, 200);
  t.equal((await get(`${e.base}/nope`)).status, 404);
  t.equal((await get(`${e.base}/metrics/x`)).status, 404);
  const stopped = await e.stop();
  t.equal(stopped.code, 0, `exit 0 on SIGTERM ${e.stderr()}`);
  t.ok(stopped.ms < 3000, `stops promptly (${Math.round(stopped.ms)} ms)`);
  t.equal(e.stderr(), '', 'nothing on stderr');
});

t.test('the status page escapes peer strings', async (t) => {
  t.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const evil = '<script>alert(1)</script>';
  const exporter = new Exporter(
    { pairs: [{ name: `p${evil}`, a: { label: 'a', host: '127.0.0.1' }, b: { label: 'b', host: '127.0.0.1' } }] },
    {
      health: async (_h, target) => ({
        target,
        ok: false,
        durationMs: 1,
        probes: [{ name: 'canary-read', ok: false, code: 'X', error: `file ${evil}` }],
        identity: null,
        fsid: null,
      }),
      snapshot: async (host) => ({
        snapshot: 1,
        host,
        takenAt: '',
        programs: [],
        exports: [{ path: `/e${evil}`, groups: [] }],
        targets: [],
        nsm: { registered: true, state: 1 },
        errors: [],
      }),
      clients: async () => [],
    },
  );
  await exporter.runCycle();
  const html = statusPage(exporter);
  t.notMatch(html, /<script>/, 'no markup from peers');
  t.match(html, /file &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.match(html, /compare p&lt;script&gt;/);
});
