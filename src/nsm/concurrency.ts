// Bounded concurrency for work over thousands of hosts or files: at most `limit` tasks in flight.

/** Run `task` for every item with at most `limit` in flight; resolves when all have settled (rejects on the first throw). */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers: Promise<void>[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  for (let i = 0; i < Math.max(1, Math.min(limit, items.length)); i++) workers.push(worker());
  await Promise.all(workers);
}

/**
 * A counting semaphore: `run(task)` waits for one of `limit` slots, runs the task, frees the slot. FIFO, except that
 * `urgent` waiters go before all others (a host's follow-up call should not queue behind every other host's first).
 */
export class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[][] = [[], []];
  private readonly heads = [0, 0];

  constructor(limit: number) {
    this.free = Math.max(1, limit);
  }

  async run<T>(task: () => Promise<T>, urgent = false): Promise<T> {
    const wait = this.acquire(urgent);
    if (wait !== undefined) await wait;
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Take a slot: undefined when one was free, else a promise that resolves when a slot is handed over. */
  acquire(urgent = false): Promise<void> | undefined {
    if (this.free > 0) {
      this.free--;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiting[urgent ? 0 : 1]!.push(resolve));
  }

  /** Give a slot back: to the next waiter (urgent ones first), else to the pool. */
  release(): void {
    for (let q = 0; q < 2; q++) {
      const queue = this.waiting[q]!;
      if (this.heads[q]! < queue.length) {
        const next = queue[this.heads[q]!]!;
        this.heads[q]!++;
        if (this.heads[q]! > 1024 && this.heads[q]! * 2 > queue.length) {
          queue.splice(0, this.heads[q]!);
          this.heads[q] = 0;
        }
        next();
        return;
      }
    }
    this.free++;
  }
}

interface GateEntry {
  readonly began: number;
  /** Still counted against the limit: neither settled nor older than the hold time. */
  young: boolean;
}

/** Shortest time an unanswered call counts as young (see YoungCallGate). */
export const MIN_HOLD_MS = 20;

/**
 * Admission for RPC calls over thousands of hosts: at most `limit` YOUNG calls at once. A call is young from its
 * start until it settles or, still unanswered, until it has been out for the hold time: four smoothed round trips of
 * the calls answered so far (as a retransmission timer would wait), at least MIN_HOLD_MS, at most `maxHoldMs` (also the
 * value before any answer). Bursts stay bounded (socket buffers, the peers' rpcbinds), while silent hosts waiting out
 * their timeouts do not starve the others: on a LAN a silent host holds its place for a few ms, not a full interval.
 * `urgent` callers (a host's follow-up call) go before the others. One timer serves every call in flight.
 */
export class YoungCallGate {
  /** One slot per young call. */
  private readonly places: Semaphore;
  /** Calls in start order; entries[head..] may still be young. */
  private entries: GateEntry[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private smoothedRttMs: number | undefined;

  constructor(
    limit: number,
    private readonly maxHoldMs: number,
  ) {
    this.places = new Semaphore(limit);
  }

  /** The current hold time, ms. */
  holdMs(): number {
    const rtt = this.smoothedRttMs;
    return rtt === undefined ? this.maxHoldMs : Math.min(this.maxHoldMs, Math.max(MIN_HOLD_MS, 4 * rtt));
  }

  async run<T>(task: () => Promise<T>, urgent = false): Promise<T> {
    const wait = this.places.acquire(urgent);
    if (wait !== undefined) await wait;
    const entry: GateEntry = { began: performance.now(), young: true };
    this.entries.push(entry);
    this.arm(this.holdMs());
    try {
      const result = await task();
      const sample = performance.now() - entry.began;
      const rtt = this.smoothedRttMs;
      this.smoothedRttMs = rtt === undefined ? sample : rtt + (sample - rtt) / 8;
      return result;
    } finally {
      if (entry.young) {
        entry.young = false;
        this.places.release();
      }
    }
  }

  /** The sweep timer does not keep a process alive: the calls it watches have timers of their own. */
  private arm(ms: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(this.sweep, Math.max(1, ms));
    this.timer.unref();
  }

  /** Retire settled entries and age out old ones, oldest first; re-arm for the oldest still young. */
  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = performance.now();
    const hold = this.holdMs();
    const entries = this.entries;
    let i = this.head;
    for (; i < entries.length; i++) {
      const entry = entries[i]!;
      if (!entry.young) continue;
      if (now - entry.began < hold) break;
      entry.young = false;
      this.places.release();
    }
    if (i === entries.length) {
      this.entries = [];
      this.head = 0;
    } else {
      this.head = i;
      if (i > 1024 && i * 2 > entries.length) {
        this.entries = entries.slice(i);
        this.head = 0;
      }
      this.arm(hold - (now - entries[i]!.began));
    }
  };
}

/**
 * Sleeps that an AbortSignal cuts short, for thousands of waiters behind ONE listener on the signal (a listener per
 * waiter costs an EventTarget registration each, and Node warns past ten). Call `dispose()` when done.
 */
export class Sleepers {
  private readonly waiting = new Set<() => void>();
  private readonly onAbort = (): void => {
    for (const wake of this.waiting) wake();
  };

  constructor(private readonly signal?: AbortSignal) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Resolves after `ms`, or at once when the signal aborts (or has aborted). */
  sleep(ms: number): Promise<void> {
    if (this.signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.waiting.add(wake);
    });
  }

  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}
