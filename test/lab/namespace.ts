// Interop test lab: every interop test file re-runs itself inside a private network + mount namespace
// (`unshare -n -m --propagation private`), brings up that namespace's loopback, mounts a private tmpfs on /run and
// starts the real peers there. Everything started is tracked by PID and stopped in teardown, never by name.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { tempDir } from '../helpers/temp.js';

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
  const dir = tempDir('nfsprobe-lab-');
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
  const dir = tempDir('nfsprobe-statd-');
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
 * Stop a capture once dumpcap has written out what it buffered: wait until the file stops growing (checked every
 * 250 ms, three times in a row, at most `maxWaitMs`), then stop tshark by PID. Stopping right away loses packets.
 */
export async function stopCapture(capture: Daemon, file: string, maxWaitMs = 5000): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  let last = -1;
  let steady = 0;
  while (Date.now() < deadline && steady < 3) {
    await new Promise((r) => setTimeout(r, 250));
    let size = 0;
    try {
      size = statSync(file).size;
    } catch {
      // not written yet
    }
    steady = size === last ? steady + 1 : 0;
    last = size;
  }
  await capture.stop();
}

/**
 * tshark options that let RPC be recognised by content before port-based dissectors: a client on a reserved port
 * (600-1023) otherwise gets its packets decoded as whatever protocol owns that port (e.g. DLEP on 854).
 */
export const TSHARK_RPC_BY_CONTENT: readonly string[] = [
  '-o',
  'udp.try_heuristic_first:TRUE',
  '-o',
  'tcp.try_heuristic_first:TRUE',
];

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

/**
 * tshark 4.0's NFSv4 dissector adds a protocol warning "There is some bitmap data left undissected" to COMPOUNDs
 * whose GETATTR bitmaps and attribute values it decodes completely (checked by hand with -V on a capture of our
 * ganesha tests: every attribute is shown with its value). It is not a malformed packet; NFS tests drop it.
 */
export function withoutTsharkNfs4BitmapNote(problems: readonly string[]): string[] {
  return problems.filter((p) => !/^Warns: Protocol NFS There is some bitmap data left undissected/.test(p));
}

/** How many packets of a capture match a display filter (`tsharkArgs`: e.g. `-o pref:value`). */
export function tsharkCount(file: string, filter: string, tsharkArgs: readonly string[] = []): number {
  const text = run('tshark', ['-r', file, ...tsharkArgs, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
  return text.split('\n').filter((line) => line.trim() !== '').length;
}

export interface GaneshaOptions {
  /** Directory to export (Path); also the NFSv4 pseudo path unless `pseudo` is given. */
  exportDir: string;
  exportId: number;
  pseudo?: string;
  /** Fixed ports (defaults: 2049, 20048, 20049). A second instance needs other ports. */
  nfsPort?: number;
  mountPort?: number;
  nlmPort?: number;
  /**
   * Serve a copy of exportDir's contents from a tmpfs mounted over exportDir in a private mount namespace of the
   * daemon only: the same path and data, but another filesystem (other fsid and inode numbers).
   */
  onTmpfs?: boolean;
  /** Extra lines for the EXPORT block. */
  exportExtra?: string;
  /** Extra lines for the NFSV4 block (e.g. `Minor_Versions = 1, 2;` to refuse NFSv4.0). */
  nfsv4Extra?: string;
}

/**
 * Start nfs-ganesha (VFS FSAL) exporting `exportDir`, config in a temp dir; waits until NFSv3 answers on its port.
 * Stopped by PID in teardown. Needs rpcbind running (startRpcbind).
 */
export async function startGanesha(t: Test, o: GaneshaOptions): Promise<Daemon & { dir: string; config: string }> {
  const dir = tempDir('nfsprobe-ganesha-');
  const nfsPort = o.nfsPort ?? 2049;
  const mountPort = o.mountPort ?? 20048;
  const nlmPort = o.nlmPort ?? 20049;
  const config = `NFS_CORE_PARAM {
  Protocols = 3, 4; Enable_RQUOTA = false;
  NFS_Port = ${nfsPort}; MNT_Port = ${mountPort}; NLM_Port = ${nlmPort};
}
NFSV4 { Graceless = true; ${o.nfsv4Extra ?? ''} }
EXPORT {
  Export_Id = ${o.exportId}; Path = ${o.exportDir}; Pseudo = ${o.pseudo ?? o.exportDir}; Access_Type = RW;
  Squash = No_Root_Squash; Protocols = 3, 4; Transports = UDP, TCP; SecType = sys;
  ${o.exportExtra ?? ''}
  FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
`;
  const conf = join(dir, 'ganesha.conf');
  writeFileSync(conf, config);
  const ganesha = ['ganesha.nfsd', '-F', '-f', conf, '-L', join(dir, 'ganesha.log'), '-p', join(dir, 'ganesha.pid')];
  ganesha.push('-N', 'NIV_EVENT');
  let daemon: Daemon;
  if (o.onTmpfs) {
    // unshare execs sh, sh execs ganesha: the PID we stop is ganesha's.
    const copy = join(dir, 'copy');
    const script = `set -e; cp -a "$1/." "${copy}/"; mount -t tmpfs tmpfs "$1"; cp -a "${copy}/." "$1/"; shift; exec "$@"`;
    execFileSync('mkdir', ['-p', copy]);
    daemon = startDaemon(
      t,
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', o.exportDir, ...ganesha],
      'ganesha',
    );
  } else {
    daemon = startDaemon(t, ganesha[0]!, ganesha.slice(1), 'ganesha');
  }
  // Ready when NFSv3, MOUNT and NLM answer on their ports (NFS can be up a moment before the others).
  await waitFor(
    () => {
      try {
        run('rpcinfo', ['-t', '127.0.0.1', '-n', String(nfsPort), 'nfs', '3']);
        run('rpcinfo', ['-u', '127.0.0.1', '-n', String(mountPort), 'mountd', '3']);
        run('rpcinfo', ['-u', '127.0.0.1', '-n', String(nlmPort), 'nlockmgr', '4']);
        // ...and its registrations are all in rpcbind (snapshots compare them).
        const listed = run('rpcinfo', ['-p', '127.0.0.1']);
        return [`${nfsPort}  nfs`, `${mountPort}  mountd`, `${nlmPort}  nlockmgr`].every((entry) =>
          new RegExp(`\\s${entry.replace('  ', '\\s+')}`).test(listed),
        );
      } catch {
        return false;
      }
    },
    `ganesha to answer NFSv3 on port ${nfsPort} and MOUNT on ${mountPort}`,
    20_000,
  );
  return Object.assign(daemon, { dir, config: conf });
}
