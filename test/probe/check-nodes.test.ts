// `nfsprobe check` on fixture trees (--root): a ready node passes every check, a broken one fails each with the
// evidence and a remedy, an empty tree skips, and the mountinfo lookup and device classes underneath.
import { chmodSync, cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runChecks } from '../../src/probe/check/checks.js';
import { classifyDevice, mountFor, parseMountinfo } from '../../src/probe/check/mountinfo.js';
import { parsePeerReport, peerChecks } from '../../src/probe/check/peer.js';
import { CHECK_IDS, type CheckReport, type CheckResult } from '../../src/probe/check/report.js';
import { root as repo } from '../helpers/cli.js';

const fixtures = join(repo, 'test', 'fixtures', 'check');
const NODE_IDS = CHECK_IDS.filter((id) => !id.startsWith('peer.'));

/** `id subject` -> `status evidence` of every result. */
function summary(report: CheckReport): Map<string, CheckResult> {
  return new Map(report.checks.map((c) => [`${c.id} ${c.subject}`, c]));
}

t.test('mountinfo: octal escapes, the longest mount point, the last of a stack, bind mounts', async (t) => {
  const mounts = parseMountinfo(
    [
      '22 1 8:1 / / rw - ext4 /dev/sda1 rw',
      '30 22 253:2 / /srv/my\\040data rw shared:3 - xfs /dev/mapper/vg-data rw',
      '31 30 0:50 / /srv/my\\040data/tmp rw - tmpfs tmp\\011fs rw',
      '32 30 0:51 / /srv/my\\040data/tmp rw - ramfs none rw',
      '33 22 8:1 /home /srv/home rw - ext4 /dev/sda1 rw',
      'garbage line',
    ].join('\n'),
  );
  t.equal(mounts.length, 5, 'the malformed line is skipped');
  t.equal(mounts[1]!.mountPoint, '/srv/my data');
  t.equal(mounts[2]!.source, 'tmp\tfs');
  t.equal(mountFor(mounts, '/srv/my data/x')!.fsType, 'xfs');
  t.equal(mountFor(mounts, '/srv/my datax')!.fsType, 'ext4', 'a prefix of a name is not a parent directory');
  t.equal(mountFor(mounts, '/srv/my data/tmp/f')!.fsType, 'ramfs', 'the last mount on a mount point is the one seen');
  t.equal(mountFor(mounts, '/srv/home')!.root, '/home');
  t.same(
    [
      classifyDevice(253, 'dm-3'),
      classifyDevice(252, '/dev/mapper/vg-x'),
      classifyDevice(7, undefined),
      classifyDevice(9, 'md127'),
      classifyDevice(43, 'nbd0'),
      classifyDevice(147, 'drbd1'),
      classifyDevice(8, 'sda1'),
      classifyDevice(0, 'tmpfs'),
    ],
    ['dm', 'dm', 'loop', 'md', 'nbd', 'drbd', 'disk', 'none'],
  );
});

t.test('a ready node: every node check runs and passes', async (t) => {
  const report = runChecks({ root: join(fixtures, 'good'), floating: 'nfs-ha.example' });
  t.equal(report.ok, true);
  t.equal(report.host, 'nfs1', 'the host comes from etc/hostname under --root');
  t.same([...new Set(report.checks.map((c) => c.id))].sort(), [...NODE_IDS].sort(), 'every node check id appears');
  for (const c of report.checks) t.equal(c.status, 'pass', `${c.id} ${c.subject}: ${c.detail}`);
  const s = summary(report);
  t.equal(s.get('exports.fsid /srv/xfs')!.evidence, 'proc/self/mountinfo:5', 'xfs: identity from the UUID, no fsid=');
  t.equal(s.get('exports.fsid /srv/shared/with space')!.evidence, 'etc/exports:4', 'quoted path with - defaults');
  t.ok(s.has('exports.sync /srv/shared/oct al'), 'octal escapes in a path are decoded');
  t.match(s.get('statd.shared-dir /var/lib/nfs')!.detail, /a link to \/srv\/shared\/nfs, on ocfs2/);
  t.equal(s.get('statd.name nfs-ha.example')!.evidence, 'etc/nfs.conf:7');
  t.equal(s.get('ganesha.export-id /srv/shared/export')!.evidence, 'etc/ganesha/exports.conf:2', '%include followed');
  t.same(report.facts.statdName, 'nfs-ha.example');
  t.same(report.facts.nfsd, { graceSeconds: 120, leaseSeconds: 90 });
  t.same(
    report.facts.exports!.find((e) => e.path === '/srv/shared/export'),
    {
      path: '/srv/shared/export',
      clients: ['10.0.0.0/24(no_subtree_check,rw,sync)', 'client.example(ro,sync)'],
      fsid: '1',
    },
  );
});

t.test('a broken node: each check fails (or warns) with evidence and a remedy', async (t) => {
  const report = runChecks({ root: join(fixtures, 'bad'), floating: 'nfs-ha.example' });
  t.equal(report.ok, false);
  const s = summary(report);
  const expect: [string, string, string][] = [
    ['exports.syntax /etc/exports.d/broken.exports', 'fail', 'etc/exports.d/broken.exports:2'],
    ['exports.syntax /etc/exports.d/unknown.exports', 'fail', 'etc/exports.d/unknown.exports:1'],
    ['exports.fsid /srv/loop', 'fail', 'etc/exports:2'],
    ['exports.fsid /srv/tmp', 'fail', 'etc/exports:3'],
    ['exports.fsid-unique fsid=1', 'fail', 'etc/exports:6'],
    ['exports.fsid-unique fsid=0', 'fail', 'etc/exports:8'],
    ['exports.sync /srv/async', 'fail', 'etc/exports:4'],
    ['exports.shared /srv/tmp', 'warn', 'proc/self/mountinfo:5'],
    ['exports.shared /srv/one', 'warn', 'proc/self/mountinfo:1'],
    ['exports.shared /home', 'warn', 'proc/self/mountinfo:6'],
    ['statd.shared-dir /var/lib/nfs', 'fail', 'proc/self/mountinfo:1'],
    ['statd.name nfs-ha.example', 'fail', 'etc/default/nfs-common:2'],
    ['rpc-pipefs.local /var/lib/nfs/rpc_pipefs', 'fail', 'proc/self/mountinfo:3'],
    ['nfsd.v4-recovery /var/lib/nfs/v4recovery', 'fail', 'var/lib/nfs/v4recovery'],
    ['nfsd.grace-lease nfsd', 'fail', 'proc/fs/nfsd/nfsv4gracetime'],
    ['boot.services nfs-server', 'warn', 'etc/systemd/system/multi-user.target.wants/nfs-server.service'],
    ['ganesha.export-id /srv/two', 'fail', 'etc/ganesha/ganesha.conf:13'],
    ['ganesha.export-id /srv/three', 'fail', 'etc/ganesha/ganesha.conf:19'],
    ['ganesha.fsid /srv/one', 'fail', 'etc/ganesha/ganesha.conf:6'],
    ['ganesha.recovery /var/lib/nfs/ganesha', 'fail', 'etc/ganesha/ganesha.conf:4'],
    ['ganesha.grace-lease NFSV4', 'fail', 'etc/ganesha/ganesha.conf:2'],
    ['ganesha.scope Server_Scope', 'fail', 'etc/ganesha/ganesha.conf:1'],
    ['ganesha.nlm Enable_NLM', 'fail', 'etc/ganesha/ganesha.conf'],
  ];
  for (const [key, status, evidence] of expect) {
    const c = s.get(key);
    t.ok(c, key);
    t.equal(c?.status, status, `${key}: ${c?.detail}`);
    t.equal(c?.evidence, evidence, `${key} evidence`);
    t.not(c?.remedy, '', `${key} has a remedy`);
  }
  t.match(s.get('statd.shared-dir /var/lib/nfs')!.detail, /sm\.bak\/ missing.*state is not a 4-byte file/);
  t.equal(s.get('exports.shared /srv/loop')!.status, 'pass', 'a loop device is not the root filesystem');
  t.equal(s.get('exports.fsid /home')!.status, 'pass', 'fsid= pins a bind mount of the root filesystem');
  // Without --floating, the two names given to statd still fail.
  const plain = summary(runChecks({ root: join(fixtures, 'bad') }));
  t.equal(plain.get('statd.name statd')?.status, 'fail');
});

t.test('an empty tree: every check is a skip with its reason, exit status ok', async (t) => {
  const report = runChecks({ root: join(fixtures, 'empty') });
  t.equal(report.ok, true);
  t.same([...new Set(report.checks.map((c) => c.id))].sort(), [...NODE_IDS].sort());
  for (const c of report.checks) {
    t.equal(c.status, 'skip', `${c.id}: ${c.detail}`);
    t.not(c.detail, '', `${c.id} says why`);
  }
});

t.test('a ganesha %include loop fails ganesha.export-id at the include line', async (t) => {
  const report = runChecks({ root: join(fixtures, 'ganesha-loop') });
  const c = report.checks.find((r) => r.id === 'ganesha.export-id')!;
  t.equal(c.status, 'fail');
  t.equal(c.evidence, 'etc/ganesha/a.conf:2');
  t.match(c.detail, /INCLUDE_LOOP/);
});

t.test('variations on a copy of the ready node', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nfsprobe-check-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(fixtures, 'good'), root, { recursive: true, verbatimSymlinks: true });
  const statusOf = (id: string, subject?: string): string | undefined =>
    runChecks({ root, floating: 'nfs-ha.example' }).checks.find(
      (c) => c.id === id && (subject === undefined || c.subject === subject),
    )?.status;
  // An absolute link is a path of the node, resolved inside the tree.
  rmSync(join(root, 'var/lib/nfs'));
  symlinkSync('/srv/shared/nfs', join(root, 'var/lib/nfs'));
  t.equal(statusOf('statd.shared-dir'), 'pass');
  t.equal(statusOf('nfsd.v4-recovery'), 'pass');
  // No mountinfo: the mount-based checks skip, fsid= ones still pass.
  rmSync(join(root, 'proc/self/mountinfo'));
  t.equal(statusOf('exports.fsid', '/srv/xfs'), 'skip');
  t.equal(statusOf('exports.fsid', '/srv/shared/export'), 'pass');
  t.equal(statusOf('exports.shared', '/srv/xfs'), 'skip');
  cpSync(join(fixtures, 'good/proc/self/mountinfo'), join(root, 'proc/self/mountinfo'));
  // Another name than the floating one.
  writeFileSync(join(root, 'etc/nfs.conf'), '[statd]\nname = node1\n');
  t.equal(statusOf('statd.name'), 'fail');
  // /etc/sysconfig/nfs STATD_HOSTNAME is a source too.
  writeFileSync(join(root, 'etc/nfs.conf'), '');
  cpSync(join(fixtures, 'good/etc/hostname'), join(root, 'etc/sysconfig/hostname'), { recursive: true });
  writeFileSync(join(root, 'etc/sysconfig/nfs'), 'STATD_HOSTNAME="nfs-ha.example"\n');
  t.equal(statusOf('statd.name'), 'pass');
  // An unreadable exports file is a skip, never a crash (root reads everything: use a directory instead).
  rmSync(join(root, 'etc/exports.d/uuid.exports'));
  cpSync(join(root, 'srv/shared/nfs/sm'), join(root, 'etc/exports.d/dir.exports'), { recursive: true });
  t.equal(statusOf('exports.syntax', '/etc/exports.d/dir.exports'), 'skip');
  // A state file of the wrong size fails; an empty one warns; rpc_pipefs under a shared dir through a link fails.
  writeFileSync(join(root, 'srv/shared/nfs/state'), 'abc');
  t.equal(statusOf('statd.shared-dir'), 'fail');
  writeFileSync(join(root, 'srv/shared/nfs/state'), '');
  t.equal(statusOf('statd.shared-dir'), 'warn');
  writeFileSync(join(root, 'etc/idmapd.conf'), '[General]\nPipefs-Directory = /var/lib/nfs/rpc_pipefs\n');
  t.equal(statusOf('rpc-pipefs.local', '/var/lib/nfs/rpc_pipefs'), 'fail');
  // A DRBD device number without fsid=: a warning (only the same minor keeps handles valid).
  writeFileSync(join(root, 'etc/exports'), '/srv/shared/export *(rw,sync)\n');
  t.equal(statusOf('exports.fsid', '/srv/shared/export'), 'warn');
  // ganesha with rados recovery and NLM off; a symlinked exports.d entry that loops is not followed forever.
  writeFileSync(
    join(root, 'etc/ganesha/ganesha.conf'),
    'NFS_CORE_PARAM { Enable_NLM = false; }\nNFSV4 { RecoveryBackend = rados_cluster; Server_Scope = s; }\n',
  );
  t.equal(statusOf('ganesha.recovery'), 'pass');
  writeFileSync(
    join(root, 'etc/ganesha/exports.conf'),
    'EXPORT { Export_Id = one; Path = /a; Filesystem_id = 1.1; }\n',
  );
  writeFileSync(join(root, 'etc/ganesha/ganesha.conf'), '%include exports.conf\n');
  t.equal(statusOf('ganesha.export-id', '/a'), 'fail', 'a non-numeric Export_Id');
  writeFileSync(join(root, 'etc/ganesha/ganesha.conf'), '%url rados://pool/ns/conf\n');
  t.equal(statusOf('ganesha.export-id', 'rados://pool/ns/conf'), 'skip', '%url is named, not followed');
  writeFileSync(
    join(root, 'etc/ganesha/ganesha.conf'),
    'NFS_CORE_PARAM { Enable_NLM = false; }\nNFSV4 { RecoveryBackend = rados_cluster; Server_Scope = s; }\n',
  );
  t.equal(statusOf('ganesha.nlm'), 'pass');
  symlinkSync('loop', join(root, 'srv/loop'));
  writeFileSync(join(root, 'etc/exports'), '/srv/loop/x *(rw,sync)\n');
  t.equal(statusOf('exports.shared', '/srv/loop/x'), 'warn', 'a symlink loop resolves to a path on /');
  chmodSync(join(root, 'etc/exports'), 0o000);
  t.ok(statusOf('exports.syntax'), 'an unreadable file (as non-root) is still a result');
});

t.test('peer: the same node compares equal; a different one fails each peer check', async (t) => {
  const good = runChecks({ root: join(fixtures, 'good') });
  const bad = runChecks({ root: join(fixtures, 'bad') });
  const peer = parsePeerReport(JSON.stringify(good));
  t.equal(peer.host, 'nfs1');
  const same = peerChecks(good.facts, peer.facts, peer.host);
  t.same([...new Set(same.map((c) => c.id))].sort(), CHECK_IDS.filter((id) => id.startsWith('peer.')).sort());
  for (const c of same) {
    const expected = c.id === 'peer.fsid' && c.subject === '/srv/xfs' ? 'warn' : 'pass';
    t.equal(c.status, expected, `${c.id} ${c.subject}: ${c.detail}`);
  }
  const differ = peerChecks(bad.facts, peer.facts, peer.host);
  const moved = structuredClone(good.facts);
  moved.exports!.find((e) => e.path === '/srv/shared/export')!.fsid = '11';
  differ.push(...peerChecks(moved, peer.facts, peer.host));
  for (const id of ['peer.exports', 'peer.fsid', 'peer.statd-name', 'peer.grace-lease', 'peer.ganesha']) {
    t.ok(
      differ.some((c) => c.id === id && c.status === 'fail'),
      `${id} fails`,
    );
  }
  const withPeer = runChecks({ root: join(fixtures, 'good'), peer });
  t.equal(withPeer.ok, true);
  t.ok(withPeer.checks.some((c) => c.id === 'peer.exports'));
  t.throws(() => parsePeerReport('{"host": "x"}'), { code: 'BAD_PEER_REPORT' });
  t.throws(() => parsePeerReport('not json'), { code: 'BAD_PEER_REPORT' });
});
