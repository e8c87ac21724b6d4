// YoungCallGate: the notifier's bound on young calls.
import t from 'tap';
import { MIN_HOLD_MS, YoungCallGate } from '../../src/nsm/concurrency.js';

/** A task that settles when told to, and records that it started. */
function controlled(started: string[], name: string) {
  let settle!: (ok: boolean) => void;
  const done = new Promise<string>((resolve, reject) => {
    settle = (ok) => (ok ? resolve(name) : reject(new Error(name)));
  });
  return {
    task: () => {
      started.push(name);
      return done;
    },
    settle: (ok = true) => settle(ok),
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

t.test('at most `limit` young calls; a settled call lets the next one in; urgent callers go first', async (t) => {
  const gate = new YoungCallGate(2, 10_000);
  const started: string[] = [];
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => controlled(started, n));
  const runs = [gate.run(a!.task), gate.run(b!.task), gate.run(c!.task), gate.run(d!.task, true)];
  const outcomes = Promise.allSettled(runs);
  await turn();
  t.same(started, ['a', 'b'], 'two in, two waiting');
  a!.settle();
  await turn();
  t.same(started, ['a', 'b', 'd'], 'the urgent waiter took the free place before the older normal one');
  b!.settle(false);
  await turn();
  t.same(started, ['a', 'b', 'd', 'c'], 'a failed call frees its place too');
  c!.settle();
  d!.settle();
  const results = await outcomes;
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    'each caller gets its own outcome',
  );
});

t.test('an unanswered call stops counting after the hold time, so silent hosts do not block the rest', async (t) => {
  const gate = new YoungCallGate(1, 60);
  t.equal(gate.holdMs(), 60, 'before any answer the hold is the maximum');
  const started: string[] = [];
  const silent = controlled(started, 'silent');
  const next = controlled(started, 'next');
  const first = gate.run(silent.task);
  const second = gate.run(next.task);
  // Something must keep the process alive while the first call is out (in the notifier: its RPC timers).
  const keepAlive = setTimeout(() => {}, 1000);
  t.teardown(() => clearTimeout(keepAlive));
  await turn();
  t.same(started, ['silent'], 'the second waits while the first is young');
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.same(started, ['silent', 'next'], 'the first aged out and the second went in');
  next.settle();
  silent.settle();
  await Promise.all([first, second]);
});

t.test('the hold time follows the answered round trips, within MIN_HOLD_MS..max', async (t) => {
  const gate = new YoungCallGate(4, 500);
  for (let i = 0; i < 5; i++) await gate.run(() => Promise.resolve(i));
  t.equal(gate.holdMs(), MIN_HOLD_MS, 'instant answers: the minimum hold');
  const slowGate = new YoungCallGate(4, 100);
  await slowGate.run(() => new Promise((resolve) => setTimeout(resolve, 60)));
  t.equal(slowGate.holdMs(), 100, 'four round trips of 60 ms exceed the maximum: capped');
});
