// Issue 16's reproducers, run as they would be attacked: the statd user (here `nobody`) plants links and FIFOs in its
// own statd directory, then root runs `nfsprobe notify` on it. Nothing outside the directory may change (content,
// mode, owner); notify works in the directory as its owner (checked in /proc while it runs) but still sends from a
// privileged port (bound before the switch). Needs root: in a private namespace, as every interop test.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { enterLab, waitFor } from '../lab/namespace.js';
import { buildOnce } from './helpers.js';

const NOBODY = 65534;
const LINE = '0100007f 000186b5 00000003 00000010 66a89ab53b650b00804d729c00000000';
const CLIENT = '127.0.0.9';

/** Run a command as the statd user (nobody), as the attacker would. */
function asStatdUser(command: string, ...args: string[]): void {
  const r = spawnSync(command, args, { uid: NOBODY, gid: NOBODY, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} as nobody: ${r.stderr}`);
}

/** A statd directory owned by nobody, as Debian's /var/lib/nfs is owned by statd; a record for CLIENT. */
function statdDirectory(t: Test): string {
  const parent = mkdtempSync(join(tmpdir(), 'nfsprobe-priv-'));
  t.teardown(() => rmSync(parent, { recursive: true, force: true }));
  chmodSync(parent, 0o755);
  const dir = join(parent, 'statd');
  mkdirSync(dir);
  chownSync(dir, NOBODY, NOBODY);
  for (const list of ['sm', 'sm.bak']) {
    asStatdUser('mkdir', join(dir, list));
  }
  asStatdUser('sh', '-c', `printf '%s\\n' '${LINE} ${CLIENT} srv' > ${join(dir, 'sm', CLIENT)}`);
  return dir;
}

/** A root-only file elsewhere; `unchanged` checks its content, mode and owner. */
function victim(t: Test, name: string) {
  const parent = mkdtempSync(join(tmpdir(), 'nfsprobe-victim-'));
  t.teardown(() => rmSync(parent, { recursive: true, force: true }));
  const path = join(parent, name);
  writeFileSync(path, `${name}: root's own data\n`, { mode: 0o600 });
  return {
    path,
    unchanged(t: Test) {
      const s = statSync(path);
      t.equal(readFileSync(path, 'utf8'), `${name}: root's own data\n`, `${name}: content unchanged`);
      t.equal(s.mode & 0o7777, 0o600, `${name}: mode unchanged`);
      t.equal(`${s.uid}:${s.gid}`, '0:0', `${name}: still root's`);
    },
  };
}

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

async function notify(args: string[]): Promise<Run> {
  const root = await buildOnce();
  // Without tap's process-info hooks, which write under the repository at exit (the dropped user may not): tap
  // puts them back into a child's environment, so `env -u` takes them out on the way.
  const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, join(root, 'cli.js'), 'notify', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

/** The real, effective, saved and filesystem uids of a running process. */
function uidsOf(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return /^Uid:\s+(.*)$/m.exec(status)![1]!.trim().split(/\s+/).join(' ');
}

if (await enterLab(t, import.meta.url, ['mkfifo'])) {
  // The client's "rpcbind": records where GETPORT comes from, never answers (so notify keeps retrying a moment).
  const rpcbind = createSocket('udp4');
  const sources: number[] = [];
  rpcbind.on('message', (_m, rinfo) => sources.push(rinfo.port));
  await new Promise<void>((resolve) => rpcbind.bind(111, CLIENT, resolve));
  t.teardown(() => rpcbind.close());

  t.test('planted temp-file links: root notify writes nothing through them, as the statd user', async (t) => {
    const dir = statdDirectory(t);
    const stateVictim = victim(t, 'state-victim');
    const mergeVictim = victim(t, 'merge-victim');
    // Reproducer 1: .state.new -> a root file. Reproducer 2: the merge path (the host in sm/ and sm.bak/, -n).
    asStatdUser('ln', '-s', stateVictim.path, join(dir, '.state.new'));
    asStatdUser('sh', '-c', `printf '%s\\n' '${LINE} ${CLIENT} old' > ${join(dir, 'sm.bak', CLIENT)}`);
    asStatdUser('ln', '-s', mergeVictim.path, join(dir, 'sm.bak', `.${CLIENT}.new`));
    sources.length = 0;
    const run = await notify(['-P', dir, '-v', '127.0.0.1', '-m', '0.05', '--json']);
    // The state is written after the switch: then the process must already be the directory's owner.
    await waitFor(() => readdirSync(dir).includes('state'), 'the state file');
    const uids = uidsOf(run.child.pid!);
    const result = await run.done;
    t.equal(uids, `${NOBODY} ${NOBODY} ${NOBODY} ${NOBODY}`, 'notify ran as the owner of the statd directory');
    t.equal(result.code, 1, 'the client did not answer: exit 1');
    stateVictim.unchanged(t);
    mergeVictim.unchanged(t);
    const state = lstatSync(join(dir, 'state'));
    t.ok(state.isFile(), 'state is a regular file');
    t.equal(state.uid, NOBODY, 'owned by the statd user');
    t.equal(readFileSync(join(dir, 'state')).length, 4);
    t.match(result.stderr, /\.state\.new: removed a leftover temp file/, 'a warning for the planted state temp file');
    t.match(result.stderr, new RegExp(`\\.${CLIENT.replaceAll('.', '\\.')}\\.new: removed a leftover temp file`));
    t.same(
      readFileSync(join(dir, 'sm.bak', CLIENT), 'latin1')
        .trim()
        .split('\n')
        .map((l) => l.split(' ').at(-1)),
      ['old', 'srv'],
      'the merged record holds both lines',
    );
    t.ok(sources.length > 0, 'the client was called');
    t.ok(
      sources.every((port) => port < 1024),
      `from a privileged port, bound before the switch (${[...new Set(sources)].join(', ')})`,
    );
  });

  t.test('a symlinked sm.bak/: refused with one line, exit 2, nothing moved or deleted', async (t) => {
    const dir = statdDirectory(t);
    const elsewhere = mkdtempSync(join(tmpdir(), 'nfsprobe-elsewhere-'));
    t.teardown(() => rmSync(elsewhere, { recursive: true, force: true }));
    writeFileSync(join(elsewhere, 'planted-host'), `${LINE} planted-host srv\n`);
    chmodSync(elsewhere, 0o755);
    asStatdUser('rmdir', join(dir, 'sm.bak'));
    asStatdUser('ln', '-s', elsewhere, join(dir, 'sm.bak'));
    const result = await (await notify(['-P', dir, '-v', '127.0.0.1', '-m', '0.05'])).done;
    t.equal(result.code, 2);
    t.match(result.stderr, /^nfsprobe: .*sm\.bak is a symbolic link: refusing/);
    t.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    t.same(readdirSync(elsewhere), ['planted-host'], 'nothing moved in, nothing notified and deleted');
    t.same(readdirSync(join(dir, 'sm')), [CLIENT], 'sm/ untouched');
    t.notOk(readdirSync(dir).includes('state'), 'the state was not bumped');
  });

  t.test('state as a link or a FIFO: refused at once, never read through or waited on', async (t) => {
    const dir = statdDirectory(t);
    const stateVictim = victim(t, 'read-victim');
    asStatdUser('ln', '-s', stateVictim.path, join(dir, 'state'));
    for (const extra of [['--dry-run'], []]) {
      const result = await (await notify(['-P', dir, '-v', '127.0.0.1', '-m', '0.05', ...extra])).done;
      t.equal(result.code, 2, `${extra.join(' ') || 'notify'}: a link -> exit 2`);
      t.match(result.stderr, /state is a symbolic link/);
    }
    stateVictim.unchanged(t);
    asStatdUser('rm', join(dir, 'state'));
    asStatdUser('mkfifo', join(dir, 'state'));
    for (const extra of [['--dry-run'], []]) {
      const result = await (await notify(['-P', dir, '-v', '127.0.0.1', '-m', '0.05', ...extra])).done;
      t.equal(result.code, 2, `${extra.join(' ') || 'notify'}: a FIFO -> exit 2, no hang`);
      t.match(result.stderr, /state is a FIFO/);
    }
  });
}
