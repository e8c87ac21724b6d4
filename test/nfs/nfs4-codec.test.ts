// NFSv4.0/4.1 codecs (RFC 7530, RFC 8881): bitmap4, fattr4 walk, COMPOUND args and results.
import fc from 'fast-check';
import t from 'tap';
import {
  attrsFromBitmap,
  bitmap4,
  bitmapFromAttrs,
  COMPOUND4args,
  COMPOUND4res,
  type Compound4Res,
  FATTR4,
  fattr4,
  NFSSTAT4,
  nfsstat4Name,
} from '../../src/nfs/nfs4/index.js';
import type { XdrType } from '../../src/xdr/index.js';
import { decode, encode, fuzzProperty, hex, rejects, roundTrip, truncations } from './codec-check.js';

const fh = hex('430000011244e4283f709b1119c5015320160035e3f7de00');

t.test('bitmap4 <-> attribute numbers', (t) => {
  t.same(
    bitmapFromAttrs([FATTR4.type, FATTR4.fsid, FATTR4.fileid, FATTR4.mounted_on_fileid]),
    [0x00100102, 0x00800000],
  );
  t.same(attrsFromBitmap([0x00100102, 0x00800000]), [1, 8, 20, 55]);
  roundTrip(t, bitmap4, [0, 1, 3, 4, 8, 10, 20, 24, 55], hex('00000002 0110051b 00800000'));
  rejects(t, bitmap4, hex('00000009'), 'LIMIT_EXCEEDED', 'bitmap of 9 words');
  t.end();
});

t.test('fattr4 fixture: type, change, size, fsid, fileid, mounted_on_fileid', (t) => {
  const bytes = hex(`
    00000002 0010011a 00800000                # attrmask: 1 3 4 8 20 | 55
    00000034                                  # attr_vals length 52
    00000002                                  # type NF4DIR
    000000006923a000                          # change
    0000000000001000                          # size
    703f28e4c519119b 0000000000000000         # fsid major, minor
    0000000000162053                          # fileid
    0000000000162053                          # mounted_on_fileid
  `);
  const value = decode(fattr4, bytes);
  t.same(value.attrmask, [1, 3, 4, 8, 20, 55]);
  t.same(value.values, {
    type: 2,
    change: 0x6923a000n,
    size: 4096n,
    fsid: { major: 0x703f28e4c519119bn, minor: 0n },
    fileid: 1450067n,
    mountedOnFileid: 1450067n,
  });
  t.equal(value.undecoded, undefined);
  roundTrip(t, fattr4, value, bytes);
  truncations(t, fattr4, bytes);
  t.end();
});

t.test('fattr4: supported_attrs, lease_time, fs_locations', (t) => {
  roundTrip(t, fattr4, {
    attrmask: [0, 10, 24],
    values: {
      supportedAttrs: [0, 1, 2, 3, 4, 8, 20, 55],
      leaseTime: 90,
      fsLocations: { fsRoot: ['export'], locations: [{ server: ['10.0.0.2', 'nfs-b'], rootpath: ['srv', 'export'] }] },
    },
  });
  t.end();
});

t.test('fattr4: the walk stops at an attribute it cannot decode and keeps the tail', (t) => {
  // layout_hint (63) has no decoder here; fileid (20) before it decodes, the rest is kept raw.
  const bytes = hex('00000002 00100000 80000000 00000010 0000000000000007 deadbeefdeadbeef');
  const value = decode(fattr4, bytes);
  t.same(value.values, { fileid: 7n });
  t.equal(value.undecoded?.attr, 63);
  t.equal(Buffer.from(value.undecoded!.bytes).toString('hex'), 'deadbeefdeadbeef');
  t.same(encode(fattr4, value), bytes, 'undecoded tail re-encodes verbatim');
  t.end();
});

const session = hex('00112233445566778899aabbccddeeff');
const channel = {
  headerPadSize: 0,
  maxRequestSize: 1049620,
  maxResponseSize: 1049480,
  maxResponseSizeCached: 3428,
  maxOperations: 8,
  maxRequests: 64,
  rdmaIrd: [],
};

t.test('COMPOUND4args round trips (4.0 lookup path and 4.1 session setup)', (t) => {
  roundTrip(t, COMPOUND4args, {
    tag: 'fh get',
    minorVersion: 0,
    ops: [
      { op: 'PUTROOTFH' },
      { op: 'LOOKUP', args: { name: 'export' } },
      { op: 'GETFH' },
      { op: 'GETATTR', args: { attrs: [1, 8, 20, 55] } },
      { op: 'ACCESS', args: { access: 0x3f } },
      { op: 'LOOKUPP' },
      { op: 'PUTPUBFH' },
      { op: 'PUTFH', args: { fh } },
      { op: 'SECINFO', args: { name: 'export' } },
      {
        op: 'READDIR',
        args: { cookie: 0n, cookieverf: new Uint8Array(8), dircount: 4096, maxcount: 32768, attrs: [1, 20] },
      },
    ],
  });
  roundTrip(t, COMPOUND4args, {
    tag: '',
    minorVersion: 1,
    ops: [
      {
        op: 'EXCHANGE_ID',
        args: {
          verifier: hex('0000000000000001'),
          ownerId: new TextEncoder().encode('nfsprobe/host'),
          flags: 0,
          stateProtect: { how: 0 },
          implId: { domain: 'example.org', name: 'nfsprobe', date: { seconds: 0n, nseconds: 0 } },
        },
      },
    ],
  });
  roundTrip(t, COMPOUND4args, {
    tag: '',
    minorVersion: 1,
    ops: [
      {
        op: 'CREATE_SESSION',
        args: {
          clientId: 0x5e1f00000001n,
          sequence: 1,
          flags: 0,
          foreChannel: channel,
          backChannel: channel,
          cbProgram: 0x40000000,
          secParms: [{ flavor: 0 }, { flavor: 1, stamp: 1, machineName: 'h', uid: 0, gid: 0, gids: [1, 2] }],
        },
      },
    ],
  });
  roundTrip(t, COMPOUND4args, {
    tag: '',
    minorVersion: 1,
    ops: [
      { op: 'SEQUENCE', args: { sessionId: session, sequenceId: 1, slotId: 0, highestSlotId: 0, cacheThis: false } },
      { op: 'PUTROOTFH' },
      { op: 'RECLAIM_COMPLETE', args: { oneFs: false } },
      { op: 'DESTROY_SESSION', args: { sessionId: session } },
      { op: 'DESTROY_CLIENTID', args: { clientId: 7n } },
    ],
  });
  t.end();
});

t.test('COMPOUND4res round trips, per-op status, stop at the first failure', (t) => {
  const ok: Compound4Res = {
    status: 0,
    tag: 'fh get',
    results: [
      {
        op: 'SEQUENCE',
        status: 0,
        result: {
          sessionId: session,
          sequenceId: 1,
          slotId: 0,
          highestSlotId: 0,
          targetHighestSlotId: 63,
          statusFlags: 0,
        },
      },
      { op: 'PUTROOTFH', status: 0 },
      { op: 'LOOKUP', status: 0 },
      { op: 'GETFH', status: 0, result: { fh } },
      { op: 'GETATTR', status: 0, result: { attrmask: [1, 20], values: { type: 2, fileid: 5n } } },
      { op: 'ACCESS', status: 0, result: { supported: 0x3f, access: 0x1f } },
      {
        op: 'SECINFO',
        status: 0,
        result: [{ flavor: 1 }, { flavor: 6, oid: hex('2a864886f712010202'), qop: 0, service: 1 }],
      },
      {
        op: 'READDIR',
        status: 0,
        result: {
          cookieverf: new Uint8Array(8),
          entries: [{ cookie: 3n, name: 'a', attrs: { attrmask: [20], values: { fileid: 9n } } }],
          eof: true,
        },
      },
    ],
  };
  roundTrip(t, COMPOUND4res, ok);
  const failed = decode(COMPOUND4res, hex('00000002 00000000 00000002 00000018 00000000 0000000f 00000002'));
  t.same(failed, {
    status: NFSSTAT4.NFS4ERR_NOENT,
    tag: '',
    results: [
      { op: 'PUTROOTFH', status: 0 },
      { op: 'LOOKUP', status: 2 },
    ],
  });
  roundTrip(t, COMPOUND4res, {
    status: 0,
    tag: '',
    results: [
      {
        op: 'EXCHANGE_ID',
        status: 0,
        result: {
          clientId: 0x5e1f00000001n,
          sequenceId: 1,
          flags: 0x00010000,
          stateProtect: { how: 0 },
          serverOwner: { minorId: 0n, majorId: hex('6e667367') },
          serverScope: hex('6e667367'),
          serverImplId: { domain: 'nfs-ganesha', name: 'ganesha', date: { seconds: 0n, nseconds: 0 } },
        },
      },
      {
        op: 'CREATE_SESSION',
        status: 0,
        result: { sessionId: session, sequence: 1, flags: 0, foreChannel: channel, backChannel: channel },
      },
      { op: 'DESTROY_SESSION', status: 0 },
    ],
  });
  t.end();
});

t.test('nfsstat4 names and malformed replies', (t) => {
  t.equal(nfsstat4Name(70), 'NFS4ERR_STALE');
  t.equal(nfsstat4Name(10021), 'NFS4ERR_MINOR_VERS_MISMATCH');
  t.equal(nfsstat4Name(10052), 'NFS4ERR_BADSESSION');
  rejects(t, COMPOUND4res, hex('00000000 00000000 00000401'), 'LIMIT_EXCEEDED', 'over 1024 results');
  rejects(
    t,
    COMPOUND4res,
    hex('00000000 00000000 00000001 0000001b 00000000'),
    'UNSUPPORTED',
    'READLINK result has no codec',
  );
  rejects(
    t,
    COMPOUND4res,
    hex('00000000 00000000 00000001 0000000a 00000000 00000081'),
    'LIMIT_EXCEEDED',
    'GETFH over 128 bytes',
  );
  t.end();
});

t.test('fuzz: random bytes raise only XdrError; decode(encode(decode(x))) is stable', (t) => {
  const codecs = [COMPOUND4res, COMPOUND4args, fattr4] as XdrType<unknown>[];
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fuzzProperty(codecs)), { numRuns: 2000 });
  const base = encode(COMPOUND4res, {
    status: 0,
    tag: '',
    results: [
      { op: 'PUTROOTFH', status: 0 },
      { op: 'GETFH', status: 0, result: { fh } },
      {
        op: 'GETATTR',
        status: 0,
        result: { attrmask: [1, 8, 20], values: { type: 2, fsid: { major: 1n, minor: 2n }, fileid: 5n } },
      },
    ],
  });
  fc.assert(
    fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
      const copy = base.slice();
      copy[at] = byte;
      return fuzzProperty(codecs)(copy);
    }),
    { numRuns: 2000 },
  );
  t.end();
});
