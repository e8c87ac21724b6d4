// Read a `watch --json` log (../shared/CLI.md: one object per line, the summary last) into a typed DrillLog. Every
// event the report uses is checked field by field, so that a hand-edited or truncated log fails with its line number
// instead of rendering nonsense; event names it does not know (a newer watcher) are counted and skipped.
import type { SmNotifyEvent, StartEvent, SummaryEvent, WatchEvent } from '../watch/events.js';
import { ReportError } from './errors.js';

/** SM_NOTIFY seen by the watch (`watch --locks`). */
export type { SmNotifyEvent };

export type DrillEvent = Exclude<WatchEvent, SummaryEvent>;

export interface DrillLog {
  /** The start event, undefined when the log lacks it (the report then starts at the first event). */
  readonly start: StartEvent | undefined;
  /** The events between start and summary, in the order of the log. */
  readonly events: readonly DrillEvent[];
  readonly summary: SummaryEvent;
  /** Lines with an event name this report does not know. */
  readonly skipped: number;
}

type Kind = 'string' | 'number' | 'boolean' | 'time' | 'string?' | 'number?' | 'scalar?' | 'object' | 'object?';
type Shape = Readonly<Record<string, Kind | 'array'>>;

const IDENTITY: Shape = {
  nsmState: 'number?',
  writeVerifier: 'string?',
  serverOwner: 'string?',
  serverScope: 'string?',
  leaseTime: 'number?',
};
const RECLAIM: Shape = { at: 'time', kind: 'string', status: 'string', detail: 'string' };
const OUTAGE: Shape = { startAt: 'time', endAt: 'time', durationMs: 'number' };
const PATH_SUMMARY: Shape = { path: 'string', ok: 'number', failed: 'number', maxOutageMs: 'number', outages: 'array' };

const SHAPES: Readonly<Record<string, Shape>> = {
  start: { host: 'string', export: 'string', paths: 'array', identity: 'object' },
  down: { path: 'string', error: 'string' },
  up: { path: 'string', outageMs: 'number' },
  stale: {
    path: 'string',
    handle: 'string',
    current: 'string?',
    field: 'string?',
    detail: 'string',
    remedy: 'string',
  },
  verifier: { before: 'string', after: 'string', resent: 'number' },
  identity: { field: 'string', before: 'scalar?', after: 'scalar?' },
  grace: { path: 'string', graceMs: 'number' },
  reclaim: RECLAIM,
  'lost-write': { seq: 'number', offset: 'number', stability: 'string', detail: 'string' },
  'sm-notify': { from: 'string', monName: 'string', state: 'number' },
  summary: {
    ok: 'boolean',
    durationMs: 'number',
    maxOutageMs: 'number',
    paths: 'array',
    staleHandles: 'number',
    writesAcknowledged: 'number',
    lostWrites: 'number',
    verifierChanges: 'number',
    graceMs: 'number?',
    smNotify: 'object?',
    reclaims: 'array',
    identity: 'object',
    problems: 'array',
  },
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fits(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'time':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    case 'string?':
      return value === null || typeof value === 'string';
    case 'number?':
      return value === null || (typeof value === 'number' && Number.isFinite(value));
    case 'scalar?':
      return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
    case 'object':
      return isObject(value);
    case 'object?':
      return value === null || isObject(value);
  }
}

const WORDS: Readonly<Record<Kind | 'array', string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  time: 'an ISO-8601 time',
  'string?': 'a string or null',
  'number?': 'a number or null',
  'scalar?': 'a string, a number or null',
  object: 'an object',
  'object?': 'an object or null',
  array: 'an array',
};

/** Check `value` against `shape`; `where` names it in the message (`summary.paths[2].outages[0]`). */
function checkShape(value: unknown, shape: Shape, where: string, line: number): Record<string, unknown> {
  if (!isObject(value)) throw new ReportError('BAD_EVENT', `${where} must be an object`, line);
  for (const [field, kind] of Object.entries(shape)) {
    const v = value[field];
    const ok = kind === 'array' ? Array.isArray(v) : fits(v, kind);
    if (!ok) throw new ReportError('BAD_EVENT', `${where}.${field} must be ${WORDS[kind]}`, line);
  }
  return value;
}

function checkList(value: unknown, where: string, each: (item: unknown, where: string) => void): void {
  (value as unknown[]).forEach((item, i) => {
    each(item, `${where}[${i}]`);
  });
}

/** The deeper parts of the events the report reads beyond their top-level fields. */
function checkNested(event: Record<string, unknown>, name: string, line: number): void {
  if (name === 'start') {
    checkList(event.paths, 'start.paths', (p, where) => {
      if (typeof p !== 'string') throw new ReportError('BAD_EVENT', `${where} must be a string`, line);
    });
    checkShape(event.identity, IDENTITY, 'start.identity', line);
  } else if (name === 'summary') {
    checkList(event.paths, 'summary.paths', (p, where) => {
      const path = checkShape(p, PATH_SUMMARY, where, line);
      checkList(path.outages, `${where}.outages`, (o, w) => checkShape(o, OUTAGE, w, line));
    });
    checkList(event.reclaims, 'summary.reclaims', (r, where) => checkShape(r, RECLAIM, where, line));
    checkList(event.problems, 'summary.problems', (p, where) => {
      if (typeof p !== 'string') throw new ReportError('BAD_EVENT', `${where} must be a string`, line);
    });
    const identity = checkShape(event.identity, { before: 'object', after: 'object' }, 'summary.identity', line);
    checkShape(identity.before, IDENTITY, 'summary.identity.before', line);
    checkShape(identity.after, IDENTITY, 'summary.identity.after', line);
  }
}

/** One parsed line: a known event (checked), or undefined for an event name the report does not know. */
function parseLine(text: string, line: number): DrillEvent | SummaryEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ReportError('NOT_JSON', 'not JSON (a watch log has one JSON object per line)', line);
  }
  if (!isObject(value) || typeof value.event !== 'string') {
    throw new ReportError('BAD_EVENT', 'not a watch event: an object with an "event" name is expected', line);
  }
  const name = value.event;
  if (!fits(value.at, 'time')) throw new ReportError('BAD_EVENT', `${name}.at must be an ISO-8601 time`, line);
  const shape = SHAPES[name];
  if (shape === undefined) return undefined;
  checkShape(value, shape, name, line);
  checkNested(value, name, line);
  return value as unknown as DrillEvent | SummaryEvent;
}

/** Parse a whole `watch --json` log. Throws ReportError (with the line) for anything that is not one. */
export function parseWatchLog(text: string): DrillLog {
  const lines = text.split('\n');
  let start: StartEvent | undefined;
  let summary: SummaryEvent | undefined;
  let summaryLine = 0;
  let skipped = 0;
  let seen = 0;
  const events: DrillEvent[] = [];
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    seen++;
    const event = parseLine(trimmed, line);
    if (summary !== undefined) {
      throw new ReportError(
        'AFTER_SUMMARY',
        `an event after the summary of line ${summaryLine}: give the log of one run (a new run starts a new file)`,
        line,
      );
    }
    if (event === undefined) skipped++;
    else if (event.event === 'summary') {
      summary = event;
      summaryLine = line;
    } else if (event.event === 'start' && start === undefined && events.length === 0) start = event;
    else events.push(event);
  });
  if (seen === 0) throw new ReportError('EMPTY', 'the log is empty');
  if (summary === undefined) {
    throw new ReportError('NO_SUMMARY', 'no summary line (the watch was cut off before it ended)');
  }
  return { start, events, summary, skipped };
}

/** The same checks on events held in memory (`watch --report`): they pass through JSON as a log's lines would. */
export function drillFromEvents(events: readonly WatchEvent[]): DrillLog {
  return parseWatchLog(events.map((e) => JSON.stringify(e)).join('\n'));
}
