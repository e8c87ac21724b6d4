// The lock canary's verdicts from recorded observations (no network): each broken link of the lock chain is its own
// problem code; a clean takeover is none. CLI flags of --locks: bad input is a UsageError (exit 2).
import t from 'tap';
import { describeEvent, watchOptions } from '../../src/cli/commands/watch-run.js';
import { UsageError } from '../../src/cli/errors.js';
import type { Output } from '../../src/cli/output.js';
import { type LockObservations, lockVerdicts } from '../../src/probe/watch/locks.js';

const good: LockObservations = {
  expectedAddress: '10.99.0.100',
  expectedMonName: 'nfs-ha',
  stateBefore: 5,
  recovered: true,
  notify: { from: '10.99.0.100:612', address: '10.99.0.100', monName: 'nfs-ha', state: 7, atMs: 1000 },
  reclaims: [{ kind: 'nlm', status: 'ok', detail: '' }],
  conflicts: [
    { kind: 'nlm', when: 'before', status: 'LCK_DENIED' },
    { kind: 'nlm', when: 'grace', status: 'LCK_DENIED_GRACE_PERIOD' },
    { kind: 'nlm', when: 'after', status: 'LCK_DENIED' },
  ],
  notifyTimeoutMs: 120_000,
};

const codes = (o: LockObservations) => lockVerdicts(o).map((p) => p.code);

t.test('a clean takeover: no problem', async (t) => {
  t.same(codes(good), []);
  t.same(codes({ ...good, notify: { ...good.notify!, address: '::ffff:10.99.0.100' } }), [], 'IPv4-mapped source');
  t.same(codes({ ...good, stateBefore: null }), [], 'no state before: only odd is checked');
});

t.test('each broken link is its own code', async (t) => {
  const n = good.notify!;
  const cases: [string, LockObservations, string[]][] = [
    ['missing notify after recovery', { ...good, notify: undefined }, ['NO_SM_NOTIFY']],
    ['no failover, no notify expected', { ...good, recovered: false, notify: undefined }, []],
    ['even state', { ...good, notify: { ...n, state: 8 } }, ['EVEN_STATE']],
    ['lower state', { ...good, notify: { ...n, state: 3 } }, ['STATE_NOT_HIGHER']],
    ['the same state', { ...good, notify: { ...n, state: 5 } }, ['STATE_NOT_HIGHER']],
    ['wrong source', { ...good, notify: { ...n, address: '10.99.0.12', from: '10.99.0.12:612' } }, ['WRONG_SOURCE']],
    ['wrong name', { ...good, notify: { ...n, monName: 'nodeb' } }, ['WRONG_MON_NAME']],
    [
      'refused reclaim',
      { ...good, reclaims: [{ kind: 'nlm', status: 'LCK_DENIED_GRACE_PERIOD', detail: '' }] },
      ['RECLAIM_REFUSED'],
    ],
    [
      'another owner got the lock',
      { ...good, conflicts: [...good.conflicts, { kind: 'nlm', when: 'after', status: 'LCK_GRANTED' }] },
      ['LOCK_NOT_EXCLUSIVE'],
    ],
    [
      'wrong name and source and even state together',
      { ...good, notify: { ...n, monName: 'x', address: '10.0.0.9', state: 6 } },
      ['WRONG_SOURCE', 'WRONG_MON_NAME', 'EVEN_STATE'],
    ],
  ];
  for (const [name, o, expected] of cases) t.same(codes(o), expected, name);
});

t.test('--locks flags: usage errors', async (t) => {
  const spec = '10.99.0.100:/export';
  const ok = watchOptions(spec, { locks: true, callerName: 'c', notifyPort: '4000', notifyTimeout: '30s' }, 5000);
  t.same([ok.locks?.callerName, ok.locks?.notifyPort, ok.locks?.notifyTimeoutMs], ['c', 4000, 30_000], 'parsed');
  for (const flags of [
    { callerName: 'c' },
    { notifyPort: '4000' },
    { locks: true, notifyPort: '0' },
    { locks: true, notifyPort: '70000' },
    { locks: true, notifyPort: 'x' },
    { locks: true, notifyTimeout: 'soon' },
    { locks: true, notifyTimeout: '0s' },
    { locks: true, callerName: '' },
    { locks: true, floatingName: 'x'.repeat(1025) },
    { locks: true, readOnly: true },
  ]) {
    t.throws(() => watchOptions(spec, flags, 5000), UsageError, JSON.stringify(flags).slice(0, 60));
  }
});

t.test('human lines of the lock events name what arrived', async (t) => {
  const output = { out: { isTTY: false }, json: false } as unknown as Output;
  const at = '2026-12-07T00:44:00.000Z';
  const notify = describeEvent(output, {
    event: 'sm-notify',
    at,
    from: '10.99.0.100:850',
    monName: 'nfs-ha',
    state: 7,
  });
  t.match(notify, /10\.99\.0\.100:850/);
  t.match(notify, /nfs-ha/);
  const reclaim = describeEvent(output, { event: 'reclaim', at, kind: 'nlm', status: 'LCK_DENIED', detail: 'x' });
  t.match(reclaim, /LCK_DENIED/);
});
