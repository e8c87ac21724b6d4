// `nfsprobe watch --locks` through real takeovers in the failover lab with locks (test/lab/failover.ts): rpc.statd in
// each server's namespaces on a statd directory on shared storage, ganesha with NLM (A without grace, B a cold standby
// with a grace period, started at the move, after A's ganesha is killed), rpcbind in the client namespace for the
// canary's NSM listener, and the takeover's own `nfsprobe notify` run on B. Cases: the whole chain (exit 0), B's own
// statd directory (NO_SM_NOTIFY), notify with the node's own name (WRONG_MON_NAME), NFSv4.1 OPEN + LOCK reclaimed
// with a shared RecoveryRoot and refused with B's own (RECLAIM_REFUSED), and tshark on the bridge decoding the NLM,
// NSM and NFSv4 traffic of a drill. Asserts on codes and fields only, never on message text or timings.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { SummaryEvent, WatchEvent } from '../../src/probe/watch/events.js';
import { NLM_LOCK_OFFSET } from '../../src/probe/watch/locks.js';
import { bin, buildCli, nfsprobe } from '../helpers/cli.js';
import { BRIDGE_ADDRESS, FailoverLab, FLOATING, sleep } from '../lab/failover.js';
import {
  enterLab,
  makeStatdDir,
  startDaemon,
  startRpcbind,
  startStatd,
  stopCapture,
  TSHARK_RPC_BY_CONTENT,
  tsharkCount,
  tsharkProblems,
  waitFor,
  withoutTsharkNfs4BitmapNote,
} from '../lab/namespace.js';
import { parseEvents, startWatch, summaryOf } from './watch-run.js';

const PEERS = ['rpcbind', 'rpc.statd', 'ganesha.nfsd', 'rpcinfo', 'nsenter', 'timeout', 'tshark'];

if (await enterLab(t, import.meta.url, PEERS)) {
  t.equal(buildCli().status, 0, 'the CLI builds');
  await startRpcbind(t); // the client namespace's rpcbind: the canary's listener registers there
  const exportDir = join(mkdtempSync(join(tmpdir(), 'nfsprobe-locks-')), 'export');
  mkdirSync(exportDir, { recursive: true });
  const sharedStatd = makeStatdDir();
  const sharedRecovery = mkdtempSync(join(tmpdir(), 'nfsprobe-locks-recovery-'));
  const common = { exportDir, statdDir: sharedStatd, recoveryRoot: sharedRecovery, pseudo: exportDir };
  const lab = await FailoverLab.create(t, common, {
    ...common,
    nfsv4: 'Graceless = false; Grace_Period = 12; Lease_Lifetime = 6;',
  });
  const spec = `${FLOATING}:${exportDir}`;

  /**
   * A serves (no grace), B is down, the floating address is on A. Both statds start afresh on an empty shared
   * directory: a statd keeps its monitor list in memory, and B's ganesha's SM_UNMON_ALL at its start would make a
   * statd that remembers an old record of ours delete the shared file A's statd wrote for this run's lock.
   */
  async function reset(): Promise<void> {
    await Promise.all([lab.servers.A.killGanesha(), lab.servers.B.killGanesha()]);
    await Promise.all([lab.servers.A.stopStatd(), lab.servers.B.stopStatd()]);
    for (const sub of ['sm', 'sm.bak']) {
      for (const name of readdirSync(join(sharedStatd, sub))) rmSync(join(sharedStatd, sub, name), { force: true });
    }
    await Promise.all([lab.servers.A.startStatd(sharedStatd), lab.servers.B.startStatd(sharedStatd)]);
    for (const name of readdirSync(sharedRecovery))
      rmSync(join(sharedRecovery, name), { recursive: true, force: true });
    await lab.removeAddress();
    await lab.servers.A.startGanesha();
    await lab.addAddress('A');
  }

  interface Drill {
    code: number | null;
    events: WatchEvent[];
    summary: SummaryEvent;
    err: string;
  }

  /** Watch with --locks, move to B, start B's ganesha, run notify on B with `notifyArgs`, wait for the end. */
  /** `watch --json --locks` of the lab's export as the client on the bridge, plus `extra`. */
  const lockWatch = (extra: readonly string[], options?: Parameters<typeof startWatch>[1]) =>
    startWatch(['--json', 'watch', spec, '--locks', '--caller-name', BRIDGE_ADDRESS, ...extra], options);

  async function drill(
    t: Test,
    notifyArgs: readonly string[],
    extra: readonly string[] = [],
    bStatdDir?: string,
  ): Promise<Drill> {
    await reset();
    if (bStatdDir !== undefined) await lab.servers.B.startStatd(bStatdDir);
    const watch = lockWatch(['--interval', '100ms', '--duration', '8s', ...extra], { nice: true });
    t.teardown(() => watch.signal('SIGKILL'));
    await watch.started;
    await sleep(1000);
    // A fails (its kernel locks on the shared storage go with it), B takes the address and starts (cold standby).
    await lab.servers.A.killGanesha();
    await lab.moveTo('B');
    await lab.servers.B.startGanesha();
    await lab.servers.B.exec(process.execPath, [
      bin,
      'notify',
      '-d',
      '-f',
      '--no-lift-grace',
      ...notifyArgs,
      '--source',
      FLOATING,
    ]);
    const { code, out, err } = await watch.done;
    const events = parseEvents(out);
    if (events.at(-1)?.event !== 'summary') t.comment(`exit ${code}: ${err}`);
    const summary = summaryOf(events);
    t.comment(
      `paths ${summary.paths.map((p) => `${p.path} ${p.ok}/${p.failed}/${p.maxOutageMs}ms`).join(', ')}; ` +
        `smNotify ${JSON.stringify(summary.smNotify)}; graceMs ${summary.graceMs}; duration ${summary.durationMs} ms`,
    );
    return { code, events, summary, err };
  }

  const codes = (s: SummaryEvent) => (s.locks?.problems ?? []).map((p) => p.code);

  t.test(
    'lock held on A, move, notify from B: SM_NOTIFY as expected, reclaim ok, grace enforced, exit 0',
    async (t) => {
      const { code, events, summary, err } = await drill(
        t,
        ['-P', sharedStatd, '-v', FLOATING],
        ['--notify-timeout', '60s'],
      );
      t.equal(code, 0, `exit 0 (${summary.problems.join('; ')}${err})`);
      t.same(codes(summary), [], 'no lock problem');
      const n = summary.smNotify;
      t.ok(n?.received, 'SM_NOTIFY received');
      t.equal(n?.from?.split(':')[0], FLOATING, 'from the floating address');
      t.equal(n?.monName, FLOATING, 'announcing the floating name');
      t.equal(n?.listener, 'rpcbind', 'the listener was registered with the client rpcbind');
      t.equal((n?.state ?? 0) % 2, 1, 'an odd state');
      t.ok(n?.expected.stateAbove !== null && (n?.state ?? 0) > (n?.expected.stateAbove ?? 0), 'higher than before');
      t.same(
        summary.reclaims.map((r) => [r.kind, r.status]),
        [['nlm', 'ok']],
        'the NLM reclaim was granted',
      );
      const conflicts = (summary.locks?.conflicts ?? []).map((c) => `${c.kind} ${c.when} ${c.status}`);
      t.ok(conflicts.includes('nlm before LCK_DENIED'), 'the second owner was refused before the move');
      t.ok(conflicts.includes('nlm grace LCK_DENIED_GRACE_PERIOD'), 'grace enforced for the second owner');
      t.ok(conflicts.includes('nlm after LCK_DENIED'), 'after grace the reclaimed lock holds');
      t.ok(summary.graceMs !== null, 'grace measured');
      t.ok(
        events.some((e) => e.event === 'sm-notify'),
        'an sm-notify event',
      );
      t.ok(
        events.some((e) => e.event === 'reclaim' && e.kind === 'nlm'),
        'a reclaim event',
      );
      t.ok(
        events.some((e) => e.event === 'grace' && e.path === 'nlm'),
        'a grace event',
      );
    },
  );

  t.test("the statd directory is not shared (B's own is empty): no SM_NOTIFY, exit 1", async (t) => {
    const own = makeStatdDir();
    const { code, summary } = await drill(t, ['-P', own, '-v', FLOATING], ['--notify-timeout', '3s'], own);
    t.equal(code, 1, 'exit 1');
    t.equal(summary.smNotify?.received, false, 'no SM_NOTIFY');
    t.ok(codes(summary).includes('NO_SM_NOTIFY'), 'reported as NO_SM_NOTIFY');
    t.same(summary.reclaims, [], 'nothing to reclaim without a notify');
  });

  t.test("notify announces the node's own name: mon_name mismatch, exit 1", async (t) => {
    const { code, summary } = await drill(t, ['-P', sharedStatd, '-v', 'nfs-b-node'], ['--notify-timeout', '60s']);
    t.equal(code, 1, 'exit 1');
    t.equal(summary.smNotify?.monName, 'nfs-b-node');
    t.ok(codes(summary).includes('WRONG_MON_NAME'), 'reported as WRONG_MON_NAME');
    t.notOk(codes(summary).includes('WRONG_SOURCE'), 'the source was right');
  });

  const capture = join(mkdtempSync(join(tmpdir(), 'nfsprobe-locks-pcap-')), 'drill.pcapng');

  t.test('NFSv4.1: OPEN + LOCK reclaimed within grace, a new OPEN refused with NFS4ERR_GRACE, exit 0', async (t) => {
    // The drill's traffic on the bridge, for the tshark check below.
    const tshark = startDaemon(t, 'tshark', ['-i', 'br0', '-w', capture, '-q'], 'tshark');
    await waitFor(() => /Capturing on/.test(tshark.log()), 'tshark to start capturing');
    const { code, summary } = await drill(
      t,
      ['-P', sharedStatd, '-v', FLOATING],
      ['--nfs-version', 'all', '--notify-timeout', '60s'],
    );
    t.equal(code, 0, `exit 0 (${summary.problems.join('; ')})`);
    const reclaims = summary.reclaims.map((r) => `${r.kind} ${r.status}`);
    t.ok(reclaims.includes('nfs4-open ok'), 'OPEN CLAIM_PREVIOUS granted');
    t.ok(reclaims.includes('nfs4-lock ok'), 'LOCK reclaim granted');
    t.ok(reclaims.includes('nlm ok'), 'and the NLM lock reclaimed as well');
    const conflicts = (summary.locks?.conflicts ?? []).map((c) => `${c.kind} ${c.when} ${c.status}`);
    t.ok(conflicts.includes('nfs4 before NFS4ERR_DENIED'), 'a second client could not lock before the move');
    t.ok(conflicts.includes('nfs4 grace NFS4ERR_GRACE'), 'a new OPEN during grace: NFS4ERR_GRACE');
    t.ok(conflicts.includes('nfs4 after NFS4ERR_DENIED'), 'after grace the reclaimed lock holds');
    await stopCapture(tshark, capture);
  });

  t.test('tshark decodes the NLM, NSM and NFSv4 LOCK traffic of the drill, nothing malformed', async (t) => {
    const decode = [...TSHARK_RPC_BY_CONTENT, '-d', 'udp.port==20049,rpc', '-d', 'tcp.port==20049,rpc'];
    // Two warnings are not about our packets: moving the floating address makes ARP see it at a second MAC, and
    // ganesha's CLOSE replies carry a real stateid where RFC 7530 16.2.5 asks for the special one.
    const expected = [
      /^Warns: Sequence ARP\/RARP Duplicate IP address configured/,
      /^Warns: Protocol NFS State ID deprecated in CLOSE responses/,
    ];
    const problems = withoutTsharkNfs4BitmapNote(tsharkProblems(capture, decode)).filter(
      (p) => !expected.some((re) => re.test(p)),
    );
    t.same(problems, [], 'no malformed packet, no expert error or warning of our own');
    t.ok(tsharkCount(capture, 'nlm.procedure_v4 == 2', decode) >= 4, 'NLM LOCK calls and replies');
    t.ok(tsharkCount(capture, 'stat.procedure_v1 == 6', decode) >= 1, 'NSM SM_NOTIFY');
    t.ok(tsharkCount(capture, 'stat.procedure_v1 == 1', decode) >= 1, 'NSM SM_STAT');
    t.ok(tsharkCount(capture, 'nfs.opcode == 12', decode) >= 2, 'NFSv4 LOCK');
    t.ok(tsharkCount(capture, 'nfs.opcode == 58', decode) >= 1, 'NFSv4 RECLAIM_COMPLETE');
  });

  t.test(
    'NFSv4.1 only: OPEN + LOCK reclaimed, NFS4ERR_GRACE for a new OPEN, no SM_NOTIFY expected, exit 0',
    async (t) => {
      const { code, summary } = await drill(t, ['-P', sharedStatd, '-v', FLOATING], ['--nfs-version', '4']);
      t.equal(code, 0, `exit 0 (${summary.problems.join('; ')})`);
      t.equal(summary.smNotify, null, 'no NLM lock, so no SM_NOTIFY to expect');
      t.same(
        summary.reclaims.map((r) => `${r.kind} ${r.status}`),
        ['nfs4-open ok', 'nfs4-lock ok'],
        'OPEN and LOCK reclaimed',
      );
      const conflicts = (summary.locks?.conflicts ?? []).map((c) => `${c.kind} ${c.when} ${c.status}`);
      t.same(conflicts, ['nfs4 before NFS4ERR_DENIED', 'nfs4 grace NFS4ERR_GRACE', 'nfs4 after NFS4ERR_DENIED']);
      t.same(
        readdirSync(exportDir).filter((name) => name.startsWith('.nfsprobe-watch-')),
        [],
        'the probe file the OPEN created is removed',
      );
    },
  );

  t.test('NFSv4.1 with a RecoveryRoot that is not shared: the reclaim refusal is reported, exit 1', async (t) => {
    lab.servers.B.configure({ recoveryRoot: mkdtempSync(join(tmpdir(), 'nfsprobe-locks-own-recovery-')) });
    t.teardown(() => lab.servers.B.configure({ recoveryRoot: sharedRecovery }));
    const { code, summary } = await drill(
      t,
      ['-P', sharedStatd, '-v', FLOATING],
      ['--nfs-version', 'all', '--notify-timeout', '60s'],
    );
    t.equal(code, 1, 'exit 1');
    const open = summary.reclaims.find((r) => r.kind === 'nfs4-open');
    t.ok(open !== undefined && open.status !== 'ok', `the OPEN reclaim was refused (${open?.status})`);
    t.ok(codes(summary).includes('RECLAIM_REFUSED'), 'reported as RECLAIM_REFUSED');
  });

  t.test('no move, SIGTERM: exit 0, the lock is released (another owner gets it afterwards)', async (t) => {
    await reset();
    const watch = lockWatch(['--file', 'held', '--keep']);
    t.teardown(() => watch.signal('SIGKILL'));
    await watch.started;
    await sleep(1000);
    watch.signal('SIGTERM');
    const { code, out } = await watch.done;
    const summary = summaryOf(parseEvents(out));
    t.equal(code, 0, `exit 0 (${summary.problems.join('; ')})`);
    t.equal(summary.smNotify?.received, false, 'no SM_NOTIFY without a move, and none expected');
    t.same(
      (summary.locks?.conflicts ?? []).map((c) => `${c.when} ${c.status}`),
      ['before LCK_DENIED', 'before LCK_DENIED'],
      'the second owner was refused at the start and at the end',
    );
    const other = await nfsprobe([
      'lock',
      `${FLOATING}:${exportDir}/held`,
      '--caller-name',
      BRIDGE_ADDRESS,
      '--offset',
      String(NLM_LOCK_OFFSET),
      '--length',
      '1',
      '--json',
    ]);
    t.equal(other.code, 0, `another owner takes the canary's byte after the run (${other.err})`);
  });

  t.test('a statd registered on the client: one notice, the listener only on --notify-port', async (t) => {
    await reset();
    const statd = await startStatd(t, makeStatdDir());
    const watch = lockWatch(['--notify-port', '4011']);
    t.teardown(() => watch.signal('SIGKILL'));
    await watch.started;
    await sleep(500);
    watch.signal('SIGTERM');
    const { code, out, err } = await watch.done;
    await statd.stop();
    const summary = summaryOf(parseEvents(out));
    t.equal(code, 0, `exit 0 (${summary.problems.join('; ')})`);
    t.equal(summary.smNotify?.listener, 'port', 'not registered with rpcbind');
    t.equal(summary.smNotify?.port, 4011, 'on --notify-port');
    t.equal(err.split('\n').filter((line) => line.startsWith('nfsprobe: ')).length, 1, 'one notice line on stderr');
  });
}
