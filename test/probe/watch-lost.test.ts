// Lost acknowledged writes, as asynchronous replication loses them: A serves an ext4 image on a loop device; the test
// copies the image under fsfreeze (a block-level replica, same UUID and inodes, so A's handles stay valid on B) while
// A goes on acknowledging writes; then B serves the copy. Exactly the records A acknowledged after the copy are
// missing on B, and exactly those are reported as lost (exit 1).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { checkRecord } from '../../src/probe/watch/record.js';
import { buildCli } from '../helpers/cli.js';
import { FailoverLab, FLOATING, runAsync, sleep } from '../lab/failover.js';
import { enterLab, run } from '../lab/namespace.js';
import { parseEvents, startWatch, summaryOf } from './watch-run.js';

const PEERS = ['rpcbind', 'ganesha.nfsd', 'rpcinfo', 'nsenter', 'timeout', 'mkfs.ext4', 'fsfreeze'];

interface LoggedRecord {
  seq: number;
  offset: number;
  timestampMs: number;
  stability: string;
  at: string;
}

if (await enterLab(t, import.meta.url, PEERS)) {
  t.equal(buildCli().status, 0, 'the CLI builds');
  const work = mkdtempSync(join(tmpdir(), 'nfsprobe-lost-'));
  const exportDir = join(work, 'export');
  const imageA = join(work, 'a.img');
  const imageB = join(work, 'b.img');
  run('mkdir', ['-p', exportDir]);
  run('truncate', ['-s', '64M', imageA]);
  run('mkfs.ext4', ['-q', imageA]);
  const lab = await FailoverLab.create(t, { exportDir, image: imageA }, { exportDir });
  await lab.servers.A.startGanesha();
  await lab.addAddress('A');

  t.test('B serves a copy taken before the last acknowledged writes: exactly those are lost', async (t) => {
    const log = join(work, 'acknowledged.jsonl');
    const watch = startWatch(
      ['--json', 'watch', `${FLOATING}:/${exportDir.slice(1)}`, '--log', log, '--keep', '--file', 'probe'],
      { nice: true },
    );
    await watch.started;
    await sleep(1500);
    const freezing = Date.now();
    await lab.servers.A.exec('fsfreeze', ['-f', exportDir]);
    await runAsync('cp', ['--sparse=always', imageA, imageB]);
    await lab.servers.A.exec('fsfreeze', ['-u', exportDir]);
    const thawed = Date.now();
    await sleep(1500); // A acknowledges more writes: the replica never gets them
    const moving = Date.now();
    await lab.removeAddress();
    await lab.servers.A.killGanesha();
    await lab.servers.B.mountImage(imageB);
    await lab.servers.B.startGanesha();
    await lab.addAddress('B');
    await sleep(2000);
    watch.signal('SIGTERM');
    const result = await watch.done;
    t.equal(result.code, 1, 'exit 1: acknowledged writes were lost');
    const events = parseEvents(result.out);
    const summary = summaryOf(events);
    t.equal(summary.staleHandles, 0, 'the replica accepts A’s handles');
    const reported = events.flatMap((e) => (e.event === 'lost-write' ? [e.seq] : [])).sort((a, b) => a - b);
    t.equal(summary.lostWrites, reported.length);

    const acknowledged = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LoggedRecord);
    t.equal(acknowledged.length, summary.writesAcknowledged, 'the --log file has every acknowledged record');
    // The truth, read on B's disk, not over NFS.
    const copy = join(work, 'probe-on-b');
    await lab.servers.B.exec('cp', [join(exportDir, 'probe'), copy]);
    const bytes = readFileSync(copy);
    const missing = acknowledged
      .filter((r) => checkRecord(bytes.subarray(r.offset, r.offset + 4096), r.seq, r.timestampMs) !== 'ok')
      .map((r) => r.seq)
      .sort((a, b) => a - b);
    t.ok(missing.length >= 5, `${missing.length} acknowledged records are not on B`);
    t.same(reported, missing, 'exactly the records missing on B are reported lost');
    const before = acknowledged.filter((r) => Date.parse(r.at) < freezing).map((r) => r.seq);
    const after = acknowledged.filter((r) => r.timestampMs > thawed && Date.parse(r.at) < moving).map((r) => r.seq);
    t.ok(before.length > 5 && after.length > 5, `${before.length} acknowledged before the copy, ${after.length} after`);
    t.same(
      before.filter((seq) => reported.includes(seq)),
      [],
      'nothing acknowledged before the copy is lost',
    );
    t.same(
      after.filter((seq) => !reported.includes(seq)),
      [],
      'everything written and acknowledged after the copy is lost',
    );
    t.match(summary.problems.join('\n'), /acknowledged write\(s\) lost/);
  });
}
