// NFSv4 pseudo paths against a real nfs-ganesha whose Pseudo differs from its Path (`Path = .../export`,
// `Pseudo = /pseudo/deep/export`): fh get, snapshot and compare find the NFSv4 path by walking the pseudo
// filesystem; --pseudo forces it; a wrong --pseudo is an error with the documented exit code. The write verifier is
// read without changing the file it COMMITs.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
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
  tsharkCount,
  tsharkProblems,
  withoutTsharkNfs4BitmapNote,
} from '../lab/namespace.js';
import { runCli } from './cli-run.js';

const PEERS = ['rpcbind', 'rpc.statd', 'ganesha.nfsd', 'rpcinfo', 'tshark'];
const PSEUDO = '/pseudo/deep/export';
const HOST = '127.0.0.1';

if (await enterLab(t, import.meta.url, PEERS)) {
  await startRpcbind(t);
  await startStatd(t, makeStatdDir());
  const work = tempDir('nfsprobe-pseudo-');
  const capture = join(work, 'pseudo.pcap');
  const tshark = await startCapture(t, capture);
  const exportDir = join(work, 'export');
  run('mkdir', ['-p', join(exportDir, 'sub')]);
  const dataFile = join(exportDir, 'data.txt');
  writeFileSync(dataFile, 'user data');
  const before = statSync(dataFile);
  await startGanesha(t, { exportDir, exportId: 1, pseudo: PSEUDO });
  const inode = run('stat', ['-c', '%i', exportDir]).trim();

  t.test('fh get --nfs-version 4 finds the pseudo path by walking the pseudo filesystem', async (t) => {
    const cli = await runCli(['--json', 'fh', 'get', `${HOST}:${exportDir}`, '--nfs-version', '4']);
    t.equal(cli.code, 0, cli.stderr);
    const got = JSON.parse(cli.stdout);
    t.equal(got.pseudoPath, PSEUDO);
    t.equal(got.pseudoVia, 'walk');
    t.equal(got.attributes.fileid, inode, 'the export root itself');
    t.equal(got.handle.exportId, 1);
    const sub = JSON.parse(
      (await runCli(['--json', 'fh', 'get', `${HOST}:${exportDir}/sub`, '--nfs-version', '4'])).stdout,
    );
    t.equal(sub.pseudoPath, `${PSEUDO}/sub`, 'a path below the export: the pseudo path plus the rest');
    t.equal(sub.attributes.fileid, run('stat', ['-c', '%i', join(exportDir, 'sub')]).trim());
    const text = await runCli(['fh', 'get', `${HOST}:${exportDir}`, '--nfs-version', '4']);
    t.equal(text.code, 0, text.stderr);
  });

  t.test('--pseudo forces the path; a wrong one is an error', async (t) => {
    const forced = await runCli([
      '--json',
      'fh',
      'get',
      `${HOST}:${exportDir}`,
      '--nfs-version',
      '4',
      '--pseudo',
      PSEUDO,
    ]);
    t.equal(forced.code, 0, forced.stderr);
    t.equal(JSON.parse(forced.stdout).pseudoVia, 'forced');
    const missing = await runCli(['fh', 'get', `${HOST}:${exportDir}`, '--nfs-version', '4', '--pseudo', '/nope']);
    t.equal(missing.code, 1, 'no such NFSv4 path: the probe ran and found a problem');
    t.match(missing.stderr, /PSEUDO_NOT_FOUND/);
    const other = await runCli(['fh', 'get', `${HOST}:${exportDir}`, '--nfs-version', '4', '--pseudo', '/pseudo']);
    t.equal(other.code, 1, 'a pseudo directory, not the export');
    t.match(other.stderr, /PSEUDO_MISMATCH/);
    const relative = await runCli(['fh', 'get', `${HOST}:${exportDir}`, '--nfs-version', '4', '--pseudo', 'pseudo']);
    t.equal(relative.code, 2, 'not an absolute path: usage error');
    const v3 = await runCli(['fh', 'get', `${HOST}:${exportDir}`, '--pseudo', PSEUDO]);
    t.equal(v3.code, 2, '--pseudo with NFSv3: usage error');
    const unpaired = await runCli(['snapshot', HOST, '--pseudo', PSEUDO]);
    t.equal(unpaired.code, 2, 'a bare --pseudo needs exactly one --export');
  });

  t.test('snapshot and compare work on the server; the identity is recorded', async (t) => {
    const s = await takeSnapshot(HOST, { paths: [`${exportDir}/sub`] });
    t.same(s.errors, []);
    const root = s.targets.find((x) => x.path === exportDir)!;
    t.ok(root.v4 !== null && !('error' in root.v4), 'a v4 handle');
    if (root.v4 !== null && !('error' in root.v4)) {
      t.equal(root.v4.pseudoPath, PSEUDO);
      t.equal(root.v4.pseudoVia, 'walk');
      t.equal(root.v4.attributes.fileid, inode);
      t.ok(root.v4.attributes.fsid !== null, 'the v4 fsid of the export');
    }
    t.ok(s.nfs4 && !('error' in s.nfs4) && s.nfs4.serverScope !== '', 'EXCHANGE_ID server scope');
    t.ok(s.nfs4 && !('error' in s.nfs4) && typeof s.nfs4.leaseTime === 'number', 'lease time');
    t.ok(s.writeVerifier && !('error' in s.writeVerifier), 'a write verifier');
    if (s.writeVerifier && !('error' in s.writeVerifier)) {
      t.equal(s.writeVerifier.method, 'nfs3-commit');
      t.equal(s.writeVerifier.file, 'data.txt', 'the file COMMITted is the one checked below');
      t.match(s.writeVerifier.verifier, /^[0-9a-f]{16}$/);
    }
    const after = statSync(dataFile);
    t.equal(readFileSync(dataFile, 'utf8'), 'user data', 'the COMMITted file keeps its data');
    t.equal(after.mtimeMs, before.mtimeMs, 'and its mtime');
    t.equal(after.size, before.size);

    const file = join(work, 'a.json');
    const snap = await runCli(['snapshot', HOST, '--out', file]);
    t.equal(snap.code, 0, snap.stderr);
    const cli = await runCli(['--json', 'compare', file, HOST]);
    const result = JSON.parse(cli.stdout) as { checks: { name: string; status: string }[] };
    const byName = new Map(result.checks.map((c) => [c.name, c.status]));
    t.equal(byName.get(`handle v4 ${exportDir}`), 'pass', 'the v4 handles are compared, not warned about');
    t.equal(byName.get(`getattr fsid (v4) ${exportDir}`), 'pass');
    t.equal(byName.get('v4 server scope'), 'pass');
    t.equal(byName.get(`portability ${exportDir}`), 'pass', 'the server takes its own handles');
    // The same server before and after: the NSM state is unchanged (a failover check) and so is the verifier.
    t.same(
      result.checks.filter((c) => c.status !== 'pass').map((c) => `${c.name}: ${c.status}`),
      ['nsm state: fail', 'write verifier: warn'],
    );
    const live = compareSnapshots(s, await takeSnapshot(HOST, { paths: [`${exportDir}/sub`] }));
    t.equal(live.checks.find((c) => c.name === `handle v4 ${exportDir}/sub`)?.status, 'pass');
  });

  t.test('--pseudo on snapshot and compare: forced, and wrong', async (t) => {
    const forced = await takeSnapshot(HOST, { exports: [exportDir], pseudo: { [exportDir]: PSEUDO } });
    const v4 = forced.targets[0]?.v4;
    t.ok(v4 && !('error' in v4) && v4.pseudoVia === 'forced');
    const out = join(work, 'wrong.json');
    const wrong = await runCli(['--json', 'snapshot', HOST, '--export', exportDir, '--pseudo', '/nope', '--out', out]);
    t.equal(wrong.code, 1, 'a --pseudo that does not work fails the snapshot, though NFSv3 worked');
    const summary = JSON.parse(wrong.stdout);
    t.equal(summary.written, false);
    t.equal(summary.errors, 1);
    const compared = await runCli(['--json', 'compare', HOST, HOST, '--export', exportDir, '--pseudo', '/pseudo']);
    t.equal(compared.code, 1, 'compare with a wrong --pseudo fails');
    const checks = JSON.parse(compared.stdout).checks as { name: string; status: string }[];
    t.equal(checks.find((c) => c.name === `handle v4 ${exportDir}`)?.status, 'fail');
    const pairs = await runCli(['--json', 'compare', HOST, HOST, '--pseudo', `${exportDir}=${PSEUDO}`]);
    const paired = JSON.parse(pairs.stdout).checks as { name: string; status: string }[];
    t.equal(paired.find((c) => c.name === `handle v4 ${exportDir}`)?.status, 'pass', '--pseudo EXPORT=PSEUDO');
  });

  t.test('tshark decodes the walk (READDIR), EXCHANGE_ID and COMMIT without malformed packets', async (t) => {
    await stopCapture(tshark, capture);
    t.same(withoutTsharkNfs4BitmapNote(tsharkProblems(capture, TSHARK_RPC_BY_CONTENT)), []);
    t.ok(tsharkCount(capture, 'nfs.opcode == 26', TSHARK_RPC_BY_CONTENT) > 0, 'NFSv4 READDIR was sent');
    t.ok(tsharkCount(capture, 'nfs.procedure_v3 == 21', TSHARK_RPC_BY_CONTENT) > 0, 'NFSv3 COMMIT was sent');
    t.equal(tsharkCount(capture, 'nfs.procedure_v3 == 7', TSHARK_RPC_BY_CONTENT), 0, 'and never a WRITE (v3)');
    t.equal(tsharkCount(capture, 'nfs.opcode == 38', TSHARK_RPC_BY_CONTENT), 0, 'nor an NFSv4 WRITE');
  });
}
