// GlusterFS, dCache and the length-only vendor formats.
import t from 'tap';
import { decodeFileHandle } from '../../src/nfs/index.js';
import { concat, u16, u32 } from './encode.js';

const VOLUME = Array.from({ length: 16 }, (_, i) => i + 1);
const GFID = Array.from({ length: 16 }, (_, i) => 0x11 + i);

t.test('GlusterFS', async (t) => {
  const h = decodeFileHandle(concat([0x3a, 0x4f, 0x47, 0x4c], VOLUME, GFID));
  t.match(h, {
    format: 'gluster',
    confidence: 'high',
    details: { exportUuid: '01020304-0506-0708-090a-0b0c0d0e0f10', gfid: '11121314-1516-1718-191a-1b1c1d1e1f20' },
    fsid: { uuid: '01020304-0506-0708-090a-0b0c0d0e0f10' },
  });
  t.equal(h.deviceBased, false);
  const longer = decodeFileHandle(concat([0x3a, 0x4f, 0x47, 0x4c], VOLUME, GFID, VOLUME));
  t.match(longer, {
    format: 'gluster',
    confidence: 'medium',
    details: { mountUuid: '01020304-0506-0708-090a-0b0c0d0e0f10' },
  });
});

t.test('dCache', async (t) => {
  const h = decodeFileHandle(
    concat([0x01, 0xca, 0xff, 0xee], u32(7, 'be'), u32(3, 'be'), [0, 0, 0, 0], [4], [0xa0, 0xa1, 0xa2, 0xa3]),
  );
  t.match(h, {
    format: 'dcache',
    confidence: 'high',
    exportId: 3,
    details: { generation: 7, exportIndex: 3, objectType: 0, objectTypeName: 'INODE', opaque: 'a0a1a2a3' },
  });
  const short = decodeFileHandle(concat([0x01, 0xca, 0xff, 0xee], u32(7, 'be'), u32(3, 'be'), [0, 0, 0, 0], [9], [1]));
  t.equal(short.confidence, 'medium', 'opaque length that does not match');
});

t.test('vendor formats: weak detection is low confidence, forcing works', async (t) => {
  // Celerra v3: object then export, same fsid.
  const obj = (inode: number) => [
    ...u32(0x55, 'le'),
    ...u16(1, 'le'),
    ...u16(2, 'le'),
    ...u32(inode, 'le'),
    ...u32(9, 'le'),
  ];
  const celerra = decodeFileHandle(concat(obj(1234), obj(2)));
  t.match(celerra, {
    format: 'celerra-vnx',
    confidence: 'low',
    fileid: { inode: 1234 },
    fsid: { number: 0x55, exportInode: 2 },
  });
  // SVR4: fsid, fstype, two fids of length 10.
  const fid = (inode: number, gen: number) => [...u16(10, 'be'), 0, 0, ...u32(inode, 'be'), ...u32(gen, 'be')];
  const svr4 = decodeFileHandle(concat(u32((7 << 18) | 3, 'be'), u32(5, 'be'), fid(2748, 11), fid(7, 12)));
  t.match(svr4, {
    format: 'svr4',
    confidence: 'low',
    fsid: { major: 7, minor: 3, exportInode: 7 },
    fileid: { inode: 2748, generation: 11 },
  });
  // ONTAP v3: small little-endian inodes at 0, 12, 24.
  const ontap = concat(
    u32(64, 'le'),
    u32(1, 'le'),
    u16(0, 'le'),
    [0, 0],
    u32(1000, 'le'),
    u32(5, 'le'),
    u32(0x01020304, 'le'),
    u32(64, 'le'),
    [1, 0, 0, 0],
  );
  t.match(decodeFileHandle(ontap), { format: 'ontap-v3', confidence: 'low', fileid: { inode: 1000, generation: 5 } });
  t.match(decodeFileHandle(ontap, { format: 'ontap-v4' }), {
    format: 'ontap-v4',
    details: { exportInode: 64, handleType: 1 },
  });
  const gx = decodeFileHandle(new Uint8Array(44).fill(1), { format: 'ontap-gx-v3' });
  t.match(gx, { format: 'ontap-gx-v3', confidence: 'low' });
  t.equal(decodeFileHandle(new Uint8Array(44).fill(1)).format, 'unknown', 'GX is never guessed');
  t.throws(() => decodeFileHandle(new Uint8Array(12), { format: 'svr4' }), { code: 'BAD_FORMAT' });
});
