// `nfsprobe watch` through real failovers in the two-server lab (test/lab/failover.ts), both servers exporting the
// same directory (shared storage): a move and a fail back, a 3 s gap measured per path, a ganesha crash and
// restart (write verifier change, uncommitted records resent and verified), and SIGTERM ending a run cleanly.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { SummaryEvent, WatchEvent } from '../../src/probe/watch/events.js';
import { Watcher } from '../../src/probe/watch/watcher.js';
import { bin, buildCli, nfsprobe, root } from '../helpers/cli.js';
import { FailoverLab, FLOATING, sleep } from '../lab/failover.js';
import { enterLab, run } from '../lab/namespace.js';

const PEERS = ['rpcbind', 'ganesha.nfsd', 'rpcinfo', 'nsenter', 'timeout'];

function parseLines(out: string): WatchEvent[] {
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as WatchEvent);
}

function summaryOf(events: readonly WatchEvent[]): SummaryEvent {
  const last = events[events.length - 1];
  if (last?.event !== 'summary') throw new Error('the last event is not the summary');
  return last;
}

if (await enterLab(t, import.meta.url, PEERS)) {
  t.equal(buildCli().status, 0, 'the CLI builds');
  const exportDir = join(mkdtempSync(join(tmpdir(), 'nfsprobe-shared-')), 'export');
  run('mkdir', ['-p', exportDir]);
  const lab = await FailoverLab.create(t, { exportDir });
  await lab.servers.A.startGanesha();
  await sleep(1100); // another second: ganesha's write verifier comes from its start time
  await lab.servers.B.startGanesha();
  await lab.addAddress('A');
  const spec = `${FLOATING}:${exportDir}`;

  t.test('shared storage, moved A -> B -> A mid-run: no stale handle, no lost write, exit 0', async (t) => {
    const watch = nfsprobe(['--json', 'watch', spec, '--duration', '5s', '--interval', '100ms'], 60_000);
    await sleep(1500);
    await lab.moveTo('B');
    await sleep(1500);
    await lab.moveTo('A');
    const result = await watch;
    t.equal(result.code, 0, result.err);
    const events = parseLines(result.out);
    const summary = summaryOf(events);
    t.equal(events[0]?.event, 'start');
    t.ok(summary.ok, `ok (problems: ${summary.problems.join('; ')})`);
    t.equal(summary.staleHandles, 0, 'no stale handle');
    t.equal(summary.lostWrites, 0, 'no lost write');
    t.ok(summary.writesAcknowledged > 20, `${summary.writesAcknowledged} writes acknowledged`);
    t.equal(summary.verifierChanges, 2, 'the write verifier changed at each move (B, then A again)');
    const verifiers = events.filter((e) => e.event === 'verifier');
    t.equal(verifiers.length, 2);
    t.equal(verifiers[0]?.before, verifiers[1]?.after, 'back on A: the verifier A gave before');
    t.ok(
      summary.paths.every((p) => p.ok > 30),
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
      const watch = nfsprobe(
        ['--json', 'watch', spec, '--duration', '6500ms', '--interval', `${intervalMs}ms`, '--max-outage', maxOutage],
        60_000,
      );
      await sleep(1500);
      await lab.removeAddress();
      await sleep(3000);
      await lab.addAddress(maxOutage === '1s' ? 'B' : 'A'); // A -> gap -> B, then B -> gap -> A
      const result = await watch;
      t.equal(result.code, code, `--max-outage ${maxOutage}: exit ${code}`);
      const events = parseLines(result.out);
      const summary = summaryOf(events);
      for (const path of summary.paths) {
        t.equal(path.outages.length, 1, `${path.path}: one outage`);
        const measured = path.outages[0]?.durationMs ?? 0;
        t.ok(
          Math.abs(measured - 3000) <= intervalMs + 100,
          `${path.path}: outage ${measured} ms is 3000 ms within one interval + 100 ms`,
        );
      }
      const downs = events.filter((e) => e.event === 'down').map((e) => (e.event === 'down' ? e.path : ''));
      const ups = events.filter((e) => e.event === 'up').map((e) => (e.event === 'up' ? e.path : ''));
      t.same(new Set(downs), new Set(summary.paths.map((p) => p.path)), 'a down event per path');
      t.same(new Set(ups), new Set(summary.paths.map((p) => p.path)), 'an up event per path');
      t.equal(summary.lostWrites, 0);
      t.equal(summary.staleHandles, 0);
      if (code === 1) t.match(summary.problems.join('\n'), /longer than the 1000 ms allowed/);
      else t.same(summary.problems, []);
    }
  });

  t.test('ganesha restart on the same storage: verifier change, uncommitted records resent and verified', async (t) => {
    const server = lab.servers[lab.holder ?? 'A'];
    const events: WatchEvent[] = [];
    // COMMIT rarely, so that records are pending when the server dies.
    const watcher = new Watcher({ host: FLOATING, exportPath: exportDir, intervalMs: 100, commitEvery: 1000 });
    const running = watcher.run((e) => events.push(e));
    await sleep(2000);
    await server.killGanesha();
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
    t.ok(
      summary.paths.filter((p) => p.path.startsWith('nfs3')).every((p) => p.outages.length === 1),
      'every NFS path had one outage and recovered',
    );
  });

  t.test('SIGTERM ends a run cleanly: the summary is printed and the probe file removed', async (t) => {
    const child = spawn(process.execPath, [bin, '--json', 'watch', spec, '--file', 'sigterm-probe'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await sleep(1500);
    t.ok(existsSync(join(exportDir, 'sigterm-probe')), 'the probe file exists while the watch runs');
    child.kill('SIGTERM');
    t.equal(await exited, 0, 'exit 0');
    const summary = summaryOf(parseLines(out));
    t.ok(summary.writesAcknowledged > 5);
    t.notOk(existsSync(join(exportDir, 'sigterm-probe')), 'the probe file is gone');
  });
}
