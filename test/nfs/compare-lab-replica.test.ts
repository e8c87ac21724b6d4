// Handle portability with block-level storage in the two-server lab (test/lab/failover.ts): A serves an ext4 image
// on a loop device, B a byte copy of it (same UUID and inodes, as DRBD gives): A's handles work on B and compare
// passes the portability and GETATTR checks. B then serves another ext4 filesystem with the same files (another
// UUID; the root is inode 2 on every ext4): the fileid still matches, but A's handles are STALE on B.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { tempDir } from '../helpers/temp.js';
import { FailoverLab, sleep } from '../lab/failover.js';
import { enterLab, run } from '../lab/namespace.js';
import { runCli } from './cli-run.js';

const PEERS = ['rpcbind', 'ganesha.nfsd', 'rpcinfo', 'nsenter', 'timeout', 'mkfs.ext4'];

interface JsonCheck {
  name: string;
  status: string;
  a: unknown;
  b: unknown;
}

/** A 64 MiB ext4 image holding data.txt (written through a loop mount in this test's private mount namespace). */
function makeImage(file: string, mountpoint: string): void {
  run('truncate', ['-s', '64M', file]);
  run('mkfs.ext4', ['-q', file]);
  run('mount', ['-o', 'loop', file, mountpoint]);
  try {
    run('sh', ['-c', `echo data > "${mountpoint}/data.txt"`]);
  } finally {
    run('umount', [mountpoint]);
  }
}

if (await enterLab(t, import.meta.url, PEERS)) {
  const work = tempDir('nfsprobe-compare-replica-');
  const exportDir = join(work, 'export');
  mkdirSync(exportDir);
  const imageA = join(work, 'a.img');
  const replica = join(work, 'replica.img');
  const other = join(work, 'other.img');
  makeImage(imageA, exportDir);
  run('cp', ['--sparse=always', imageA, replica]);
  makeImage(other, exportDir);
  const lab = await FailoverLab.create(t, { exportDir, image: imageA }, { exportDir, image: replica });
  const { A, B } = lab.servers;
  await A.startGanesha();
  await sleep(1100); // ganesha's write verifier is its start second
  await B.startGanesha();
  const compare = async () => {
    const cli = await runCli(['--json', 'compare', A.address, B.address]);
    const checks = JSON.parse(cli.stdout).checks as JsonCheck[];
    return (name: string) => checks.find((c) => c.name === name);
  };

  t.test('a block-level replica on B: handles are portable', async (t) => {
    const get = await compare();
    t.equal(get(`portability ${exportDir}`)?.status, 'pass');
    t.equal(get(`handle v3 ${exportDir}`)?.status, 'pass');
    t.equal(get(`handle v4 ${exportDir}`)?.status, 'pass', 'the pseudo path was found on a UUID-based fsid too');
    t.equal(get(`getattr fsid (v3) ${exportDir}`)?.status, 'pass');
    t.equal(get('write verifier')?.status, 'pass', 'two ganesha instances: different verifiers');
  });

  t.test('another ext4 with the same files on B: the same fileid, but the handles are STALE', async (t) => {
    await B.killGanesha();
    await B.exec('umount', [exportDir]);
    await B.mountImage(other);
    await B.startGanesha();
    const get = await compare();
    const portability = get(`portability ${exportDir}`);
    t.equal(portability?.status, 'fail');
    const b = portability?.b as Record<string, string>;
    t.match(b.v3, /^NFS3ERR_(STALE|BADHANDLE)$/);
    t.match(b.v4, /^NFS4ERR_(STALE|BADHANDLE)$/);
    t.equal(get(`getattr fileid (v3) ${exportDir}`)?.status, 'pass', 'the root is inode 2 on both');
    t.equal(get(`getattr fsid (v3) ${exportDir}`)?.status, 'fail');
  });
}
