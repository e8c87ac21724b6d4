// StatdDirectory: nfs-utils' on-disk format (records, state), skip rules, crash-safe rewrites, owners, modes, lock.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { locateStatdDirectory, parseNfsConf } from '../../src/nsm/locate.js';
import { checkRecordName, formatRecordLine, parseRecordLine } from '../../src/nsm/record.js';
import { StatdDirectory } from '../../src/nsm/statd-directory.js';
import { tempDir } from '../helpers/temp.js';

const LE = endianness() === 'LE';
const priv = Uint8Array.from(Buffer.from('66a89ab53b650b00804d729c00000000', 'hex'));
// The example from a real statd directory (nfs-utils on x86-64): caller 127.0.0.1, NLM v3 proc 16.
const REAL_LINE = '0100007f 000186b5 00000003 00000010 66a89ab53b650b00804d729c00000000 192.168.50.27 synology';

function tempStatd(): StatdDirectory {
  const dir = tempDir('nfsprobe-sd-');
  mkdirSync(join(dir, 'sm'));
  mkdirSync(join(dir, 'sm.bak'));
  return new StatdDirectory(dir);
}

const mode = (path: string): number => statSync(path).mode & 0o777;

t.test('record line: statd format, parsed exactly', async (t) => {
  const record = parseRecordLine(REAL_LINE, '192.168.50.27');
  t.equal(record.myProg, 100021);
  t.equal(record.myVers, 3);
  t.equal(record.myProc, 16);
  t.equal(Buffer.from(record.priv).toString('hex'), '66a89ab53b650b00804d729c00000000');
  t.equal(record.monName, '192.168.50.27');
  t.equal(record.myName, 'synology');
  if (LE) t.equal(record.callerAddress, '127.0.0.1', 'field 1 is s_addr printed host-order (LE)');
  t.equal(formatRecordLine(record), `${LE ? REAL_LINE : REAL_LINE.replace('0100007f', '7f000001')}\n`, 'mirror');
  t.equal(REAL_LINE.indexOf('66a89ab5'), 36, 'priv at RPCARGSLEN');
  const spaced = parseRecordLine(`${REAL_LINE.replace(' synology', '  my host')}`, 'h');
  t.equal(spaced.myName, 'my host', 'my_name is the rest of the line after spaces');
  t.equal(parseRecordLine(REAL_LINE.replace(' synology', ''), 'h').myName, '', 'missing my_name is empty');
  t.match(
    formatRecordLine({ ...record, myName: 'a b\tc' }),
    / 192\.168\.50\.27 a_b_c\n$/,
    "whitespace in my_name becomes '_' as statd writes it",
  );
  const malformed = [
    '',
    'garbage',
    REAL_LINE.slice(0, 40),
    REAL_LINE.replace('0100007f', '100007f'),
    REAL_LINE.replace('66a89ab5', '66a89xb5'),
  ];
  for (const line of malformed) t.throws(() => parseRecordLine(line, 'h'), { code: 'BAD_RECORD' }, `'${line}'`);
  t.throws(() => formatRecordLine({ ...record, priv: new Uint8Array(8) }), { code: 'BAD_PRIV' });
  t.throws(() => formatRecordLine({ ...record, monName: 'a b' }), { code: 'BAD_NAME' });
  t.throws(() => formatRecordLine({ ...record, callerAddress: '::1' }), { code: 'BAD_RECORD' });
});

t.test('record file names', async (t) => {
  for (const good of ['client1', '192.168.50.27', 'host.example.com', 'fe80::1']) t.equal(checkRecordName(good), good);
  for (const bad of ['', 'a/b', '..', '.hidden', 'a b', 'a\nb', 'x'.repeat(256)]) {
    t.throws(() => checkRecordName(bad), { code: 'BAD_NAME' }, JSON.stringify(bad.slice(0, 20)));
  }
});

t.test('addRecord writes what statd writes; duplicates are left alone; several lines per file', async (t) => {
  const sd = tempStatd();
  t.equal(await sd.addRecord({ monName: '192.168.50.27', myName: 'synology', priv }), true);
  const path = join(sd.path, 'sm', '192.168.50.27');
  t.equal(readFileSync(path, 'utf8'), `${formatRecordLine(parseRecordLine(REAL_LINE, 'x'))}`);
  t.equal(mode(path), 0o600, 'new record 0600 as statd');
  t.equal(await sd.addRecord({ monName: '192.168.50.27', myName: 'synology', priv: new Uint8Array(16) }), false);
  t.equal(await sd.addRecord({ monName: '192.168.50.27', myName: 'other-name', priv }), true, 'second monitor');
  t.equal(readFileSync(path, 'utf8').split('\n').length, 3, 'two lines and the final newline');
  t.equal(mode(path), 0o600, 'an append keeps the mode');
  const records = await sd.readMonitorList('sm');
  t.same(
    records.map((r) => [r.host, r.monName, r.myName]),
    [
      ['192.168.50.27', '192.168.50.27', 'synology'],
      ['192.168.50.27', '192.168.50.27', 'other-name'],
    ],
  );
  t.equal(await sd.addRecord({ host: 'client.example', monName: '10.0.0.9', myName: 's' }), true, 'file name = host');
  t.same(readdirSync(join(sd.path, 'sm')).sort(), ['192.168.50.27', 'client.example'], 'no temp file left');
  await t.rejects(sd.addRecord({ monName: 'a/b', myName: 's' }), { code: 'BAD_NAME' });
});

t.test('scanList skips what statd skips and reports malformed lines', async (t) => {
  const sd = tempStatd();
  const sm = join(sd.path, 'sm');
  const line = (mon: string, my: string) => `${REAL_LINE.replace('192.168.50.27 synology', `${mon} ${my}`)}\n`;
  writeFileSync(join(sm, 'good'), line('good', 'srv') + line('good', 'srv2'));
  writeFileSync(join(sm, 'mixed'), `${line('mixed', 'srv')}not a record\n\n${line('mixed', 'srv3')}`);
  writeFileSync(join(sm, '.good.new'), line('good', 'temp')); // current temp name
  writeFileSync(join(sm, 'good.new'), line('good', 'legacy')); // legacy temp name (the 2024 leak)
  writeFileSync(join(sm, 'alone.new'), line('alone.new', 'srv')); // no sibling: a host really named alone.new
  writeFileSync(join(sm, '.hidden'), line('hidden', 'srv'));
  mkdirSync(join(sm, 'adir'));
  symlinkSync(join(sm, 'good'), join(sm, 'alink'));
  writeFileSync(join(sm, 'bad name'), line('x', 'y'));
  const scan = await sd.scanList('sm');
  t.same(
    scan.records.map((r) => `${r.host}:${r.myName}`),
    ['alone.new:srv', 'good:srv', 'good:srv2', 'mixed:srv', 'mixed:srv3'],
    'the leaked temp files are not loaded as hosts',
  );
  const reasons = Object.fromEntries(
    scan.skipped.map((s) => [`${s.file}${s.lineNumber ? `#${s.lineNumber}` : ''}`, s.reason]),
  );
  t.same(reasons, {
    '.good.new': 'temp-file',
    'good.new': 'temp-file',
    '.hidden': 'dot-file',
    adir: 'not-regular',
    alink: 'not-regular',
    'bad name': 'bad-name',
    'mixed#2': 'malformed-line',
  });
  t.equal(scan.skipped.find((s) => s.file === 'mixed')?.count, 2, 'one entry for the file, counting both bad lines');
  t.same(await new StatdDirectory(join(sd.path, 'nope')).readMonitorList('sm').catch((e) => e.code), 'NO_DIRECTORY');
  const empty = new StatdDirectory(tempDir('nfsprobe-sd-'));
  t.same(await empty.readMonitorList('sm.bak'), [], 'a missing list is empty');
});

t.test('removeRecord: selective rewrite 0644, unlink when empty, unreadable lines kept', async (t) => {
  const sd = tempStatd();
  await sd.addRecord({ monName: 'c1', myName: 'a' });
  await sd.addRecord({ monName: 'c1', myName: 'b' });
  const path = join(sd.path, 'sm', 'c1');
  writeFileSync(path, `${readFileSync(path, 'utf8')}junk line\n`);
  t.equal(await sd.removeRecord('sm', 'c1', (r) => r.myName === 'a'), 1);
  t.equal(mode(path), 0o644, 'a rewrite is 0644 as statd');
  t.same(readFileSync(path, 'utf8').split('\n').slice(1), ['junk line', ''], 'the unparseable line survives');
  t.equal(await sd.removeRecord('sm', 'c1', (r) => r.myName === 'zzz'), 0, 'nothing matched, nothing written');
  t.equal(await sd.removeRecord('sm', 'c1'), 2, 'whole file');
  t.same(readdirSync(join(sd.path, 'sm')), [], 'unlinked, no temp left');
  t.equal(await sd.removeRecord('sm', 'c1'), 0, 'absent is not an error');
});

t.test('moveAllToNotifyList: rename sm -> sm.bak, merge instead of overwrite', async (t) => {
  const sd = tempStatd();
  for (let i = 0; i < 50; i++) await sd.addRecord({ monName: `10.0.0.${i}`, myName: 'srv' });
  await sd.addRecord({ monName: '10.0.0.1', myName: 'older' }, 'sm.bak');
  writeFileSync(join(sd.path, 'sm', '.10.0.0.2.new'), 'leak');
  const before = await sd.readMonitorList('sm');
  const { moved, merged } = await sd.moveAllToNotifyList();
  t.equal(moved, 49);
  t.equal(merged, 1);
  t.same(readdirSync(join(sd.path, 'sm')), ['.10.0.0.2.new'], 'only the dot file stays in sm/');
  const after = await sd.readMonitorList('sm.bak');
  t.equal(after.length, 51, 'every line moved, the earlier sm.bak line kept');
  for (const r of before)
    t.ok(
      after.some((a) => a.line === r.line),
      `${r.host} present`,
    );
  t.equal(mode(join(sd.path, 'sm.bak', '10.0.0.5')), 0o600, 'rename keeps the mode');
  const noBak = new StatdDirectory(tempDir('nfsprobe-sd-'));
  mkdirSync(join(noBak.path, 'sm'));
  await noBak.addRecord({ monName: 'x', myName: 'y' });
  await noBak.moveAllToNotifyList();
  t.equal((await noBak.readMonitorList('sm.bak')).length, 1, 'sm.bak/ created when missing');
});

t.test('state: nsm_get_state semantics, 4 native-endian bytes, always odd', async (t) => {
  const sd = tempStatd();
  const raw = (): Buffer => readFileSync(sd.statePath);
  const put = (n: number) => {
    const b = Buffer.alloc(4);
    if (LE) b.writeInt32LE(n);
    else b.writeInt32BE(n);
    writeFileSync(sd.statePath, b);
  };
  t.equal(await sd.readState(), undefined, 'missing');
  t.equal(await sd.getState(false), 3, 'missing -> 1, update forced -> 3');
  t.equal(raw().length, 4);
  t.equal(LE ? raw().readInt32LE(0) : raw().readInt32BE(0), 3);
  t.equal(mode(sd.statePath), 0o644);
  t.equal(await sd.bumpState(), 5);
  t.equal(await sd.readState(), 5);
  put(8);
  t.equal(await sd.getState(false), 9, 'even -> +1, not written');
  t.equal(await sd.readState(), 8);
  t.equal(await sd.bumpState(), 11, 'even -> +1 +2');
  writeFileSync(sd.statePath, Buffer.from([1, 2]));
  t.equal(await sd.readState(), undefined, 'short');
  t.equal(await sd.bumpState(), 3, 'short -> 1 + 2');
  put(0x7fffffff);
  t.equal(await sd.bumpState(), -0x7fffffff, '32-bit wrap as C int, still odd');
  await t.rejects(sd.writeState(6), { code: 'BAD_STATE' });
  await t.rejects(sd.writeState(2 ** 31), { code: 'BAD_STATE' });
  await sd.writeState(41);
  t.equal(await sd.readState(), 41);
  t.same(readdirSync(sd.path).sort(), ['sm', 'sm.bak', 'state'], 'no temp file left');
});

t.test('a leftover temp file from a crash is harmless', async (t) => {
  const sd = tempStatd();
  writeFileSync(join(sd.path, '.state.new'), 'xx');
  writeFileSync(join(sd.path, 'sm', '.c.new'), 'half a line');
  t.equal(await sd.bumpState(), 3);
  await sd.addRecord({ monName: 'c', myName: 's' });
  t.same(readdirSync(join(sd.path, 'sm')), ['c'], 'temp overwritten and renamed');
  t.same(readdirSync(sd.path).sort(), ['sm', 'sm.bak', 'state']);
});

t.test(
  'files stay owned by the owner of sm/ (as root)',
  { skip: process.getuid?.() !== 0 && 'needs root' },
  async (t) => {
    const sd = tempStatd();
    const { execFileSync } = await import('node:child_process');
    execFileSync('chown', ['-R', '65534:65534', sd.path]);
    await sd.addRecord({ monName: 'c', myName: 's' });
    await sd.bumpState();
    t.equal(statSync(join(sd.path, 'sm', 'c')).uid, 65534, 'record owned by sm/ owner');
    t.equal(statSync(sd.statePath).uid, 65534, 'state owned by sm/ owner');
    await sd.addRecord({ monName: 'c', myName: 's2' });
    await sd.removeRecord('sm', 'c', (r) => r.myName === 's');
    t.equal(statSync(join(sd.path, 'sm', 'c')).gid, 65534, 'rewrite keeps the owner');
    await sd.moveAllToNotifyList();
    t.equal(statSync(join(sd.path, 'sm.bak', 'c')).uid, 65534);
  },
);

t.test('lock: exclusive, released on release() and when the holder is SIGKILLed', async (t) => {
  const sd = tempStatd();
  const first = await sd.lock();
  await t.rejects(sd.lock(), { code: 'LOCKED' }, 'a second notifier is refused');
  await first.release();
  const again = await sd.lock();
  await again.release();
  // A holder process killed with SIGKILL: the kernel drops the lock.
  const script = `import('${new URL('../../src/nsm/lock.ts', import.meta.url).href}').then(async (m) => { await m.lockDirectory(${JSON.stringify(sd.path)}); process.stdout.write('held\\n'); setInterval(() => {}, 1000); });`;
  const child = spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve()),
  );
  await t.rejects(sd.lock(), { code: 'LOCKED' }, 'held by the child');
  child.kill('SIGKILL');
  const after = await sd.lock(5000);
  t.pass('lock taken after the holder was killed');
  await after.release();
  await t.rejects(new StatdDirectory('/nonexistent/x').lock(), { code: 'NO_DIRECTORY' });
});

t.test('locate: -P, nfs.conf [statd] state-directory-path (+ .d), /var/lib/nfs/statd, /var/lib/nfs', async (t) => {
  const base = tempDir('nfsprobe-loc-');
  const conf = join(base, 'nfs.conf');
  const statdRoot = join(base, 'var-lib-nfs-statd');
  const nfsRoot = join(base, 'var-lib-nfs');
  const roots = [statdRoot, nfsRoot];
  t.same(locateStatdDirectory({ directory: '/x', nfsConfPath: conf, roots }), { path: '/x', source: 'option' });
  t.same(locateStatdDirectory({ nfsConfPath: conf, roots }), { path: nfsRoot, source: 'default' }, 'nothing exists');
  mkdirSync(statdRoot);
  t.same(locateStatdDirectory({ nfsConfPath: conf, roots }).path, statdRoot, 'statd/ exists');
  writeFileSync(
    conf,
    '[general]\nstate-directory-path = /wrong\n[statd]\n# comment\n State-Directory-Path = /srv/statd  # trailing\n',
  );
  t.same(locateStatdDirectory({ nfsConfPath: conf, roots }), { path: '/srv/statd', source: 'nfs.conf' });
  mkdirSync(`${conf}.d`);
  writeFileSync(join(`${conf}.d`, '50-ha.conf'), '[Statd]\nstate-directory-path="/shared/statd"\n');
  t.same(locateStatdDirectory({ nfsConfPath: conf, roots }).path, '/shared/statd', 'drop-in wins');
  t.same(parseNfsConf('[sm-notify]\nretry-time = 10\n').get('sm-notify')?.get('retry-time'), '10');
});
