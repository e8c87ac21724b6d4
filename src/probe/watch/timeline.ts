// One probe path's timeline: successes, failures and outages. An outage is a gap of more than two intervals
// between two successful probes; it lasts from the send time of its first failed probe to the send time of the
// first successful one, so on a fixed tick its measured length is within one interval of the real one.
import type { Outage, PathSummary } from './events.js';

/** What `record` observed: nothing new, the path just went down, or it came back after an outage. */
export type Transition =
  | { readonly kind: 'none' }
  | { readonly kind: 'down'; readonly error: string }
  | { readonly kind: 'up'; readonly outage: Outage; readonly firstFailureMs: number };

/** Milliseconds on `performance.now()`'s clock as an ISO-8601 wall-clock time. */
export function isoAt(monotonicMs: number): string {
  return new Date(performance.timeOrigin + monotonicMs).toISOString();
}

export class PathTimeline {
  readonly path: string;
  private readonly intervalMs: number;
  private ok = 0;
  private failed = 0;
  private lastOkMs: number | undefined;
  private firstFailMs: number | undefined;
  private consecutiveFailures = 0;
  private down = false;
  private readonly outageList: Outage[] = [];
  /** Send time of the first failure of the first outage (the path's part of the failover timeline). */
  firstFailureMs: number | undefined;
  /** Send time of the first success after the first outage. */
  firstRecoveryMs: number | undefined;

  constructor(path: string, intervalMs: number) {
    this.path = path;
    this.intervalMs = intervalMs;
  }

  /** Record one probe sent at `sentMs` (performance.now()); `error` is the failure's code, undefined on success. */
  record(sentMs: number, error?: string): Transition {
    if (error !== undefined) {
      this.failed++;
      this.consecutiveFailures++;
      if (this.firstFailMs === undefined) this.firstFailMs = sentMs;
      if (!this.down && this.consecutiveFailures >= 2) {
        this.down = true;
        return { kind: 'down', error };
      }
      return { kind: 'none' };
    }
    this.ok++;
    this.consecutiveFailures = 0;
    let transition: Transition = { kind: 'none' };
    const failedSince = this.firstFailMs;
    const gapMs = this.lastOkMs === undefined ? Number.POSITIVE_INFINITY : sentMs - this.lastOkMs;
    if (failedSince !== undefined && (this.down || gapMs > 2 * this.intervalMs)) {
      const outage: Outage = {
        startAt: isoAt(failedSince),
        endAt: isoAt(sentMs),
        durationMs: Math.round(sentMs - failedSince),
      };
      this.outageList.push(outage);
      if (this.firstFailureMs === undefined) {
        this.firstFailureMs = failedSince;
        this.firstRecoveryMs = sentMs;
      }
      transition = { kind: 'up', outage, firstFailureMs: failedSince };
    }
    this.down = false;
    this.firstFailMs = undefined;
    this.lastOkMs = sentMs;
    return transition;
  }

  /** Down now: two or more failures in a row since the last success. */
  get isDown(): boolean {
    return this.down;
  }

  /** Failing now (at least one failure since the last success). */
  get isFailing(): boolean {
    return this.firstFailMs !== undefined;
  }

  get everSucceeded(): boolean {
    return this.lastOkMs !== undefined;
  }

  /** Length so far of the current failure, 0 when the path is up. */
  currentOutageMs(nowMs: number): number {
    return this.firstFailMs === undefined ? 0 : Math.round(nowMs - this.firstFailMs);
  }

  get outages(): readonly Outage[] {
    return this.outageList;
  }

  /** At the end of a run: a path still failing counts its open outage up to `endMs`. */
  summary(endMs: number): PathSummary {
    const outages = [...this.outageList];
    if (this.firstFailMs !== undefined && this.down) {
      outages.push({
        startAt: isoAt(this.firstFailMs),
        endAt: isoAt(endMs),
        durationMs: Math.round(endMs - this.firstFailMs),
      });
    }
    return {
      path: this.path,
      ok: this.ok,
      failed: this.failed,
      maxOutageMs: outages.reduce((m, o) => Math.max(m, o.durationMs), 0),
      outages,
    };
  }
}
