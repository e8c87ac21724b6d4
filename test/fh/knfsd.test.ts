// knfsd version 1 and 0 handles: every fsid type, every fileid type, padding, MAC, byte order, public examples.
import t from 'tap';
import { decodeFileHandle, FileHandleError, newDecodeDev, newEncodeDev } from '../../src/nfs/index.js';
import { concat, hex, knfsdV0, knfsdV1, type Order, u16, u32, u64, zeros } from './encode.js';

const UUID = [0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];

t.test('public examples from the spec, with their CRC-32', async (t) => {
  const examples = [
    {
      hex: '0100000000160002f3f03d00',
      hash: '0xd541f2b3',
      fsid: { type: 0, major: 22, minor: 2, exportInode: 4059379 },
    },
    { hex: '010000000007000081380100', hash: '0x4351e0b9', fsid: { type: 0, major: 7, minor: 0, exportInode: 80001 } },
    { hex: '0100010000000000', hash: '0x62d40c52', fsid: { type: 1, number: 0 } },
  ];
  for (const e of examples) {
    const h = decodeFileHandle(hex(e.hex));
    t.equal(h.format, 'knfsd', e.hex);
    t.equal(h.hash, e.hash, `${e.hex} hash`);
    t.equal(h.hex, e.hex);
    t.match(h.fsid, e.fsid, `${e.hex} fsid`);
    t.match(h.fileid, { type: 0, name: 'ROOT' });
    t.equal(h.confidence, 'high');
    t.equal(h.deviceBased, e.fsid.type === 0);
  }
});

t.test('every fsid type', async (t) => {
  const table: { type: number; name: string; fsid: number[]; expect: object; deviceBased: boolean }[] = [
    {
      type: 0,
      name: 'FSID_DEV',
      fsid: [...u16(22, 'be'), ...u16(2, 'be'), ...u32(4059379, 'le')],
      expect: { major: 22, minor: 2, exportInode: 4059379 },
      deviceBased: true,
    },
    { type: 1, name: 'FSID_NUM', fsid: u32(17, 'le'), expect: { number: 17 }, deviceBased: false },
    {
      type: 2,
      name: 'FSID_MAJOR_MINOR',
      fsid: [...u32(259, 'be'), ...u32(65536, 'be'), ...u32(128, 'le')],
      expect: { major: 259, minor: 65536, exportInode: 128 },
      deviceBased: true,
    },
    {
      type: 3,
      name: 'FSID_ENCODE_DEV',
      fsid: [...u32(newEncodeDev(8, 300), 'le'), ...u32(2, 'le')],
      expect: { major: 8, minor: 300, exportInode: 2 },
      deviceBased: true,
    },
    {
      type: 4,
      name: 'FSID_UUID4_INUM',
      fsid: [...u32(2, 'le'), 0xaa, 0xbb, 0xcc, 0xdd],
      expect: { exportInode: 2, uuid: 'aabbccdd' },
      deviceBased: false,
    },
    { type: 5, name: 'FSID_UUID8', fsid: UUID.slice(0, 8), expect: { uuid: '1032547698badcfe' }, deviceBased: false },
    {
      type: 6,
      name: 'FSID_UUID16',
      fsid: UUID,
      expect: { uuid: '10325476-98ba-dcfe-0123-456789abcdef' },
      deviceBased: false,
    },
    {
      type: 7,
      name: 'FSID_UUID16_INUM',
      fsid: [...u64(2n, 'le'), ...UUID],
      expect: { exportInode: 2n, uuid: '10325476-98ba-dcfe-0123-456789abcdef' },
      deviceBased: false,
    },
  ];
  for (const row of table) {
    const bytes = knfsdV1(row.type, 1, row.fsid, [...u32(12, 'le'), ...u32(34, 'le')]);
    const h = decodeFileHandle(bytes);
    t.equal(h.format, 'knfsd', row.name);
    t.equal(h.confidence, 'high', `${row.name} confidence (${h.reasons.join('; ')})`);
    t.match(
      h.fsid,
      { type: row.type, name: row.name, raw: Buffer.from(row.fsid).toString('hex'), ...row.expect },
      row.name,
    );
    t.match(h.fileid, { type: 1, inode: 12, generation: 34 }, `${row.name} fileid`);
    t.equal(h.deviceBased, row.deviceBased, `${row.name} deviceBased`);
    t.ok(h.notes.length > 0, `${row.name} has HA notes`);
  }
});

t.test('new_encode_dev round trip at the edges', async (t) => {
  for (const [major, minor] of [
    [0, 0],
    [8, 1],
    [253, 255],
    [259, 256],
    [4095, 1048575],
  ] as const) {
    t.same(newDecodeDev(newEncodeDev(major, minor)), { major, minor }, `${major}:${minor}`);
  }
  t.equal(newEncodeDev(8, 300), 0x10082c, 'the kernel value for 8:300');
});

const FSID1 = u32(1, 'le');

t.test('every fileid type', async (t) => {
  const o: Order = 'le';
  const table: { type: number; name: string; fileid: number[]; expect: object }[] = [
    { type: 0x00, name: 'ROOT', fileid: [], expect: {} },
    { type: 0x01, name: 'INO32_GEN', fileid: [...u32(12, o), ...u32(34, o)], expect: { inode: 12, generation: 34 } },
    {
      type: 0x01,
      name: 'INO32_GEN',
      fileid: [...u32(7, o), ...u32(0x89abcdef, o), ...u32(1, o)], // tmpfs: gen, ino low, ino high
      expect: { inode: 0x1_89abcdefn, generation: 7 },
    },
    {
      type: 0x02,
      name: 'INO32_GEN_PARENT',
      fileid: [...u32(12, o), ...u32(34, o), ...u32(2, o), ...u32(56, o)],
      expect: { inode: 12, generation: 34, parentInode: 2, parentGeneration: 56 },
    },
    {
      type: 0x4d,
      name: 'BTRFS_WITHOUT_PARENT',
      fileid: [...u64(257n, o), ...u64(5n, o), ...u32(9, o)],
      expect: { inode: 257n, root: 5n, generation: 9 },
    },
    {
      type: 0x4e,
      name: 'BTRFS_WITH_PARENT',
      fileid: [...u64(257n, o), ...u64(5n, o), ...u32(9, o), ...u64(256n, o), ...u32(8, o)],
      expect: { inode: 257n, root: 5n, generation: 9, parentInode: 256n, parentGeneration: 8 },
    },
    {
      type: 0x4f,
      name: 'BTRFS_WITH_PARENT_ROOT',
      fileid: [...u64(257n, o), ...u64(258n, o), ...u32(9, o), ...u64(256n, o), ...u32(8, o), ...u64(5n, o)],
      expect: { inode: 257n, root: 258n, generation: 9, parentInode: 256n, parentGeneration: 8, parentRoot: 5n },
    },
    {
      type: 0x51,
      name: 'UDF_WITHOUT_PARENT',
      fileid: [...u32(1000, o), ...u16(1, o), ...u16(0, o), ...u32(3, o)],
      expect: { block: 1000, partition: 1, generation: 3 },
    },
    {
      type: 0x52,
      name: 'UDF_WITH_PARENT',
      fileid: [...u32(1000, o), ...u16(1, o), ...u16(2, o), ...u32(3, o), ...u32(900, o), ...u32(4, o)],
      expect: { block: 1000, partition: 1, generation: 3, parentBlock: 900, parentPartition: 2, parentGeneration: 4 },
    },
    {
      type: 0x61,
      name: 'NILFS_WITHOUT_PARENT',
      fileid: [...u64(0n, o), ...u64(12n, o), ...u32(1, o)],
      expect: { checkpoint: 0n, inode: 12n, generation: 1 },
    },
    {
      type: 0x62,
      name: 'NILFS_WITH_PARENT',
      fileid: [...u64(3n, o), ...u64(12n, o), ...u32(1, o), ...u32(2, o), ...u64(11n, o)],
      expect: { checkpoint: 3n, inode: 12n, generation: 1, parentGeneration: 2, parentInode: 11n },
    },
    {
      type: 0x71,
      name: 'FAT_WITHOUT_PARENT',
      fileid: [...u32(5, o), ...u32(0x1234, o), ...u16(1, o), ...u16(0, o)],
      expect: { generation: 5, position: 0x1_0000_1234 },
    },
    {
      type: 0x72,
      name: 'FAT_WITH_PARENT',
      fileid: [...u32(5, o), ...u32(0x1234, o), ...u16(1, o), ...u16(2, o), ...u32(0x20, o), ...u32(6, o)],
      expect: { generation: 5, position: 0x1_0000_1234, parentPosition: 0x2_0000_0020, parentGeneration: 6 },
    },
    {
      type: 0x81,
      name: 'INO64_GEN',
      fileid: [...u64(0x1_0000_0080n, o), ...u32(77, o)],
      expect: { inode: 0x1_0000_0080n, generation: 77 },
    },
    {
      type: 0x82,
      name: 'INO64_GEN_PARENT',
      fileid: [...u64(0x1_0000_0080n, o), ...u32(77, o), ...u64(128n, o), ...u32(1, o)],
      expect: { inode: 0x1_0000_0080n, generation: 77, parentInode: 128n, parentGeneration: 1 },
    },
    {
      type: 0x97,
      name: 'LUSTRE',
      fileid: [
        ...u64(0x200000401n, o),
        ...u32(1, o),
        ...u32(0, o),
        ...u64(0x200000007n, o),
        ...u32(1, o),
        ...u32(0, o),
      ],
      expect: { fid: '[0x200000401:0x1:0x0]', parentFid: '[0x200000007:0x1:0x0]' },
    },
    {
      type: 0xb1,
      name: 'BCACHEFS_WITHOUT_PARENT',
      fileid: [...u64(4096n, o), ...u32(1, o), ...u32(3, o)],
      expect: { inode: 4096n, subvolume: 1, generation: 3 },
    },
    {
      type: 0xb2,
      name: 'BCACHEFS_WITH_PARENT',
      fileid: [...u64(4096n, o), ...u32(1, o), ...u32(3, o), ...u64(4095n, o), ...u32(1, o), ...u32(2, o)],
      expect: {
        inode: 4096n,
        subvolume: 1,
        generation: 3,
        parentInode: 4095n,
        parentSubvolume: 1,
        parentGeneration: 2,
      },
    },
    { type: 0xfe, name: 'KERNFS', fileid: u64(0x1_0000_0042n, o), expect: { inode: 0x1_0000_0042n } },
  ];
  for (const row of table) {
    const h = decodeFileHandle(knfsdV1(1, row.type, FSID1, row.fileid));
    t.equal(h.format, 'knfsd', row.name);
    t.equal(h.confidence, 'high', `${row.name} confidence (${h.reasons.join('; ')})`);
    t.match(h.fileid, { type: row.type, name: row.name, ...row.expect }, `${row.name} fields`);
    t.equal(h.fileid?.raw, undefined, `${row.name} decoded, not raw`);
  }
});

t.test('unknown fileid types are kept raw with a note and low confidence', async (t) => {
  for (const type of [0x33, 0xf8, 0xff]) {
    const h = decodeFileHandle(knfsdV1(1, type, FSID1, [1, 2, 3, 4, 5, 6, 7, 8]));
    t.equal(h.format, 'knfsd');
    t.equal(h.confidence, 'low');
    t.equal(h.fileid?.raw, '0102030405060708');
    t.match(h.reasons.join(' '), /kept raw/);
  }
  const wrongLength = decodeFileHandle(knfsdV1(1, 0x02, FSID1, u32(12, 'le')));
  t.equal(wrongLength.confidence, 'low', 'a known type with the wrong length');
  t.equal(wrongLength.fileid?.raw, '0c000000');
});

t.test('NFSv2: a 32-byte handle with zero padding', async (t) => {
  const bytes = concat(knfsdV1(0, 1, [0, 8, 0, 1, ...u32(2, 'le')], [...u32(12, 'le'), ...u32(34, 'le')]), zeros(12));
  t.equal(bytes.length, 32);
  const h = decodeFileHandle(bytes);
  t.equal(h.format, 'knfsd');
  t.equal(h.confidence, 'high');
  t.match(h.fileid, { inode: 12, generation: 34 });
  t.match(h.details, { padding: 'nfsv2' });
  const root = decodeFileHandle(concat(knfsdV1(0, 0, [0, 8, 0, 1, ...u32(2, 'le')]), zeros(20)));
  t.match(root, { format: 'knfsd', fileid: { name: 'ROOT' }, details: { padding: 'nfsv2' } });
});

t.test('an 8-byte trailing MAC is tolerated', async (t) => {
  const mac = [0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04];
  const h = decodeFileHandle(knfsdV1(1, 1, u32(5, 'le'), [...u32(12, 'le'), ...u32(34, 'le'), ...mac]));
  t.equal(h.format, 'knfsd');
  t.equal(h.confidence, 'medium');
  t.match(h.details, { mac: 'deadbeef01020304' });
  t.match(h.fileid, { inode: 12, generation: 34 });
  t.match(h.notes.join(' '), /signing key/);
});

t.test('byte order: hint, and the plausibility vote for big-endian servers', async (t) => {
  const be = knfsdV1(
    0,
    2,
    [0, 8, 0, 1, ...u32(2, 'be')],
    [...u32(12, 'be'), ...u32(0xa1b2c3d4, 'be'), ...u32(2, 'be'), ...u32(9, 'be')],
  );
  const auto = decodeFileHandle(be);
  t.equal(auto.byteOrder, 'be', 'small inode numbers only make sense big-endian');
  t.equal(auto.confidence, 'medium');
  t.match(auto.fsid, { major: 8, minor: 1, exportInode: 2 });
  t.match(auto.fileid, { inode: 12, generation: 0xa1b2c3d4, parentInode: 2, parentGeneration: 9 });
  const hinted = decodeFileHandle(be, { byteOrder: 'be' });
  t.equal(hinted.byteOrder, 'be');
  t.equal(hinted.confidence, 'high', 'with a hint there is nothing to doubt');
  const forcedLe = decodeFileHandle(be, { byteOrder: 'le' });
  t.match(forcedLe.fsid, { exportInode: 0x02000000 });
  const le = decodeFileHandle(knfsdV1(1, 1, u32(7, 'le'), [...u32(12, 'le'), ...u32(34, 'le')]));
  t.equal(le.byteOrder, 'le');
  t.match(le.fsid, { number: 7 });
});

t.test('implausible values lower the confidence', async (t) => {
  const h = decodeFileHandle(knfsdV1(0, 0, zeros(8)));
  t.equal(h.format, 'knfsd');
  t.equal(h.confidence, 'medium');
  t.match(h.reasons.join(' '), /implausible/);
});

t.test('knfsd version 0 in both byte orders', async (t) => {
  const fields = {
    inode: 1234,
    dirInode: 2,
    dev: (3 << 8) | 1,
    exportDev: (3 << 8) | 2,
    exportInode: 2,
    generation: 99,
  };
  for (const order of ['le', 'be'] as const) {
    const h = decodeFileHandle(knfsdV0(fields, order));
    t.equal(h.format, 'knfsd-v0', order);
    t.equal(h.byteOrder, order, `${order}: the dcookie tells the byte order`);
    t.equal(h.confidence, 'high');
    t.match(h.fsid, { name: 'V0_EXPORT_DEV', major: 3, minor: 2, exportInode: 2 });
    t.match(h.fileid, { inode: 1234, generation: 99, parentInode: 2 });
    t.match(h.details, { fileDevice: { major: 3, minor: 1 } });
    t.equal(h.deviceBased, true);
  }
  t.equal(decodeFileHandle(knfsdV0(fields, 'le'), { format: 'knfsd-v0' }).format, 'knfsd-v0');
});

t.test('errors: only FileHandleError with a code', async (t) => {
  t.throws(() => decodeFileHandle(new Uint8Array(0)), { code: 'EMPTY' });
  t.throws(() => decodeFileHandle(new Uint8Array(129)), { code: 'TOO_LONG' });
  t.throws(() => decodeFileHandle(hex('deadbeef'), { format: 'knfsd' }), { code: 'BAD_FORMAT' });
  t.throws(() => decodeFileHandle(hex('deadbeef'), { format: 'knfsd-v0' }), { code: 'BAD_FORMAT' });
  t.throws(() => decodeFileHandle(hex('deadbeef'), { format: 'nope' as 'knfsd' }), { code: 'BAD_OPTION' });
  t.throws(() => decodeFileHandle(hex('deadbeef'), { byteOrder: 'middle' as 'le' }), { code: 'BAD_OPTION' });
  try {
    decodeFileHandle(new Uint8Array(0));
  } catch (error) {
    t.ok(error instanceof FileHandleError);
  }
  const unknown = decodeFileHandle(hex('deadbeef'));
  t.match(unknown, { format: 'unknown', confidence: 'low' });
  t.ok(unknown.notes.length > 0);
  t.equal(decodeFileHandle(new Uint8Array(128)).length, 128, '128 bytes is allowed');
});

t.test('JSON shape (H of CLI.md)', async (t) => {
  const h = decodeFileHandle(
    knfsdV1(7, 0x81, [...u64(2n, 'le'), ...UUID], [...u64(0x1_0000_0080n, 'le'), ...u32(5, 'le')]),
  );
  const json = JSON.parse(JSON.stringify(h, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  t.same(Object.keys(json).slice(0, 6), ['hex', 'length', 'hash', 'format', 'confidence', 'reasons']);
  t.equal(json.fsid.exportInode, '2', 'u64 inodes become decimal strings');
  t.equal(json.fileid.inode, '4294967424');
  t.equal(json.fileid.generation, 5, '32-bit values stay numbers');
  t.equal(typeof json.deviceBased, 'boolean');
  t.ok(Array.isArray(json.notes));
  t.notOk('bytes' in json, 'raw bytes are not repeated in JSON');
});
