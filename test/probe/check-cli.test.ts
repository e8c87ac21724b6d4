// `nfsprobe check` as a user runs it: the CLI.md JSON shape, the text table with remedies, exit codes 0/1/2.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildCli, nfsprobe, root } from '../helpers/cli.js';

const fixtures = join(root, 'test', 'fixtures', 'check');
const build = buildCli();
t.equal(build.status, 0, `the CLI builds${build.output ? `: ${build.output}` : ''}`);

t.test('--json: exactly one document in the CLI.md shape; exit 0 on a ready node, 1 on a broken one', async (t) => {
  const good = await nfsprobe(['check', '--root', join(fixtures, 'good'), '--floating', 'nfs-ha.example', '--json']);
  t.equal(good.code, 0, good.err);
  t.equal(good.err, '');
  const doc = JSON.parse(good.out);
  t.same(Object.keys(doc).slice(0, 4), ['host', 'root', 'ok', 'checks']);
  t.equal(doc.host, 'nfs1');
  t.equal(doc.root, join(fixtures, 'good'));
  t.equal(doc.ok, true);
  for (const c of doc.checks) {
    t.same(Object.keys(c), ['id', 'status', 'subject', 'detail', 'evidence', 'remedy'], c.id);
    t.match(c.status, /^(pass|warn|fail|skip)$/);
  }
  const bad = await nfsprobe(['--json', 'check', '--root', join(fixtures, 'bad')]);
  t.equal(bad.code, 1, 'a failing check exits 1');
  const badDoc = JSON.parse(bad.out);
  t.equal(badDoc.ok, false);
  t.ok(badDoc.checks.some((c: { id: string; status: string }) => c.id === 'exports.sync' && c.status === 'fail'));
  const empty = await nfsprobe(['check', '--root', join(fixtures, 'empty'), '--json']);
  t.equal(empty.code, 0, 'only skips: exit 0');
});

t.test('text: an aligned table, evidence and remedies under failing lines, a summary', async (t) => {
  const r = await nfsprobe(['check', '--root', join(fixtures, 'bad'), '--floating', 'nfs-ha.example']);
  t.equal(r.code, 1);
  const lines = r.out.split('\n');
  t.match(lines[1], /^STATUS\s+CHECK\s+SUBJECT\s+DETAIL$/);
  const column = lines[1]!.indexOf('CHECK');
  const sync = lines.findIndex((l) => /^FAIL\s+exports\.sync\s+\/srv\/async/.test(l));
  t.ok(sync > 0, 'the failing line');
  t.equal(lines[sync]!.indexOf('exports.sync'), column, 'columns are aligned');
  t.equal(lines[sync + 1], '      at etc/exports:4');
  t.match(lines[sync + 2], /^ {6}fix: replace async with sync/);
  t.match(r.out, /\d+ pass, \d+ warn, \d+ fail, 0 skip\n$/);
  t.notMatch(r.out, /\u001b\[/, 'no colour off a TTY');
});

t.test('--peer: the other node report adds peer.* checks; a bad peer file or --root is a usage error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-check-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const peerFile = join(dir, 'peer.json');
  const peer = await nfsprobe(['check', '--root', join(fixtures, 'good'), '--json']);
  writeFileSync(peerFile, peer.out);
  const same = await nfsprobe(['check', '--root', join(fixtures, 'good'), '--peer', peerFile, '--json']);
  t.equal(same.code, 0, same.err);
  const ids = JSON.parse(same.out).checks.map((c: { id: string }) => c.id);
  for (const id of ['peer.exports', 'peer.fsid', 'peer.statd-name', 'peer.grace-lease', 'peer.ganesha']) {
    t.ok(ids.includes(id), id);
  }
  writeFileSync(join(dir, 'bad.json'), '{"checks": 3}');
  for (const args of [
    ['--peer', join(dir, 'bad.json')],
    ['--peer', join(dir, 'missing.json')],
    ['--root', join(dir, 'no-such-dir')],
    ['--root', peerFile],
    ['--floating', ''],
  ]) {
    const r = await nfsprobe(['check', '--root', join(fixtures, 'good'), ...args]);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.err, /^nfsprobe: [^\n]+\n$/, 'one line on stderr');
    t.equal(r.out, '');
  }
});

t.test('on this machine (/) it runs without crashing and says what it could not read', async (t) => {
  const r = await nfsprobe(['check', '--json']);
  t.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.err}`);
  const doc = JSON.parse(r.out);
  t.equal(doc.root, '/');
  t.ok(doc.checks.length >= 17);
});
