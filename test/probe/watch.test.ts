// The failover watch's pieces without a server: outage arithmetic of a path timeline, the 4 KiB records, and the
// data path (acknowledgement, write verifier change and resend, lost-write detection) against an in-memory server
// that forgets uncommitted data when it "restarts". CLI flag parsing: bad input is a UsageError (exit 2).
import t from 'tap';
import { watchOptions } from '../../src/cli/commands/watch-run.js';
import { UsageError } from '../../src/cli/errors.js';
import { DataPath, type DataPathNfs } from '../../src/probe/watch/data.js';
import { checkRecord, encodeRecord, RECORD_SIZE } from '../../src/probe/watch/record.js';
import { PathTimeline } from '../../src/probe/watch/timeline.js';
import { watchFailover } from '../../src/probe/watch/watcher.js';

t.test('PathTimeline: down after two failures, outage from the first failed send to the first good one', async (t) => {
  const line = new PathTimeline('nfs3-null-udp', 100);
  t.same(line.record(0), { kind: 'none' });
  t.same(line.record(100, 'TIMEOUT'), { kind: 'none' }, 'one failure is not down yet');
  t.same(line.record(200, 'TIMEOUT'), { kind: 'down', error: 'TIMEOUT' });
  t.same(line.record(300, 'CONNECTION'), { kind: 'none' }, 'down once');
  t.ok(line.isDown);
  t.equal(line.currentOutageMs(350), 250);
  const up = line.record(3100);
  t.equal(up.kind, 'up');
  if (up.kind === 'up') t.equal(up.outage.durationMs, 3000, 'first failed send (100) to first good send (3100)');
  t.notOk(line.isDown);
  t.equal(line.firstFailureMs, 100);
  t.equal(line.firstRecoveryMs, 3100);
  const summary = line.summary(4000);
  t.equal(summary.ok, 2);
  t.equal(summary.failed, 3);
  t.equal(summary.maxOutageMs, 3000);
  t.equal(summary.outages.length, 1);
  t.equal(Date.parse(summary.outages[0]!.endAt) - Date.parse(summary.outages[0]!.startAt), 3000);
});

t.test('PathTimeline: a single failure inside two intervals is no outage; a path down at the end is', async (t) => {
  const line = new PathTimeline('p', 100);
  line.record(0);
  line.record(100, 'TIMEOUT');
  t.same(line.record(200), { kind: 'none' }, 'gap of 200 ms between successes = 2 intervals: no outage');
  // A gap > 2 intervals with one failure in it: an outage, though never a down event.
  line.record(300, 'TIMEOUT');
  const up = line.record(500);
  t.equal(up.kind, 'up', 'gap of 300 ms between successes around a failure');
  if (up.kind === 'up') t.equal(up.outage.durationMs, 200);
  // A stalled loop (no failure at all) is no outage of the server.
  t.same(line.record(1000), { kind: 'none' });
  line.record(1100, 'TIMEOUT');
  line.record(1200, 'TIMEOUT');
  const summary = line.summary(2000);
  t.equal(summary.outages.length, 2, 'the open outage counts up to the end');
  t.equal(summary.outages[1]?.durationMs, 900);
  const never = new PathTimeline('q', 100);
  never.record(0, 'TIMEOUT');
  t.notOk(never.everSucceeded);
});

t.test('records: deterministic, self-checking, bound to their slot', async (t) => {
  const a = encodeRecord(41, 1_700_000_000_123);
  t.equal(a.length, RECORD_SIZE);
  t.same(a, encodeRecord(41, 1_700_000_000_123));
  t.equal(Buffer.from(a.subarray(0, 8)).toString(), 'nfsprobe');
  t.equal(checkRecord(a, 41, 1_700_000_000_123), 'ok');
  t.equal(checkRecord(new Uint8Array(RECORD_SIZE), 41, 1), 'missing', 'zeros (a hole)');
  t.equal(checkRecord(a.subarray(0, 100), 41, 1_700_000_000_123), 'missing', 'short read (end of file)');
  t.equal(checkRecord(encodeRecord(40, 1_700_000_000_123), 41, 1_700_000_000_123), 'differs', 'another slot');
  const flipped = a.slice();
  flipped[2000]! ^= 1;
  t.equal(checkRecord(flipped, 41, 1_700_000_000_123), 'differs', 'one bit');
});

/** An NFSv3 file in memory: UNSTABLE data is lost on restart(), COMMIT and FILE_SYNC make it durable. */
class FakeServer implements DataPathNfs {
  durable: Uint8Array = new Uint8Array(0);
  cache: Uint8Array = new Uint8Array(0);
  verifier = 1;
  failReads = false;
  writes = 0;

  private verf(): Uint8Array {
    const v = new Uint8Array(8);
    new DataView(v.buffer).setUint32(0, this.verifier);
    return v;
  }

  private static put(into: Uint8Array, offset: number, data: Uint8Array): Uint8Array {
    const out = into.length >= offset + data.length ? into : new Uint8Array(offset + data.length);
    if (out !== into) out.set(into);
    out.set(data, offset);
    return out;
  }

  async write(_file: Uint8Array, offset: bigint, data: Uint8Array, stable: 0 | 1 | 2) {
    this.writes++;
    this.cache = FakeServer.put(this.cache, Number(offset), data);
    if (stable === 2) this.durable = FakeServer.put(this.durable, Number(offset), data);
    return { count: data.length, committed: stable, verf: this.verf() };
  }

  async commit() {
    this.durable = this.cache.slice();
    return { verf: this.verf() };
  }

  async read(_file: Uint8Array, offset: bigint, count: number) {
    if (this.failReads) throw Object.assign(new Error('timeout'), { code: 'TIMEOUT' });
    const data = this.cache.subarray(Number(offset), Number(offset) + count);
    return { count: data.length, eof: Number(offset) + count >= this.cache.length, data };
  }

  /** A crash and restart: uncommitted data is gone and the verifier changes. */
  restart(): void {
    this.cache = this.durable.slice();
    this.verifier++;
  }
}

const FILE = new Uint8Array(8);

t.test('data path: FILE_SYNC acknowledged at once, UNSTABLE once COMMITted', async (t) => {
  const server = new FakeServer();
  const data = new DataPath({ commitEvery: 2 });
  for (let i = 0; i < 3; i++) t.same(await data.tick(server, FILE), []);
  t.same(
    data.records().map((r) => [r.seq, r.stability]),
    [
      [0, 'FILE_SYNC'],
      [2, 'FILE_SYNC'],
    ],
    'seq 1 (UNSTABLE) waits for its COMMIT',
  );
  await data.tick(server, FILE); // seq 3, second UNSTABLE: COMMIT
  t.same(
    data.records().map((r) => [r.seq, r.stability]),
    [
      [0, 'FILE_SYNC'],
      [1, 'COMMITTED'],
      [2, 'FILE_SYNC'],
      [3, 'COMMITTED'],
    ],
  );
  t.equal(data.writesAcknowledged, 4);
  t.same(await data.verify(server, FILE), [], 'everything reads back');
});

t.test('data path: a verifier change resends the uncommitted records, which then verify', async (t) => {
  const server = new FakeServer();
  const data = new DataPath({ commitEvery: 100 });
  data.verifier = '0000000100000000';
  for (let i = 0; i < 6; i++) await data.tick(server, FILE); // 3 FILE_SYNC, 3 UNSTABLE pending
  t.equal(data.writesAcknowledged, 3);
  server.restart();
  const events = await data.tick(server, FILE); // seq 6 (FILE_SYNC) sees the new verifier
  t.equal(events.length, 1);
  t.match(events[0], { event: 'verifier', before: '0000000100000000', after: '0000000200000000', resent: 3 });
  t.equal(data.verifierChanges, 1);
  t.equal(data.writesAcknowledged, 7, 'the resent records were committed under the new verifier');
  t.same(await data.verify(server, FILE), [], 'and read back intact');
});

t.test('data path: lost acknowledged writes are reported once, missing or different', async (t) => {
  const server = new FakeServer();
  const data = new DataPath({ commitEvery: 2 });
  for (let i = 0; i < 8; i++) await data.tick(server, FILE);
  t.equal(data.writesAcknowledged, 8);
  server.cache.fill(0, 2 * RECORD_SIZE, 3 * RECORD_SIZE); // seq 2 (FILE_SYNC) gone
  server.cache[5 * RECORD_SIZE + 100]! ^= 0xff; // seq 5 (COMMITTED) damaged
  server.failReads = true;
  await t.rejects(data.verify(server, FILE), { code: 'TIMEOUT' }, 'a failed READ reports nothing');
  t.equal(data.lostWrites, 0);
  server.failReads = false;
  const lost = await data.verify(server, FILE);
  t.match(lost, [
    { event: 'lost-write', seq: 2, offset: 8192, stability: 'FILE_SYNC', detail: 'missing' },
    { event: 'lost-write', seq: 5, offset: 20480, stability: 'COMMITTED', detail: 'differs' },
  ]);
  t.equal(data.lostWrites, 2);
  t.same(await data.verify(server, FILE), [], 'reported once');
});

t.test('CLI flags: defaults, and bad input is a UsageError before anything is sent', async (t) => {
  const options = watchOptions('10.99.0.100:/srv/export/', {}, 5000);
  t.match(options, {
    host: '10.99.0.100',
    exportPath: '/srv/export',
    intervalMs: 100,
    nfsVersion: '3',
    transport: 'tcp',
    setupTimeoutMs: 5000,
  });
  t.equal(options.durationMs, undefined, 'runs until stopped');
  t.match(
    watchOptions('nfs-ha:2111:/e', { duration: '1m', maxOutage: '2s', untilRecovered: '5s', transport: 'both' }, 1),
    { host: 'nfs-ha', rpcbindPort: 2111, durationMs: 60_000, maxOutageMs: 2000, untilRecoveredMs: 5000 },
  );
  t.match(watchOptions('[fd00::1]:/e', { nfsVersion: 'all', readOnly: true, keep: true }, 1), {
    host: 'fd00::1',
    nfsVersion: 'all',
    readOnly: true,
    keep: true,
  });

  for (const [spec, flags] of [
    ['host', {}],
    ['host:relative', {}],
    ['host:/e', { interval: '1ms' }],
    ['host:/e', { interval: 'soon' }],
    ['host:/e', { duration: '0' }],
    ['host:/e', { nfsVersion: '4.2' }],
    ['host:/e', { transport: 'rdma' }],
    ['host:/e', { file: '../x' }],
    ['host:/e', { maxOutage: 'long' }],
  ] as const) {
    t.throws(() => watchOptions(spec, flags, 5000), UsageError, `${spec} ${JSON.stringify(flags)}`);
  }
});

t.test('watchFailover: a setup failure ends the iteration with the error, nothing yielded', async (t) => {
  const seen: string[] = [];
  const error = await (async () => {
    for await (const event of watchFailover({
      host: '127.0.0.1',
      exportPath: '/nowhere',
      rpcbindPort: 9, // discard: nothing answers rpcbind there
      setupTimeoutMs: 300,
    })) {
      seen.push(event.event);
    }
  })().then(
    () => undefined,
    (e: unknown) => e,
  );
  t.same(seen, []);
  t.match(error, { code: /^(TIMEOUT|CONNECTION|REFUSED)$/ }, 'the RpcError of the rpcbind call');
});
