// compareSnapshots on hand-made snapshots (no network): which checks pass, warn and fail, and what they name.
import t from 'tap';
import { compareSnapshots } from '../../src/probe/compare.js';
import { handleJson } from '../../src/probe/handles.js';
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
    ...over,
  };
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
