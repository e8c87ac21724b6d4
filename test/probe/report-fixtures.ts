// Watch logs for the report tests: the real one from the failover lab (test/probe/report-lab.test.ts saved it, a move
// with a 2 s gap), and a drill with problems made from it with events of the real types (a stale handle, a lost
// write, an SM_NOTIFY from a hostile mon_name, a reclaim, an open outage).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SmNotifyEvent } from '../../src/probe/report/log.js';
import type {
  LostWriteEvent,
  ReclaimEvent,
  StaleEvent,
  SummaryEvent,
  WatchEvent,
} from '../../src/probe/watch/events.js';
import { root } from '../helpers/cli.js';

export const MOVE_LOG = join(root, 'test', 'fixtures', 'report', 'drill-move.jsonl');

export const HOSTILE = '</script><img src=x onerror=alert(1)>';

export function moveLog(): string {
  return readFileSync(MOVE_LOG, 'utf8');
}

export function moveEvents(): WatchEvent[] {
  return moveLog()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as WatchEvent);
}

const at = (base: string, plusMs: number) => new Date(Date.parse(base) + plusMs).toISOString();

/** The move with problems added; every string a peer controls carries HOSTILE. */
export function problemEvents(): (WatchEvent | SmNotifyEvent)[] {
  const events = moveEvents();
  const summary = events.pop() as SummaryEvent;
  const start = events[0]!;
  const stale: StaleEvent = {
    event: 'stale',
    at: at(start.at, 3900),
    path: 'nfs3-getattr-tcp',
    handle: '01000601',
    current: '01000602',
    field: 'fsid.minor',
    detail: `the handle of the export root changed: fsid.minor 1 -> 2 ${HOSTILE}`,
    remedy: 'Give both servers the same fsid= in /etc/exports.',
  };
  const lost: LostWriteEvent = {
    event: 'lost-write',
    at: at(start.at, 5900),
    seq: 17,
    offset: 69632,
    stability: 'FILE_SYNC',
    detail: 'missing',
  };
  const notify: SmNotifyEvent = {
    event: 'sm-notify',
    at: at(start.at, 4300),
    from: '10.99.0.100:612',
    monName: HOSTILE,
    state: 7,
  };
  const reclaim: ReclaimEvent = {
    event: 'reclaim',
    at: at(start.at, 4500),
    kind: 'nfs4-open',
    status: 'NFS4ERR_RECLAIM_BAD',
    detail: HOSTILE,
  };
  const endAt = at(summary.at, 0);
  const paths = summary.paths.map((p) =>
    p.path === 'nfs3-write-tcp'
      ? {
          ...p,
          outages: [
            ...p.outages,
            { startAt: at(start.at, 5000), endAt, durationMs: Date.parse(endAt) - Date.parse(at(start.at, 5000)) },
          ],
        }
      : p,
  );
  const problems = [
    `1 stale file handle(s) after the failover ${HOSTILE}`,
    '1 acknowledged write(s) lost',
    'nfs3-write-tcp was still down at the end',
  ];
  return [
    ...events,
    stale,
    notify,
    reclaim,
    { event: 'down', at: at(start.at, 5200), path: 'nfs3-write-tcp', error: 'TIMEOUT' },
    lost,
    { ...summary, ok: false, paths, staleHandles: 1, lostWrites: 1, reclaims: [reclaim], problems },
  ];
}

export function problemLog(): string {
  return `${problemEvents()
    .map((e) => JSON.stringify(e))
    .join('\n')}\n`;
}
