// The body of `nfsprobe watch` (see watch.ts for its flags): run a Watcher, print each event, end with the summary.
import { drillFromEvents } from '../../probe/report/log.js';
import type { SummaryEvent, WatchEvent } from '../../probe/watch/events.js';
import { Watcher, type WatchOptions } from '../../probe/watch/watcher.js';
import { checkWritable } from '../atomic-write.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../errors.js';
import { type Output, paint, printable, printJsonLine, table } from '../output.js';
import { parseDuration, parseExportSpec } from '../parse.js';
import { checkPath } from './nfs-options.js';
import { writeReport } from './report-run.js';

export interface WatchFlags {
  duration?: string;
  interval?: string;
  nfsVersion?: string;
  transport?: string;
  file?: string;
  readOnly?: boolean;
  keep?: boolean;
  maxOutage?: string;
  untilRecovered?: string;
  log?: string;
  report?: string;
  locks?: boolean;
  callerName?: string;
  floatingName?: string;
  notifyPort?: string;
  notifyTimeout?: string;
  json?: boolean;
}

/** Flags -> Watcher options; UsageError (exit 2) for anything malformed, before anything is sent. */
export function watchOptions(spec: string, flags: WatchFlags, timeoutMs: number): WatchOptions {
  const parsed = parseExportSpec(spec);
  const options: WatchOptions = {
    host: parsed.host,
    exportPath: checkPath(parsed.path, 'export'),
    setupTimeoutMs: timeoutMs,
  };
  if (parsed.port !== undefined) options.rpcbindPort = parsed.port;
  const intervalMs = parseDuration(flags.interval ?? '100ms', '--interval');
  if (intervalMs < 5) throw new UsageError(`--interval must be at least 5ms, got ${intervalMs}ms`);
  options.intervalMs = intervalMs;
  if (flags.duration !== undefined) {
    options.durationMs = parseDuration(flags.duration, '--duration');
    if (options.durationMs <= 0) throw new UsageError('--duration must be longer than 0');
  }
  const version = flags.nfsVersion ?? '3';
  if (version !== '3' && version !== '4' && version !== 'all') {
    throw new UsageError(`--nfs-version must be 3, 4 or all, not '${version}'`);
  }
  options.nfsVersion = version;
  const transport = flags.transport ?? 'tcp';
  if (transport !== 'udp' && transport !== 'tcp' && transport !== 'both') {
    throw new UsageError(`--transport must be udp, tcp or both, not '${transport}'`);
  }
  options.transport = transport;
  if (flags.file !== undefined) {
    if (flags.file === '' || flags.file.includes('/') || flags.file === '.' || flags.file === '..') {
      throw new UsageError(`--file '${flags.file}' must be a plain file name in the export root`);
    }
    options.fileName = flags.file;
  }
  if (flags.readOnly) options.readOnly = true;
  if (flags.keep) options.keep = true;
  if (flags.maxOutage !== undefined) options.maxOutageMs = parseDuration(flags.maxOutage, '--max-outage');
  if (flags.untilRecovered !== undefined) {
    options.untilRecoveredMs = parseDuration(flags.untilRecovered, '--until-recovered');
  }
  if (flags.log !== undefined) options.logFile = flags.log;
  const lockFlags = ['callerName', 'floatingName', 'notifyPort', 'notifyTimeout'] as const;
  const lockFlag = lockFlags.find((f) => flags[f] !== undefined);
  if (!flags.locks && lockFlag !== undefined) {
    throw new UsageError(`--${lockFlag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --locks`);
  }
  if (flags.locks) {
    if (options.readOnly && options.fileName === undefined) {
      throw new UsageError('--locks needs a probe file: with --read-only name an existing one with --file');
    }
    const locks: NonNullable<WatchOptions['locks']> = {};
    for (const [flag, value] of [
      ['--caller-name', flags.callerName],
      ['--floating-name', flags.floatingName],
    ] as const) {
      if (value !== undefined && (value === '' || Buffer.byteLength(value) > 1024)) {
        throw new UsageError(`${flag} must be 1 to 1024 bytes`);
      }
    }
    if (flags.callerName !== undefined) locks.callerName = flags.callerName;
    if (flags.floatingName !== undefined) locks.floatingName = flags.floatingName;
    if (flags.notifyPort !== undefined) {
      const port = /^\d+$/.test(flags.notifyPort) ? Number(flags.notifyPort) : Number.NaN;
      if (!(port >= 1 && port <= 65535))
        throw new UsageError(`--notify-port must be 1-65535, not '${flags.notifyPort}'`);
      locks.notifyPort = port;
    }
    if (flags.notifyTimeout !== undefined) {
      locks.notifyTimeoutMs = parseDuration(flags.notifyTimeout, '--notify-timeout');
      if (locks.notifyTimeoutMs <= 0) throw new UsageError('--notify-timeout must be longer than 0');
    }
    options.locks = locks;
  }
  return options;
}

function clock(at: string): string {
  return at.slice(11, 23);
}

/** One human line per event (the summary has its own block). */
export function describeEvent(output: Output, event: WatchEvent): string | undefined {
  const o = output.out;
  switch (event.event) {
    case 'start':
      return `${clock(event.at)}  watching ${event.host}:${event.export}: ${event.paths.join(', ')}`;
    case 'down':
      return `${clock(event.at)}  ${paint(o, 'red', 'down')}  ${event.path}  ${event.error}`;
    case 'up':
      return `${clock(event.at)}  ${paint(o, 'green', 'up')}    ${event.path}  after ${event.outageMs} ms`;
    case 'stale':
      return `${clock(event.at)}  ${paint(o, 'red', 'stale')} ${event.path}  ${event.detail}. ${event.remedy}`;
    case 'verifier':
      return `${clock(event.at)}  write verifier ${event.before} -> ${event.after}; ${event.resent} uncommitted record(s) resent`;
    case 'identity':
      return `${clock(event.at)}  identity ${event.field}: ${String(event.before)} -> ${String(event.after)}`;
    case 'grace':
      return `${clock(event.at)}  grace period on ${event.path}: ${event.graceMs} ms`;
    case 'reclaim':
      return `${clock(event.at)}  reclaim ${event.kind}: ${event.status === 'ok' ? paint(o, 'green', 'ok') : paint(o, 'red', event.status)}  ${event.detail}`;
    case 'sm-notify':
      return `${clock(event.at)}  SM_NOTIFY from ${event.from}: mon_name ${printable(event.monName)}, state ${event.state}`;
    case 'lost-write':
      return `${clock(event.at)}  ${paint(o, 'red', 'LOST')}  acknowledged write seq ${event.seq} at offset ${event.offset} (${event.stability}): ${event.detail}`;
    case 'summary':
      return undefined;
  }
}

function describeSummary(output: Output, s: SummaryEvent, watcher: Watcher): string {
  const lines: string[] = [];
  lines.push(
    `${s.ok ? paint(output.out, 'green', 'healthy') : paint(output.out, 'red', 'PROBLEM')}: ${Math.round(s.durationMs / 100) / 10} s watched, longest outage ${s.maxOutageMs} ms`,
  );
  const rows: string[][] = [['path', 'ok', 'failed', 'outages', 'longest']];
  for (const p of s.paths) {
    rows.push([p.path, String(p.ok), String(p.failed), String(p.outages.length), `${p.maxOutageMs} ms`]);
  }
  lines.push(table(rows));
  const phases = watcher.phases();
  if (phases.length > 0) {
    lines.push('recovery after the first failure:');
    lines.push(table(phases.map((p) => [`  ${p.path}`, `+${p.recoveredAfterMs} ms`])));
  }
  lines.push(
    `writes acknowledged ${s.writesAcknowledged}, lost ${s.lostWrites}; write verifier changes ${s.verifierChanges}; stale handles ${s.staleHandles}`,
  );
  if (s.verifierChanges === 0 && s.writesAcknowledged > 0 && s.maxOutageMs > 0) {
    lines.push(
      'warning: the write verifier did not change across the outage: had the server lost uncommitted writes, ' +
        'clients would not have resent them',
    );
  }
  if (s.locks !== null) lines.push(...describeLocks(s));
  for (const problem of s.problems) lines.push(`problem: ${problem}`);
  return `${lines.join('\n')}\n`;
}

/** The lock canary's lines of the summary. */
function describeLocks(s: SummaryEvent): string[] {
  const n = s.smNotify;
  const lines: string[] = [];
  if (n === null) {
    // NFSv4.1 only: no NLM lock, so no NSM and no SM_NOTIFY to expect.
  } else if (n.received) {
    const when = [
      n.afterFirstFailureMs === null ? undefined : `+${n.afterFirstFailureMs} ms after the first failure`,
      n.afterRecoveryMs === null
        ? undefined
        : `${n.afterRecoveryMs >= 0 ? '+' : ''}${n.afterRecoveryMs} ms after recovery`,
    ].filter((w) => w !== undefined);
    lines.push(
      `SM_NOTIFY from ${n.from} (expected ${n.expected.from}), mon_name ${printable(n.monName ?? '')} (expected ` +
        `${printable(n.expected.monName)}), state ${n.state} (before: ${n.expected.stateAbove ?? 'unknown'})` +
        (when.length > 0 ? `, ${when.join(', ')}` : ''),
    );
  } else {
    lines.push(
      `no SM_NOTIFY received (listener on port ${n.port}${n.listener === 'rpcbind' ? ', registered with rpcbind' : ' only'})`,
    );
  }
  for (const r of s.reclaims) lines.push(`reclaim ${r.kind}: ${r.status}`);
  if (s.graceMs !== null) lines.push(`grace enforced for a second lock owner: about ${s.graceMs} ms as seen`);
  const conflicts = s.locks?.conflicts ?? [];
  if (conflicts.length > 0) {
    lines.push(`second lock owner: ${conflicts.map((c) => `${c.kind} ${c.when} ${c.status}`).join(', ')}`);
  }
  return lines;
}

function statusLine(watcher: Watcher): string {
  const status = watcher.status();
  const paths = status.paths
    .map((p) => (p.up && p.outageMs === 0 ? `${p.path} up` : `${p.path} DOWN ${(p.outageMs / 1000).toFixed(1)}s`))
    .join('  ');
  return `${(status.elapsedMs / 1000).toFixed(1)}s  ${paths}  writes ${status.writesAcknowledged}`;
}

export async function watchCommand(output: Output, spec: string, flags: WatchFlags): Promise<number> {
  const controller = new AbortController();
  const options = watchOptions(spec, flags, output.timeoutMs);
  if (flags.report !== undefined) {
    if (flags.report === '' || flags.report === '-') {
      throw new UsageError('--report needs a file name (stdout carries the watch output)');
    }
    checkWritable(flags.report, '--report');
  }
  options.signal = controller.signal;
  if (options.locks !== undefined) options.locks.onNotice = (line) => output.err.write(`nfsprobe: ${line}\n`);
  const watcher = new Watcher(options);
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const tty = !output.json && output.err.isTTY === true;
  const clearStatus = () => {
    if (tty) output.err.write('\r\u001b[K');
  };
  const ticker = tty
    ? setInterval(() => output.err.write(`\r\u001b[K${statusLine(watcher).slice(0, 200)}`), 250)
    : undefined;
  try {
    const summary = await watcher.run((event) => {
      if (output.json) {
        printJsonLine(output, event);
        return;
      }
      const line = describeEvent(output, event);
      if (line === undefined) return;
      clearStatus();
      output.out.write(`${line}\n`);
    });
    clearInterval(ticker);
    clearStatus();
    if (!output.json) output.out.write(describeSummary(output, summary, watcher));
    if (flags.report !== undefined) writeReport(output, drillFromEvents(watcher.history()), flags.report);
    return summary.ok ? EXIT_OK : EXIT_PROBLEM;
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
