// compare's deeper checks in the two-server lab (test/lab/failover.ts), both servers on the same shared storage:
// different ganesha Server_Scope values fail `v4 server scope`, A's handles work on B (`portability` passes, also
// from a snapshot file of A), B started in a later second gives another write verifier; one Server_Scope passes.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { connect } from '../../src/nfs/connect.js';
import { compareSnapshots } from '../../src/probe/compare.js';
import { probePortability } from '../../src/probe/portability.js';
import { takeSnapshot } from '../../src/probe/snapshot.js';
import { FailoverLab, sleep } from '../lab/failover.js';
import { enterLab } from '../lab/namespace.js';
import { runCli } from './cli-run.js';

const PEERS = ['rpcbind', 'ganesha.nfsd', 'rpcinfo', 'nsenter', 'timeout'];
const scope = (name: string) => `Graceless = true; Server_Scope = "${name}";`;

interface JsonCheck {
  name: string;
  status: string;
  a: unknown;
  b: unknown;
}

if (await enterLab(t, import.meta.url, PEERS)) {
  const root = mkdtempSync(join(tmpdir(), 'nfsprobe-compare-lab-'));
  const exportDir = join(root, 'export');
  mkdirSync(exportDir);
  writeFileSync(join(exportDir, 'data.txt'), 'shared');
  const lab = await FailoverLab.create(
    t,
    { exportDir, nfsv4: scope('scope-a') },
    { exportDir, nfsv4: scope('scope-b') },
  );
  const { A, B } = lab.servers;
  await A.startGanesha();
  await sleep(1100); // ganesha's write verifier is its start second
  await B.startGanesha();
  const file = join(root, 'a.json');

  t.test('different Server_Scope on shared storage: the scope fails, portability passes', async (t) => {
    const sa = await takeSnapshot(A.address);
    const sb = await takeSnapshot(B.address);
    t.same(sa.errors, []);
    t.ok(sa.nfs4 && !('error' in sa.nfs4) && sa.nfs4.serverScope === 'scope-a', 'A reports its Server_Scope');
    t.ok(sb.nfs4 && !('error' in sb.nfs4) && sb.nfs4.serverScope === 'scope-b', 'B reports its Server_Scope');
    const conn = connect(B.address);
    const probes = await probePortability(conn, sa).finally(() => conn.close());
    t.same(
      probes.map((p) => `v${p.version} ${p.outcome.status}`),
      ['v3 ok', 'v4 ok'],
      "B takes A's v3 and v4 export-root handles",
    );
    const result = compareSnapshots(sa, sb, 'A', 'B', { portability: probes });
    const byName = new Map(result.checks.map((c) => [c.name, c]));
    t.equal(byName.get('v4 server scope')?.status, 'fail');
    t.equal(byName.get('v4 server scope')?.a, 'scope-a');
    t.equal(byName.get('v4 server scope')?.b, 'scope-b');
    t.equal(byName.get('v4 lease time')?.status, 'pass');
    t.equal(byName.get('write verifier')?.status, 'pass', 'two ganesha started in different seconds');
    t.equal(byName.get(`portability ${exportDir}`)?.status, 'pass');
    t.equal(byName.get(`handle v4 ${exportDir}`)?.status, 'pass', 'the pseudo path (/export) was found on both');
    t.equal(result.ok, false);
  });

  t.test('a snapshot file of A against live B: portability is probed from the file', async (t) => {
    const snap = await runCli(['snapshot', A.address, '--out', file]);
    t.equal(snap.code, 0, snap.stderr);
    const cli = await runCli(['--json', 'compare', file, B.address]);
    t.equal(cli.code, 1, 'the scope check fails');
    const checks = JSON.parse(cli.stdout).checks as JsonCheck[];
    const get = (name: string) => checks.find((c) => c.name === name);
    t.equal(get('v4 server scope')?.status, 'fail');
    t.equal(get(`portability ${exportDir}`)?.status, 'pass');
    t.same(get(`portability ${exportDir}`)?.b, {
      v3: `fileid ${get(`portability ${exportDir}`)?.a}`,
      v4: `fileid ${get(`portability ${exportDir}`)?.a}`,
    });
  });

  t.test('one Server_Scope on both: the identity checks pass', async (t) => {
    await B.killGanesha();
    B.configure({ nfsv4: scope('scope-a') });
    await B.startGanesha();
    const cli = await runCli(['--json', 'compare', A.address, B.address]);
    const checks = JSON.parse(cli.stdout).checks as JsonCheck[];
    const get = (name: string) => checks.find((c) => c.name === name)?.status;
    t.equal(get('v4 server scope'), 'pass');
    t.equal(get('v4 lease time'), 'pass');
    t.equal(get(`portability ${exportDir}`), 'pass');
    t.same(
      checks.filter((c) => c.status === 'fail').map((c) => c.name),
      ['nsm'],
      'only statd (not run in this lab) is missing',
    );
  });
}
