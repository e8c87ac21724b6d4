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

/** A counting semaphore: `run(task)` waits for one of `limit` slots, runs the task, frees the slot. FIFO. */
export class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  private head = 0;

  constructor(limit: number) {
    this.free = Math.max(1, limit);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      if (this.head < this.waiting.length) {
        const next = this.waiting[this.head++]!;
        if (this.head > 1024 && this.head * 2 > this.waiting.length) {
          this.waiting.splice(0, this.head);
          this.head = 0;
        }
        next();
      } else this.free++;
    }
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
