// `compare` against two live nfs-ganesha servers in one private namespace: the same directory with the same
// Export_Id passes every check; another Export_Id, or the same data copied onto a tmpfs, fails the right checks and
// names the right handle fields. Snapshot files and hosts mix.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { compareSnapshots } from '../../src/probe/compare.js';
import { takeSnapshot } from '../../src/probe/snapshot.js';
import { tempDir } from '../helpers/temp.js';
import {
  enterLab,
  makeStatdDir,
  run,
  startCapture,
  startGanesha,
  startRpcbind,
  startStatd,
  stopCapture,
  TSHARK_RPC_BY_CONTENT,
  tsharkProblems,
  withoutTsharkNfs4BitmapNote,
} from '../lab/namespace.js';
import { runCli } from './cli-run.js';

const PEERS = ['rpcbind', 'rpc.statd', 'ganesha.nfsd', 'rpcinfo', 'tshark'];
const A = { host: '127.0.0.1', nfsPort: 2049, mountPort: 20048, nlmPort: 20049 };
const B = { host: '127.0.0.2', nfsPort: 2050, mountPort: 20050, nlmPort: 20051 };
/** Server B started after A stopped, on A's ports (the usual failover: same ports, another machine). */
const B_SAME_PORTS = { ...A, host: '127.0.0.2' };

if (await enterLab(t, import.meta.url, PEERS)) {
  await startRpcbind(t);
  await startStatd(t, makeStatdDir());
  const work = tempDir('nfsprobe-compare-');
  const capture = join(work, 'compare.pcap');
  const tshark = await startCapture(t, capture);
  const exportDir = join(work, 'export');
  run('mkdir', ['-p', join(exportDir, 'sub')]);
  writeFileSync(join(exportDir, 'sub', 'file.txt'), 'same data');
  const a = await startGanesha(t, { exportDir, exportId: 1, ...A });
  const snapshotOf = (side: typeof A) =>
    takeSnapshot(side.host, { nfsPort: side.nfsPort, mountPort: side.mountPort, paths: [`${exportDir}/sub`] });
  const aSnapshot = await snapshotOf(A);

  t.test('snapshot of one server', async (t) => {
    t.same(aSnapshot.errors, []);
    t.same(aSnapshot.exports, [{ path: exportDir, groups: [] }]);
    t.equal(aSnapshot.targets.length, 2, 'the export and --path below it');
    t.equal(aSnapshot.nsm.registered, true);
    t.ok(aSnapshot.programs?.some((p) => p.name === 'nfs' && p.version === 3));
    const target = aSnapshot.targets[0]!;
    t.ok(target.v3 && !('error' in target.v3) && target.v3.handle.format === 'ganesha');
    t.ok(
      target.v4 &&
        !('error' in target.v4) &&
        target.v4.attributes.fileid === run('stat', ['-c', '%i', exportDir]).trim(),
    );
    t.ok(
      target.v4 && !('error' in target.v4) && target.v4.pseudoVia === 'path',
      'Pseudo = Path: the MOUNT path works over NFSv4 as given, no walk',
    );
    const file = join(work, 'a.json');
    const cli = await runCli(['snapshot', A.host, '--path', `${exportDir}/sub`, '--out', file]);
    t.equal(cli.code, 0, cli.stderr);
    t.match(cli.stdout, /written to/);
    t.equal(JSON.parse(readFileSync(file, 'utf8')).targets.length, 2);
  });

  t.test('two live servers, same directory and Export_Id: no check fails', async (t) => {
    // ganesha's write verifier is its start time in seconds: two servers started within one second share it (the
    // write verifier check rightly warns then), so B starts in a later second than A.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const b = await startGanesha(t, { exportDir, exportId: 1, ...B });
    const result = compareSnapshots(await snapshotOf(A), await snapshotOf(B));
    // Both servers register with this namespace's one rpcbind, each overwriting the other's entries, so the
    // registration checks (programs, nfs-port) are not about these servers here; the failover test below covers them.
    const notPassed = result.checks.filter(
      (c) => c.status !== 'pass' && c.name !== 'programs' && c.name !== 'nfs-port',
    );
    t.same(notPassed, [], 'handles, GETATTR, exports and NSM all pass');
    t.ok(result.checks.some((c) => c.name === `handle v3 ${exportDir}/sub` && c.status === 'pass'));
    t.ok(result.checks.some((c) => c.name === `handle v4 ${exportDir}` && c.status === 'pass'));
    await b.stop();
    await a.stop();
  });

  t.test('failover to another server, same directory and Export_Id: every check passes', async (t) => {
    const b = await startGanesha(t, { exportDir, exportId: 1, ...B_SAME_PORTS });
    const result = compareSnapshots(aSnapshot, await snapshotOf(B_SAME_PORTS));
    t.same(
      result.checks.filter((c) => c.status !== 'pass'),
      [],
      'no failed or warning checks',
    );
    t.equal(result.ok, true);
    t.ok(result.checks.length >= 14, `${result.checks.length} checks ran`);
    t.ok(result.checks.some((c) => c.name === 'nsm'));
    // A snapshot file vs a live host is a failover: the one statd here never bumped its state, so only that fails.
    const cli = await runCli(['--json', 'compare', join(work, 'a.json'), B.host, '--path', `${exportDir}/sub`]);
    t.equal(cli.code, 1, cli.stderr);
    const checks = (JSON.parse(cli.stdout) as { checks: { name: string; status: string }[] }).checks;
    t.same(
      checks.filter((c) => c.status !== 'pass').map((c) => `${c.name}: ${c.status}`),
      ['nsm state: fail'],
      'snapshot file vs live host: only the unchanged NSM state fails',
    );
    await b.stop();
  });

  t.test('another Export_Id: the handle checks fail and name exportId', async (t) => {
    const b = await startGanesha(t, { exportDir, exportId: 7, ...B_SAME_PORTS });
    const result = compareSnapshots(aSnapshot, await snapshotOf(B_SAME_PORTS));
    t.equal(result.ok, false);
    const failed = result.checks.filter((c) => c.status === 'fail');
    t.same(
      failed.map((c) => c.name).sort(),
      [
        `handle v3 ${exportDir}`,
        `handle v3 ${exportDir}/sub`,
        `handle v4 ${exportDir}`,
        `handle v4 ${exportDir}/sub`,
      ].sort(),
    );
    for (const c of failed) {
      t.match(c.detail, /exportId 1 vs 7/, `${c.name} names the export id`);
      t.match(c.remedy, /Export_Id/);
    }
    t.ok(
      result.checks.filter((c) => c.name.startsWith('getattr')).every((c) => c.status === 'pass'),
      'same filesystem: fsid and fileid checks pass',
    );
    const cli = await runCli(['compare', join(work, 'a.json'), B.host]);
    t.equal(cli.code, 1, 'exit 1 when a check fails');
    t.match(cli.stdout, /FAIL\s+handle v3/);
    await b.stop();
  });

  t.test('the same data copied onto a tmpfs: fsid, fileid and handle fsid/inode fail', async (t) => {
    const b = await startGanesha(t, { exportDir, exportId: 1, onTmpfs: true, ...B_SAME_PORTS });
    const bSnapshot = await snapshotOf(B_SAME_PORTS);
    const result = compareSnapshots(aSnapshot, bSnapshot);
    t.equal(result.ok, false);
    const byName = new Map(result.checks.map((c) => [c.name, c]));
    t.equal(byName.get('exports')?.status, 'pass', 'the export list is the same');
    t.equal(byName.get(`getattr fsid (v3) ${exportDir}`)?.status, 'fail');
    t.equal(byName.get(`getattr fileid (v3) ${exportDir}`)?.status, 'fail');
    t.equal(byName.get(`getattr fsid (v4) ${exportDir}`)?.status, 'fail');
    t.equal(byName.get(`getattr fileid (v4) ${exportDir}/sub`)?.status, 'fail');
    const handle = byName.get(`handle v3 ${exportDir}`);
    t.equal(handle?.status, 'fail');
    t.match(handle?.detail, /fsid/, 'the handle check names the fsid');
    t.match(handle?.detail, /fileid\.inode/, 'and the inode');
    t.notMatch(handle?.detail, /exportId/, 'but not the export id');
    await b.stop();
  });

  t.test('tshark decodes the capture without malformed packets', async (t) => {
    await stopCapture(tshark, capture);
    t.same(withoutTsharkNfs4BitmapNote(tsharkProblems(capture, TSHARK_RPC_BY_CONTENT)), []);
  });
}
