// The CLI contract (docs/cli.md) where no server is needed: bare `nfsprobe`, commander's suggestions, duration ranges,
// --json in every NFS command's help, NO_COLOR, the plural helper, the error describer, fsid wording, and the demo's
// scratch directory on every exit path.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { describeError, describeProblem } from '../../src/cli/describe-error.js';
import { UsageError } from '../../src/cli/errors.js';
import { colorEnabled } from '../../src/cli/output.js';
import { DURATION_RANGES, parseDuration } from '../../src/cli/parse.js';
import { NfsError } from '../../src/nfs/errors.js';
import { compareFileHandles, decodeFileHandle } from '../../src/nfs/fh/index.js';
import { plural } from '../../src/probe/plural.js';
import { RpcError } from '../../src/rpc/errors.js';
import { bin, buildCli, type CliResult, nfsprobe, root } from '../helpers/cli.js';

const build = buildCli();
t.equal(build.status, 0, `build: ${build.output}`);

function oneLineUsage(t: Test, r: CliResult, what: string): void {
  t.equal(r.code, 2, `${what}: exit 2 (${r.err.trim()})`);
  t.equal(r.out, '', `${what}: nothing on stdout`);
  t.match(r.err, /^nfsprobe: [^\n]+\n$/, `${what}: one line on stderr`);
}

t.test('nfsprobe alone: the help on stderr, exit 2', async (t) => {
  const r = await nfsprobe([]);
  t.equal(r.code, 2);
  t.equal(r.out, '');
  t.match(r.err, /^Usage: nfsprobe \[options\] \[command\]/);
  t.match(r.err, /Exit codes:/);
  const help = await nfsprobe(['--help']);
  t.equal(help.code, 0, '--help is not an error');
  t.match(help.out, /^Usage: nfsprobe/);
});

t.test("commander's suggestions stay on the one error line", async (t) => {
  const command = await nfsprobe(['exprts', '127.0.0.1']);
  oneLineUsage(t, command, 'misspelt command');
  t.equal(command.err, "nfsprobe: unknown command 'exprts' (did you mean exports?)\n");
  const option = await nfsprobe(['exports', '127.0.0.1', '--mount-prot', '1']);
  oneLineUsage(t, option, 'misspelt option');
  t.match(option.err, /unknown option '--mount-prot' \(did you mean --mount-port\?\)/);
});

t.test('durations are range-checked, exit 2 and one line outside the range', async (t) => {
  for (const value of ['0', '0ms', '0.0001s', '99999999', '25h', '1e3', '-1s', '']) {
    oneLineUsage(t, await nfsprobe(['--timeout', value, 'exports', '127.0.0.1']), `--timeout '${value}'`);
  }
  const overflow = await nfsprobe(['--timeout', '99999999', 'exports', '127.0.0.1']);
  t.notMatch(overflow.err, /TimeoutOverflowWarning/);
  t.match(overflow.err, /--timeout '99999999' is out of range: give 1ms to 24h/);
  oneLineUsage(t, await nfsprobe(['ping', '127.0.0.1', 'status', '--interval', '2h']), '--interval 2h');
  // in-process: the bounds, and 0 where 0 makes sense
  t.equal(parseDuration('1ms', '--timeout'), 1);
  t.equal(parseDuration('24h', '--timeout'), 86_400_000);
  t.equal(parseDuration('0', '--interval'), 0);
  t.equal(parseDuration('15m', '--some-new-option'), 900_000, 'other options: 1ms..24h');
  t.throws(() => parseDuration('0', '--some-new-option'), { code: 'USAGE' });
  t.throws(() => parseDuration('1.5', '--timeout', { min: 2000, max: 3000 }), { code: 'USAGE' });
  for (const range of Object.values(DURATION_RANGES)) t.ok(range.max <= 2 ** 31 - 1, 'every range fits a Node timer');
});

t.test('--help of exports, fh get, snapshot and compare names --json and docs/cli.md', async (t) => {
  for (const args of [['exports'], ['fh', 'get'], ['snapshot'], ['compare']]) {
    const r = await nfsprobe([...args, '--help']);
    t.equal(r.code, 0);
    t.match(r.out, /--json/, `${args.join(' ')} --help`);
    t.match(r.out, /docs\/cli\.md/, `${args.join(' ')} --help`);
  }
});

t.test('NO_COLOR: only a non-empty value disables colour (no-color.org)', async (t) => {
  const saved = { NO_COLOR: process.env.NO_COLOR, TERM: process.env.TERM };
  t.teardown(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  process.env.TERM = 'xterm';
  const tty = { isTTY: true };
  delete process.env.NO_COLOR;
  t.equal(colorEnabled(tty), true, 'unset');
  process.env.NO_COLOR = '';
  t.equal(colorEnabled(tty), true, 'empty');
  process.env.NO_COLOR = '1';
  t.equal(colorEnabled(tty), false, 'set');
  t.equal(colorEnabled({ isTTY: false }), false, 'not a terminal');
});

t.test('plural', async (t) => {
  t.equal(plural(0, 'path'), '0 paths');
  t.equal(plural(1, 'path'), '1 path');
  t.equal(plural(2, 'warning'), '2 warnings');
  t.equal(plural(1, 'entry', 'entries'), '1 entry');
  t.equal(plural(3, 'entry', 'entries'), '3 entries');
});

t.test('describeError: what went wrong (CODE): what to do', async (t) => {
  t.equal(describeError(new UsageError('bad')), 'bad', 'usage errors as they are');
  t.equal(
    describeError(new UsageError('NO_DIRECTORY: statd directory /x does not exist (use -P DIR)')),
    'statd directory /x does not exist (use -P DIR) (NO_DIRECTORY)',
    'a wrapped library error: words first, then the code',
  );
  t.equal(
    describeError(new RpcError('BAD_ADDRESS', 'cannot resolve host "x"')),
    'cannot resolve host "x" (BAD_ADDRESS): check the host name, or give an IP address',
  );
  t.match(describeError(new RpcError('TIMEOUT')), /^TIMEOUT: check that the host is up/);
  t.match(
    describeError(new NfsError('MNT3ERR_ACCES', 13, 'the server refused to mount /x', 'MNT')),
    /^the server refused to mount \/x \(MNT MNT3ERR_ACCES\): the path is not exported to this host/,
  );
  const eisdir = Object.assign(new Error('EISDIR: illegal operation on a directory, read'), {
    code: 'EISDIR',
    syscall: 'read',
  });
  t.equal(describeError(eisdir), 'it is a directory (EISDIR, read)');
  const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/a/b'"), {
    code: 'ENOENT',
    syscall: 'open',
    path: '/a/b',
  });
  t.match(describeError(enoent), /^cannot open \/a\/b: no such file or directory \(ENOENT\)/);
  t.equal(describeError(new Error('first\nsecond')), 'first', 'one line');
  t.equal(describeProblem('NOT_A_KNOWN_CODE', 'NOT_A_KNOWN_CODE: text'), 'text (NOT_A_KNOWN_CODE)');
});

t.test('fsid differences: device numbers only for device-based handles', async (t) => {
  const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
  // ganesha 4.3 handles (statfs f_fsid in the handle) that differ in the fsid
  const root4 = '430000011244e4283f709b1119c5015320160035e3f7de00';
  const other = `4300000112440102030405060708${root4.slice(28)}`;
  const ganesha = compareFileHandles(decodeFileHandle(bytes(root4)), decodeFileHandle(bytes(other)));
  const fsidDiffs = ganesha.differences.filter((d) => d.field.startsWith('fsid.m'));
  t.ok(fsidDiffs.length > 0, 'the fsid differs');
  for (const d of fsidDiffs) t.notMatch(d.consequence, /device/i, `${d.field}: not called a device number`);
  // knfsd FSID_DEV 8:1 vs 253:3: real device numbers
  const knfsd = compareFileHandles(
    decodeFileHandle(bytes('010000010008000102000000b80b0000a1fe0b73')),
    decodeFileHandle(bytes('0100000100fd000302000000b80b0000a1fe0b73')),
  );
  t.match(knfsd.differences.find((d) => d.field === 'fsid.major')?.consequence, /device major number/);
});

/** Run the demo with its own TMPDIR; `stop` is called once stdout shows `when` (the scratch directory exists). */
function demoUntil(
  when: RegExp,
  stop: (child: ReturnType<typeof spawn>) => void,
): Promise<{ temp: string; code: unknown }> {
  const temp = mkdtempSync(join(tmpdir(), 'nfsprobe-demo-test-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'demo'], {
      cwd: root,
      env: { ...process.env, TMPDIR: temp, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let seen = '';
    let stopped = false;
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (!stopped && when.test(seen)) {
        stopped = true;
        stop(child);
      }
    });
    child.stdout.on('error', () => {});
    child.on('exit', (code, signal) => resolve({ temp, code: code ?? signal }));
  });
}

t.test('demo: no nfsprobe-demo-* left behind on SIGINT, SIGTERM or a closed pipe', async (t) => {
  const records = /monitor records to .*nfsprobe-demo-/;
  for (const [what, when, stop, expected] of [
    ['SIGINT', records, (c: ReturnType<typeof spawn>) => c.kill('SIGINT'), 130],
    ['SIGTERM', records, (c: ReturnType<typeof spawn>) => c.kill('SIGTERM'), 143],
    // closed after the first progress line: the next one (the records line) meets EPIPE while the directory exists
    [
      'stdout closed (| head)',
      /started \d+ simulated clients/,
      (c: ReturnType<typeof spawn>) => c.stdout?.destroy(),
      0,
    ],
  ] as const) {
    const { temp, code } = await demoUntil(when, stop);
    t.teardown(() => rmSync(temp, { recursive: true, force: true }));
    t.equal(code, expected, `${what}: exit ${expected}`);
    t.same(readdirSync(temp), [], `${what}: the scratch directory is gone`);
  }
});

t.test('launcher: without dist/ and without TypeScript it says how to build, exit 1', async (t) => {
  const copy = mkdtempSync(join(tmpdir(), 'nfsprobe-launcher-test-'));
  t.teardown(() => rmSync(copy, { recursive: true, force: true }));
  mkdirSync(join(copy, 'bin'));
  copyFileSync(bin, join(copy, 'bin', 'nfsprobe.js'));
  writeFileSync(join(copy, 'package.json'), '{"type": "module"}');
  const r = spawnSync(process.execPath, [join(copy, 'bin', 'nfsprobe.js'), '--version'], { encoding: 'utf8' });
  t.equal(r.status, 1);
  t.match(r.stderr, /^nfsprobe: .*dist\/ is missing and cannot be built here: run `npm install && npm run build`/);
});
