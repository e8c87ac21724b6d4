// A ganesha that refuses NFSv4.0 (Minor_Versions = 1, 2): `fh get --nfs-version 4` and `snapshot` fall back to the
// NFSv4.1 session path (EXCHANGE_ID, CREATE_SESSION, SEQUENCE) and get the same handle as MOUNT.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { connect } from '../../src/nfs/connect.js';
import { takeSnapshot } from '../../src/probe/snapshot.js';
import { tempDir } from '../helpers/temp.js';
import { enterLab, run, startGanesha, startRpcbind } from '../lab/namespace.js';
import { runCli } from './cli-run.js';

if (await enterLab(t, import.meta.url, ['rpcbind', 'ganesha.nfsd', 'rpcinfo'])) {
  await startRpcbind(t);
  const exportDir = join(tempDir('nfsprobe-v41-'), 'data');
  run('mkdir', ['-p', exportDir]);
  writeFileSync(join(exportDir, 'f'), 'x');
  await startGanesha(t, { exportDir, exportId: 3, nfsv4Extra: 'Minor_Versions = 1, 2;' });
  const host = '127.0.0.1';

  t.test('the server refuses minor version 0', async (t) => {
    const conn = connect(host);
    t.teardown(() => conn.close());
    const res = await (await conn.nfs4(0)).build().putrootfh().send();
    t.equal(res.status, 10021, 'NFS4ERR_MINOR_VERS_MISMATCH');
  });

  t.test('fh get --nfs-version 4 uses a 4.1 session', async (t) => {
    const got = await runCli(['--json', 'fh', 'get', `${host}:${exportDir}`, '--nfs-version', '4']);
    t.equal(got.code, 0, got.stderr);
    const doc = JSON.parse(got.stdout);
    t.equal(doc.minorVersion, 1);
    t.equal(doc.attributes.fileid, run('stat', ['-c', '%i', exportDir]).trim());
    const v3 = JSON.parse((await runCli(['--json', 'fh', 'get', `${host}:${exportDir}`])).stdout);
    t.equal(doc.handle.exportId, 3);
    t.equal(v3.handle.fsid.raw, doc.handle.fsid.raw, 'v3 and v4.1 handles carry the same fsid');
  });

  t.test('snapshot records the 4.1 handle', async (t) => {
    const s = await takeSnapshot(host);
    const target = s.targets[0]!;
    t.ok(target.v4 && !('error' in target.v4) && target.v4.minorVersion === 1);
  });
}
