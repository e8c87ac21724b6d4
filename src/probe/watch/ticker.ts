// One timer for every probe path of a watch. Paths wait for points on one grid (origin + k * interval), so the
// paths that are due together wake together: one timer wake-up per interval instead of one per path, and no
// per-sleep reaction left on a long-lived promise.

interface Waiter {
  readonly dueMs: number;
  readonly resolve: () => void;
}

/** Timer precision: a waiter due within this of the firing time is woken with it (setTimeout rounds to 1 ms). */
const SLACK_MS = 1;

export class Ticker {
  private readonly waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(
    readonly intervalMs: number,
    readonly originMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The next grid point strictly after `afterMs` (the paths' next probe time). */
  nextAfter(afterMs: number): number {
    if (this.intervalMs <= 0) return afterMs;
    const k = Math.floor((afterMs - this.originMs) / this.intervalMs) + 1;
    return this.originMs + k * this.intervalMs;
  }

  /** Resolves at `dueMs` (performance.now() time), or at once once closed or when it is due already. */
  until(dueMs: number): Promise<void> {
    if (this.closed || dueMs - this.now() <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ dueMs, resolve });
      if (dueMs < this.armedFor) this.arm(dueMs);
    });
  }

  /** Wakes every waiter now; later calls of `until` resolve at once. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const all = this.waiters.splice(0);
    for (const waiter of all) waiter.resolve();
  }

  /** Waiters not yet woken (for tests). */
  get pending(): number {
    return this.waiters.length;
  }

  private arm(dueMs: number): void {
    clearTimeout(this.timer);
    this.armedFor = dueMs;
    this.timer = setTimeout(() => this.fire(), Math.max(0, dueMs - this.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.now() + SLACK_MS;
    let next = Number.POSITIVE_INFINITY;
    const due: Waiter[] = [];
    let kept = 0;
    for (const waiter of this.waiters) {
      if (waiter.dueMs <= now) due.push(waiter);
      else {
        this.waiters[kept++] = waiter;
        if (waiter.dueMs < next) next = waiter.dueMs;
      }
    }
    this.waiters.length = kept;
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
    for (const waiter of due) waiter.resolve();
  }
}
