// Handle portability in the two-server lab (test/lab/failover.ts) when the servers do not share storage: each serves
// the path from a tmpfs of its own, so A's export-root handles are STALE on B and `portability` fails, live and from
// a snapshot file of A, while each server takes its own handles. (Only B having its own tmpfs is not enough: ganesha
// VFS opens a handle on any filesystem its process can see, and B still sees A's, the root filesystem; measured.)
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { connect } from '../../src/nfs/connect.js';
import { compareSnapshots } from '../../src/probe/compare.js';
import { probePortability } from '../../src/probe/portability.js';
import { takeSnapshot } from '../../src/probe/snapshot.js';
import { FailoverLab } from '../lab/failover.js';
import { enterLab } from '../lab/namespace.js';
import { runCli } from './cli-run.js';

const PEERS = ['rpcbind', 'ganesha.nfsd', 'rpcinfo', 'nsenter', 'timeout'];

interface JsonCheck {
  name: string;
  status: string;
  a: unknown;
  b: unknown;
  remedy: string;
}

if (await enterLab(t, import.meta.url, PEERS)) {
  const root = mkdtempSync(join(tmpdir(), 'nfsprobe-compare-storage-'));
  const exportDir = join(root, 'export');
  mkdirSync(exportDir);
  const lab = await FailoverLab.create(t, { exportDir, ownTmpfs: true });
  const { A, B } = lab.servers;
  for (const server of [A, B]) await server.exec('sh', ['-c', `echo ${server.name} > "${exportDir}/data.txt"`]);
  await Promise.all([A.startGanesha(), B.startGanesha()]);

  t.test("other storage on B: A's handles are refused, portability fails", async (t) => {
    const sa = await takeSnapshot(A.address);
    const sb = await takeSnapshot(B.address);
    const conn = connect(B.address);
    const probes = await probePortability(conn, sa).finally(() => conn.close());
    t.equal(probes.length, 2, 'the v3 and the v4 export-root handle');
    for (const p of probes) {
      t.equal(p.outcome.status, 'error', `v${p.version}: refused`);
      if (p.outcome.status === 'error') t.match(p.outcome.code, /^NFS[34]ERR_(STALE|BADHANDLE)$/);
    }
    const result = compareSnapshots(sa, sb, 'A', 'B', { portability: probes });
    const check = result.checks.find((c) => c.name === `portability ${exportDir}`);
    t.equal(check?.status, 'fail');
    t.match(check?.remedy, /fsid=|Filesystem_id/);
    // Two fresh tmpfs roots have the same inode number, so the fileid check alone would pass; the fsid tells.
    t.equal(result.checks.find((c) => c.name === `getattr fsid (v3) ${exportDir}`)?.status, 'fail');
    // The same server presented its own handles: portable.
    const self = connect(A.address);
    const own = await probePortability(self, sa).finally(() => self.close());
    t.same(
      own.map((p) => p.outcome.status),
      ['ok', 'ok'],
    );
  });

  t.test('from a snapshot file of A against live B', async (t) => {
    const file = join(root, 'a.json');
    t.equal((await runCli(['snapshot', A.address, '--out', file])).code, 0);
    const cli = await runCli(['--json', 'compare', file, B.address]);
    t.equal(cli.code, 1);
    const checks = JSON.parse(cli.stdout).checks as JsonCheck[];
    const portability = checks.find((c) => c.name === `portability ${exportDir}`);
    t.equal(portability?.status, 'fail');
    const b = portability?.b as Record<string, string>;
    t.match(b.v3, /^NFS3ERR_(STALE|BADHANDLE)$/);
    t.match(b.v4, /^NFS4ERR_(STALE|BADHANDLE)$/);
    const reverse = await runCli(['--json', 'compare', B.address, A.address]);
    const back = (JSON.parse(reverse.stdout).checks as JsonCheck[]).find((c) => c.name === `portability ${exportDir}`);
    t.equal(back?.status, 'fail', "nor does A take B's handles");
  });
}
