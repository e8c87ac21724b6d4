// compareFileHandles: field-by-field differences with their failover consequence.
import t from 'tap';
import { compareFileHandles, decodeFileHandle } from '../../src/nfs/index.js';
import { ganesha, hex, knfsdV1, u16, u32, vfsPart } from './encode.js';

const file = [...u32(12, 'le'), ...u32(34, 'le')];
const dev = (major: number, minor: number, inode = 2) => [
  ...u16(major, 'be'),
  ...u16(minor, 'be'),
  ...u32(inode, 'le'),
];

t.test('identical handles', async (t) => {
  const a = decodeFileHandle(knfsdV1(0, 1, dev(8, 1), file));
  const r = compareFileHandles(a, decodeFileHandle(knfsdV1(0, 1, dev(8, 1), file)));
  t.same(r, { identical: true, compatible: true, differences: [] });
});

t.test('device numbers differ', async (t) => {
  const r = compareFileHandles(
    decodeFileHandle(knfsdV1(0, 1, dev(8, 1), file)),
    decodeFileHandle(knfsdV1(0, 1, dev(253, 1), file)),
  );
  t.equal(r.identical, false);
  t.equal(r.compatible, false);
  t.same(
    r.differences.map((d) => d.field),
    ['fsid.major'],
  );
  t.match(r.differences[0], { a: 8, b: 253, severity: 'fail', consequence: /fsid=N/ });
});

t.test('export-root inode and file differ', async (t) => {
  const r = compareFileHandles(
    decodeFileHandle(knfsdV1(0, 1, dev(8, 1, 2), file)),
    decodeFileHandle(knfsdV1(0, 1, dev(8, 1, 128), [...u32(99, 'le'), ...u32(34, 'le')])),
  );
  t.same(
    r.differences.map((d) => d.field),
    ['fsid.exportInode', 'fileid.inode'],
  );
});

t.test('fsid= on one side, device on the other', async (t) => {
  const r = compareFileHandles(
    decodeFileHandle(knfsdV1(1, 1, u32(5, 'le'), file)),
    decodeFileHandle(knfsdV1(0, 1, dev(8, 1), file)),
  );
  t.equal(r.compatible, false);
  t.ok(r.differences.some((d) => d.field === 'fsid.type'));
});

t.test('knfsd against ganesha', async (t) => {
  const r = compareFileHandles(
    decodeFileHandle(knfsdV1(1, 1, u32(5, 'le'), file)),
    decodeFileHandle(ganesha(1, vfsPart(0, [], 1, file))),
  );
  t.match(r.differences[0], { field: 'format', a: 'knfsd', b: 'ganesha', severity: 'fail' });
});

t.test('ganesha export ids differ', async (t) => {
  const r = compareFileHandles(
    decodeFileHandle(ganesha(1, vfsPart(0, [], 1, file))),
    decodeFileHandle(ganesha(2, vfsPart(0, [], 1, file))),
  );
  t.same(
    r.differences.map((d) => d.field),
    ['exportId'],
  );
});

t.test('unknown handles: only the bytes can be compared', async (t) => {
  const r = compareFileHandles(decodeFileHandle(hex('deadbeef')), decodeFileHandle(hex('deadbeee')));
  t.equal(r.compatible, true, 'nothing is known to fail');
  t.same(
    r.differences.map((d) => d.field),
    ['hex', 'confidence'],
  );
  t.equal(r.differences[0]?.severity, 'warn');
});
