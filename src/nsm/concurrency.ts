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
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting[urgent ? 0 : 1]!.push(resolve));
    try {
      return await task();
    } finally {
      this.handOn();
    }
  }

  private handOn(): void {
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

/** Sleep `ms`, or less when `signal` aborts (resolves either way). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
