// compareSnapshots on hand-made snapshots (no network): which checks pass, warn and fail, and what they name.
import t from 'tap';
import { compareSnapshots } from '../../src/probe/compare.js';
import { handleJson } from '../../src/probe/handles.js';
import type { PortabilityProbe } from '../../src/probe/portability.js';
import {
  parseSnapshot,
  type Snapshot,
  type SnapshotTarget,
  selectTargets,
  snapshotFailures,
} from '../../src/probe/snapshot.js';

// Real ganesha 4.3 handle (export 1, ext4, statfs fsid 703f28e4c519119b, inode 1450067); variants change one field.
const ROOT = '430000011244e4283f709b1119c5015320160035e3f7de00';
const OTHER_EXPORT_ID = `43000007${ROOT.slice(8)}`;
const OTHER_FSID = `4300000112440102030405060708${ROOT.slice(28)}`;

function target(path: string, hex: string, fileid = '1450067', fsid = '8087265302917632411'): SnapshotTarget {
  const handle = handleJson(Uint8Array.from(Buffer.from(hex, 'hex')));
  return {
    export: '/srv/export',
    path,
    v3: { handle, authFlavors: [1], attributes: { type: 'NF3DIR', fsid, fileid } },
    v4: {
      handle,
      minorVersion: 0,
      attributes: { type: 'NF4DIR', fsid: { major: fsid, minor: '0' }, fileid, mountedOnFileid: fileid },
    },
  };
}

function snapshot(host: string, over: Partial<Snapshot> = {}): Snapshot {
  return {
    snapshot: 1,
    host,
    takenAt: '2026-11-24T22:00:00.000Z',
    programs: [
      { program: 100003, name: 'nfs', version: 3, netid: 'tcp', protocol: 'tcp', port: 2049 },
      { program: 100005, name: 'mountd', version: 3, netid: 'udp', protocol: 'udp', port: 20048 },
      { program: 100024, name: 'status', version: 1, netid: 'udp', protocol: 'udp', port: 662 },
    ],
    exports: [{ path: '/srv/export', groups: ['10.0.0.0/24'] }],
    targets: [target('/srv/export', ROOT)],
    nsm: { registered: true, state: 5 },
    errors: [],
    nfs4: {
      serverScope: 'nfs-ha',
      serverOwner: { majorId: 'nfs-ha', minorId: '0' },
      leaseTime: 60,
      implementation: null,
    },
    writeVerifier: {
      verifier: host === 'a' ? '3d00166b00000000' : '4f00166b00000000',
      method: 'nfs3-commit',
      file: 'f',
    },
    ...over,
  };
}

/** A snapshot as nfsprobe 0.1 wrote it: no nfs4 identity, no write verifier. */
function oldSnapshot(host: string): Snapshot {
  const { nfs4: _n, writeVerifier: _w, ...old } = snapshot(host);
  return old;
}

const statusOf = (result: ReturnType<typeof compareSnapshots>, name: string) =>
  result.checks.find((c) => c.name === name)?.status;

t.test('identical servers: every check passes', async (t) => {
  const result = compareSnapshots(snapshot('a'), snapshot('b'));
  t.equal(result.ok, true);
  t.same(
    result.checks.filter((c) => c.status !== 'pass'),
    [],
  );
  t.same(
    result.checks.map((c) => c.name),
    [
      'programs',
      'exports',
      'groups /srv/export',
      'handle v3 /srv/export',
      'handle v4 /srv/export',
      'getattr fsid (v3) /srv/export',
      'getattr fileid (v3) /srv/export',
      'getattr fsid (v4) /srv/export',
      'getattr fileid (v4) /srv/export',
      'nsm',
      'nsm state',
      'v4 server scope',
      'v4 server owner',
      'v4 lease time',
      'write verifier',
    ],
  );
});

t.test('another ganesha Export_Id: handle checks fail naming exportId', async (t) => {
  const result = compareSnapshots(snapshot('a'), snapshot('b', { targets: [target('/srv/export', OTHER_EXPORT_ID)] }));
  t.equal(result.ok, false);
  const v3 = result.checks.find((c) => c.name === 'handle v3 /srv/export')!;
  t.equal(v3.status, 'fail');
  t.match(v3.detail, /exportId 1 vs 7/);
  t.match(v3.remedy, /Export_Id/);
  t.equal(statusOf(result, 'getattr fsid (v3) /srv/export'), 'pass');
});

t.test('another filesystem: fsid in the handle and GETATTR fsid/fileid fail', async (t) => {
  const result = compareSnapshots(
    snapshot('a'),
    snapshot('b', { targets: [target('/srv/export', OTHER_FSID, '99', '123')] }),
  );
  const v4 = result.checks.find((c) => c.name === 'handle v4 /srv/export')!;
  t.equal(v4.status, 'fail');
  t.match(v4.detail, /fsid/);
  t.notMatch(v4.detail, /exportId/);
  t.equal(statusOf(result, 'getattr fsid (v3) /srv/export'), 'fail');
  t.equal(statusOf(result, 'getattr fileid (v4) /srv/export'), 'fail');
  t.match(result.checks.find((c) => c.name === 'getattr fileid (v3) /srv/export')!.remedy, /inode numbers/);
});

t.test('registrations, exports, groups and NSM', async (t) => {
  const b = snapshot('b', {
    programs: [{ program: 100003, name: 'nfs', version: 3, netid: 'tcp', protocol: 'tcp', port: 2050 }],
    exports: [
      { path: '/srv/export', groups: ['*'] },
      { path: '/srv/other', groups: [] },
    ],
    nsm: { registered: false, state: null },
  });
  const result = compareSnapshots(snapshot('a'), b);
  t.equal(result.ok, false);
  const programs = result.checks.find((c) => c.name === 'programs')!;
  t.equal(programs.status, 'fail');
  t.match(programs.detail, /only on a: mountd v3 udp, status v1 udp/);
  t.equal(statusOf(result, 'nfs-port'), 'warn');
  t.match(result.checks.find((c) => c.name === 'exports')!.detail, /only on b: \/srv\/other/);
  t.equal(statusOf(result, 'groups /srv/export'), 'fail');
  const nsm = result.checks.find((c) => c.name === 'nsm')!;
  t.equal(nsm.status, 'fail');
  t.match(nsm.remedy, /rpc\.statd/);
});

t.test('missing handles and unreachable servers', async (t) => {
  const down = snapshot('b', { programs: null, exports: null, targets: [], nsm: { registered: null, state: null } });
  const result = compareSnapshots(snapshot('a'), down);
  t.equal(result.ok, false);
  t.equal(statusOf(result, 'programs'), 'fail');
  t.equal(statusOf(result, 'exports'), 'fail');
  t.equal(statusOf(result, 'handles /srv/export'), 'fail');
  const v3error = snapshot('b', {
    targets: [{ ...target('/srv/export', ROOT), v3: { error: { code: 'MNT3ERR_ACCES', message: 'refused' } } }],
  });
  const check = compareSnapshots(snapshot('a'), v3error).checks.find((c) => c.name === 'handle v3 /srv/export')!;
  t.equal(check.status, 'fail');
  t.match(check.detail, /MNT3ERR_ACCES/);
});

t.test('NSM state after a failover: must go up (odd); unchanged, down or even fails', async (t) => {
  const before = snapshot('old', { nsm: { registered: true, state: 5 } });
  const after = (state: number | null) => snapshot('new', { nsm: { registered: true, state } });
  const failover = { mode: 'failover' } as const;
  const run = (state: number | null) =>
    compareSnapshots(before, after(state), 'old', 'new', failover).checks.find((c) => c.name === 'nsm state')!;
  t.equal(run(7).status, 'pass');
  t.equal(run(7).a, 5);
  t.equal(run(7).b, 7);
  const same = run(5);
  t.equal(same.status, 'fail', 'a reused state number is ignored by clients: fails, as the README says');
  t.match(same.remedy, /nfsprobe notify/);
  t.equal(compareSnapshots(before, after(5), 'old', 'new', failover).ok, false, 'an unchanged state fails');
  t.equal(run(3).status, 'fail', 'went down');
  t.equal(run(8).status, 'fail', 'even means down');
  t.equal(run(null).status, 'warn', 'unknown state');
  t.equal(compareSnapshots(before, after(3), 'old', 'new', failover).ok, false);
  // Unregistered statd: the nsm check fails and the state check is not made.
  const gone = compareSnapshots(
    before,
    snapshot('new', { nsm: { registered: false, state: null } }),
    'o',
    'n',
    failover,
  );
  t.equal(statusOf(gone, 'nsm'), 'fail');
  t.equal(statusOf(gone, 'nsm state'), undefined);
});

t.test('NSM state of two live servers: equal (shared /var/lib/nfs) passes, different warns', async (t) => {
  const at = (host: string, state: number) => snapshot(host, { nsm: { registered: true, state } });
  t.equal(statusOf(compareSnapshots(at('a', 9), at('b', 9)), 'nsm state'), 'pass');
  const differ = compareSnapshots(at('a', 9), at('b', 7)).checks.find((c) => c.name === 'nsm state')!;
  t.equal(differ.status, 'warn');
  t.match(differ.remedy, /higher than 9/);
  t.equal(statusOf(compareSnapshots(at('a', 9), at('b', 7), 'a', 'b', { mode: 'parity' }), 'nsm state'), 'warn');
});

t.test('parseSnapshot accepts its own JSON and refuses anything else', async (t) => {
  const text = JSON.stringify(snapshot('a'));
  t.equal(parseSnapshot(text, 'a.json').host, 'a');
  t.throws(() => parseSnapshot('{}', 'x.json'), /not an nfsprobe snapshot/);
  t.throws(() => parseSnapshot('nope', 'x.json'), /not JSON/);
});

t.test('selectTargets narrows a snapshot to --export/--path as a probe with them would take it', async (t) => {
  const sub = { ...target('/srv/export/sub', ROOT), export: '/srv/export' };
  const other = { ...target('/srv/other', ROOT), export: '/srv/other' };
  const wide = snapshot('a', {
    exports: [
      { path: '/srv/export', groups: [] },
      { path: '/srv/other', groups: [] },
    ],
    targets: [target('/srv/export', ROOT), sub, other],
  });
  t.equal(selectTargets(wide, [], []), wide, 'no options: unchanged');
  const one = selectTargets(wide, ['/srv/export'], []);
  t.same(
    one.targets.map((x) => x.path),
    ['/srv/export'],
  );
  t.same(
    one.exports?.map((e) => e.path),
    ['/srv/export'],
  );
  t.same(
    selectTargets(wide, [], ['/srv/export/sub']).targets.map((x) => x.path),
    ['/srv/export', '/srv/export/sub', '/srv/other'],
  );
});

t.test('snapshotFailures: failed steps, and paths no version gave a handle for', async (t) => {
  const error = { error: { code: 'TIMEOUT', message: 'no reply' } };
  t.same(snapshotFailures(snapshot('a')), { steps: 0, targets: 0 });
  const v4only = snapshot('a', { targets: [{ ...target('/srv/export', ROOT), v4: error }] });
  t.same(snapshotFailures(v4only), { steps: 0, targets: 0 }, 'one version failing is recorded, not a failure');
  const none = snapshot('a', {
    targets: [{ ...target('/srv/export', ROOT), v3: error, v4: null }],
    errors: [{ step: 'nsm', code: 'TIMEOUT', message: 'no reply' }],
  });
  t.same(snapshotFailures(none), { steps: 1, targets: 1 });
});

t.test('NFSv4 identity: another server scope fails, owner and lease time warn', async (t) => {
  const id = (over: Partial<NonNullable<Snapshot['nfs4']>> = {}) => ({
    nfs4: {
      serverScope: 'nfs-ha',
      serverOwner: { majorId: 'nfs-ha', minorId: '0' },
      leaseTime: 60,
      implementation: null,
      ...over,
    },
  });
  const scope = compareSnapshots(snapshot('a'), snapshot('b', id({ serverScope: 'node-b' })));
  t.equal(scope.ok, false);
  const c = scope.checks.find((x) => x.name === 'v4 server scope')!;
  t.equal(c.status, 'fail');
  t.equal(c.a, 'nfs-ha');
  t.equal(c.b, 'node-b');
  t.match(c.remedy, /Server_Scope/);
  t.equal(statusOf(scope, 'v4 server owner'), 'pass');
  const owner = compareSnapshots(snapshot('a'), snapshot('b', id({ serverOwner: { majorId: 'nfs-b', minorId: '0' } })));
  t.equal(statusOf(owner, 'v4 server owner'), 'warn');
  t.equal(owner.ok, true, 'an owner mismatch alone does not fail');
  const minor = compareSnapshots(
    snapshot('a'),
    snapshot('b', id({ serverOwner: { majorId: 'nfs-ha', minorId: '3' } })),
  );
  t.equal(statusOf(minor, 'v4 server owner'), 'warn');
  const lease = compareSnapshots(snapshot('a'), snapshot('b', id({ leaseTime: 90 })));
  t.equal(statusOf(lease, 'v4 lease time'), 'warn');
  t.same(lease.checks.find((x) => x.name === 'v4 lease time')?.b, 90);
  const failed = compareSnapshots(
    snapshot('a'),
    snapshot('b', { nfs4: { error: { code: 'NFS4ERR_MINOR_VERS_MISMATCH', message: 'no 4.1' } } }),
  );
  t.same(
    failed.checks.filter((x) => x.name.startsWith('v4 ')).map((x) => x.status),
    ['warn', 'warn', 'warn'],
    'an EXCHANGE_ID that failed: the identity checks warn (not checked)',
  );
  const v3only = compareSnapshots(snapshot('a', { nfs4: null }), snapshot('b'));
  t.equal(statusOf(v3only, 'v4 server scope'), undefined, 'not asked for (null): no identity checks');
});

t.test('write verifier: equal on two servers warns, different passes', async (t) => {
  t.equal(statusOf(compareSnapshots(snapshot('a'), snapshot('b')), 'write verifier'), 'pass');
  const same = compareSnapshots(snapshot('a'), snapshot('b', { writeVerifier: snapshot('a').writeVerifier! }));
  t.equal(statusOf(same, 'write verifier'), 'warn');
  t.equal(same.ok, true);
  const none = compareSnapshots(
    snapshot('a'),
    snapshot('b', { writeVerifier: { error: { code: 'NO_REGULAR_FILE', message: 'none' } } }),
  );
  t.equal(statusOf(none, 'write verifier'), 'warn');
});

t.test('a snapshot from an older nfsprobe loads and its new checks are skipped with a detail', async (t) => {
  const old = parseSnapshot(JSON.stringify(oldSnapshot('a')), 'old.json');
  const result = compareSnapshots(old, snapshot('b'));
  t.equal(result.ok, true, 'nothing fails for what the old file does not record');
  for (const name of ['v4 server scope', 'v4 server owner', 'v4 lease time', 'write verifier']) {
    const c = result.checks.find((x) => x.name === name);
    t.equal(c?.status, 'warn', `${name}: not checked`);
    t.equal(c?.a, null);
  }
  t.equal(statusOf(result, 'handle v3 /srv/export'), 'pass', 'the other checks run as before');
});

t.test('portability: accepted with the same fileid passes; another fileid or STALE fails', async (t) => {
  const probe = (version: 3 | 4, outcome: PortabilityProbe['outcome']): PortabilityProbe => ({
    path: '/srv/export',
    version,
    handle: ROOT,
    expectedFileid: '1450067',
    outcome,
  });
  const ok = { status: 'ok', fileid: '1450067', fsid: '1' } as const;
  const run = (probes: PortabilityProbe[]) =>
    compareSnapshots(snapshot('a'), snapshot('b'), 'a', 'b', { portability: probes }).checks.find(
      (c) => c.name === 'portability /srv/export',
    )!;
  t.equal(run([probe(3, ok), probe(4, ok)]).status, 'pass');
  const other = run([probe(3, { ...ok, fileid: '99' }), probe(4, ok)]);
  t.equal(other.status, 'fail');
  t.same(other.b, { v3: 'fileid 99', v4: 'fileid 1450067' });
  const stale = run([
    probe(3, { status: 'error', code: 'NFS3ERR_STALE', message: 'stale' }),
    probe(4, { status: 'error', code: 'NFS4ERR_BADHANDLE', message: 'bad' }),
  ]);
  t.equal(stale.status, 'fail');
  t.match(stale.remedy, /fsid=|Filesystem_id/);
  t.same(stale.b, { v3: 'NFS3ERR_STALE', v4: 'NFS4ERR_BADHANDLE' });
  t.equal(
    compareSnapshots(snapshot('a'), snapshot('b')).checks.some((c) => c.name.startsWith('portability')),
    false,
    'no probes (B is a snapshot file): no portability checks',
  );
});
