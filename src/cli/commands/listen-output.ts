// What `nfsprobe listen` prints, and how much: one line per notification up to a rate, then one summary of what was
// left out. A peer can send thousands of SM_NOTIFY a second; a log or a terminal should not have to take them all.

/** A cancellable timer (setTimeout by default; tests pass their own). */
export type Schedule = (run: () => void, ms: number) => () => void;

const realSchedule: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

/**
 * At most `perSecond` lines in each one-second window (a window opens with the first line after the previous one
 * closed). Lines over the limit are counted, not printed; when their window closes `onSuppressed(count)` is called
 * once (from a timer, or before the next admitted line if that comes first), so the summary always sits between the
 * last line of one window and the first of the next.
 */
export class OutputLimiter {
  private windowStart = Number.NEGATIVE_INFINITY;
  private printed = 0;
  private suppressed = 0;
  private cancel: (() => void) | undefined;
  /** Lines suppressed so far, in total. */
  totalSuppressed = 0;

  constructor(
    private readonly perSecond: number,
    private readonly onSuppressed: (count: number) => void,
    private readonly now: () => number = Date.now,
    private readonly schedule: Schedule = realSchedule,
  ) {}

  /** True: print this line now. False: it was counted and will be summarised. `perSecond` 0 means no limit. */
  admit(): boolean {
    if (this.perSecond === 0) return true;
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.flush();
      this.windowStart = now;
      this.printed = 0;
    }
    if (this.printed < this.perSecond) {
      this.printed++;
      return true;
    }
    this.suppressed++;
    this.totalSuppressed++;
    this.cancel ??= this.schedule(
      () => {
        this.cancel = undefined;
        this.flush();
      },
      Math.max(0, this.windowStart + 1000 - now),
    );
    return false;
  }

  /** Report what is suppressed and not yet reported (at a window's end, and when stopping). */
  flush(): void {
    this.cancel?.();
    this.cancel = undefined;
    const count = this.suppressed;
    this.suppressed = 0;
    if (count > 0) this.onSuppressed(count);
  }
}
