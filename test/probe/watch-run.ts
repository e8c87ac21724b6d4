// Run `nfsprobe watch` as a child process for the failover tests: resolves `started` once the `start` event (JSON) or
// line (text) is out, so that a test moves the address only while the watch is really probing.
import { spawn } from 'node:child_process';
import type { SummaryEvent, WatchEvent } from '../../src/probe/watch/events.js';
import { bin, root } from '../helpers/cli.js';

export interface WatchRun {
  readonly pid: number;
  /** The start event is out (the watch has mounted and created its probe file). */
  readonly started: Promise<void>;
  readonly done: Promise<{ code: number | null; out: string; err: string }>;
  signal(name: NodeJS.Signals): void;
}

/**
 * `nice: true` runs the watch at nice -20: on a loaded test machine a starved watch process sends its probes late
 * and stretches the outages it measures (timing tests only).
 */
export function startWatch(args: readonly string[], options: { nice?: boolean } = {}): WatchRun {
  const command = options.nice ? ['nice', '-n', '-20', process.execPath] : [process.execPath];
  const child = spawn(command[0]!, [...command.slice(1), bin, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (child.pid === undefined) throw new Error('could not start nfsprobe');
  let out = '';
  let err = '';
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (/"event":"start"|watching /.test(out)) markStarted();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.once('close', (code) => {
      markStarted();
      resolve({ code, out, err });
    }),
  );
  const pid = child.pid;
  return {
    pid,
    started,
    done,
    signal(name) {
      try {
        process.kill(pid, name);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
  };
}

export function parseEvents(out: string): WatchEvent[] {
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as WatchEvent);
}

export function summaryOf(events: readonly WatchEvent[]): SummaryEvent {
  const last = events[events.length - 1];
  if (last?.event !== 'summary') throw new Error('the last event is not the summary');
  return last;
}
