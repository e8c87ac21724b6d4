// `nfsprobe exporter` against the failover lab (two nfs-ganesha servers A and B on a bridge, a floating address on A):
// the scrape, read with a real parser, shows both servers and the floating address up and the pair in parity; a
// floating address that no longer answers (packets go nowhere) hangs its health probe while scrapes still return at
// once with the last results, then reports it down; B's ganesha killed turns B's probes down and the exports and
// portability checks to fail.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildCli } from '../helpers/cli.js';
import { get, scrape, startExporter } from '../helpers/exporter.js';
import { parseExposition, samples, value } from '../helpers/prometheus.js';
import { FailoverLab, FLOATING, sleep } from '../lab/failover.js';
import { enterLab, makeStatdDir, run, waitFor } from '../lab/namespace.js';

const PEERS = ['rpcbind', 'ganesha.nfsd', 'rpcinfo', 'nsenter', 'timeout'];
const A = '10.99.0.11';
const B = '10.99.0.12';
const PAIR = `${A},${B}`;

if (await enterLab(t, import.meta.url, PEERS)) {
  t.equal(buildCli().status, 0, 'the CLI builds');
  // One export directory on one filesystem for both: the same handles, a pair in parity.
  const exportDir = join(mkdtempSync(join(tmpdir(), 'nfsprobe-exporter-')), 'export');
  run('mkdir', ['-p', exportDir]);
  const lab = await FailoverLab.create(t, { exportDir });
  await Promise.all([lab.servers.A.startGanesha(), lab.servers.B.startGanesha()]);
  await lab.addAddress('A');
  const statd = makeStatdDir();

  t.test('scrape, a hanging probe, a broken pair', async (t) => {
    // --timeout 3s: the floating address's health probe waits 2.4 s (80% of the 3 s part deadline) when it hangs.
    const e = await startExporter(
      t,
      ['--pair', A, B, '--floating', FLOATING, '--export', exportDir, '--state-dir', statd, '--interval', '1s'],
      ['--timeout', '3s'],
    );
    const completed = async (probe: string, after = 0) =>
      waitFor(
        async () => {
          const f = await scrape(e.base);
          const at = value(f, 'nfsprobe_last_probe_timestamp_seconds', { probe });
          return at !== undefined && at > after ? f : undefined;
        },
        `${probe} completed`,
        20_000,
        100,
      );

    let f = await completed(`compare ${PAIR}`);
    f = await completed(`health ${FLOATING}`);
    for (const target of [A, B, FLOATING]) {
      for (const [program, transport] of [
        ['rpcbind', 'udp'],
        ['nfs3', 'udp'],
        ['nfs3', 'tcp'],
        ['nfs4', 'tcp'],
        ['mountd', 'udp'],
        ['mount', 'auto'],
        ['nfs3-getattr', 'auto'],
        ['nfs4-exchange-id', 'tcp'],
      ] as const) {
        t.equal(value(f, 'nfsprobe_up', { target, program, transport }), 1, `${target} ${program} ${transport} up`);
      }
      // The lab runs no rpc.statd: status is not registered, its probes are down.
      t.equal(value(f, 'nfsprobe_up', { target, program: 'status', transport: 'udp' }), 0, `${target} status down`);
      const count = value(f, 'nfsprobe_rpc_rtt_seconds_count', { target, program: 'nfs3', transport: 'tcp' });
      t.ok(count !== undefined && count >= 1, `${target} nfs3 tcp RTT observed`);
      t.ok(value(f, 'nfsprobe_rpc_rtt_seconds_sum', { target, program: 'nfs3', transport: 'tcp' })! > 0);
    }
    const check = (fam: typeof f, name: string) =>
      Object.fromEntries(
        samples(fam, 'nfsprobe_compare_check', { pair: PAIR, check: name }).map((s) => [s.labels?.status, s.value]),
      );
    t.same(check(f, 'programs'), { pass: '1', warn: '0', fail: '0' }, 'the same registrations');
    t.same(check(f, 'exports'), { pass: '1', warn: '0', fail: '0' }, 'the same exports');
    t.same(check(f, `handle v3 ${exportDir}`), { pass: '1', warn: '0', fail: '0' }, 'the same v3 handle');
    t.same(check(f, `portability ${exportDir}`), { pass: '1', warn: '0', fail: '0' }, "B takes A's handles");
    t.same(check(f, 'nsm'), { pass: '0', warn: '0', fail: '1' }, 'no statd: the nsm check fails');
    t.equal(value(f, 'nfsprobe_clients', { status: 'up' }), 0, 'an empty statd directory');
    t.equal(samples(f, 'nfsprobe_nsm_state').length, 0, 'no NSM state without statd');

    // The floating address goes away: its packets go nowhere, its health probe hangs until its deadline.
    const before = value(f, 'nfsprobe_last_probe_timestamp_seconds', { probe: `health ${FLOATING}` })!;
    const removedAt = Date.now() / 1000;
    await lab.removeAddress();
    await sleep(1200); // the next cycle has started and waits on the floating address
    const during = await get(`${e.base}/metrics`);
    t.ok(during.ms < 500, `a scrape during the hang answers at once (${Math.round(during.ms)} ms)`);
    // No health probe of the floating address can have failed yet (each waits 2.4 s): the last results are served.
    const last = parseExposition(during.body);
    t.equal(value(last, 'nfsprobe_up', { target: FLOATING, program: 'nfs3', transport: 'tcp' }), 1, 'last results');
    const lastAt = value(last, 'nfsprobe_last_probe_timestamp_seconds', { probe: `health ${FLOATING}` })!;
    t.ok(lastAt >= before && lastAt < removedAt + 0.05, 'the last completion is from before the address went');
    const slow = await completed(`health ${FLOATING}`, before);
    t.equal(value(slow, 'nfsprobe_up', { target: FLOATING, program: 'nfs3', transport: 'tcp' }), 0, 'floating down');
    t.equal(value(slow, 'nfsprobe_up', { target: A, program: 'nfs3', transport: 'tcp' }), 1, 'A still up');
    const took = value(slow, 'nfsprobe_probe_duration_seconds', { probe: `health ${FLOATING}` })!;
    t.ok(took >= 2, `the hanging probe took its deadline (${took} s)`);
    const page = await get(`${e.base}/`);
    t.match(page.body, /TIMEOUT/, 'the page shows the timeouts');

    // B's ganesha dies: B's services stop answering and the pair loses parity.
    const compareBefore = value(slow, 'nfsprobe_last_probe_timestamp_seconds', { probe: `compare ${PAIR}` })!;
    await lab.servers.B.killGanesha();
    await completed(`compare ${PAIR}`, compareBefore + 0.001);
    const broken = await completed(`compare ${PAIR}`, Date.now() / 1000);
    t.equal(value(broken, 'nfsprobe_up', { target: B, program: 'nfs3', transport: 'tcp' }), 0, 'B nfs3 down');
    t.equal(value(broken, 'nfsprobe_up', { target: B, program: 'mount', transport: 'auto' }), 0, 'B mount down');
    t.equal(value(broken, 'nfsprobe_up', { target: A, program: 'nfs3', transport: 'tcp' }), 1, 'A up');
    t.same(check(broken, 'exports'), { pass: '0', warn: '0', fail: '1' }, 'B lists no exports: fail');
    // B's rpcbind still answers, so A's handles are presented to B, and nothing serves them.
    t.same(check(broken, `portability ${exportDir}`), { pass: '0', warn: '0', fail: '1' }, "B can't serve A's handles");
    t.equal(
      value(broken, 'nfsprobe_compare_check', { pair: PAIR, check: 'programs', status: 'pass' }) === 1 ||
        value(broken, 'nfsprobe_compare_check', { pair: PAIR, check: 'programs', status: 'fail' }) === 1,
      true,
      'programs has one status',
    );

    const stopped = await e.stop();
    t.equal(stopped.code, 0, `exit 0 on SIGTERM ${e.stderr()}`);
    t.ok(stopped.ms < 5000, `stops without waiting for the cycle (${Math.round(stopped.ms)} ms)`);
  });
}
