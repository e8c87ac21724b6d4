// The drill report as one self-contained HTML document: no network reference at all (uPlot inlined, the data as
// inline JSON), every peer-controlled string escaped for where it goes (HTML text, or JSON inside <script>).
import type { WatchIdentity } from '../watch/events.js';
import { chartAssets } from './assets.js';
import { CHART_SCRIPT } from './chart-script.js';
import type { DrillEvent, DrillLog } from './log.js';
import { buildView, type DrillView, type MarkerKind } from './model.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML element content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON for a <script type="application/json"> element: `<`, `>` and `&` as \u escapes, so no string can end the
 * element (`</script>`) or open a comment; U+2028/2029 too, for any reader that evaluates it as JavaScript.
 */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const e = escapeHtml;

function clock(atMs: number): string {
  return new Date(atMs).toISOString().slice(11, 23);
}

function seconds(msValue: number): string {
  return `${(msValue / 1000).toFixed(1)} s`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], empty: string): string {
  if (rows.length === 0) return `<p class="none">${e(empty)}</p>`;
  const th = head.map((h) => `<th>${e(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const MARKER_NAMES: Readonly<Record<MarkerKind, string>> = {
  stale: 'stale handle',
  verifier: 'write verifier change',
  identity: 'identity change',
  grace: 'grace',
  'sm-notify': 'SM_NOTIFY received',
  reclaim: 'reclaim',
  'lost-write': 'lost write',
};

function describe(event: DrillEvent): string {
  switch (event.event) {
    case 'start':
      return `watching ${event.host}:${event.export}`;
    case 'down':
      return `down: ${event.error}`;
    case 'up':
      return `up after ${event.outageMs} ms`;
    case 'stale':
      return `${event.detail}. ${event.remedy}`;
    case 'verifier':
      return `${event.before} -> ${event.after}, ${event.resent} uncommitted record(s) resent`;
    case 'identity':
      return `${event.field}: ${String(event.before)} -> ${String(event.after)}`;
    case 'grace':
      return `${event.graceMs} ms of grace`;
    case 'reclaim':
      return `${event.kind}: ${event.status} ${event.detail}`;
    case 'lost-write':
      return `seq ${event.seq} at offset ${event.offset} (${event.stability}): ${event.detail}`;
    case 'sm-notify':
      return `${event.monName} from ${event.from}, state ${event.state}`;
  }
}

function verdict(view: DrillView): string {
  if (view.ok) {
    return '<section class="verdict ok"><h2>OK</h2><p>The drill found no problem.</p></section>';
  }
  const items = view.problems.map((p) => `<li>${e(p)}</li>`).join('');
  const count = view.problems.length;
  return (
    `<section class="verdict bad"><h2>PROBLEMS (${count})</h2>` +
    `<ul class="problems">${items || '<li>the summary says the drill was not OK</li>'}</ul></section>`
  );
}

function facts(log: DrillLog, view: DrillView): string {
  const s = log.summary;
  const items: [string, string, boolean][] = [
    ['watched', seconds(s.durationMs), false],
    ['longest outage', `${s.maxOutageMs} ms`, false],
    ['writes acknowledged', String(s.writesAcknowledged), false],
    ['lost writes', String(s.lostWrites), s.lostWrites > 0],
    ['stale handles', String(s.staleHandles), s.staleHandles > 0],
    ['write verifier changes', String(s.verifierChanges), false],
    ['grace', s.graceMs === null ? 'not measured' : `${s.graceMs} ms`, false],
    ['SM_NOTIFY received', String(view.smNotify.length), false],
  ];
  return `<dl class="facts">${items
    .map(([k, v, bad]) => `<div${bad ? ' class="bad"' : ''}><dt>${e(k)}</dt><dd>${e(v)}</dd></div>`)
    .join('')}</dl>`;
}

function timeline(view: DrillView): string {
  const kinds = new Set(view.paths.flatMap((p) => p.markers.map((m) => m.kind)));
  const legend = [
    '<span class="key"><i class="swatch up"></i>answering</span>',
    '<span class="key"><i class="swatch down"></i>outage</span>',
    ...[...kinds].map((k) => `<span class="key"><i class="swatch m-${k}"></i>${e(MARKER_NAMES[k])}</span>`),
  ].join('');
  const charts = view.paths
    .map(
      (p, i) =>
        `<div class="path"><h3>${e(p.path)}</h3><span class="meta">${p.ok} ok, ${p.failed} failed, ` +
        `${p.bands.length} outage(s), longest ${p.maxOutageMs} ms</span><div class="chart" id="chart-${i}"></div></div>`,
    )
    .join('\n');
  return (
    `<section><h2>Timeline per probe path</h2><p class="legend">${legend}</p>` +
    '<p class="note">The log has no per-probe latency: each chart shows when the path answered, its outages ' +
    `(from the first failed probe to the first answer) and the events of the run, in UTC.</p>\n${charts}</section>`
  );
}

function phases(view: DrillView): string {
  if (view.firstFailureMs === null) {
    return '<section><h2>Phases</h2><p class="none">No probe failed during the run: no failover was seen.</p></section>';
  }
  const origin = view.firstFailureMs;
  const rows = view.phases.map((p) => [
    e(p.name),
    p.atMs === null ? '—' : clock(p.atMs),
    p.atMs === null ? '—' : `+${Math.round(p.atMs - origin)} ms`,
    e(p.detail),
  ]);
  return `<section><h2>Phases</h2>${table(['phase', 'at (UTC)', 'after the first failure', 'detail'], rows, '')}</section>`;
}

function identity(log: DrillLog): string {
  const { before, after } = log.summary.identity;
  const fields: (keyof WatchIdentity)[] = ['nsmState', 'writeVerifier', 'serverOwner', 'serverScope', 'leaseTime'];
  const show = (v: string | number | null) => (v === null ? '—' : e(String(v)));
  const rows = fields.map((f) => [
    e(f),
    show(before[f]),
    show(after[f]),
    before[f] === after[f] ? 'same' : '<strong>changed</strong>',
  ]);
  return `<section><h2>Server identity</h2>${table(['field', 'before', 'after', ''], rows, '')}</section>`;
}

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; background: #f9fafb;
  margin: 0; padding: 24px 32px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 24px 0 8px; } h3 { font-size: 14px; margin: 0; display: inline; }
.sub { color: #4b5563; margin: 0 0 16px; }
.verdict { border-radius: 8px; padding: 12px 18px; margin: 0 0 16px; }
.verdict h2 { margin: 0; font-size: 26px; letter-spacing: 0.02em; }
.verdict.ok { background: #dcfce7; border: 1px solid #16a34a; color: #14532d; }
.verdict.bad { background: #fee2e2; border: 1px solid #dc2626; color: #7f1d1d; }
.verdict p, .verdict ul { margin: 6px 0 0; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; margin: 0; }
.facts div { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 6px 10px; }
.facts div.bad { border-color: #dc2626; background: #fef2f2; }
.facts dt { color: #6b7280; font-size: 12px; } .facts dd { margin: 0; font-size: 18px; font-weight: 600; }
.path { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 10px; margin: 0 0 8px; }
.meta { color: #6b7280; margin-left: 10px; font-size: 12px; }
.chart { width: 100%; margin-top: 4px; }
.legend .key { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.swatch.up { background: #15803d; } .swatch.down { background: rgba(220, 38, 38, 0.35); }
.m-stale { background: #b91c1c; } .m-verifier { background: #7c3aed; } .m-identity { background: #c2410c; }
.m-grace { background: #2563eb; } .m-sm-notify { background: #0f766e; } .m-reclaim { background: #4b5563; }
.m-lost-write { background: #dc2626; }
.note, .none { color: #6b7280; }
table { border-collapse: collapse; background: #fff; border: 1px solid #e5e7eb; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; } td { font-variant-numeric: tabular-nums; }
code { font-size: 12px; word-break: break-all; }
footer { color: #9ca3af; margin-top: 28px; font-size: 12px; }
`;

export interface ReportOptions {
  /** Where the log came from, shown in the footer (a file name). */
  readonly source?: string;
}

/** The whole report. `log` comes from parseWatchLog / drillFromEvents. */
export function renderReport(log: DrillLog, options: ReportOptions = {}): string {
  const view = buildView(log);
  const assets = chartAssets();
  const target = view.host === undefined ? 'unknown server' : `${view.host}:${view.exportPath ?? ''}`;
  const started = new Date(view.startMs).toISOString().replace('T', ' ').slice(0, 19);
  const chartData = {
    startMs: view.startMs,
    endMs: view.endMs,
    paths: view.paths.map((p) => ({ path: p.path, bands: p.bands, markers: p.markers })),
  };
  const pathRows = view.paths.map((p) => [
    e(p.path),
    String(p.ok),
    String(p.failed),
    String(p.bands.length),
    `${p.maxOutageMs} ms`,
  ]);
  const lostRows = view.lostWrites.map((w) => [
    clock(Date.parse(w.at)),
    String(w.seq),
    String(w.offset),
    e(w.stability),
    e(w.detail),
  ]);
  const reclaimRows = view.reclaims.map((r) => [clock(Date.parse(r.at)), e(r.kind), e(r.status), e(r.detail)]);
  const staleRows = view.stale.map((s) => [
    clock(Date.parse(s.at)),
    e(s.path),
    e(s.field ?? '—'),
    `${e(s.detail)}<br>${e(s.remedy)}`,
    `<code>${e(s.handle)}</code><br><code>${e(s.current ?? '—')}</code>`,
  ]);
  const eventRows = view.events.map((ev) => [
    clock(Date.parse(ev.at)),
    e(ev.event),
    'path' in ev ? e(ev.path) : '',
    e(describe(ev)),
  ]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`Failover drill ${view.ok ? 'OK' : 'PROBLEMS'}: ${target}`)}</title>
<style>${assets.style}</style>
<style>${STYLE}</style>
</head>
<body>
<h1>Failover drill: ${e(target)}</h1>
<p class="sub">${e(started)} UTC, ${e(seconds(log.summary.durationMs))} watched, ${view.paths.length} probe path(s)</p>
${verdict(view)}
${facts(log, view)}
${timeline(view)}
${phases(view)}
<section><h2>Probe paths</h2>${table(['path', 'ok', 'failed', 'outages', 'longest'], pathRows, 'no probe path')}</section>
<section><h2>Lost acknowledged writes</h2>${table(['at (UTC)', 'seq', 'offset', 'stability', 'detail'], lostRows, 'None: every acknowledged write was read back intact.')}</section>
<section><h2>Reclaims</h2>${table(['at (UTC)', 'kind', 'status', 'detail'], reclaimRows, 'No reclaim in this run.')}</section>
<section><h2>Stale handles</h2>${table(['at (UTC)', 'path', 'field', 'detail', 'handle before / now'], staleRows, 'None.')}</section>
${identity(log)}
<section><h2>Events</h2>${table(['at (UTC)', 'event', 'path', 'detail'], eventRows, 'No event between start and summary.')}</section>
<footer>Made by nfsprobe report${options.source === undefined ? '' : ` from ${e(options.source)}`}${log.skipped > 0 ? `; ${log.skipped} line(s) of unknown events skipped` : ''}. Charts: uPlot ${e(assets.version)} (MIT).</footer>
<script type="application/json" id="drill-data">${inlineJson(chartData)}</script>
<script>${assets.script}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}
