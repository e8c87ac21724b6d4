// The watch's shared ticker, on a fake clock: paths due together wake together from one timer, an early wake-up
// (timer rounding) does not probe a grid point twice, close() wakes everyone, and nothing stays queued.
import t from 'tap';
import { Ticker } from '../../src/probe/watch/ticker.js';

t.test('grid points: strictly after the given time, on origin + k * interval', async (t) => {
  const ticker = new Ticker(100, 1000, () => 0);
  t.equal(ticker.nextAfter(1000), 1100);
  t.equal(ticker.nextAfter(1099.5), 1100);
  t.equal(ticker.nextAfter(1100), 1200);
  t.equal(ticker.nextAfter(1349), 1400, 'an overrun skips to the next point');
  t.equal(ticker.nextAfter(999), 1000);
});

t.test('waiters due together resolve together from one timer; a later one keeps waiting', async (t) => {
  const origin = performance.now();
  const ticker = new Ticker(30, origin);
  const woken: number[] = [];
  const first = ticker.nextAfter(origin);
  const waits = [1, 2, 3].map((n) => ticker.until(first).then(() => woken.push(n)));
  const later = ticker.until(ticker.nextAfter(first)).then(() => woken.push(4));
  t.equal(ticker.pending, 4);
  await Promise.all(waits);
  t.same(woken, [1, 2, 3], 'the three due at the first point, not the fourth');
  t.ok(performance.now() >= first - 1, 'not woken before the point (1 ms timer slack)');
  t.equal(ticker.pending, 1);
  await later;
  t.same(woken, [1, 2, 3, 4]);
  t.equal(ticker.pending, 0, 'nothing stays queued');
});

t.test('close wakes every waiter at once and later waits do not block', async (t) => {
  const origin = performance.now();
  const ticker = new Ticker(60_000, origin);
  const wait = ticker.until(ticker.nextAfter(origin));
  ticker.close();
  await wait;
  t.equal(ticker.pending, 0);
  await ticker.until(performance.now() + 60_000);
  t.pass('a wait after close resolves at once');
});

t.test('a point already past resolves at once without a timer', async (t) => {
  const ticker = new Ticker(10, performance.now() - 1000);
  await ticker.until(performance.now() - 5);
  t.equal(ticker.pending, 0);
});
