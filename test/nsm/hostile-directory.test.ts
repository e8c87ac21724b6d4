// A statd directory written by someone hostile (the statd user can write all of it): planted links and FIFOs, leftover
// temp files, huge and malformed record files. Nothing outside the directory may change, nothing may block or blow up,
// and every record that cannot be used is reported as a client that was not notified. (The same reproducers against
// a root `notify` that drops privileges: interop-privileges.test.ts.)
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { fleetAddress, startFleet } from '../../bench/nsm-fleet.js';
import { notifyAll, parseRecordLine, StatdDirectory } from '../../src/nsm/index.js';

const LINE = '0100007f 000186b5 00000003 00000010 66a89ab53b650b00804d729c00000000';
const record = (mon: string, my: string) => `${LINE} ${mon} ${my}\n`;
const fast = { firstTimeoutMs: 300, retransmitMs: 100, kernelStatePath: null, privilegedPort: false } as const;

function scratch(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-hostile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function statdDir(t: Test): StatdDirectory {
  const dir = scratch(t);
  mkdirSync(join(dir, 'sm'));
  mkdirSync(join(dir, 'sm.bak'));
  return new StatdDirectory(dir);
}

/** A file outside the statd directory that must not change: its content, mode and owner. */
function victim(t: Test): { path: string; unchanged: (t: Test, what: string) => void } {
  const path = join(scratch(t), 'victim');
  writeFileSync(path, 'precious root-only data\n', { mode: 0o600 });
  const before = statSync(path);
  return {
    path,
    unchanged(t, what) {
      const after = statSync(path);
      t.equal(readFileSync(path, 'utf8'), 'precious root-only data\n', `${what}: content unchanged`);
      t.equal(after.mode & 0o7777, before.mode & 0o7777, `${what}: mode unchanged`);
      t.equal(`${after.uid}:${after.gid}`, `${before.uid}:${before.gid}`, `${what}: owner unchanged`);
    },
  };
}

t.test('a planted .state.new link: removed with a warning, the state written, the target untouched', async (t) => {
  const sd = statdDir(t);
  const v = victim(t);
  symlinkSync(v.path, join(sd.path, '.state.new'));
  const warnings: string[] = [];
  sd.onWarning = (w) => warnings.push(w);
  t.equal(await sd.bumpState(), 3);
  v.unchanged(t, '.state.new -> victim');
  t.equal(readFileSync(join(sd.path, 'state')).length, 4, 'state is the 4-byte number');
  t.ok(lstatSync(join(sd.path, 'state')).isFile(), 'state is a regular file');
  t.match(warnings, [/\.state\.new: removed a leftover temp file/], 'one clear warning');
  t.notOk(readdirSync(sd.path).includes('.state.new'), 'no temp file left');
});

t.test('the merge path: a planted sm.bak/.HOST.new link does not redirect the rewrite', async (t) => {
  const sd = statdDir(t);
  const v = victim(t);
  writeFileSync(join(sd.path, 'sm', 'client1'), record('client1', 'srv-a'));
  writeFileSync(join(sd.path, 'sm.bak', 'client1'), record('client1', 'srv-b'));
  symlinkSync(v.path, join(sd.path, 'sm.bak', '.client1.new'));
  const moved = await sd.moveAllToNotifyList();
  t.equal(moved.merged, 1);
  v.unchanged(t, 'sm.bak/.client1.new -> victim');
  t.same(
    (await sd.readMonitorList('sm.bak')).map((r) => r.myName),
    ['srv-b', 'srv-a'],
    'both lines in sm.bak/client1',
  );
});

t.test('a symlinked sm.bak/ or sm/ is refused before anything changes', async (t) => {
  for (const list of ['sm.bak', 'sm'] as const) {
    const sd = statdDir(t);
    const elsewhere = scratch(t);
    writeFileSync(join(elsewhere, 'planted'), record('planted', 'x'));
    rmSync(join(sd.path, list), { recursive: true });
    symlinkSync(elsewhere, join(sd.path, list));
    writeFileSync(join(sd.path, list === 'sm' ? 'sm.bak' : 'sm', 'client1'), record('client1', 'srv'));
    const error = await notifyAll({ directory: sd, monNames: ['ha'], ...fast, retryDeadlineMs: 200 }).catch((e) => e);
    t.equal(error.code, 'UNSAFE', `${list} as a link: NsmError UNSAFE`);
    t.match(error.message, /symbolic link/, 'the message says why');
    t.same(readdirSync(elsewhere), ['planted'], `${list}: nothing moved into or deleted from the link's target`);
    t.notOk(readdirSync(sd.path).includes('state'), `${list}: the state was not bumped`);
    const dry = await notifyAll({ directory: sd, dryRun: true }).catch((e) => e);
    t.equal(dry.code, 'UNSAFE', `${list}: the dry run refuses it too`);
  }
});

t.test('a symlinked or FIFO state is never read through and never blocks', async (t) => {
  const sd = statdDir(t);
  const v = victim(t);
  symlinkSync(v.path, sd.statePath);
  t.equal(await sd.readState().catch((e) => e.code), 'UNSAFE', 'a link: UNSAFE');
  rmSync(sd.statePath);
  execFileSync('mkfifo', [sd.statePath]);
  t.equal(await sd.readState().catch((e) => e.code), 'UNSAFE', 'a FIFO: UNSAFE, at once');
  writeFileSync(join(sd.path, 'sm', 'client1'), record('client1', 'srv'));
  const dry = await notifyAll({ directory: sd, dryRun: true }).catch((e) => e);
  t.equal(dry.code, 'UNSAFE', 'the dry run does not block on the FIFO');
  v.unchanged(t, 'state -> victim');
});

t.test('FIFOs, links and huge files in sm/ do not block or exhaust memory; each is reported once', async (t) => {
  const sd = statdDir(t);
  const sm = join(sd.path, 'sm');
  execFileSync('mkfifo', [join(sm, 'fifo-host')]);
  symlinkSync('/nonexistent/dangling', join(sm, 'dangling-host'));
  // 100 MB of junk (sparse: no disk needed): only its size is looked at.
  writeFileSync(join(sm, 'huge-host'), '');
  truncateSync(join(sm, 'huge-host'), 100 * 1024 * 1024);
  writeFileSync(join(sm, 'junk-host'), 'junk\n'.repeat(3000));
  const heapBefore = process.memoryUsage().rss;
  const scan = await new StatdDirectory(sd.path).scanList('sm');
  t.ok(process.memoryUsage().rss - heapBefore < 50 * 1024 * 1024, 'the 100 MB file was not read into memory');
  const byFile = Object.fromEntries(scan.skipped.map((s) => [s.file, s]));
  t.equal(byFile['fifo-host']?.reason, 'not-regular');
  t.match(byFile['fifo-host']?.detail, /FIFO/);
  t.equal(byFile['dangling-host']?.reason, 'not-regular');
  t.match(byFile['dangling-host']?.detail, /symbolic link/);
  t.equal(byFile['huge-host']?.reason, 'too-large');
  t.equal(byFile['junk-host']?.reason, 'malformed-line');
  t.equal(byFile['junk-host']?.count, 3000, 'one entry for 3,000 bad lines, with the count');
  t.equal(scan.skipped.length, 4, 'one entry per file');
});

t.test('record lines parse in linear time, whatever their length', async (t) => {
  const hostile = `${LINE} a${' '.repeat(100_000)}\r`;
  let started = performance.now();
  t.throws(() => parseRecordLine(hostile, 'h'), { code: 'BAD_RECORD' }, 'a control character: BAD_RECORD');
  // 17 s before; a linear parser takes well under a millisecond. 1 s leaves room for a loaded machine.
  t.ok(performance.now() - started < 1000, '100,000 spaces and a CR: fast');
  const megabyte = `${LINE} a${' '.repeat(1 << 20)}\r`;
  started = performance.now();
  t.throws(() => parseRecordLine(megabyte, 'h'), { code: 'BAD_RECORD' });
  t.ok(performance.now() - started < 1000, 'a 1 MB line: fast');
  const longName = `${LINE} client ${'n'.repeat(1025)}`;
  t.throws(() => parseRecordLine(longName, 'h'), { code: 'BAD_RECORD' }, 'my_name over SM_MAXSTRLEN: BAD_RECORD');
  t.equal(parseRecordLine(`${LINE} client   my name`, 'h').myName, 'my name', 'spaces before my_name are skipped');
  t.equal(parseRecordLine(`${LINE} client`, 'h').myName, '', 'no my_name');
});

t.test(
  'records that cannot be used are clients not notified: counted, reported, exit 1; the dry run agrees',
  async (t) => {
    const address = fleetAddress(7000);
    const fleet = await startFleet([address], { mode: () => 'ok' });
    t.teardown(() => fleet.close());
    const sd = statdDir(t);
    const sm = join(sd.path, 'sm');
    writeFileSync(join(sm, address), record(address, 'srv'));
    writeFileSync(join(sm, 'malformed-host'), 'not a record\n');
    symlinkSync('/nonexistent/x', join(sm, 'dangling-host'));
    writeFileSync(join(sm, 'long-host'), record('long-host', 'n'.repeat(1100)));
    const options = { directory: sd.path, monNames: ['ha'], rpcbindPort: fleet.port, ...fast, retryDeadlineMs: 3000 };
    const dryWarnings: string[] = [];
    const dry = await notifyAll({ ...options, dryRun: true, onWarning: (w) => dryWarnings.push(w) });
    const warnings: string[] = [];
    const real = await notifyAll({ ...options, onWarning: (w) => warnings.push(w) });
    t.equal(real.notified, 1);
    t.equal(real.failed, 3, 'the malformed record, the dangling link and the long my_name are not notified');
    const bad = real.hosts.filter((h) => h.status === 'bad-record');
    t.same(bad.map((h) => h.name).sort(), ['dangling-host', 'long-host', 'malformed-host']);
    t.ok(
      bad.every((h) => h.attempts === 0 && h.error !== undefined && h.error.length > 0),
      'each with the error, none retried',
    );
    t.match(bad.find((h) => h.name === 'long-host')?.error, /longer than 1024/);
    t.ok(real.durationMs < 2500, 'the long my_name is reported at once, not retried until the deadline');
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    t.same(
      dry.hosts.filter((h) => h.status === 'bad-record').sort(byName),
      [...bad].sort(byName),
      'the dry run reports the same bad records, with the same errors',
    );
    t.equal(dry.failed, 3, 'and counts them');
    t.equal(warnings.length, 3, 'one warning per file');
    const unlisted = (list: string[]) => list.map((w) => w.replace(/^sm(\.bak)?\//, '')).sort();
    t.same(unlisted(dryWarnings), unlisted(warnings), 'the dry run prints the same warnings');
    t.ok(lstatSync(join(sm, 'dangling-host')).isSymbolicLink(), 'the link is left where it was');
  },
);
