// `nfsprobe fh decode` end to end: the built CLI (bin/nfsprobe.js -> dist), exit codes, JSON shape, stdin, --words.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'nfsprobe.js');

// Build once so the test runs the current sources.
const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
t.equal(build.status, 0, `build: ${build.stdout}${build.stderr}`);
t.ok(existsSync(join(root, 'dist', 'cli', 'main.js')));

function nfsprobe(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

t.test('human output, exit 0', async (t) => {
  const r = nfsprobe(['fh', 'decode', '0100000000160002f3f03d00']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /format\s+knfsd \(confidence high\)/);
  t.match(r.out, /fsid\s+FSID_DEV \(type 0\), device 22:2, export-root inode 4059379/);
  t.match(r.out, /hash 0xd541f2b3/);
  t.match(r.out, /HA\s+device-based/);
  t.match(r.out, /fsid=N/);
});

t.test('--json prints {"handles": [H, ...]}', async (t) => {
  const r = nfsprobe(['fh', 'decode', '--json', '0100000000160002f3f03d00', '0x01:00:01:00 00:00:00:00']);
  t.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out);
  t.same(Object.keys(doc), ['handles']);
  t.equal(doc.handles.length, 2);
  t.match(doc.handles[0], {
    hex: '0100000000160002f3f03d00',
    length: 12,
    hash: '0xd541f2b3',
    format: 'knfsd',
    confidence: 'high',
    fsid: { type: 0, name: 'FSID_DEV', major: 22, minor: 2, exportInode: 4059379 },
    fileid: { type: 0, name: 'ROOT' },
    deviceBased: true,
  });
  t.match(doc.handles[1], { hex: '0100010000000000', fsid: { type: 1, number: 0 }, deviceBased: false });
  const global = nfsprobe(['--json', 'fh', 'decode', '0100010000000000']);
  t.equal(JSON.parse(global.out).handles[0].hash, '0x62d40c52', 'the global --json works too');
});

t.test('stdin, one per line, comments skipped', async (t) => {
  const r = nfsprobe(
    ['fh', 'decode', '--json'],
    '# two handles\n0100000000160002f3f03d00\n\n010000000007000081380100\n',
  );
  t.equal(r.code, 0, r.err);
  t.same(
    JSON.parse(r.out).handles.map((h: { hash: string }) => h.hash),
    ['0xd541f2b3', '0x4351e0b9'],
  );
});

t.test('--words: kernel %08x dumps are host-order words', async (t) => {
  // 01000000 00160002 f3f03d00 as bytes, printed by a little-endian kernel as three words:
  const r = nfsprobe(
    ['fh', 'decode', '--json', '--words'],
    '12: 00000001 02001600 003df0f3 00000000 00000000 00000000\n',
  );
  t.equal(r.code, 0, r.err);
  t.match(JSON.parse(r.out).handles[0], { hex: '0100000000160002f3f03d00', fsid: { major: 22, minor: 2 } });
  const be = nfsprobe(['fh', 'decode', '--json', '--words', '--byte-order', 'be', '01000000 00160002 f3f03d00']);
  t.equal(JSON.parse(be.out).handles[0].hex, '0100000000160002f3f03d00', 'big-endian words are the bytes as printed');
});

t.test('unknown but valid hex: format unknown, exit 0', async (t) => {
  const r = nfsprobe(['fh', 'decode', '--json', 'deadbeef']);
  t.equal(r.code, 0);
  t.match(JSON.parse(r.out).handles[0], { format: 'unknown', confidence: 'low', notes: [/Unknown layout/] });
});

t.test('bad input: exit 2 with one line', async (t) => {
  for (const args of [
    ['fh', 'decode', '01zz'],
    ['fh', 'decode', 'abc'],
    ['fh', 'decode', '00'.repeat(129)],
    ['fh', 'decode', '--format', 'knfsd', 'deadbeef'],
    ['fh', 'decode', '--format', 'nope', 'deadbeef'],
    ['fh', 'decode', '--byte-order', 'pdp', 'deadbeef'],
    ['fh', 'decode', '--words', 'xyz'],
  ]) {
    const r = nfsprobe(args);
    t.equal(r.code, 2, args.join(' '));
    t.equal(r.out, '', 'nothing on stdout');
    t.match(r.err, /^nfsprobe: [^\n]+\n$/, `one line: ${r.err.trim()}`);
  }
  const group = nfsprobe(['fh']);
  t.equal(group.code, 2, '`fh` alone is not a command');
  t.match(group.err, /nfsprobe fh \[options\] \[command\]/, 'and shows the group help');
  const typo = nfsprobe(['fh', 'decodx', '01']);
  t.equal(typo.code, 2);
  t.match(typo.err, /^nfsprobe: unknown command 'fh decodx' \(one of: decode, get\)\n$/);
  const empty = nfsprobe(['fh', 'decode'], '');
  t.equal(empty.code, 2, 'no handle at all');
  const second = nfsprobe(['fh', 'decode', '0100010000000000', 'abc']);
  t.match(second.err, /handle 2/, 'says which handle is bad');
});
