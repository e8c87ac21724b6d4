// `nfsprobe watch` through real failovers in the two-server lab (test/lab/failover.ts), both servers exporting the
// same directory (shared storage): a move and a fail back, a 3 s gap measured per path, a ganesha crash and
// restart (write verifier change, uncommitted records resent and verified), and SIGTERM ending a run cleanly.
import { existsSync, readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { WatchEvent } from '../../src/probe/watch/events.js';
import { Watcher } from '../../src/probe/watch/watcher.js';
import { buildCli } from '../helpers/cli.js';
import { FLOATING, sharedStorageLab, sleep } from '../lab/failover.js';
import { enterLab } from '../lab/namespace.js';
import { parseEvents, startWatch, summaryOf } from './watch-run.js';

const PEERS = ['rpcbind', 'ganesha.nfsd', 'rpcinfo', 'nsenter', 'timeout'];

if (await enterLab(t, import.meta.url, PEERS)) {
  t.equal(buildCli().status, 0, 'the CLI builds');
  const { lab, exportDir, spec } = await sharedStorageLab(t);

  t.test('shared storage, moved A -> B -> A mid-run: no stale handle, no lost write, exit 0', async (t) => {
    const watch = startWatch(['--json', 'watch', spec, '--duration', '5s', '--interval', '100ms'], { nice: true });
    await watch.started;
    await sleep(1000);
    await lab.moveTo('B');
    await sleep(1500);
    await lab.moveTo('A');
    const result = await watch.done;
    t.equal(result.code, 0, result.err);
    const events = parseEvents(result.out);
    const summary = summaryOf(events);
    t.equal(events[0]?.event, 'start');
    t.ok(summary.ok, `ok (problems: ${summary.problems.join('; ')})`);
    t.equal(summary.staleHandles, 0, 'no stale handle');
    t.equal(summary.lostWrites, 0, 'no lost write');
    t.ok(summary.writesAcknowledged > 20, `${summary.writesAcknowledged} writes acknowledged`);
    // Each move changes the write verifier (B's, then A's again); a change seen while the resend of the previous one
    // is still going is reported together with it.
    t.ok(summary.verifierChanges >= 1, `${summary.verifierChanges} write verifier change(s): B answered`);
    t.ok(
      events.some((e) => e.event === 'verifier'),
      'a verifier event',
    );
    t.ok(
      summary.paths.every((p) => p.ok >= 10),
      'every path answered through both moves',
    );
    t.equal(summary.identity.before.writeVerifier, summary.identity.after.writeVerifier);
    t.same(
      readdirSync(exportDir).filter((name) => name.startsWith('.nfsprobe-watch-')),
      [],
      'probe file removed',
    );
  });

  t.test('A stops, B starts 3 s later: each path measures about 3 s; --max-outage decides the exit', async (t) => {
    const intervalMs = 100;
    for (const [maxOutage, code] of [
      ['1s', 1],
      ['10s', 0],
    ] as const) {
      const watch = startWatch(
        ['--json', 'watch', spec, '--duration', '7s', '--interval', `${intervalMs}ms`, '--max-outage', maxOutage],
        { nice: true },
      );
      await watch.started;
      await sleep(1000);
      // The injected gap as this process saw it: a loaded machine stretches the sleep and the `ip` commands, so the
      // gap is known to lie between the end of the removal and the start of the addition (shortest) and between the
      // start of the removal and the end of the neighbour flush (longest).
      const removing = Date.now();
      await lab.removeAddress();
      const removed = Date.now();
      await sleep(3000);
      const adding = Date.now();
      await lab.addAddress(maxOutage === '1s' ? 'B' : 'A'); // A -> gap -> B, then B -> gap -> A
      const added = Date.now();
      const shortest = adding - removed;
      const longest = added - removing;
      const result = await watch.done;
      t.equal(result.code, code, `--max-outage ${maxOutage}: exit ${code}`);
      const events = parseEvents(result.out);
      const summary = summaryOf(events);
      for (const path of summary.paths) {
        // The outage of the gap: the one that overlaps it most (a loaded machine may add short ones).
        const overlap = (o: { startAt: string; endAt: string }) =>
          Math.min(Date.parse(o.endAt), added) - Math.max(Date.parse(o.startAt), removing);
        const outage = [...path.outages].sort((a, b) => overlap(b) - overlap(a))[0];
        const measured = outage?.durationMs ?? 0;
        t.ok(
          measured >= shortest - (intervalMs + 100) && measured <= longest + intervalMs + 100,
          `${path.path}: outage ${measured} ms is the ${shortest}-${longest} ms gap within one interval + 100 ms`,
        );
      }
      const downs = events.filter((e) => e.event === 'down').map((e) => (e.event === 'down' ? e.path : ''));
      const ups = events.filter((e) => e.event === 'up').map((e) => (e.event === 'up' ? e.path : ''));
      t.same(new Set(downs), new Set(summary.paths.map((p) => p.path)), 'a down event per path');
      t.same(new Set(ups), new Set(summary.paths.map((p) => p.path)), 'an up event per path');
      t.equal(summary.lostWrites, 0);
      t.equal(summary.staleHandles, 0);
      if (code === 1) t.match(summary.problems.join('\n'), /longer than the 1000 ms allowed/);
      else t.same(summary.problems, [], 'no problem');
    }
  });

  t.test('ganesha restart on the same storage: verifier change, uncommitted records resent and verified', async (t) => {
    const server = lab.servers[lab.holder ?? 'A'];
    setPriority(-20); // the watcher runs in this process: keep a loaded machine from starving it
    const events: WatchEvent[] = [];
    // COMMIT rarely, so that records are pending when the server dies.
    const watcher = new Watcher({ host: FLOATING, exportPath: exportDir, intervalMs: 100, commitEvery: 1000 });
    const running = watcher.run((e) => events.push(e));
    await sleep(2000);
    await server.killGanesha();
    await sleep(1000); // down for ten intervals: ganesha restarts within about one, too short to be an outage
    await server.startGanesha();
    await sleep(2000);
    watcher.stop();
    const summary = await running;
    const verifier = events.find((e) => e.event === 'verifier');
    t.ok(verifier, 'a verifier event');
    if (verifier?.event === 'verifier') {
      t.ok(verifier.resent >= 5, `${verifier.resent} uncommitted records resent`);
      t.not(verifier.before, verifier.after);
    }
    t.equal(summary.verifierChanges, 1);
    t.equal(summary.lostWrites, 0, 'every acknowledged record read back intact');
    t.ok(summary.writesAcknowledged > 20);
    t.not(summary.identity.before.writeVerifier, summary.identity.after.writeVerifier);
    t.ok(summary.ok, summary.problems.join('; '));
    const tcp = summary.paths.filter((p) => p.path.startsWith('nfs3') && p.path.endsWith('-tcp'));
    t.ok(
      tcp.every((p) => p.outages.length >= 1),
      `every NFS path over TCP saw the restart as an outage (and recovered: the summary is ok): ${tcp
        .map((p) => `${p.path} ${p.outages.map((o) => o.durationMs).join('/') || 'none'}`)
        .join(', ')}`,
    );
  });

  t.test('--until-recovered after a ganesha restart: rpcbind never fails, the run still ends by itself', async (t) => {
    const server = lab.servers[lab.holder ?? 'A'];
    setPriority(-20);
    const watcher = new Watcher({
      host: FLOATING,
      exportPath: exportDir,
      intervalMs: 100,
      readOnly: true,
      durationMs: 30_000,
      untilRecoveredMs: 1000,
    });
    let started: () => void = () => {};
    const probing = new Promise<void>((resolve) => {
      started = resolve;
    });
    const running = watcher.run((e) => {
      if (e.event === 'start') started();
    });
    await probing; // the setup (MOUNT, GETATTR) is done on a loaded machine too: the restart falls into the probing
    await sleep(1000);
    await server.killGanesha();
    await sleep(1000); // down for ten intervals: ganesha restarts within about one, too short to be an outage
    await server.startGanesha();
    const summary = await running;
    const rpcbind = summary.paths.filter((p) => p.path.startsWith('rpcbind'));
    t.ok(rpcbind.length > 0 && rpcbind.every((p) => p.outages.length === 0), 'rpcbind answered all along');
    const failed = summary.paths.filter((p) => p.outages.length > 0);
    t.ok(failed.length > 0, 'the NFS paths saw the restart');
    t.ok(summary.durationMs < 20_000, `ended by itself after ${summary.durationMs} ms`);
    const recovered = Math.max(...failed.map((p) => Date.parse(p.outages.at(-1)!.endAt)));
    const stoppedAfter = Date.parse(summary.at) - recovered;
    t.ok(stoppedAfter >= 900 && stoppedAfter < 5000, `stopped ${stoppedAfter} ms after the last path recovered`);
    t.ok(summary.ok, summary.problems.join('; '));
  });

  t.test('SIGTERM ends a run cleanly: the summary is printed and the probe file removed', async (t) => {
    const watch = startWatch(['--json', 'watch', spec, '--file', 'sigterm-probe'], { nice: true });
    await watch.started;
    await sleep(1500);
    t.ok(existsSync(join(exportDir, 'sigterm-probe')), 'the probe file exists while the watch runs');
    watch.signal('SIGTERM');
    const { code, out } = await watch.done;
    const summary = summaryOf(parseEvents(out));
    t.equal(code, 0, `exit 0 (problems: ${summary.problems.join('; ') || 'none'})`);
    t.ok(summary.writesAcknowledged > 5);
    t.notOk(existsSync(join(exportDir, 'sigterm-probe')), 'the probe file is gone');
  });
}
