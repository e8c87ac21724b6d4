// walkPseudoFs on made-up pseudo filesystems (no network): finds the junction by fileid and fsid, descends only into
// the pseudo filesystem, and stops at each cap however large or deep the server makes it.
import t from 'tap';
import type { Fattr4 } from '../../src/nfs/nfs4/attributes.js';
import type { ReaddirResult } from '../../src/nfs/nfs4/compound.js';
import { cachedPseudoFs, fsidsMatch, type PseudoFs, walkPseudoFs } from '../../src/probe/pseudo.js';

const PSEUDO = { major: 152n, minor: 152n };
const EXPORT_FSID = { major: 3149047812n, minor: 1151596947n };
/** ganesha 4.3 measured: NFSv3 fsid of that export (major | minor << 32). */
const V3_FSID = 4946071228687493124n;

interface Node {
  readonly values: Fattr4['values'];
  readonly children?: Record<string, Node>;
}
const dir = (fileid: bigint, children: Record<string, Node> = {}, fsid = PSEUDO): Node => ({
  values: { type: 2, fsid, fileid },
  children,
});
const junction = (fileid: bigint, fsid = EXPORT_FSID): Node => ({ values: { type: 2, fsid, fileid } });

/** A PseudoFs over a tree; READDIR pages of `page` entries; counts calls. */
function fakeFs(root: Node, page = 2): PseudoFs & { calls: number } {
  const fs = {
    calls: 0,
    async rootAttributes() {
      return root.values;
    },
    async readdir(components: readonly string[], cookie: bigint): Promise<ReaddirResult> {
      fs.calls++;
      let node = root;
      for (const c of components) node = node.children![c]!;
      const all = Object.entries(node.children ?? {});
      const start = Number(cookie);
      const slice = all.slice(start, start + page);
      return {
        cookieverf: new Uint8Array(8),
        entries: slice.map(([name, n], i) => ({
          cookie: BigInt(start + i + 1),
          name,
          attrs: { attrmask: [], values: n.values },
        })),
        eof: start + page >= all.length,
      };
    },
  };
  return fs;
}

t.test('ganesha: Pseudo /pseudo/deep/export for Path /srv/export', async (t) => {
  const root = dir(0n, {
    pseudo: dir(1n, { deep: dir(2n, { export: junction(2146790n) }) }),
    other: junction(2146792n),
  });
  const found = await walkPseudoFs(fakeFs(root), { fileid: 2146790n, fsid: V3_FSID });
  t.equal(found.path, '/pseudo/deep/export');
  t.equal(found.truncated, null);
  t.equal(found.directories, 3);
  const other = await walkPseudoFs(fakeFs(root), { fileid: 2146792n, fsid: V3_FSID });
  t.equal(other.path, '/other');
  const wrongFs = await walkPseudoFs(fakeFs(root), { fileid: 2146790n, fsid: 7n });
  t.equal(wrongFs.path, null, 'the fileid alone is not enough when the fsid says another filesystem');
  t.equal(wrongFs.truncated, null, 'the whole pseudo filesystem was read');
});

t.test('matching on the fileid alone: only junctions count, not pseudo directories', async (t) => {
  // ganesha numbers its pseudo directories 1, 2, ...: an export whose root is inode 2 of its own filesystem.
  const root = dir(0n, { pseudo: dir(1n, { deep: dir(2n, { export: junction(2n) }) }) });
  const found = await walkPseudoFs(fakeFs(root), { fileid: 2n });
  t.equal(found.path, '/pseudo/deep/export');
});

t.test('the export at the pseudo root itself', async (t) => {
  const found = await walkPseudoFs(fakeFs(dir(5n, {}, EXPORT_FSID)), { fileid: 5n, fsid: V3_FSID });
  t.equal(found.path, '/');
});

t.test('never descends into an export (another fsid), nor into non-directories or odd names', async (t) => {
  const inside = dir(9n, { target: junction(42n) }, EXPORT_FSID);
  const root = dir(0n, {
    data: inside,
    '..': dir(3n, { target: junction(42n) }),
    'a/b': dir(4n, { target: junction(42n) }),
    file: { values: { type: 1, fsid: PSEUDO, fileid: 42n } },
  });
  const fs = fakeFs(root, 10);
  const found = await walkPseudoFs(fs, { fileid: 42n });
  t.equal(found.path, null);
  t.equal(fs.calls, 1, 'only the root was read');
});

t.test('caps: depth, directories, entries and READDIR calls per directory', async (t) => {
  // A chain 20 deep with the junction at the bottom.
  let chain: Node = junction(77n);
  for (let i = 20; i > 0; i--) chain = dir(BigInt(1000 + i), { [`d${i}`]: chain });
  const deep = await walkPseudoFs(fakeFs(dir(0n, { top: chain })), { fileid: 77n }, { maxDepth: 4 });
  t.equal(deep.path, null);
  t.equal(deep.truncated, 'maxDepth');
  t.ok(deep.directories <= 4);

  const wide: Record<string, Node> = {};
  for (let i = 0; i < 500; i++) wide[`e${i}`] = dir(BigInt(10 + i));
  const entries = await walkPseudoFs(fakeFs(dir(0n, wide), 50), { fileid: 1n }, { maxEntries: 120 });
  t.equal(entries.truncated, 'maxEntries');
  t.equal(entries.entries, 120);

  const fs = fakeFs(dir(0n, wide), 50);
  const dirs = await walkPseudoFs(fs, { fileid: 1n }, { maxDirectories: 3, maxEntries: 100_000 });
  t.equal(dirs.truncated, 'maxDirectories');
  t.equal(dirs.directories, 3);

  const calls = fakeFs(dir(0n, wide), 1);
  const paged = await walkPseudoFs(calls, { fileid: 1n }, { maxReaddirCalls: 5 });
  t.equal(paged.truncated, 'maxReaddirCalls');
  t.ok(calls.calls <= 5 + 256, 'later directories get their own READDIR budget, within maxDirectories');
});

t.test('a server that never says eof stops at maxReaddirCalls', async (t) => {
  let calls = 0;
  const endless: PseudoFs = {
    async rootAttributes() {
      return { type: 2, fsid: PSEUDO, fileid: 0n };
    },
    async readdir(_c, cookie) {
      calls++;
      return {
        cookieverf: new Uint8Array(8),
        entries: [{ cookie: cookie + 1n, name: `n${cookie}`, attrs: { attrmask: [], values: { type: 1 } } }],
        eof: false,
      };
    },
  };
  const result = await walkPseudoFs(endless, { fileid: 5n }, { maxReaddirCalls: 7 });
  t.equal(result.truncated, 'maxReaddirCalls');
  t.equal(calls, 7);
});

t.test('fsidsMatch: the ways servers fold the NFSv4 fsid into the NFSv3 one', async (t) => {
  t.ok(fsidsMatch(V3_FSID, EXPORT_FSID), 'ganesha, 32-bit halves (statfs f_fsid): major ^ minor << 32');
  // ganesha, a UUID fsid (two u64): squash_fsid is major ^ (minor rotated by 32 bits).
  const major = 0x0123456789abcdefn;
  const minor = 0xfedcba9876543210n;
  t.ok(fsidsMatch(major ^ 0x76543210fedcba98n, { major, minor }), 'ganesha, 64-bit halves (UUID)');
  t.ok(fsidsMatch(12n, { major: 12n, minor: 0n }), 'knfsd fsid=12');
  t.ok(fsidsMatch(0xf0n ^ 0x0fn, { major: 0xf0n, minor: 0x0fn }), 'knfsd UUID: major ^ minor');
  t.ok(fsidsMatch(0x0803n, { major: 8n, minor: 3n }), 'knfsd device 8:3: new_encode_dev');
  t.ok(fsidsMatch(0x0f01n << 48n, { major: 0x0fn, minor: 0x100n }), 'knfsd UUID: host-order halves');
  t.notOk(fsidsMatch(5n, { major: 6n, minor: 7n }));
});

t.test('cachedPseudoFs: several searches read each directory once', async (t) => {
  const root = dir(0n, {
    a: dir(1n, { x: junction(100n) }),
    b: dir(2n, { y: junction(200n) }),
  });
  const fs = fakeFs(root, 10);
  const cached = cachedPseudoFs(fs);
  t.equal((await walkPseudoFs(cached, { fileid: 200n, fsid: V3_FSID })).path, '/b/y');
  const first = fs.calls;
  t.equal((await walkPseudoFs(cached, { fileid: 100n, fsid: V3_FSID })).path, '/a/x');
  t.equal(fs.calls, first, 'the second search is answered from the cache');
});
