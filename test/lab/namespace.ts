// Interop test lab: every interop test file re-runs itself inside a private network + mount namespace
// (`unshare -n -m --propagation private`), brings up that namespace's loopback, mounts a private tmpfs on /run and
// starts the real peers there. Everything started is tracked by PID and stopped in teardown, never by name.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

const LAB_ENV = 'NFSPROBE_LAB';

/** Is `command` on PATH (or an absolute path that exists)? */
export function have(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Call at the top of an interop test file: `if (await enterLab(t, import.meta.url, [...peers])) { t.test(...) }` — put
 * the work in (async) subtests: the root test may auto-end while a top-level await waits on a child process.
 * Outside the namespace it spawns the same file inside a new one (its TAP output becomes a subtest) and returns
 * false; inside, it prepares the namespace and returns true. Missing root or peers: a skip locally, a failure in
 * CI (CI=true), where the interop tests are not optional.
 */
export async function enterLab(t: Test, fileUrl: string, peers: readonly string[]): Promise<boolean> {
  if (process.env[LAB_ENV] === '1') {
    execFileSync('ip', ['link', 'set', 'lo', 'up']);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', '/run']);
    execFileSync('mkdir', ['-p', '/run/rpcbind']);
    return true;
  }
  const missing = [...peers, 'unshare', 'ip'].filter((p) => !have(p));
  const isRoot = process.getuid?.() === 0;
  if (missing.length > 0 || !isRoot) {
    const why = !isRoot ? 'interop tests need root (unshare)' : `missing peers: ${missing.join(', ')}`;
    if (process.env.CI === 'true') t.fail(`${why} — .ci/run must install them`);
    else t.skip(why, () => {});
    return false;
  }
  const file = fileURLToPath(fileUrl);
  await t.spawn(
    'unshare',
    ['-n', '-m', '--propagation', 'private', process.execPath, ...process.execArgv, file],
    { env: { ...process.env, [LAB_ENV]: '1' }, timeout: 240_000 },
    'private namespace',
  );
  return false;
}

export interface Daemon {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Combined stdout+stderr so far (when logged to the daemon's log file). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Start a daemon in the foreground, log its output to a file, and register its PID-based stop with t.teardown.
 */
export function startDaemon(t: Test, command: string, args: readonly string[], name = command): Daemon {
  const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-lab-'));
  const logFile = join(dir, `${name.replace(/[^\w.-]/g, '_')}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(command, [...args], { stdio: ['ignore', fd, fd], detached: false });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const daemon: Daemon = {
    pid,
    process: child,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (exited) return;
      signal(pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) signal(pid, 'SIGKILL');
      }, 3000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
  t.teardown(() => daemon.stop());
  return daemon;
}

/** Signal our own child by PID; it may have exited on its own already (ESRCH is not an error here). */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Poll `check` until it returns true (or a truthy value) or `timeoutMs` passes. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Run a command to completion and return its stdout (throws with stderr on failure). */
export function run(command: string, args: readonly string[], input?: string): string {
  return execFileSync(command, [...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Does `rpcinfo -u|-t 127.0.0.1 PROG VERS` answer? */
export function rpcinfoAnswers(program: string | number, version: number, transport: 'u' | 't' = 'u'): boolean {
  try {
    run('rpcinfo', [`-${transport}`, '127.0.0.1', String(program), String(version)]);
    return true;
  } catch {
    return false;
  }
}

/** Start Debian's rpcbind in the namespace and wait until it answers. */
export async function startRpcbind(t: Test): Promise<Daemon> {
  const daemon = startDaemon(t, 'rpcbind', ['-f', '-w'], 'rpcbind');
  await waitFor(() => rpcinfoAnswers('portmapper', 2), 'rpcbind to answer');
  return daemon;
}

/** A fresh statd state directory (sm/, sm.bak/ owned by user statd) under a temp dir. */
export function makeStatdDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-statd-'));
  execFileSync('mkdir', ['-p', join(dir, 'sm'), join(dir, 'sm.bak')]);
  try {
    execFileSync('chown', ['-R', 'statd', dir]);
  } catch {
    // No statd user (not Debian): statd then runs as root with root-owned files.
  }
  return dir;
}

/** Start rpc.statd (foreground, debug log, no notify) on `dir`; waits until it is registered and answers. */
export async function startStatd(t: Test, dir: string, extraArgs: readonly string[] = []): Promise<Daemon> {
  const daemon = startDaemon(t, 'rpc.statd', ['-F', '-d', '-L', '--no-notify', '-P', dir, ...extraArgs], 'statd');
  await waitFor(() => rpcinfoAnswers('status', 1), 'rpc.statd to answer');
  return daemon;
}

/**
 * Capture loopback traffic with tshark while the test runs. Call `stop()` (also done in teardown) before reading.
 */
export async function startCapture(t: Test, file: string, filter?: string): Promise<Daemon> {
  const args = ['-i', 'lo', '-w', file, '-q'];
  if (filter) args.push('-f', filter);
  const daemon = startDaemon(t, 'tshark', args, 'tshark');
  await waitFor(() => /Capturing on/.test(daemon.log()), 'tshark to start capturing');
  return daemon;
}

/**
 * Expert-info problems tshark finds in a capture (empty when clean): every row of the "Errors" section (malformed
 * packets included), and the "Warns" rows of every protocol except the transport layers (TCP resets and the like
 * are normal when peers close connections). tshark 4.0 prints `-z expert` as sections
 *   Errors (1)
 *   =============
 *      Frequency      Group           Protocol  Summary
 *              1  Malformed            Portmap  Malformed Packet (Exception occurred)
 * Each returned string is "Section: Group Protocol Summary (xN)".
 */
export function tsharkProblems(file: string, tsharkArgs: readonly string[] = []): string[] {
  return parseTsharkExpert(run('tshark', ['-r', file, ...tsharkArgs, '-q', '-z', 'expert,warn']));
}

const TRANSPORT_PROTOCOLS = new Set(['TCP', 'UDP', 'IPv4', 'IPv6', 'ICMP', 'ICMPv6']);

/** The problems in tshark's `-z expert` text (see tsharkProblems). */
export function parseTsharkExpert(text: string): string[] {
  const problems: string[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    const heading = /^(Errors|Warns|Notes|Chats|Comments)\s+\(\d+\)\s*$/.exec(line.trim());
    if (heading) {
      section = heading[1]!;
      continue;
    }
    const row = /^\s*(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line);
    if (row === null) {
      // Anything else that says "malformed" (other tshark versions' layouts) still counts.
      if (/malformed/i.test(line)) problems.push(`?: ${line.trim()}`);
      continue;
    }
    const [, count, group, protocol, summary] = row;
    const text = `${section}: ${group} ${protocol} ${summary!.trim()} (x${count})`;
    if (section === 'Errors' || group === 'Malformed') problems.push(text);
    else if (section === 'Warns' && !TRANSPORT_PROTOCOLS.has(protocol!)) problems.push(text);
  }
  return problems;
}

/** How many packets of a capture match a display filter (`tsharkArgs`: e.g. `-o pref:value`). */
export function tsharkCount(file: string, filter: string, tsharkArgs: readonly string[] = []): number {
  const text = run('tshark', ['-r', file, ...tsharkArgs, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
  return text.split('\n').filter((line) => line.trim() !== '').length;
}
