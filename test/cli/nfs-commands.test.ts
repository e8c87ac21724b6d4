// exports, fh get, snapshot and compare end to end: the built CLI against a fake NFS server in this process. Errors
// are one `nfsprobe: ` line with what to do (no raw code first, no stack, no temp file name); the human output uses
// one plural rule and one fsid notation; and the JSON the commands print matches docs/cli.md's checked examples.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildCli, type CliResult, nfsprobe, root } from '../helpers/cli.js';
import { FAKE_EXPORT, FAKE_HANDLE, startFakeNfs } from './fake-nfs.js';

const build = buildCli();
t.equal(build.status, 0, `build: ${build.output}`);

const fake = await startFakeNfs();
t.teardown(() => fake.close());
const host = `127.0.0.1:${fake.port}`;
const scratch = mkdtempSync(join(tmpdir(), 'nfsprobe-cli-test-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

function oneLineError(t: Test, r: CliResult, code: number, what: string): void {
  t.equal(r.code, code, `${what}: exit ${code} (${r.err.trim()})`);
  t.equal(r.out, '', `${what}: nothing on stdout`);
  t.match(r.err, /^nfsprobe: [^\n]+\n$/, `${what}: one line on stderr`);
  t.notMatch(r.err, /^nfsprobe: [A-Z][A-Z0-9_]+: /, `${what}: says what went wrong before any code`);
  t.notMatch(r.err, /\n\s+at /, `${what}: no stack trace`);
}

/** A TCP port with nobody listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

t.test('errors: what went wrong and what to do, one line', async (t) => {
  const unresolved = await nfsprobe(['--timeout', '2s', 'exports', 'nosuchhost.invalid']);
  oneLineError(t, unresolved, 1, 'exports, unresolvable host');
  t.match(unresolved.err, /cannot resolve host "nosuchhost\.invalid" \(BAD_ADDRESS\): check the host name/);

  const port = await closedPort();
  const refused = await nfsprobe(['exports', '127.0.0.1', '--mount-port', String(port), '--transport', 'tcp']);
  oneLineError(t, refused, 1, 'exports, connection refused');
  t.match(refused.err, /ECONNREFUSED \(CONNECTION\): check that the service runs/);

  const refusedFh = await nfsprobe(['fh', 'get', '127.0.0.1:/x', '--mount-port', String(port), '--transport', 'tcp']);
  oneLineError(t, refusedFh, 1, 'fh get, connection refused');

  const notExported = await nfsprobe(['--timeout', '2s', 'fh', 'get', `${host}:/elsewhere`]);
  oneLineError(t, notExported, 1, 'fh get, MNT3ERR_ACCES');
  t.match(notExported.err, /\(MNT MNT3ERR_ACCES\): the path is not exported to this host/);
  t.match(notExported.err, /nfsprobe exports HOST/);

  const directory = await nfsprobe(['compare', scratch, host]);
  oneLineError(t, directory, 2, 'compare, a directory as the snapshot');
  t.match(directory.err, /is a directory: give a snapshot file/);
  t.notMatch(directory.err, /EISDIR|illegal operation/);

  const noDir = await nfsprobe(['snapshot', host, '--out', join(scratch, 'missing', 'x.json')]);
  oneLineError(t, noDir, 2, 'snapshot --out in a missing directory (checked before probing)');
  t.match(noDir.err, /the directory .*missing does not exist/);

  const outIsDir = await nfsprobe(['snapshot', host, '--out', scratch]);
  oneLineError(t, outIsDir, 2, 'snapshot --out DIRECTORY');

  // /proc takes no new files: the write itself fails, after the snapshot was taken.
  const unwritable = await nfsprobe(['--timeout', '2s', 'snapshot', host, '--out', '/proc/nfsprobe-test.json']);
  oneLineError(t, unwritable, 1, 'snapshot --out, write fails');
  t.match(unwritable.err, /^nfsprobe: cannot write \/proc\/nfsprobe-test\.json: .* \(E[A-Z]+\): check the path/);
  t.notMatch(unwritable.err, /\.tmp/, 'no temp file name');
});

t.test('human output: plurals and one fsid notation', async (t) => {
  const fh = await nfsprobe(['--timeout', '2s', 'fh', 'get', `${host}:${FAKE_EXPORT}`]);
  t.equal(fh.code, 0, fh.err);
  t.match(fh.out, new RegExp(`^handle +${FAKE_HANDLE}$`, 'm'));
  t.match(fh.out, /^length +20 bytes, hash 0x[0-9a-f]{8}$/m);
  t.match(fh.out, /^fsid +FSID_DEV \(type 0\), device 8:1, export-root inode 2$/m, 'the same words as fh decode');
  t.match(fh.out, /^fileid +INO32_GEN \(type 0x01\), inode 3000, generation \d+$/m);
  t.notMatch(fh.out, /\b(type|name|major|minor|exportInode|inode)=/, 'no name=value dumps');
  t.match(fh.out, /^getattr fsid +2049$/m);

  const out = join(scratch, 'before.json');
  const snap = await nfsprobe(['--timeout', '2s', 'snapshot', host, '--out', out]);
  t.equal(snap.code, 0, snap.err);
  t.equal(snap.out, `snapshot of ${host} written to ${out}: 1 path, 0 errors\n`, 'the host keeps its port');

  const compare = await nfsprobe(['--timeout', '2s', 'compare', out, host]);
  t.equal(compare.code, 1, 'nsm is not registered: a failed check');
  t.match(compare.out, /the same 1 export$/m);
  // + portability of the v3 root handle; the NFSv4 identity and write verifier checks are left out when neither
  // side offers NFSv4 or READDIRPLUS/COMMIT (this fake server).
  t.match(compare.out, /^9 checks: 1 failed, 1 warning$/m);
});

t.test('snapshot: a failed part is exit 1, and --out FILE is then left as it was', async (t) => {
  const out = join(scratch, 'kept.json');
  const good = await nfsprobe(['--timeout', '2s', 'snapshot', host, '--out', out]);
  t.equal(good.code, 0, good.err);
  const before = readFileSync(out, 'utf8');
  t.equal((JSON.parse(before) as { host: string }).host, host, 'the snapshot names the host with its port');

  const badPath = await nfsprobe(['--timeout', '2s', 'snapshot', host, '--out', out, '--path', '/elsewhere']);
  t.equal(badPath.code, 1, 'a failed step: exit 1');
  t.equal(badPath.out, `snapshot of ${host} not written (${out} left as it was): 1 path, 1 error\n`);
  t.match(badPath.err, /path \/elsewhere: .*NOT_EXPORTED/);
  t.equal(readFileSync(out, 'utf8'), before, 'FILE untouched after a failed step');

  const badExport = await nfsprobe([
    '--timeout',
    '2s',
    '--json',
    'snapshot',
    host,
    '--out',
    out,
    '--export',
    '/elsewhere',
  ]);
  t.equal(badExport.code, 1, 'a path without any handle: exit 1');
  t.same(JSON.parse(badExport.out), {
    out,
    host,
    written: false,
    exports: 1,
    targets: 1,
    failedTargets: 1,
    errors: 0,
  });
  t.match(badExport.err, /no handle for \/elsewhere: .*MNT3ERR_ACCES/);
  t.equal(readFileSync(out, 'utf8'), before, 'FILE untouched when no handle was taken');

  const down = `127.0.0.1:${await closedPort()}`;
  const unreachable = await nfsprobe(['--timeout', '1s', 'snapshot', down, '--out', out]);
  t.equal(unreachable.code, 1, 'unreachable: exit 1');
  t.equal(readFileSync(out, 'utf8'), before, 'FILE untouched when the host does not answer');

  const stdout = await nfsprobe(['--timeout', '2s', 'snapshot', host, '--export', '/elsewhere']);
  t.equal(stdout.code, 1, 'without --out too: exit 1 when a part failed');
  t.equal((JSON.parse(stdout.out) as { targets: unknown[] }).targets.length, 1, 'the document is still printed');
});

t.test('snapshot of an IPv6 host asks rpcbind for the udp6 statd port', async (t) => {
  // statd's IPv4 registration points at a port where nobody answers: asking for it times out.
  const six = await startFakeNfs({ address: '::1', statd: { state: 7, ipv4Port: await closedPort() } });
  t.teardown(() => six.close());
  const label = `[::1]:${six.port}`;
  const r = await nfsprobe(['--timeout', '1s', '--json', 'snapshot', label, '--export', FAKE_EXPORT]);
  const snapshot = JSON.parse(r.out) as { host: string; nsm: unknown; errors: unknown[] };
  t.same(snapshot.errors, [], r.err);
  t.same(snapshot.nsm, { registered: true, state: 7 });
  t.equal(snapshot.host, label, 'IPv6 label in brackets, with the port');
  t.equal(r.code, 0);
});

t.test('compare SNAPSHOT HOST --export P: the snapshot file is narrowed to P too', async (t) => {
  const r = await nfsprobe(['--timeout', '2s', '--json', 'snapshot', host]);
  const snapshot = JSON.parse(r.out) as { exports: { path: string }[]; targets: { export: string; path: string }[] };
  snapshot.exports.push({ ...snapshot.exports[0]!, path: '/srv/other' });
  snapshot.targets.push({ ...snapshot.targets[0]!, export: '/srv/other', path: '/srv/other' });
  const file = join(scratch, 'wide.json');
  writeFileSync(file, JSON.stringify(snapshot));
  const checks = async (args: string[]) => {
    const c = await nfsprobe(['--timeout', '2s', '--json', 'compare', file, host, ...args]);
    return (JSON.parse(c.out) as { checks: { name: string; status: string }[] }).checks;
  };
  const all = await checks([]);
  t.equal(all.find((c) => c.name === 'exports')?.status, 'fail', 'without --export /srv/other counts');
  const narrowed = await checks(['--export', FAKE_EXPORT]);
  t.equal(narrowed.find((c) => c.name === 'exports')?.status, 'pass');
  t.notOk(
    narrowed.some((c) => c.name.includes('/srv/other')),
    'no check about the export left out',
  );
  t.equal(narrowed.find((c) => c.name === `handle v3 ${FAKE_EXPORT}`)?.status, 'pass');
});

// ---- docs/cli.md stays in step with the JSON the commands print

/** The `<!-- checked: NAME -->` JSON examples of docs/cli.md. */
function documented(): Map<string, unknown> {
  const text = readFileSync(join(root, 'docs', 'cli.md'), 'utf8');
  const examples = new Map<string, unknown>();
  for (const m of text.matchAll(/<!-- checked: ([\w-]+) -->\n```json\n([\s\S]*?)\n```/g)) {
    examples.set(m[1]!, JSON.parse(m[2]!));
  }
  return examples;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The same keys at every level (first element of arrays); `{}` in the docs stands for a shape described elsewhere. */
function sameKeys(t: Test, doc: unknown, actual: unknown, path: string): void {
  if (isObject(doc) && isObject(actual)) {
    if (Object.keys(doc).length === 0) return;
    t.same(Object.keys(actual).sort(), Object.keys(doc).sort(), `${path}: keys`);
    for (const key of Object.keys(doc)) if (key in actual) sameKeys(t, doc[key], actual[key], `${path}.${key}`);
  } else if (Array.isArray(doc) && Array.isArray(actual) && doc.length > 0 && actual.length > 0) {
    sameKeys(t, doc[0], actual[0], `${path}[0]`);
  }
}

t.test('docs/cli.md: the checked JSON examples have the keys the commands print', async (t) => {
  const docs = documented();
  t.same(
    [...docs.keys()].sort(),
    ['compare', 'exports', 'fh-get', 'handle', 'notify', 'snapshot', 'snapshot-out'],
    'every checked example is found',
  );
  const json = async (args: string[]) => {
    const r = await nfsprobe(['--timeout', '2s', '--json', ...args]);
    t.not(r.out, '', `${args.join(' ')}: ${r.err}`);
    return JSON.parse(r.out) as Record<string, unknown>;
  };
  sameKeys(t, docs.get('exports'), await json(['exports', host]), 'exports');
  const fh = await json(['fh', 'get', `${host}:${FAKE_EXPORT}`]);
  sameKeys(t, docs.get('fh-get'), fh, 'fh get');
  sameKeys(t, docs.get('handle'), fh.handle, 'H');
  const snapshot = await json(['snapshot', host]);
  sameKeys(t, docs.get('snapshot'), snapshot, 'snapshot');
  const file = join(scratch, 'docs.json');
  writeFileSync(file, JSON.stringify(snapshot));
  sameKeys(t, docs.get('snapshot-out'), await json(['snapshot', host, '--out', join(scratch, 'out.json')]), 'out');
  sameKeys(t, docs.get('compare'), await json(['compare', file, host]), 'compare');
  const demo = await json(['demo', '--clients', '2']);
  const notify = demo.notify as { hosts: { status: string }[] };
  const doc = docs.get('notify') as Record<string, unknown>;
  sameKeys(t, doc, { ...notify, hosts: notify.hosts.filter((h) => h.status === 'notified') }, 'notify');
  t.notOk('monNames' in (notify.hosts[0] ?? {}), "notify's host entries say announced, not monNames");
});
