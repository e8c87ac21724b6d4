// nfs-utils utils/statd/sm-notify.c, done concurrently: tell every host in the statd directory that we rebooted
// (SM_NOTIFY, program 100024 v1 procedure 6), as a failover/takeover hook — with a per-host report.
//
// Order, as sm-notify: lock, move sm/ -> sm.bak/, load sm.bak/, nobody to notify -> lift lockd's grace and stop
// (state untouched); bump the state; notify. A record leaves sm.bak/ only after its host acknowledged SM_NOTIFY, and
// every step before is an atomic rename, so a SIGKILL at any point leaves each record in sm/, sm.bak/ or notified.

import { lookup } from 'node:dns/promises';
import { constants } from 'node:fs';
import { access, type FileHandle, open } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { RpcError } from '../rpc/errors.js';
import { RpcUdpEndpoint, sameAddress } from '../rpc/udp.js';
import { Semaphore, Sleepers, YoungCallGate } from './concurrency.js';
import { NsmError } from './errors.js';
import { dropPrivilegesTo } from './privileges.js';
import { NSM_PROGRAM, NSM_VERSION, procedures, SM_NOTIFY } from './protocol.js';
import type { MonitorRecord } from './record.js';
import type { OpenedDirectory } from './safe-fs.js';
import { CLIENT_SKIP_REASONS, describeSkipped, type SkippedEntry, StatdDirectory } from './statd-directory.js';
import { lookupStatusPort } from './status-port.js';

/**
 * `skipped`: a dry run's host (nothing sent). `bad-record`: a record file that could not be read or parsed (a link, a
 * FIFO, too large, malformed lines, a name statd cannot have written): a client that was not notified.
 */
export type HostStatus = 'notified' | 'unreachable' | 'no-statd' | 'unresolved' | 'skipped' | 'bad-record';

export interface HostReport {
  /** The record file name: the host as statd recorded it, and the name resolved to reach it. */
  name: string;
  /** The address the last attempt went to (or the first resolved address). */
  address?: string;
  /** statd's UDP port on that address. */
  port?: number;
  /** RPC transmissions to this host (rpcbind and SM_NOTIFY, retransmissions included). */
  attempts: number;
  status: HostStatus;
  /** Round trip of the (last) acknowledged SM_NOTIFY. */
  rttMs?: number;
  /**
   * The address the host answered from when it was not `address` (a multi-homed host, or rpcbind/statd bound to
   * INADDR_ANY): replies are matched by xid alone, as sm-notify does, and SM_NOTIFY still goes to `address`.
   */
  repliedFrom?: string;
  /** The names announced to this host. */
  monNames: string[];
  /** Why the host was not notified (an RpcError/NsmError code or a short text). */
  error?: string;
}

export interface NotifyReport {
  stateDir: string;
  /** The state announced (odd). */
  state: number;
  /** The announced name when one was given for all hosts (-v); otherwise each record's my_name. */
  monName?: string;
  hosts: HostReport[];
  notified: number;
  failed: number;
  /** Nobody to notify and lockd's grace period was ended (as sm-notify). */
  graceLifted: boolean;
  dryRun: boolean;
  durationMs: number;
}

export interface NotifyOptions {
  /** The statd state directory (see StatdDirectory.locate). */
  directory: string | StatdDirectory;
  /** Names to announce to every host (sm-notify -v); default: each record's my_name (else the node name). */
  monNames?: readonly string[];
  /** Announce this (odd) state and write it to the state file, instead of bumping. */
  state?: number;
  /** Bump the state before notifying (default true; sm-notify -n is false). */
  updateState?: boolean;
  /** Local address to send from — the floating IP, so clients match us by address. */
  sourceAddress?: string;
  /** Local UDP port to send from (sm-notify -p, nfs.conf [sm-notify] outgoing-port); wins over privilegedPort. */
  sourcePort?: number;
  /** Send from a privileged port (600-1023). Default: when running as root, as sm-notify. */
  privilegedPort?: boolean;
  /** Give up on unanswered hosts after this long (default 15 minutes; 0 = never). */
  retryDeadlineMs?: number;
  /** Young RPC calls (sent less than one retransmission interval ago) in flight at once, over all hosts (default 512). */
  concurrency?: number;
  /** Change nothing, send nothing: report what would be notified and the state that would be announced. */
  dryRun?: boolean;
  /**
   * Work in the statd directory as the user who owns it, as sm-notify does: when running as root, the process opens
   * its sockets (privileged ports) and the kernel's files first, then switches for good to the directory owner's
   * uid/gid before it touches the directory. Default false here, because it changes the whole process; the CLI turns
   * it on. Independently of it, nothing in the directory is followed or opened unsafely (see safe-fs.ts).
   */
  dropPrivileges?: boolean;
  /**
   * Also announce the short form of a dotted name (sm-notify does, after the full name). Default false: Linux
   * clients' statd matches the sender's address anyway, and it costs a round trip per host; enable for clients
   * that match by name only and know us by the short name.
   */
  alsoShortName?: boolean;
  /** Nobody to notify: end lockd's grace period (sm-notify's lift-grace; default true). */
  liftGrace?: boolean;
  nlmEndGracePath?: string;
  /** Where the kernel learns our NSM state (decimal), when it exists; null to skip. */
  kernelStatePath?: string | null;
  /** rpcbind port on every host (default 111; tests use others). */
  rpcbindPort?: number;
  /** Name -> addresses (default: getaddrinfo via dns.lookup; IP literals pass through). */
  resolve?: (name: string) => Promise<string[]>;
  resolveTimeoutMs?: number;
  /** First round's per-call deadline (default 1000 ms); doubles per round up to maxRoundTimeoutMs (60 s). */
  firstTimeoutMs?: number;
  maxRoundTimeoutMs?: number;
  /** First retransmission inside a call (default 500 ms, doubling). */
  retransmitMs?: number;
  /** How long to wait for another notifier's lock (default 5 s). */
  lockWaitMs?: number;
  signal?: AbortSignal;
  /** Called once with the number of hosts about to be notified, then `onHost` as each finishes (progress). */
  onStart?: (total: number) => void;
  onHost?: (report: HostReport) => void;
  /** Called as each step ends (lock, move, scan, state, notify) with its duration in ms: for --debug and benchmarks. */
  onPhase?: (phase: string, ms: number) => void;
  /** Called with non-fatal problems (a skipped record file, once per file; a grace or state file not written). */
  onWarning?: (message: string) => void;
}

export const DEFAULT_RETRY_DEADLINE_MS = 15 * 60_000;
export const DEFAULT_CONCURRENCY = 512;
export const NLM_END_GRACE_PATH = '/proc/fs/lockd/nlm_end_grace';
export const KERNEL_STATE_PATH = '/proc/sys/fs/nfs/nsm_local_state';

interface HostJob {
  name: string;
  /** The names to announce; one shared array for every host when the names were given (-v). */
  monNames: string[];
  /**
   * The loaded lines of a file that also has lines we skipped (those stay): on success only these are removed.
   * Undefined for a clean file (every line loaded), which on success is simply unlinked.
   */
  doneLines?: string[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function defaultResolve(name: string): Promise<string[]> {
  if (isIP(name) !== 0) return [name];
  const found = await lookup(name, { all: true });
  return [...new Set(found.map((a) => a.address))];
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NsmError('NOT_FOUND', `${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Transmissions a UDP call makes before it times out: at 0, r, 3r, 7r, ... while before the deadline. */
function transmissionsWithin(timeoutMs: number, retransmitMs: number): number {
  let n = 0;
  for (let at = 0, gap = retransmitMs; at < timeoutMs && n < 64; at += gap, gap *= 2) n++;
  return Math.max(1, n);
}

function shortName(name: string): string | undefined {
  if (isIP(name) !== 0) return undefined;
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : undefined;
}

/** Group sm.bak lines by host file and decide the names to announce to each. Per-host state is kept small. */
function jobsFrom(records: MonitorRecord[], options: NotifyOptions, dirty: ReadonlySet<string> = new Set()): HostJob[] {
  const byHost = new Map<string, MonitorRecord[]>();
  for (const r of records) {
    const list = byHost.get(r.host);
    if (list === undefined) byHost.set(r.host, [r]);
    else list.push(r);
  }
  const node = hostname();
  // A Set, not includes(): one host file may carry thousands of distinct my_names.
  const withShort = (base: readonly string[]): string[] => {
    const names = new Set<string>();
    for (const n of base) {
      names.add(n);
      const short = options.alsoShortName ? shortName(n) : undefined;
      if (short !== undefined) names.add(short);
    }
    return [...names];
  };
  const given = options.monNames?.length ? withShort(options.monNames) : undefined;
  const jobs: HostJob[] = [];
  for (const [name, list] of byHost) {
    const monNames = given ?? withShort(list.map((r) => (r.myName === '' ? node : r.myName)));
    jobs.push(dirty.has(name) ? { name, monNames, doneLines: list.map((r) => r.line) } : { name, monNames });
  }
  return jobs;
}

/** The statd state the notifier would announce, without writing anything. */
async function plannedState(dir: StatdDirectory, options: NotifyOptions): Promise<number> {
  if (options.state !== undefined) return options.state;
  const current = await dir.readState();
  if (current === undefined) return 3;
  const odd = current & 1 ? current : (current + 1) | 0;
  return options.updateState === false ? odd : (odd + 2) | 0;
}

function checkState(state: number): void {
  if (!Number.isInteger(state) || state < -0x80000000 || state > 0x7fffffff || (state & 1) === 0) {
    throw new NsmError('BAD_STATE', `state ${state} is not an odd 32-bit integer (odd means up)`);
  }
}

/** The skipped entries that are clients we cannot notify, as host reports (the same in a dry run and a real one). */
function badRecordHosts(skipped: readonly SkippedEntry[]): HostReport[] {
  const hosts: HostReport[] = [];
  const seen = new Set<string>();
  for (const s of skipped) {
    if (!CLIENT_SKIP_REASONS.has(s.reason) || seen.has(s.file)) continue;
    seen.add(s.file);
    const detail = s.reason === 'malformed-line' ? describeSkipped(s).slice(s.list.length + 1) : (s.detail ?? s.reason);
    hosts.push({ name: s.file, attempts: 0, status: 'bad-record', monNames: [], error: detail });
  }
  return hosts;
}

/** Files whose parsed lines are only part of them (the rest stays on disk): see HostJob.doneLines. */
function partlyLoaded(skipped: readonly SkippedEntry[]): Set<string> {
  return new Set(skipped.filter((s) => s.reason === 'malformed-line').map((s) => s.file));
}

/**
 * The UDP sockets of a notify run, one per address family, shared by every host. Opened before the directory is
 * touched (a privileged port needs root, which a run that drops privileges no longer has later).
 */
class NotifyEndpoints {
  private readonly endpoints = new Map<4 | 6, Promise<RpcUdpEndpoint>>();
  private readonly options: NotifyOptions;

  constructor(options: NotifyOptions) {
    this.options = options;
  }

  for(address: string): Promise<RpcUdpEndpoint> {
    const family: 4 | 6 = isIP(address) === 6 ? 6 : 4;
    let endpoint = this.endpoints.get(family);
    if (endpoint === undefined) {
      const options = this.options;
      const privileged = options.privilegedPort ?? process.getuid?.() === 0;
      const source =
        options.sourceAddress !== undefined && isIP(options.sourceAddress) === family
          ? options.sourceAddress
          : undefined;
      endpoint = RpcUdpEndpoint.open({
        family,
        ...(source === undefined ? {} : { sourceAddress: source }),
        // An explicit port wins (sm-notify -p); otherwise a reserved port when root, as sm-notify's bindresvport.
        ...(options.sourcePort === undefined ? { privilegedPort: privileged } : { port: options.sourcePort }),
        // With a fixed port, the IPv6 socket must not also claim it for IPv4 (the IPv4 socket holds it).
        ...(family === 6 && options.sourcePort !== undefined ? { ipv6Only: true } : {}),
      });
      // Marked handled here; a host that needs a socket that could not be opened gets its error.
      endpoint.catch(() => {});
      this.endpoints.set(family, endpoint);
    }
    return endpoint;
  }

  /**
   * Open the first socket (a bad --source or a privileged-port failure is then one clear error); with `both`, the
   * other family's too, tolerating its failure (a host without IPv6).
   */
  async open(both: boolean): Promise<void> {
    const first = this.options.sourceAddress ?? '127.0.0.1';
    await this.for(first);
    if (both) await this.for(isIP(first) === 6 ? '127.0.0.1' : '::1').catch(() => {});
  }

  close(): void {
    for (const endpoint of this.endpoints.values()) void endpoint.then((e) => e.close()).catch(() => {});
  }

  async closed(): Promise<void> {
    for (const endpoint of this.endpoints.values()) await endpoint.then((e) => e.close()).catch(() => {});
  }
}

/** Open a kernel file for writing later (after privileges may have been dropped); undefined when it does not exist. */
async function openKernelFile(path: string | null, warn: (message: string) => void): Promise<FileHandle | undefined> {
  if (path === null || !(await exists(path))) return undefined;
  try {
    return await open(path, constants.O_WRONLY);
  } catch (error) {
    warn(`cannot open ${path}: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * Notify every host in the statd directory. Resolves with a per-host report; throws only when nothing could be done
 * (NsmError NO_DIRECTORY, LOCKED, BAD_STATE; RpcError PRIVILEGED_PORT or BIND_FAILED when the socket cannot be opened).
 */
export async function notifyAll(options: NotifyOptions): Promise<NotifyReport> {
  const started = performance.now();
  const dir = typeof options.directory === 'string' ? new StatdDirectory(options.directory) : options.directory;
  if (options.state !== undefined) checkState(options.state);
  await dir.check();
  const warn = options.onWarning ?? (() => {});
  const monName = options.monNames?.length === 1 ? options.monNames[0] : undefined;
  const report = (hosts: HostReport[], state: number, graceLifted: boolean, dryRun: boolean): NotifyReport => {
    const notified = hosts.filter((h) => h.status === 'notified').length;
    return {
      stateDir: dir.path,
      state,
      ...(monName === undefined ? {} : { monName }),
      hosts,
      notified,
      failed: dryRun ? 0 : hosts.length - notified,
      graceLifted,
      dryRun,
      durationMs: Math.round(performance.now() - started),
    };
  };

  if (options.dryRun) {
    // What the real run will do and say: the same records, the same skipped files and warnings, the same state.
    const scans = [await dir.scanList('sm'), await dir.scanList('sm.bak')];
    const skipped = scans.flatMap((scan) => scan.skipped);
    for (const s of skipped) if (CLIENT_SKIP_REASONS.has(s.reason)) warn(describeSkipped(s));
    const jobs = jobsFrom(
      scans.flatMap((scan) => scan.records),
      options,
    );
    const state = await plannedState(dir, options);
    const resolve = options.resolve ?? defaultResolve;
    const hosts = await Promise.all(
      jobs.map(async (job): Promise<HostReport> => {
        const addresses = await withTimeout(resolve(job.name), options.resolveTimeoutMs ?? 5000, 'resolve').catch(
          () => [] as string[],
        );
        return {
          name: job.name,
          ...(addresses[0] === undefined ? {} : { address: addresses[0] }),
          attempts: 0,
          status: 'skipped',
          monNames: job.monNames,
          ...(addresses.length === 0 ? { error: 'unresolved' } : {}),
        };
      }),
    );
    const bad = badRecordHosts(skipped);
    return { ...report([...hosts, ...bad], state, false, true), failed: bad.length };
  }

  let mark = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    options.onPhase?.(name, now - mark);
    mark = now;
  };
  // What needs root comes first: the sockets (privileged ports) and the kernel's files. Then, when asked, the
  // process becomes the directory's owner before it touches anything in it.
  const endpoints = new NotifyEndpoints(options);
  let kernelFile: FileHandle | undefined;
  let graceFile: FileHandle | undefined;
  try {
    if (options.dropPrivileges === true) await endpoints.open(true);
    const kernelPath = options.kernelStatePath === undefined ? KERNEL_STATE_PATH : options.kernelStatePath;
    kernelFile = await openKernelFile(kernelPath, warn);
    if (options.liftGrace !== false)
      graceFile = await openKernelFile(options.nlmEndGracePath ?? NLM_END_GRACE_PATH, warn);
    if (options.dropPrivileges === true) dropPrivilegesTo(dir.path, warn);
    phase('open');
    const lock = await dir.lock(options.lockWaitMs ?? 5000);
    phase('lock');
    const previousWarn = dir.onWarning;
    dir.onWarning ??= warn;
    try {
      // A state file that is a link or a FIFO is refused (UNSAFE) before anything is moved.
      await dir.readState();
      const moved = await dir.moveAllToNotifyList();
      phase('move');
      // Only the jobs stay in memory while notifying: the parsed records are dropped once grouped.
      const { jobs, bad } = await dir.scanList('sm.bak').then((scan) => {
        const skipped = [...moved.left, ...scan.skipped];
        for (const s of skipped) if (CLIENT_SKIP_REASONS.has(s.reason)) warn(describeSkipped(s));
        return { jobs: jobsFrom(scan.records, options, partlyLoaded(scan.skipped)), bad: badRecordHosts(skipped) };
      });
      phase('scan');

      if (jobs.length === 0) {
        let graceLifted = false;
        if (graceFile !== undefined) {
          await graceFile.write('Y').then(
            () => {
              graceLifted = true;
            },
            (error: Error) => warn(`cannot end lockd's grace period: ${error.message}`),
          );
        }
        // As sm-notify: nothing to announce, so the state file is not touched (not even created).
        const current = await dir.readState();
        return report(bad, current === undefined ? 1 : current & 1 ? current : (current + 1) | 0, graceLifted, false);
      }

      let state: number;
      if (options.state !== undefined) {
        await dir.writeState(options.state);
        state = options.state;
      } else {
        state = await dir.getState(options.updateState !== false);
      }
      await kernelFile
        ?.write(`${state}\n`)
        .catch((error: Error) => warn(`cannot tell the kernel the state: ${error.message}`));

      phase('state');
      options.onStart?.(jobs.length);
      const bak = dir.openList('sm.bak');
      let hosts: HostReport[];
      try {
        hosts = await notifyHosts(dir, bak, endpoints, jobs, state, options, warn);
      } finally {
        bak.close();
      }
      phase('notify');
      await dir.syncList('sm.bak').catch(() => {});
      return report([...hosts, ...bad], state, false, false);
    } finally {
      dir.onWarning = previousWarn;
      await lock.release();
    }
  } finally {
    endpoints.close();
    await kernelFile?.close().catch(() => {});
    await graceFile?.close().catch(() => {});
  }
}

async function notifyHosts(
  dir: StatdDirectory,
  bak: OpenedDirectory,
  endpoints: NotifyEndpoints,
  jobs: HostJob[],
  state: number,
  options: NotifyOptions,
  warn: (message: string) => void,
): Promise<HostReport[]> {
  const deadlineMs = options.retryDeadlineMs ?? DEFAULT_RETRY_DEADLINE_MS;
  const deadline = deadlineMs > 0 ? Date.now() + deadlineMs : Number.POSITIVE_INFINITY;
  const resolve = options.resolve ?? defaultResolve;
  const resolveTimeoutMs = options.resolveTimeoutMs ?? 5000;
  const resolveSlots = new Semaphore(64);
  const firstTimeoutMs = options.firstTimeoutMs ?? 1000;
  const maxRoundTimeoutMs = options.maxRoundTimeoutMs ?? 60_000;
  const retransmitMs = options.retransmitMs ?? 500;
  const signal = options.signal;
  // The bound is on YOUNG calls (see YoungCallGate): bursts stay bounded while unreachable hosts waiting out their
  // timeouts do not starve the reachable ones.
  const gate = new YoungCallGate(options.concurrency ?? DEFAULT_CONCURRENCY, retransmitMs);
  const bounded = <T>(task: () => Promise<T>, urgent = false): Promise<T> => gate.run(task, urgent);
  const endpointFor = (address: string): Promise<RpcUdpEndpoint> => endpoints.for(address);
  await endpoints.open(false);
  // An abort closes the sockets, which fails every call in flight at once (with CLOSED), and wakes every host waiting
  // to retry: one listener on the signal for all hosts and calls.
  const sleeps = new Sleepers(signal);
  const closeAll = (): void => endpoints.close();
  signal?.addEventListener('abort', closeAll, { once: true });

  // `settled()`: the host's first attempt is over (answered, or it failed and the host now waits to retry); see below.
  const notifyOne = async (job: HostJob, settled: () => void): Promise<HostReport> => {
    const host: HostReport = { name: job.name, attempts: 0, status: 'unresolved', monNames: job.monNames };
    // An IP literal needs no resolver (and no timer, semaphore or promise per host) unless a resolver was given.
    let addresses: string[] = options.resolve === undefined && isIP(job.name) !== 0 ? [job.name] : [];
    // Resolve (bounded: getaddrinfo runs on a small thread pool); retry only transient failures until the deadline.
    for (let wait = 1000; addresses.length === 0 && !signal?.aborted; wait = Math.min(wait * 2, 30_000)) {
      try {
        addresses = await resolveSlots.run(() =>
          withTimeout(resolve(job.name), resolveTimeoutMs, `resolving ${job.name}`),
        );
        break;
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'unresolved';
        host.error = code;
        const transient = code === 'EAI_AGAIN' || code === 'NOT_FOUND' || code === 'ETIMEOUT';
        if (!transient || Date.now() + wait >= deadline) return host;
        settled();
        await sleeps.sleep(wait);
      }
    }
    if (addresses.length === 0) return host;
    delete host.error;
    host.address = addresses[0]!;
    host.status = 'unreachable';
    const acked = new Set<string>();
    let roundTimeout = firstTimeoutMs;
    let addressIndex = 0;
    let failuresHere = 0;
    let port: number | undefined;
    while (!signal?.aborted) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const timeoutMs = Math.min(roundTimeout, remaining);
      const address = addresses[addressIndex % addresses.length]!;
      host.address = address;
      // Later rounds retransmit less often (half the round, as sm-notify's doubling): a silent host costs a datagram
      // (and, on a LAN, an ICMP error the kernel builds) per send, taken from the reachable hosts' share.
      const roundRetransmitMs = Math.max(retransmitMs, roundTimeout / 2);
      // No signal per call: an abort closes the endpoints (see below), which fails every call in flight at once.
      // Replies are matched by xid alone (see HostReport.repliedFrom).
      const callOptions = { timeoutMs, retransmitMs: roundRetransmitMs, matchReplyBy: 'xid' as const };
      let repliedFrom: string | undefined;
      try {
        const endpoint = await endpointFor(address);
        if (port === undefined) {
          const found = await bounded(() =>
            lookupStatusPort(endpoint, address, {
              ...callOptions,
              ...(options.rpcbindPort === undefined ? {} : { rpcbindPort: options.rpcbindPort }),
            }),
          );
          host.attempts += found.attempts;
          repliedFrom = found.repliedFrom;
          if (found.port === 0) {
            host.status = 'no-statd';
            host.error = 'statd is not registered with rpcbind';
            settled();
            await sleeps.sleep(Math.min(roundTimeout, deadline - Date.now()));
            roundTimeout = Math.min(roundTimeout * 2, maxRoundTimeoutMs);
            continue;
          }
          port = found.port;
          host.port = port;
        }
        for (const name of job.monNames) {
          if (acked.has(name)) continue;
          const reply = await bounded(
            () =>
              endpoint.call(
                { address, port: port! },
                NSM_PROGRAM,
                NSM_VERSION,
                SM_NOTIFY,
                (w) => procedures[SM_NOTIFY].args.encode(w, { monName: name, state }),
                callOptions,
              ),
            true, // the host's second call goes ahead of other hosts' first ones: hosts finish as they go
          );
          host.attempts += reply.attempts;
          host.rttMs = Math.round(reply.rttMs * 1000) / 1000;
          if (reply.fromAddress !== undefined && !sameAddress(reply.fromAddress, address)) {
            repliedFrom = reply.fromAddress;
          }
          acked.add(name);
        }
        host.status = 'notified';
        if (repliedFrom !== undefined) host.repliedFrom = repliedFrom;
        delete host.error;
        break;
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'ERROR';
        if (error instanceof RpcError && code === 'TIMEOUT') {
          host.attempts += transmissionsWithin(timeoutMs, roundRetransmitMs);
        } else {
          host.attempts += 1;
        }
        if (code === 'ABORTED' || code === 'CLOSED') break;
        settled();
        host.error = code;
        if (code === 'PROG_UNAVAIL' || code === 'PROG_MISMATCH' || code === 'PROC_UNAVAIL') {
          host.status = 'no-statd';
          await sleeps.sleep(Math.min(roundTimeout, deadline - Date.now()));
        } else {
          host.status = 'unreachable';
          if (code !== 'TIMEOUT') await sleeps.sleep(Math.min(roundTimeout, deadline - Date.now()));
        }
        // Ask rpcbind again next round (statd may have restarted elsewhere); after two failed rounds on one
        // address move on to the host's next address, as sm-notify does after four unanswered sends.
        port = undefined;
        failuresHere++;
        if (failuresHere >= 2 && addresses.length > 1) {
          addressIndex++;
          failuresHere = 0;
        }
        roundTimeout = Math.min(roundTimeout * 2, maxRoundTimeoutMs);
      }
    }
    if (host.status === 'notified') {
      try {
        if (job.doneLines === undefined) dir.removeFileNow('sm.bak', job.name, bak);
        else {
          const done = new Set(job.doneLines);
          await dir.removeRecord('sm.bak', job.name, (r) => done.has(r.line), { syncDirectory: false });
        }
      } catch (error) {
        warn(`${job.name} was notified but its sm.bak record could not be removed: ${(error as Error).message}`);
      }
    } else if (signal?.aborted) {
      // Given up because of the abort, whatever the last attempt said (the status keeps what that was).
      host.error = 'ABORTED';
    }
    return host;
  };

  try {
    // Hosts are started as earlier ones settle, at most `active` in their first attempt at once, instead of all at
    // once: memory stays proportional to that window, not to the fleet. A host whose first attempt failed leaves the
    // window while it waits to retry, so silent hosts never hold back the others.
    // Twice the young-call bound keeps every place busy (each host makes two calls in turn); more only adds memory.
    const window = Math.max(64, 2 * (options.concurrency ?? DEFAULT_CONCURRENCY));
    const results: HostReport[] = new Array(jobs.length);
    await new Promise<void>((resolveAll, rejectAll) => {
      let next = 0;
      let active = 0;
      let finished = 0;
      let failed = false;
      const pump = (): void => {
        while (!failed && active < window && next < jobs.length) {
          const index = next++;
          active++;
          let inWindow = true;
          const leave = () => {
            if (!inWindow) return;
            inWindow = false;
            active--;
            pump();
          };
          notifyOne(jobs[index]!, leave).then(
            (result) => {
              results[index] = result;
              options.onHost?.(result);
              leave();
              if (++finished === jobs.length) resolveAll();
            },
            (error: unknown) => {
              failed = true;
              rejectAll(error);
            },
          );
        }
      };
      if (jobs.length === 0) resolveAll();
      else pump();
    });
    return results;
  } finally {
    signal?.removeEventListener('abort', closeAll);
    sleeps.dispose();
    await endpoints.closed();
  }
}
