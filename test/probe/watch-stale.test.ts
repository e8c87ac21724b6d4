// `nfsprobe watch` when the standby has other storage: each server exports the same path from a tmpfs of its own
// (each mounted only in its own namespace, see ../shared/spec/lab.md), so after the move every handle from A is stale
// on B. The watch reports it within a second, names the handle field that changed, and exits 1. Then, on B: a healthy
// run, an NFSv4.1 run under tshark (nothing malformed), --until-recovered, and bad input (exit 2).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildCli, nfsprobe } from '../helpers/cli.js';
import { FailoverLab, FLOATING, sleep } from '../lab/failover.js';
import {
  enterLab,
  run,
  startDaemon,
  stopCapture,
  TSHARK_RPC_BY_CONTENT,
  tsharkCount,
  tsharkProblems,
  waitFor,
  withoutTsharkNfs4BitmapNote,
} from '../lab/namespace.js';
import { parseEvents, startWatch, summaryOf } from './watch-run.js';

const PEERS = ['rpcbind', 'ganesha.nfsd', 'rpcinfo', 'nsenter', 'timeout', 'tshark'];

if (await enterLab(t, import.meta.url, PEERS)) {
  t.equal(buildCli().status, 0, 'the CLI builds');
  const exportDir = join(mkdtempSync(join(tmpdir(), 'nfsprobe-own-')), 'export');
  run('mkdir', ['-p', exportDir]);
  const lab = await FailoverLab.create(t, { exportDir, ownTmpfs: true });
  await Promise.all([lab.servers.A.startGanesha(), lab.servers.B.startGanesha()]);
  await lab.addAddress('A');

  t.test('B serves another filesystem: stale reported within a second, the field named, exit 1', async (t) => {
    const watch = startWatch(['--json', 'watch', `${FLOATING}:${exportDir}`, '--duration', '4s', '--read-only']);
    await watch.started;
    await sleep(1000);
    const movedAt = Date.now();
    await lab.moveTo('B');
    const result = await watch.done;
    t.equal(result.code, 1, 'exit 1');
    const events = parseEvents(result.out);
    const summary = summaryOf(events);
    t.equal(summary.event, 'summary');
    const stale = events.filter((e) => e.event === 'stale');
    t.equal(stale.length, 1, 'one stale event (the export root handle, on the GETATTR path)');
    const event = stale[0];
    if (event?.event === 'stale') {
      t.equal(event.path, 'nfs3-getattr-tcp');
      t.ok(Date.parse(event.at) - movedAt < 1000, `reported ${Date.parse(event.at) - movedAt} ms after the move`);
      t.ok(event.current !== null && event.current !== event.handle, 'the current handle differs');
      t.match(event.field, /^fsid\.|^fileid\.|^exportId$/, `the changed field is named: ${event.field}`);
      t.match(event.detail, event.field ?? 'no field');
      t.ok(event.remedy.length > 20, 'a remedy');
    }
    t.equal(summary.staleHandles, 1);
    t.equal(summary.ok, false);
    t.match(summary.problems.join('\n'), /stale file handle/);
    const text = await nfsprobe(['watch', `${FLOATING}:${exportDir}`, '--duration', '1s', '--read-only'], 30_000);
    t.equal(text.code, 0, 'a fresh watch on B alone is healthy (it mounts B itself)');
    t.match(text.out, /^healthy: /m);
    // Every path, NFSv3 and NFSv4.1, captured on the bridge: tshark finds nothing malformed.
    const pcap = join(mkdtempSync(join(tmpdir(), 'nfsprobe-watch-pcap-')), 'watch.pcap');
    const tshark = startDaemon(t, 'tshark', ['-i', 'br0', '-w', pcap, '-q'], 'tshark');
    await waitFor(() => /Capturing on/.test(tshark.log()), 'tshark to start capturing');
    const v4 = await nfsprobe(
      ['--json', 'watch', `${FLOATING}:${exportDir}`, '--duration', '1s', '--nfs-version', 'all'],
      30_000,
    );
    await stopCapture(tshark, pcap);
    t.ok(tsharkCount(pcap, 'nfs', TSHARK_RPC_BY_CONTENT) > 50, 'tshark decodes the NFS calls');
    t.ok(tsharkCount(pcap, 'nfs.opcode == 53', TSHARK_RPC_BY_CONTENT) > 3, 'and the NFSv4.1 SEQUENCE heartbeats');
    t.same(withoutTsharkNfs4BitmapNote(tsharkProblems(pcap, TSHARK_RPC_BY_CONTENT)), [], 'no malformed packet');
    t.equal(v4.code, 0, v4.err);
    const v4Events = parseEvents(v4.out);
    const start = v4Events[0];
    t.equal(start?.event, 'start');
    if (start?.event === 'start') {
      t.ok(start.paths.includes('nfs4-sequence'), 'the NFSv4.1 heartbeat path');
      t.match(start.identity, { serverOwner: /^\d+\/[0-9a-f]+$/, serverScope: /^[0-9a-f]+$/, leaseTime: Number });
      t.match(start.identity.writeVerifier, /^[0-9a-f]{16}$/);
    }
    const v4Summary = summaryOf(v4Events);
    t.ok(v4Summary.paths.find((p) => p.path === 'nfs4-sequence')!.ok > 3, 'SEQUENCE answered every interval');
    t.same(v4Summary.identity.after.serverScope, v4Summary.identity.before.serverScope);
  });

  t.test('--until-recovered ends a drill 1 s after every path came back', async (t) => {
    const watch = startWatch(
      ['--json', 'watch', `${FLOATING}:${exportDir}`, '--read-only', '--duration', '60s', '--until-recovered', '1s'],
      { nice: true },
    );
    await watch.started;
    await sleep(500);
    await lab.removeAddress();
    await sleep(1000);
    await lab.addAddress('B');
    const result = await watch.done;
    t.equal(result.code, 0, result.err);
    const summary = summaryOf(parseEvents(result.out));
    t.ok(summary.durationMs < 30_000, `ended by itself after ${summary.durationMs} ms`);
    // Whatever the first outage of each path was (a loaded machine may add a blip), the run ends 1 s after the last
    // of them ended.
    const recovered = Math.max(...summary.paths.map((p) => Date.parse(p.outages[0]!.endAt)));
    const stoppedAfter = Date.parse(summary.at) - recovered;
    t.ok(stoppedAfter >= 900 && stoppedAfter < 5000, `stopped ${stoppedAfter} ms after every path recovered`);
  });

  t.test('bad input exits 2 before anything is sent', async (t) => {
    for (const args of [
      ['watch', 'nohost'],
      ['watch', `${FLOATING}:${exportDir}`, '--interval', 'fast'],
      ['watch', `${FLOATING}:${exportDir}`, '--transport', 'sctp'],
      ['watch', `${FLOATING}:${exportDir}`, '--nfs-version', '2'],
      ['watch', `${FLOATING}:${exportDir}`, '--file', 'a/b'],
      ['watch', `${FLOATING}:relative`],
    ]) {
      const result = await nfsprobe(args, 10_000);
      t.equal(result.code, 2, `${args.slice(1).join(' ')}: exit 2`);
      t.match(result.err, /^nfsprobe: /);
    }
  });
}
