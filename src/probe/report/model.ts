// What the report shows, derived from a DrillLog: the time range, per probe path its outage bands and markers, the
// phases of the failover (first failure, first reply per program, recovery) and the tables. Times are ms since the
// epoch; nothing here formats or escapes (html.ts does).
import type { LostWriteEvent, ReclaimEvent, StaleEvent } from '../watch/events.js';
import type { DrillEvent, DrillLog, SmNotifyEvent } from './log.js';

export type MarkerKind = 'stale' | 'verifier' | 'identity' | 'grace' | 'sm-notify' | 'reclaim' | 'lost-write';

export interface Marker {
  readonly atMs: number;
  readonly kind: MarkerKind;
  /** Peer-controlled text (drawn on the canvas, never parsed as HTML). */
  readonly label: string;
}

export interface Band {
  readonly startMs: number;
  readonly endMs: number;
  /** Still down when the run ended. */
  readonly open: boolean;
}

export interface PathView {
  readonly path: string;
  readonly ok: number;
  readonly failed: number;
  readonly maxOutageMs: number;
  readonly bands: readonly Band[];
  readonly markers: readonly Marker[];
}

export interface Phase {
  readonly name: string;
  /** When it happened, null when it did not (in this run). */
  readonly atMs: number | null;
  /** The probe path or event that marks it. */
  readonly detail: string;
}

export interface DrillView {
  readonly host: string | undefined;
  readonly exportPath: string | undefined;
  readonly startMs: number;
  readonly endMs: number;
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** Null when nothing failed. */
  readonly firstFailureMs: number | null;
  readonly paths: readonly PathView[];
  readonly phases: readonly Phase[];
  readonly stale: readonly StaleEvent[];
  readonly lostWrites: readonly LostWriteEvent[];
  readonly reclaims: readonly ReclaimEvent[];
  readonly smNotify: readonly SmNotifyEvent[];
  /** Chronological, the summary excluded. */
  readonly events: readonly DrillEvent[];
}

const ms = (at: string): number => Date.parse(at);

/** The paths of each program's first reply after the first failure, in the order the phase table lists them. */
const PHASE_PATHS: readonly { readonly name: string; readonly prefix: string }[] = [
  { name: 'first rpcbind NULL reply', prefix: 'rpcbind-' },
  { name: 'first mountd NULL reply', prefix: 'mount-null-' },
  { name: 'first nfs NULL reply', prefix: 'nfs3-null-' },
  { name: 'first GETATTR (old handles)', prefix: 'nfs3-getattr-' },
  { name: 'first WRITE', prefix: 'nfs3-write-' },
  { name: 'first NFSv4.1 SEQUENCE', prefix: 'nfs4-sequence' },
];

function markerOf(event: DrillEvent): { marker: Marker; path: string | 'data' | 'all' } | undefined {
  const atMs = ms(event.at);
  switch (event.event) {
    case 'stale':
      return { marker: { atMs, kind: 'stale', label: `stale ${event.field ?? 'handle'}` }, path: event.path };
    case 'grace':
      return { marker: { atMs, kind: 'grace', label: `grace ${event.graceMs} ms` }, path: event.path };
    case 'verifier':
      return { marker: { atMs, kind: 'verifier', label: `verifier, ${event.resent} resent` }, path: 'data' };
    case 'lost-write':
      return { marker: { atMs, kind: 'lost-write', label: `lost seq ${event.seq}` }, path: 'data' };
    case 'identity':
      return { marker: { atMs, kind: 'identity', label: `${event.field} changed` }, path: 'all' };
    case 'reclaim':
      return { marker: { atMs, kind: 'reclaim', label: `reclaim ${event.kind} ${event.status}` }, path: 'all' };
    case 'sm-notify':
      return { marker: { atMs, kind: 'sm-notify', label: `SM_NOTIFY ${event.monName}` }, path: 'all' };
    default:
      return undefined;
  }
}

/** Outage bands of one path: the summary's outages, plus any down event none of them covers (to its up or the end). */
function bandsOf(log: DrillLog, path: string, endMs: number): Band[] {
  const ups = log.events.filter((e) => e.event === 'up' && e.path === path).map((e) => ms(e.at));
  const outages = log.summary.paths.find((p) => p.path === path)?.outages ?? [];
  const bands: Band[] = outages.map((o) => ({
    startMs: ms(o.startAt),
    endMs: ms(o.endAt),
    open: !ups.some((u) => Math.abs(u - ms(o.endAt)) <= 1),
  }));
  for (const e of log.events) {
    if (e.event !== 'down' || e.path !== path) continue;
    const at = ms(e.at);
    if (bands.some((b) => at >= b.startMs && at <= b.endMs)) continue;
    const up = ups.filter((u) => u > at).sort((a, b) => a - b)[0];
    bands.push({ startMs: at, endMs: up ?? endMs, open: up === undefined });
  }
  return bands.sort((a, b) => a.startMs - b.startMs);
}

export function buildView(log: DrillLog): DrillView {
  const { start, summary } = log;
  const events = [...log.events].sort((a, b) => ms(a.at) - ms(b.at));
  const startMs =
    start === undefined ? Math.min(ms(summary.at) - summary.durationMs, ...events.map((e) => ms(e.at))) : ms(start.at);
  const endMs = Math.max(startMs + summary.durationMs, ...events.map((e) => ms(e.at)));
  const names = start?.paths ?? summary.paths.map((p) => p.path);
  const dataPaths = names.filter((p) => p.startsWith('nfs3-write-'));
  const paths: PathView[] = names.map((path) => {
    const s = summary.paths.find((p) => p.path === path);
    const markers: Marker[] = [];
    for (const e of events) {
      const m = markerOf(e);
      if (m === undefined) continue;
      // A marker for a path that has no chart of its own (grace as the lock canary saw it: `nlm`, `nfs4`) goes on
      // every chart, as the run-wide markers do.
      const here =
        m.path === 'all' ||
        m.path === path ||
        (m.path !== 'data' && !names.includes(m.path)) ||
        (m.path === 'data' && (dataPaths.length === 0 || dataPaths.includes(path)));
      if (here) markers.push(m.marker);
    }
    return {
      path,
      ok: s?.ok ?? 0,
      failed: s?.failed ?? 0,
      maxOutageMs: s?.maxOutageMs ?? 0,
      bands: bandsOf(log, path, endMs),
      markers,
    };
  });
  const starts = paths.flatMap((p) => p.bands.map((b) => b.startMs));
  const firstFailureMs = starts.length === 0 ? null : Math.min(...starts);
  const reclaims = summary.reclaims.length > 0 ? summary.reclaims : events.filter((e) => e.event === 'reclaim');
  return {
    host: start?.host,
    exportPath: start?.export,
    startMs,
    endMs,
    ok: summary.ok,
    problems: summary.problems,
    firstFailureMs,
    paths,
    phases: phasesOf(events, paths, firstFailureMs, summary.graceMs),
    stale: events.filter((e) => e.event === 'stale'),
    lostWrites: events.filter((e) => e.event === 'lost-write'),
    reclaims,
    smNotify: events.filter((e) => e.event === 'sm-notify'),
    events,
  };
}

function firstUp(
  events: readonly DrillEvent[],
  after: number,
  test: (path: string) => boolean,
): DrillEvent | undefined {
  return events.find((e) => e.event === 'up' && test(e.path) && ms(e.at) >= after);
}

function phasesOf(
  events: readonly DrillEvent[],
  paths: readonly PathView[],
  firstFailureMs: number | null,
  graceMs: number | null,
): Phase[] {
  if (firstFailureMs === null) return [];
  const first = paths.find((p) => p.bands.some((b) => b.startMs === firstFailureMs));
  const phases: Phase[] = [{ name: 'first failure', atMs: firstFailureMs, detail: first?.path ?? '' }];
  for (const { name, prefix } of PHASE_PATHS) {
    if (!paths.some((p) => p.path.startsWith(prefix))) continue;
    const up = firstUp(events, firstFailureMs, (path) => path.startsWith(prefix));
    phases.push(
      up?.event === 'up'
        ? { name, atMs: ms(up.at), detail: up.path }
        : { name, atMs: null, detail: 'no reply after the first failure' },
    );
  }
  const grace = events.find((e) => e.event === 'grace');
  if (grace?.event === 'grace') {
    phases.push({ name: 'end of grace', atMs: ms(grace.at), detail: `${grace.path}, ${grace.graceMs} ms of grace` });
  } else if (graceMs !== null) {
    phases.push({ name: 'end of grace', atMs: null, detail: `${graceMs} ms of grace` });
  }
  const notify = events.find((e) => e.event === 'sm-notify');
  if (notify?.event === 'sm-notify') {
    phases.push({ name: 'SM_NOTIFY received', atMs: ms(notify.at), detail: `${notify.monName} from ${notify.from}` });
  }
  // Recovery: every path that failed has answered again; the last of them marks it.
  const failed = paths.filter((p) => p.bands.length > 0);
  const recoveries = failed.map((p) => ({ path: p.path, up: firstUp(events, firstFailureMs, (x) => x === p.path) }));
  const never = recoveries.filter((r) => r.up === undefined).map((r) => r.path);
  if (never.length > 0) {
    phases.push({ name: 'recovery', atMs: null, detail: `not recovered: ${never.join(', ')}` });
  } else {
    const last = recoveries.reduce((a, b) => (ms(b.up!.at) > ms(a.up!.at) ? b : a));
    const down = paths.filter((p) => p.bands.some((b) => b.open)).map((p) => p.path);
    const later = down.length === 0 ? '' : `; down again at the end: ${down.join(', ')}`;
    phases.push({
      name: 'recovery',
      atMs: ms(last.up!.at),
      detail: `every path answers again (last: ${last.path})${later}`,
    });
  }
  return phases;
}
