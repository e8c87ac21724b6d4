// The drill report library: a real watch log (test/fixtures/report/drill-move.jsonl) parsed into the model, malformed
// logs refused with their code and line, peer strings escaped, and no network reference in the HTML.
import t from 'tap';
import { ReportError } from '../../src/probe/report/errors.js';
import { escapeHtml, inlineJson, renderReport } from '../../src/probe/report/html.js';
import { drillFromEvents, parseWatchLog } from '../../src/probe/report/log.js';
import { buildView } from '../../src/probe/report/model.js';
import { HOSTILE, moveEvents, moveLog, problemLog } from './report-fixtures.js';

t.test('the real move log: 8 paths, one outage each, phases from the first failure to recovery', async (t) => {
  const log = parseWatchLog(moveLog());
  t.equal(log.start?.host, '10.99.0.100');
  t.equal(log.summary.ok, true);
  t.equal(log.skipped, 0);
  const view = buildView(log);
  t.equal(view.paths.length, 8);
  for (const p of view.paths) {
    t.equal(p.bands.length, 1, `${p.path}: one outage band`);
    t.notOk(p.bands[0]!.open, `${p.path}: the outage ended`);
    t.ok(p.bands[0]!.endMs - p.bands[0]!.startMs > 2000, `${p.path}: the 2 s gap`);
  }
  t.same(
    view.phases.map((p) => p.name),
    [
      'first failure',
      'first rpcbind NULL reply',
      'first mountd NULL reply',
      'first nfs NULL reply',
      'first GETATTR (old handles)',
      'first WRITE',
      'recovery',
    ],
  );
  t.ok(view.phases.every((p) => p.atMs !== null && p.atMs >= view.firstFailureMs!));
  const write = view.paths.find((p) => p.path === 'nfs3-write-tcp')!;
  t.same(
    write.markers.map((m) => m.kind),
    ['verifier'],
    'the verifier change marks the data path',
  );
  t.same(view.paths.find((p) => p.path === 'rpcbind-udp')!.markers, [], 'and not rpcbind');
  t.same(drillFromEvents(moveEvents()), log, 'the events in memory give the same model as the log');
});

t.test('the problem drill: open outage, stale, lost write, SM_NOTIFY and reclaim in the model', async (t) => {
  const view = buildView(parseWatchLog(problemLog()));
  t.equal(view.ok, false);
  t.equal(view.problems.length, 3);
  const write = view.paths.find((p) => p.path === 'nfs3-write-tcp')!;
  t.equal(write.bands.length, 2);
  t.ok(write.bands[1]!.open, 'still down at the end');
  t.same(
    write.markers.map((m) => m.kind),
    ['verifier', 'sm-notify', 'reclaim', 'lost-write'],
  );
  t.same(
    view.paths.find((p) => p.path === 'nfs3-getattr-tcp')!.markers.map((m) => m.kind),
    ['verifier', 'stale', 'sm-notify', 'reclaim'].filter((k) => k !== 'verifier'),
  );
  t.equal(view.stale.length, 1);
  t.equal(view.lostWrites.length, 1);
  t.equal(view.reclaims.length, 1);
  t.equal(view.smNotify.length, 1);
  const recovery = view.phases.find((p) => p.name === 'recovery')!;
  t.ok(recovery.atMs !== null && recovery.atMs < write.bands[1]!.startMs, 'recovery: from the first outage');
  t.ok(view.phases.some((p) => p.name === 'SM_NOTIFY received'));
});

const lines = moveLog().trimEnd().split('\n');
const start = lines[0]!;
const summary = lines[lines.length - 1]!;
const withSummary = (...middle: string[]) => [start, ...middle, summary].join('\n');

const MALFORMED: readonly [string, string, string, number | undefined][] = [
  ['an empty file', '', 'EMPTY', undefined],
  ['blank lines only', '\n  \n\n', 'EMPTY', undefined],
  ['text', 'watching 10.0.0.1:/x', 'NOT_JSON', 1],
  ['a bad line in the middle', withSummary('{"event":"down"'), 'NOT_JSON', 2],
  ['a JSON array', '[1,2]', 'BAD_EVENT', 1],
  ['an object without event', '{"at":"2026-01-01T00:00:00Z"}', 'BAD_EVENT', 1],
  ['an event without a time', '{"event":"down","path":"x","error":"TIMEOUT"}', 'BAD_EVENT', 1],
  ['a time that is not one', '{"event":"down","at":"soon","path":"x","error":"TIMEOUT"}', 'BAD_EVENT', 1],
  ['a down without error', withSummary('{"event":"down","at":"2026-12-06T21:37:15.501Z","path":"x"}'), 'BAD_EVENT', 2],
  [
    'an up with a string outage',
    withSummary('{"event":"up","at":"2026-12-06T21:37:15.501Z","path":"x","outageMs":"5"}'),
    'BAD_EVENT',
    2,
  ],
  ['no summary', lines.slice(0, -1).join('\n'), 'NO_SUMMARY', undefined],
  ['a line after the summary', `${moveLog()}${start}\n`, 'AFTER_SUMMARY', lines.length + 1],
  ['two runs', `${moveLog()}${moveLog()}`, 'AFTER_SUMMARY', lines.length + 1],
  [
    'a summary outage without endAt',
    [start, summary.replace('"endAt":"2026-12-06T21:37:17.603Z",', '')].join('\n'),
    'BAD_EVENT',
    2,
  ],
  [
    'a summary without problems',
    [start, summary.replace(/"problems":\[[^\]]*\]/, '"problems":null')].join('\n'),
    'BAD_EVENT',
    2,
  ],
  [
    'a start with a numeric path',
    '{"event":"start","at":"2026-12-06T21:37:15.501Z","host":"h","export":"/","paths":[1],"identity":{}}',
    'BAD_EVENT',
    1,
  ],
];

t.test('malformed logs: ReportError with the code and the line', async (t) => {
  for (const [what, text, code, line] of MALFORMED) {
    try {
      parseWatchLog(text);
      t.fail(`${what}: accepted`);
    } catch (error) {
      t.type(error, ReportError, what);
      t.equal((error as ReportError).code, code, `${what}: ${code}`);
      t.equal((error as ReportError).line, line, `${what}: line ${line}`);
    }
  }
});

t.test('an event name the report does not know is skipped and counted', async (t) => {
  const log = parseWatchLog(withSummary('{"event":"latency","at":"2026-12-06T21:37:15.501Z","path":"x","rttMs":1}'));
  t.equal(log.skipped, 1);
  t.equal(log.events.length, 0);
});

t.test('escaping: a hostile mon_name, detail and problem stay text', async (t) => {
  const html = renderReport(parseWatchLog(problemLog()));
  t.notOk(html.includes(HOSTILE), 'the raw string appears nowhere');
  t.notOk(/<img/i.test(html), 'no <img> element');
  const escaped = html
    .replaceAll('&lt;img src=x onerror=alert(1)&gt;', '')
    .replaceAll('\\u003cimg src=x onerror=alert(1)\\u003e', '');
  t.notOk(escaped.includes('onerror'), 'only escaped');
  t.ok(html.includes(escapeHtml(HOSTILE)), 'shown escaped in the tables');
  t.equal(html.match(/<\/script/gi)?.length, 3, 'exactly the three script elements end');
  t.equal(html.match(/<script/gi)?.length, 3);
  const json = /<script type="application\/json" id="drill-data">([^<]*)<\/script>/.exec(html);
  t.ok(json, 'the data element holds no "<"');
  const data = JSON.parse(json![1]!) as { paths: { markers: { label: string }[] }[] };
  t.ok(
    data.paths.some((p) => p.markers.some((m) => m.label.includes(HOSTILE))),
    'the chart data carries the string intact, for fillText',
  );
  const values = [HOSTILE, '\u2028\u2029', '<!-- & -->', { a: ['</SCRIPT>'] }];
  values.forEach((value, i) => {
    const inline = inlineJson(value);
    t.notOk(/[<>&\u2028\u2029]/.test(inline), `inlineJson(value ${i}) has no raw < > & or line separator`);
    t.same(JSON.parse(inline), value, 'and parses back to the value');
  });
  t.equal(escapeHtml(`a&b<c>"d'`), 'a&amp;b&lt;c&gt;&quot;d&#39;');
});

t.test('self-contained: no http(s) URL, no src or href, uPlot inlined', async (t) => {
  for (const html of [renderReport(parseWatchLog(moveLog())), renderReport(parseWatchLog(problemLog()))]) {
    t.notOk(/https?:\/\//i.test(html), 'no http(s) URL');
    t.notOk(/<[^>]*\s(src|href)\s*=/i.test(html), 'no src= or href= attribute');
    t.notOk(/url\(/i.test(html), 'no url() in CSS');
    t.match(html, /var uPlot=function/, 'uPlot is inline');
    t.match(html, /default-src 'none'/, 'and the CSP forbids any fetch');
  }
});

t.test('the verdict leads the page', async (t) => {
  const ok = renderReport(parseWatchLog(moveLog()));
  const bad = renderReport(parseWatchLog(problemLog()));
  t.match(ok, /<section class="verdict ok"><h2>OK<\/h2>/);
  t.match(bad, /<section class="verdict bad"><h2>PROBLEMS \(3\)<\/h2>/);
  t.ok(bad.indexOf('verdict bad') < bad.indexOf('Timeline per probe path'), 'before the charts');
  t.match(bad, /<h2>Lost acknowledged writes<\/h2><table>/);
  t.match(bad, /NFS4ERR_RECLAIM_BAD/);
});

t.test(
  'a --locks drill: grace seen by the lock canary (path nlm) marks every chart; the locks summary is accepted',
  async (t) => {
    const events: unknown[] = moveEvents();
    const summary = events.pop() as Record<string, unknown>;
    const startAt = Date.parse((events[0] as { at: string }).at);
    const grace = { event: 'grace', at: new Date(startAt + 4000).toISOString(), path: 'nlm', graceMs: 11070 };
    const locks = { problems: [], conflicts: [{ kind: 'nlm', when: 'grace', status: 'LCK_DENIED_GRACE_PERIOD' }] };
    const smNotify = { received: true, from: '10.99.0.100:612', monName: '10.99.0.100', state: 5 };
    const text = [...events, grace, { ...summary, graceMs: 11070, smNotify, locks }]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const view = buildView(parseWatchLog(text));
    t.ok(view.paths.length > 1);
    for (const path of view.paths) {
      t.ok(
        path.markers.some((m) => m.kind === 'grace' && m.label === 'grace 11070 ms'),
        `${path.path} shows the grace marker`,
      );
    }
    t.match(renderReport(parseWatchLog(text)), /11070 ms/, 'the grace length is in the page');
  },
);
