// A real drill for the report: `watch --json --report` through a move with a 2 s gap (A -> gap -> B) in the two-server
// lab (test/lab/failover.ts, shared storage). The report of the run's own events is written and matches the log;
// with NFSPROBE_SAVE_REPORT_FIXTURE=1 the log is saved as test/fixtures/report/drill-move.jsonl.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { renderReport } from '../../src/probe/report/html.js';
import { parseWatchLog } from '../../src/probe/report/log.js';
import { buildCli, root } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { sharedStorageLab, sleep } from '../lab/failover.js';
import { enterLab } from '../lab/namespace.js';
import { parseEvents, startWatch, summaryOf } from './watch-run.js';

const PEERS = ['rpcbind', 'ganesha.nfsd', 'rpcinfo', 'nsenter', 'timeout'];

if (await enterLab(t, import.meta.url, PEERS)) {
  t.equal(buildCli().status, 0, 'the CLI builds');
  const { lab, spec } = await sharedStorageLab(t);
  const out = tempDir('nfsprobe-report-');

  t.test('a move with a 2 s gap: the watch log and its report', async (t) => {
    const report = join(out, 'drill.html');
    const watch = startWatch(['--json', 'watch', spec, '--duration', '6s', '--interval', '100ms', '--report', report], {
      nice: true,
    });
    await watch.started;
    await sleep(1500);
    await lab.removeAddress();
    await sleep(2000);
    await lab.addAddress('B');
    const result = await watch.done;
    const events = parseEvents(result.out);
    const summary = summaryOf(events);
    t.equal(result.code, summary.ok ? 0 : 1, result.err);
    t.ok(
      events.some((e) => e.event === 'down'),
      'the gap shows as down events',
    );
    if (process.env.NFSPROBE_SAVE_REPORT_FIXTURE === '1') {
      writeFileSync(join(root, 'test', 'fixtures', 'report', 'drill-move.jsonl'), result.out);
    }
    const html = readFileSync(report, 'utf8');
    t.match(html, /<!doctype html>/i, 'watch --report wrote the report');
    t.match(html, summary.ok ? /\bOK\b/ : /problem/i, 'with the verdict');
    for (const p of summary.paths) t.ok(html.includes(p.path), `the report names ${p.path}`);
    t.equal(html, renderReport(parseWatchLog(result.out)), 'the same report as `nfsprobe report` of the printed log');
  });
}
