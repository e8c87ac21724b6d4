// MOUNT v3/v1 codecs: fixtures, round trips, malformed lists.
import fc from 'fast-check';
import t from 'tap';
import { exportList, fhstatus, MOUNTSTAT3, mountList, mountres3, mountstat3Name } from '../../src/nfs/mount.js';
import type { XdrType } from '../../src/xdr/index.js';
import { decode, encode, fuzzProperty, hex, rejects, roundTrip, truncations } from './codec-check.js';

t.test('mountres3 OK with a ganesha handle and AUTH_SYS', (t) => {
  const bytes = hex(`
    00000000                                   # MNT3_OK
    00000018 430000011244e4283f709b1119c50153 20160035e3f7de00   # fhandle3, 24 bytes
    00000001 00000001                           # auth_flavors<1>: AUTH_SYS
  `);
  const value = decode(mountres3, bytes);
  t.equal(value.status, 0);
  t.ok('fhandle' in value);
  if ('fhandle' in value) {
    t.equal(Buffer.from(value.fhandle).toString('hex'), '430000011244e4283f709b1119c5015320160035e3f7de00');
    t.same(value.authFlavors, [1]);
  }
  roundTrip(t, mountres3, value, bytes);
  truncations(t, mountres3, bytes);
  t.end();
});

t.test('mountres3 errors are kept as numbers with RFC names', (t) => {
  const value = decode(mountres3, hex('0000000d'));
  t.same(value, { status: MOUNTSTAT3.MNT3ERR_ACCES });
  t.equal(mountstat3Name(13), 'MNT3ERR_ACCES');
  t.equal(mountstat3Name(4242), 'MNT3ERR_UNKNOWN_4242');
  t.end();
});

t.test('fhstatus (MOUNT v1) carries a fixed 32-byte handle', (t) => {
  const fh = new Uint8Array(32).fill(7);
  roundTrip(t, fhstatus, { status: 0, fhandle: fh });
  roundTrip(t, fhstatus, { status: 2 });
  t.end();
});

t.test('EXPORT list with groups', (t) => {
  const bytes = hex(`
    00000001                         # value follows
      0000000b 2f7372762f6578706f727400   # "/srv/export"
      00000001 00000001 2a000000 00000000 # groups: "*"
    00000001
      00000004 2f746d70                   # "/tmp"
      00000001 0000000a 3139322e3136382e312e # "192.168.1."
      0000  00000001 00000003 666f6f00 00000000 # "foo"
    00000000
  `);
  const value = decode(exportList, bytes);
  t.same(value, [
    { dir: '/srv/export', groups: ['*'] },
    { dir: '/tmp', groups: ['192.168.1.', 'foo'] },
  ]);
  roundTrip(t, exportList, value, bytes);
  truncations(t, exportList, bytes);
  t.end();
});

t.test('DUMP list', (t) => {
  roundTrip(t, mountList, [
    { hostname: 'client1', directory: '/srv/a' },
    { hostname: '10.0.0.2', directory: '/srv/b' },
  ]);
  roundTrip(t, mountList, []);
  t.end();
});

t.test('malformed inputs', (t) => {
  rejects(t, exportList, hex('00000002'), 'BAD_BOOL', 'list follows-flag 2');
  rejects(t, exportList, hex('00000001 00000401'), 'LIMIT_EXCEEDED', 'dirpath longer than MNTPATHLEN');
  rejects(t, mountres3, hex('00000000 00000041'), 'LIMIT_EXCEEDED', 'fhandle3 over 64 bytes');
  rejects(t, mountres3, hex('00000000 00000000 ffffffff'), 'LIMIT_EXCEEDED', 'auth flavor count');
  t.end();
});

t.test('a long peer-chosen export list decodes iteratively', (t) => {
  const many = Array.from({ length: 20_000 }, (_, i) => ({ dir: `/e${i}`, groups: [] as string[] }));
  const w = roundTrip(t, exportList, many);
  t.ok(w.length > 0);
  t.end();
});

t.test('fuzz: random bytes raise only XdrError; decode(encode(decode(x))) is stable', (t) => {
  const codecs = [exportList, mountList, mountres3, fhstatus] as XdrType<unknown>[];
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fuzzProperty(codecs)), { numRuns: 2000 });
  // Mostly-valid inputs: a real reply with one byte changed.
  const base = encode(exportList, [{ dir: '/srv/export', groups: ['*', 'host'] }]);
  fc.assert(
    fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
      const copy = base.slice();
      copy[at] = byte;
      return fuzzProperty(codecs)(copy);
    }),
  );
  t.end();
});
