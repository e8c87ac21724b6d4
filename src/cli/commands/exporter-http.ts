// The exporter's HTTP side (node:http): `/metrics` in the Prometheus text format from the exporter's own Registry,
// `/` a short HTML page of the current checks, `/healthz`; anything else 404. Serving never waits for a probe: the
// metrics hold the last completed results.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Exporter, PartResult } from '../../probe/exporter/index.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML element content and attribute values: every string from a peer goes through here. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function row(cells: readonly string[], cls = ''): string {
  return `<tr${cls === '' ? '' : ` class="${cls}"`}>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
}

function when(part: PartResult): string {
  if (part.completedAt === null) return 'never completed';
  return `${new Date(part.completedAt).toISOString()} (${Math.round(part.durationMs)} ms)`;
}

function partRows(part: PartResult): string[] {
  const rows: string[] = [];
  if (part.health !== undefined) {
    for (const p of part.health.probes) {
      const status = p.skipped ? 'skip' : p.ok ? 'ok' : 'FAIL';
      const detail = p.ok ? (p.detail ?? '') : `${p.error ?? ''}${p.code === undefined ? '' : ` (${p.code})`}`;
      rows.push(row([status, p.name, p.rttMs === undefined ? '' : `${p.rttMs.toFixed(2)} ms`, detail], status));
    }
  }
  if (part.compare !== undefined) {
    for (const c of part.compare.checks) {
      const status = c.status === 'pass' ? 'ok' : c.status === 'warn' ? 'warn' : 'FAIL';
      rows.push(
        row([c.status.toUpperCase(), c.name, '', `${c.detail}${c.remedy === '' ? '' : ` ${c.remedy}`}`], status),
      );
    }
  }
  if (part.clients !== undefined) {
    for (const c of part.clients) {
      rows.push(row([c.status, c.name, c.rttMs === undefined ? '' : `${c.rttMs.toFixed(2)} ms`, c.error ?? ''], ''));
    }
  }
  return rows;
}

/** The `/` page: one table per probe part with its last completed result. */
export function statusPage(exporter: Exporter): string {
  const sections = exporter.state().parts.map((part) => {
    const error = part.error === undefined ? '' : `<p class="FAIL">last run: ${escapeHtml(part.error)}</p>`;
    return `<h2>${escapeHtml(part.probe)}</h2><p>${escapeHtml(when(part))}</p>${error}<table>${partRows(part).join('\n')}</table>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nfsprobe exporter</title>
<style>body{font-family:sans-serif;margin:1em}td{padding:0 .6em}.FAIL{color:#b00}.warn{color:#a60}.skip{color:#888}</style>
</head><body><h1>nfsprobe exporter</h1><p><a href="/metrics">/metrics</a></p>
${sections.join('\n')}
</body></html>
`;
}

/** An HTTP server for `exporter` (not yet listening). */
export function exporterServer(exporter: Exporter): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      const body = await exporter.metrics.serialize();
      res.writeHead(200, { 'content-type': exporter.metrics.contentType }).end(req.method === 'HEAD' ? '' : body);
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(statusPage(exporter));
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
    }
  };
  return createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
}
