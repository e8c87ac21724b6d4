// NFSv3 codecs (RFC 1813): every procedure's arguments and results round-trip; fattr3 and READDIRPLUS fixtures;
// malformed inputs; fuzz.
import fc from 'fast-check';
import t from 'tap';
import {
  type Fattr3,
  GETATTR3res,
  NFS3_PROCEDURE_CODECS,
  NFSPROC3,
  NFSSTAT3,
  nfsstat3Name,
  READDIR3res,
  READDIRPLUS3res,
  STABLE_HOW,
  sattr3,
  WRITE3res,
} from '../../src/nfs/nfs3/index.js';
import type { XdrType } from '../../src/xdr/index.js';
import { decode, encode, fuzzProperty, hex, rejects, roundTrip, truncations } from './codec-check.js';

const fh = hex('430000011244e4283f709b1119c5015320160035e3f7de00');
const time = { seconds: 1764000000, nseconds: 123456789 };
const attrs: Fattr3 = {
  type: 2,
  mode: 0o755,
  nlink: 3,
  uid: 0,
  gid: 0,
  size: 4096n,
  used: 8192n,
  rdev: { specdata1: 0, specdata2: 0 },
  fsid: 0x703f28e4c519119bn,
  fileid: 1450067n,
  atime: time,
  mtime: time,
  ctime: time,
};
const wcc = { before: { size: 0n, mtime: time, ctime: time }, after: attrs };
const noWcc = { before: undefined, after: undefined };
const verf = hex('0102030405060708');

/** A sample arguments value and OK / failure results for each procedure. */
const samples: Record<number, { args: unknown; ok: unknown; fail?: unknown }> = {
  [NFSPROC3.NULL]: { args: undefined, ok: undefined },
  [NFSPROC3.GETATTR]: { args: { object: fh }, ok: { objAttributes: attrs }, fail: undefined },
  [NFSPROC3.SETATTR]: {
    args: { object: fh, newAttributes: { mode: 0o600, size: 0n, mtime: 'server' }, guard: time },
    ok: { objWcc: wcc },
    fail: { objWcc: noWcc },
  },
  [NFSPROC3.LOOKUP]: {
    args: { what: { dir: fh, name: 'file.txt' } },
    ok: { object: fh, objAttributes: attrs, dirAttributes: undefined },
    fail: { dirAttributes: attrs },
  },
  [NFSPROC3.ACCESS]: {
    args: { object: fh, access: 0x3f },
    ok: { objAttributes: attrs, access: 0x1f },
    fail: { objAttributes: undefined },
  },
  [NFSPROC3.READLINK]: {
    args: { symlink: fh },
    ok: { symlinkAttributes: attrs, data: '../target' },
    fail: { symlinkAttributes: undefined },
  },
  [NFSPROC3.READ]: {
    args: { file: fh, offset: 1n << 40n, count: 4096 },
    ok: { fileAttributes: attrs, count: 5, eof: true, data: hex('68656c6c6f') },
    fail: { fileAttributes: undefined },
  },
  [NFSPROC3.WRITE]: {
    args: { file: fh, offset: 0n, count: 5, stable: STABLE_HOW.DATA_SYNC, data: hex('68656c6c6f') },
    ok: { fileWcc: wcc, count: 5, committed: STABLE_HOW.FILE_SYNC, verf },
    fail: { fileWcc: noWcc },
  },
  [NFSPROC3.CREATE]: {
    args: { where: { dir: fh, name: 'new' }, how: { mode: 1, objAttributes: { mode: 0o644 } } },
    ok: { obj: fh, objAttributes: attrs, dirWcc: wcc },
    fail: { dirWcc: wcc },
  },
  [NFSPROC3.MKDIR]: {
    args: { where: { dir: fh, name: 'd' }, attributes: { mode: 0o755, uid: 1, gid: 2, atime: time } },
    ok: { obj: undefined, objAttributes: undefined, dirWcc: noWcc },
    fail: { dirWcc: noWcc },
  },
  [NFSPROC3.SYMLINK]: {
    args: { where: { dir: fh, name: 'l' }, symlink: { symlinkAttributes: {}, symlinkData: '/x/y' } },
    ok: { obj: fh, objAttributes: attrs, dirWcc: wcc },
    fail: { dirWcc: noWcc },
  },
  [NFSPROC3.MKNOD]: {
    args: {
      where: { dir: fh, name: 'dev' },
      what: { type: 4, devAttributes: { mode: 0o600 }, spec: { specdata1: 1, specdata2: 3 } },
    },
    ok: { obj: fh, objAttributes: attrs, dirWcc: wcc },
    fail: { dirWcc: noWcc },
  },
  [NFSPROC3.REMOVE]: { args: { object: { dir: fh, name: 'x' } }, ok: { dirWcc: wcc }, fail: { dirWcc: noWcc } },
  [NFSPROC3.RMDIR]: { args: { object: { dir: fh, name: 'x' } }, ok: { dirWcc: wcc }, fail: { dirWcc: noWcc } },
  [NFSPROC3.RENAME]: {
    args: { from: { dir: fh, name: 'a' }, to: { dir: fh, name: 'b' } },
    ok: { fromdirWcc: wcc, todirWcc: noWcc },
    fail: { fromdirWcc: noWcc, todirWcc: noWcc },
  },
  [NFSPROC3.LINK]: {
    args: { file: fh, link: { dir: fh, name: 'hard' } },
    ok: { fileAttributes: attrs, linkdirWcc: wcc },
    fail: { fileAttributes: undefined, linkdirWcc: noWcc },
  },
  [NFSPROC3.READDIR]: {
    args: { dir: fh, cookie: 0n, cookieverf: verf, count: 4096 },
    ok: {
      dirAttributes: attrs,
      cookieverf: verf,
      reply: {
        entries: [
          { fileid: 1n, name: '.', cookie: 1n },
          { fileid: 2n, name: 'ünïcode', cookie: 2n },
        ],
        eof: true,
      },
    },
    fail: { dirAttributes: undefined },
  },
  [NFSPROC3.READDIRPLUS]: {
    args: { dir: fh, cookie: 0n, cookieverf: verf, dircount: 4096, maxcount: 32768 },
    ok: {
      dirAttributes: attrs,
      cookieverf: verf,
      reply: {
        entries: [
          { fileid: 1n, name: 'a', cookie: 10n, nameAttributes: attrs, nameHandle: fh },
          { fileid: 2n, name: 'b', cookie: 20n, nameAttributes: undefined, nameHandle: undefined },
        ],
        eof: false,
      },
    },
    fail: { dirAttributes: attrs },
  },
  [NFSPROC3.FSSTAT]: {
    args: { fsroot: fh },
    ok: {
      objAttributes: attrs,
      tbytes: 1n << 40n,
      fbytes: 5n,
      abytes: 4n,
      tfiles: 100n,
      ffiles: 50n,
      afiles: 49n,
      invarsec: 0,
    },
    fail: { objAttributes: undefined },
  },
  [NFSPROC3.FSINFO]: {
    args: { fsroot: fh },
    ok: {
      objAttributes: attrs,
      rtmax: 1048576,
      rtpref: 1048576,
      rtmult: 4096,
      wtmax: 1048576,
      wtpref: 1048576,
      wtmult: 4096,
      dtpref: 1048576,
      maxfilesize: (1n << 63n) - 1n,
      timeDelta: { seconds: 0, nseconds: 1 },
      properties: 0x1b,
    },
    fail: { objAttributes: undefined },
  },
  [NFSPROC3.PATHCONF]: {
    args: { object: fh },
    ok: {
      objAttributes: attrs,
      linkmax: 1024,
      nameMax: 255,
      noTrunc: true,
      chownRestricted: true,
      caseInsensitive: false,
      casePreserving: true,
    },
    fail: { objAttributes: attrs },
  },
  [NFSPROC3.COMMIT]: { args: { file: fh, offset: 0n, count: 0 }, ok: { fileWcc: wcc, verf }, fail: { fileWcc: wcc } },
};

t.test('all 22 procedures: arguments and results round-trip', (t) => {
  t.equal(Object.keys(NFS3_PROCEDURE_CODECS).length, 22);
  for (const [number, codecs] of Object.entries(NFS3_PROCEDURE_CODECS)) {
    const sample = samples[Number(number)];
    t.ok(sample, `sample for ${codecs.name}`);
    if (!sample) continue;
    roundTrip(t, codecs.args, sample.args);
    if (Number(number) === NFSPROC3.NULL) continue;
    roundTrip(t, codecs.res, { status: 0, resok: sample.ok });
    roundTrip(t, codecs.res, { status: NFSSTAT3.NFS3ERR_STALE, resfail: sample.fail });
  }
  t.end();
});

t.test('GETATTR3res fixture (ganesha export root, ext4)', (t) => {
  const bytes = hex(`
    00000000                  # NFS3_OK
    00000002                  # type NF3DIR
    000001ed                  # mode 0755
    00000003                  # nlink
    00000000 00000000         # uid, gid
    0000000000001000          # size 4096
    0000000000002000          # used 8192
    00000000 00000000         # rdev
    703f28e4c519119b          # fsid
    0000000000162053          # fileid 1450067
    69239a00 075bcd15         # atime
    69239a00 075bcd15         # mtime
    69239a00 075bcd15         # ctime
  `);
  const value = decode(GETATTR3res, bytes);
  t.same(value, {
    status: 0,
    resok: {
      objAttributes: {
        ...attrs,
        atime: { seconds: 0x69239a00, nseconds: 123456789 },
        mtime: { seconds: 0x69239a00, nseconds: 123456789 },
        ctime: { seconds: 0x69239a00, nseconds: 123456789 },
      },
    },
  });
  truncations(t, GETATTR3res, bytes);
  t.same(decode(GETATTR3res, hex('00000046')), { status: 70, resfail: undefined }, 'NFS3ERR_STALE has no body');
  t.end();
});

t.test('nfsstat3 names', (t) => {
  t.equal(nfsstat3Name(70), 'NFS3ERR_STALE');
  t.equal(nfsstat3Name(10008), 'NFS3ERR_JUKEBOX');
  t.equal(nfsstat3Name(0), 'NFS3_OK');
  t.equal(nfsstat3Name(12345), 'NFS3ERR_UNKNOWN_12345');
  t.equal(Object.keys(NFSSTAT3).length, 29, 'every nfsstat3 of RFC 1813 section 2.6');
  t.end();
});

t.test('WRITE3res exposes stability and the verifier', (t) => {
  const res = decode(WRITE3res, hex('00000000 00000000 00000000 00000005 00000002 0102030405060708'));
  t.ok('resok' in res);
  if ('resok' in res) {
    t.equal(res.resok.committed, STABLE_HOW.FILE_SYNC);
    t.equal(Buffer.from(res.resok.verf).toString('hex'), '0102030405060708');
  }
  rejects(
    t,
    WRITE3res,
    hex('00000000 00000000 00000000 00000005 00000003 0102030405060708'),
    'BAD_ENUM',
    'stable_how 3',
  );
  t.end();
});

t.test('READDIRPLUS with 100 entries and truncations', (t) => {
  const entries = Array.from({ length: 100 }, (_, i) => ({
    fileid: BigInt(1000 + i),
    name: `file-${i}.dat`,
    cookie: BigInt(i + 1),
    nameAttributes: { ...attrs, type: 1, fileid: BigInt(1000 + i) },
    nameHandle: fh,
  }));
  const bytes = roundTrip(t, READDIRPLUS3res, {
    status: 0,
    resok: { dirAttributes: attrs, cookieverf: verf, reply: { entries, eof: true } },
  });
  t.equal(bytes.length > 100 * 84, true);
  truncations(t, READDIRPLUS3res as XdrType<unknown>, bytes.subarray(0, 400));
  t.end();
});

t.test('entry names of every length, ASCII or not, decode to the names encoded', (t) => {
  // The ASCII fast path has one branch per length up to 16 and a loop beyond; a non-ASCII byte anywhere must send
  // the name to the UTF-8 decoder instead. DEL (0x7f) is the last ASCII byte.
  const names: string[] = [];
  for (let length = 0; length <= 60; length++) {
    const ascii = Array.from({ length }, (_, i) => String.fromCharCode(0x21 + ((i * 7) % 94))).join('');
    names.push(ascii);
    if (length > 0) names.push(`${ascii.slice(0, -1)}\x7f`);
    for (let at = 0; at < length; at++) names.push(`${ascii.slice(0, at)}é${ascii.slice(at + 1)}`);
  }
  const entries = names.map((name, i) => ({
    fileid: BigInt(i + 1),
    name,
    cookie: BigInt(i + 1),
    nameAttributes: undefined,
    nameHandle: undefined,
  }));
  const plus = decode(
    READDIRPLUS3res,
    encode(READDIRPLUS3res, {
      status: 0,
      resok: { dirAttributes: undefined, cookieverf: verf, reply: { entries, eof: true } },
    }),
  );
  const plain = decode(
    READDIR3res,
    encode(READDIR3res, {
      status: 0,
      resok: {
        dirAttributes: undefined,
        cookieverf: verf,
        reply: { entries: entries.map(({ fileid, name, cookie }) => ({ fileid, name, cookie })), eof: true },
      },
    }),
  );
  if (!('resok' in plus) || !('resok' in plain)) throw new Error('expected NFS3_OK');
  const gotPlus = plus.resok.reply.entries.map((e) => e.name);
  const gotPlain = plain.resok.reply.entries.map((e: { name: string }) => e.name);
  let wrong = 0;
  names.forEach((name, i) => {
    if (gotPlus[i] !== name || gotPlain[i] !== name) wrong++;
  });
  t.equal(names.length, gotPlus.length, 'READDIRPLUS: every entry');
  t.equal(names.length, gotPlain.length, 'READDIR: every entry');
  t.equal(wrong, 0, `all ${names.length} names decode exactly`);
  t.end();
});

t.test('fattr3 words and hypers with the high bit set', (t) => {
  // Byte-order arithmetic must give unsigned words and full 64-bit bigints, in GETATTR (read from the bytes) and in
  // READDIRPLUS entries (read through a DataView).
  const high: Fattr3 = {
    type: 7,
    mode: 0xffffffff,
    nlink: 0x80000000,
    uid: 0xfffffffe,
    gid: 0x80000001,
    size: (1n << 64n) - 1n,
    used: 1n << 63n,
    rdev: { specdata1: 0xffffffff, specdata2: 0x80000000 },
    fsid: 0xffffffff00000001n,
    fileid: 0x00000001ffffffffn,
    atime: { seconds: 0xffffffff, nseconds: 999999999 },
    mtime: { seconds: 0x80000000, nseconds: 0 },
    ctime: { seconds: 0, nseconds: 0xffffffff },
  };
  roundTrip(t, GETATTR3res, { status: 0, resok: { objAttributes: high } });
  roundTrip(t, READDIRPLUS3res, {
    status: 0,
    resok: {
      dirAttributes: high,
      cookieverf: verf,
      reply: {
        entries: [
          { fileid: high.fileid, name: 'x', cookie: (1n << 64n) - 2n, nameAttributes: high, nameHandle: fh },
          { fileid: 0n, name: 'y', cookie: 0x8000000080000000n, nameAttributes: { ...high, fsid: 0n }, nameHandle: fh },
        ],
        eof: false,
      },
    },
  });
  t.end();
});

t.test('malformed inputs', (t) => {
  rejects(t, GETATTR3res, hex('00000000 00000009'), 'SHORT_BUFFER', 'fattr3 cut short');
  rejects(t, GETATTR3res, hex(`00000000 00000009 ${'00'.repeat(80)}`), 'BAD_ENUM', 'ftype3 9');
  rejects(t, READDIRPLUS3res, hex(`00000000 00000000 ${'00'.repeat(8)} 00000002`), 'BAD_BOOL', 'entry follows-flag 2');
  rejects(
    t,
    READDIRPLUS3res,
    hex(
      `00000000 00000000 ${'00'.repeat(8)} 00000001 ${'00'.repeat(8)} 00000001 61000000 ${'00'.repeat(8)} 00000000 00000001 00000041`,
    ),
    'LIMIT_EXCEEDED',
    'handle over 64 bytes',
  );
  rejects(t, sattr3, hex('00000000 00000000 00000000 00000000 00000003'), 'BAD_DISCRIMINANT', 'time_how 3');
  t.end();
});

t.test('fuzz: random bytes raise only XdrError; decode(encode(decode(x))) is stable', (t) => {
  const codecs = Object.values(NFS3_PROCEDURE_CODECS).flatMap((c) => [c.args, c.res]);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fuzzProperty(codecs)), { numRuns: 1000 });
  const base = roundTrip(t, READDIRPLUS3res, { status: 0, resok: samples[NFSPROC3.READDIRPLUS]!.ok } as never);
  fc.assert(
    fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
      const copy = base.slice();
      copy[at] = byte;
      return fuzzProperty([READDIRPLUS3res as XdrType<unknown>])(copy);
    }),
    { numRuns: 2000 },
  );
  t.end();
});
