// nfs-ganesha handles: the real one from the spec, every VFS fsid type, type widths, big-endian flag, padding.
import t from 'tap';
import { decodeFileHandle } from '../../src/nfs/index.js';
import { ganesha, hex, u32, u64, vfsPart } from './encode.js';

t.test('the real ganesha 4.3 handle from the spec', async (t) => {
  const h = decodeFileHandle(hex('430000011244e4283f709b1119c5015320160035e3f7de00'));
  t.equal(h.format, 'ganesha');
  t.equal(h.confidence, 'high');
  t.equal(h.exportId, 1);
  t.match(h.details, {
    version: 0x43,
    flags: 0,
    fsLength: 18,
    fsal: 'vfs',
    vfsFlags: 0x44,
    handleType: 1,
    padding: 'nfsv3',
  });
  t.match(h.fsid, { type: 4, name: 'FSID_TWO_UINT32', major: 0x703f28e4, minor: 0xc519119b, raw: 'e4283f709b1119c5' });
  t.match(h.fileid, { type: 1, name: 'INO32_GEN', inode: 1450067 });
  t.equal(h.deviceBased, false, 'an ext4 f_fsid is UUID-derived');
  t.match(h.notes.join(' '), /Export_Id 1/);
  t.match(h.notes.join(' '), /Filesystem_id/);
  t.match(h.notes.join(' '), /703f28e4c519119b/, 'the fsid as `stat -f -c %i` prints it (the spec value)');
});

const INO32 = [...u32(1450067, 'le'), ...u32(7, 'le')];

t.test('every VFS fsid type', async (t) => {
  const table = [
    { type: 0, fsid: [] as number[], expect: { name: 'FSID_NO_TYPE' }, deviceBased: false },
    { type: 1, fsid: u64(0x1234n, 'le'), expect: { name: 'FSID_ONE_UINT64', major: 0x1234n }, deviceBased: false },
    { type: 2, fsid: u64(0x99n, 'le'), expect: { name: 'FSID_MAJOR_64', major: 0x99n }, deviceBased: false },
    {
      type: 3,
      fsid: [...u64(0x1111n, 'le'), ...u64(0x2222n, 'le')],
      expect: { name: 'FSID_TWO_UINT64', major: 0x1111n, minor: 0x2222n },
      deviceBased: false,
    },
    {
      type: 4,
      fsid: [...u32(0x703f28e4, 'le'), ...u32(0xc519119b, 'le')],
      expect: { name: 'FSID_TWO_UINT32', major: 0x703f28e4, minor: 0xc519119b },
      deviceBased: false,
    },
    {
      type: 4,
      fsid: [...u32(0xfd00001, 'le'), ...u32(0, 'le')],
      expect: { name: 'FSID_TWO_UINT32', major: 0xfd00001, minor: 0 },
      deviceBased: true, // XFS: f_fsid = huge_encode_dev(dev)
    },
    {
      type: 5,
      fsid: [...u32(253, 'le'), ...u32(3, 'le')],
      expect: { name: 'FSID_DEVICE', major: 253, minor: 3 },
      deviceBased: true,
    },
  ];
  for (const row of table) {
    for (const nfsv3 of [false, true]) {
      const h = decodeFileHandle(ganesha(7, vfsPart(row.type, row.fsid, 1, INO32), { nfsv3 }));
      const label = `${row.expect.name} ${nfsv3 ? 'v3' : 'v4'}`;
      t.equal(h.format, 'ganesha', label);
      t.equal(h.confidence, 'high', `${label} (${h.reasons.join('; ')})`);
      t.equal(h.exportId, 7);
      t.match(h.fsid, { type: row.type, ...row.expect }, label);
      t.match(h.fileid, { inode: 1450067, generation: 7 }, label);
      t.equal(h.deviceBased, row.deviceBased, `${label} deviceBased`);
    }
  }
});

t.test('handle type widths, big-endian flag, pNFS DS flag', async (t) => {
  for (const width of [1, 2, 4] as const) {
    const h = decodeFileHandle(
      ganesha(
        3,
        vfsPart(
          5,
          [...u32(8, 'le'), ...u32(1, 'le')],
          0x81,
          [...u64(0x1_0000_0001n, 'le'), ...u32(2, 'le')],
          'le',
          width,
        ),
      ),
    );
    t.match(
      h,
      { format: 'ganesha', confidence: 'high', details: { handleType: 0x81 }, fileid: { inode: 0x1_0000_0001n } },
      `width ${width}`,
    );
  }
  const be = decodeFileHandle(
    ganesha(2, vfsPart(5, [...u32(8, 'be'), ...u32(1, 'be')], 1, [...u32(12, 'be'), ...u32(3, 'be')], 'be', 2), {
      flags: 0x40,
    }),
  );
  t.match(be, {
    byteOrder: 'be',
    details: { fsalBigEndian: true },
    fsid: { major: 8, minor: 1 },
    fileid: { inode: 12 },
  });
  const ds = decodeFileHandle(ganesha(2, vfsPart(0, [], 1, INO32), { flags: 0x01 }));
  t.match(ds, { format: 'ganesha', details: { pnfsDataServer: true } });
});

t.test('a non-VFS FSAL part and a kernel handle that does not fit', async (t) => {
  const other = decodeFileHandle(ganesha(9, Uint8Array.from([0x3f, 1, 2, 3])));
  t.match(other, {
    format: 'ganesha',
    confidence: 'medium',
    details: { fsal: 'unknown', fsalRaw: '3f010203' },
    exportId: 9,
  });
  const raw = decodeFileHandle(ganesha(9, vfsPart(0, [], 0x33, [1, 2, 3])));
  t.match(raw, { confidence: 'medium', fileid: { raw: '010203' } });
  t.throws(() => decodeFileHandle(hex('0100000000160002f3f03d00'), { format: 'ganesha' }), { code: 'BAD_FORMAT' });
});
