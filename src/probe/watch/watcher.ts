// The failover watch: probe paths (liveness NULLs, NFSv3 GETATTR with the handles from before the failover, the
// data path, an NFSv4.1 SEQUENCE heartbeat), each on its own timeline at a fixed interval, every call with a
// timeout shorter than the interval so a dead server never stalls a loop. Events as ../shared/CLI.md fixes them.
import { hostname } from 'node:os';
import { defaultCredential } from '../../nfs/connect.js';
import { NfsError } from '../../nfs/errors.js';
import { compareFileHandles } from '../../nfs/fh/compare.js';
import { decodeFileHandle } from '../../nfs/fh/detect.js';
import { MOUNT_PROGRAM } from '../../nfs/mount.js';
import { MountClient } from '../../nfs/mount-client.js';
import { Nfs3Client } from '../../nfs/nfs3/client.js';
import { CREATEMODE3 } from '../../nfs/nfs3/constants.js';
import { Nfs4Client } from '../../nfs/nfs4/client.js';
import { type OpaqueAuth, PROGRAMS, RpcbindClient } from '../../rpc/index.js';
import { codeOf } from '../error-code.js';
import { DataPath } from './data.js';
import { Endpoint } from './endpoint.js';
import type { SummaryEvent, WatchEvent, WatchIdentity } from './events.js';
import { EMPTY_IDENTITY, identityChanges, nfs4Identity, nsmState } from './identity.js';
import { LockCanary, type LockSummary } from './locks.js';
import { Ticker } from './ticker.js';
import { isoAt, PathTimeline } from './timeline.js';

export interface WatchOptions {
  host: string;
  /** The exported path, as MOUNT knows it. */
  exportPath: string;
  /** Probe interval (default 100 ms). */
  intervalMs?: number;
  /** Stop after this long (default: run until `signal`). */
  durationMs?: number;
  signal?: AbortSignal;
  /** Transport of the NFSv3 GETATTR and data paths (default tcp). Liveness NULLs always use both. */
  transport?: 'udp' | 'tcp' | 'both';
  /** 3 (default), 4 (NFSv4.1 only, plus liveness) or all. */
  nfsVersion?: '3' | '4' | 'all';
  /** Probe file name in the export root (default `.nfsprobe-watch-<hostname>-<pid>`). */
  fileName?: string;
  readOnly?: boolean;
  /** Keep the probe file at the end. */
  keep?: boolean;
  /** An outage longer than this is a problem. */
  maxOutageMs?: number;
  /**
   * Stop this long after every path that failed has recovered (paths that never failed do not count), unless a path
   * fails again meanwhile.
   */
  untilRecoveredMs?: number;
  /** Append each acknowledged record to this local file and fsync it. */
  logFile?: string;
  /** Per-call timeout of the probes (default 80% of the interval, at least 20 ms). */
  callTimeoutMs?: number;
  /** Timeout of the calls made before and after the run (mount, create, read back, remove; default 5 s). */
  setupTimeoutMs?: number;
  /** COMMIT after this many UNSTABLE writes (default 4). */
  commitEvery?: number;
  rpcbindPort?: number;
  cred?: OpaqueAuth;
  /** The lock canary (`--locks`): an NLM lock on the probe file held through the failover (needs the probe file). */
  locks?: WatchLockOptions;
}

export interface WatchLockOptions {
  /** caller_name of the canary's locks (default: our host name); the new server notifies the address it names. */
  callerName?: string;
  /** The name SM_NOTIFY must announce (default: the host of HOST:/export). */
  floatingName?: string;
  /** Listen for SM_NOTIFY on this port (default: a free one, registered with the local rpcbind). */
  notifyPort?: number;
  /** SM_NOTIFY must arrive this long after recovery (default: the lease time, else 90 s, plus 30 s). */
  notifyTimeoutMs?: number;
  /** How often the second lock owner tries during grace (default 500 ms). */
  pollMs?: number;
  /** One line for the user (the listener could not register with rpcbind, ...). */
  onNotice?: (line: string) => void;
}

/** A handle the run keeps from before the failover (export root or probe file), shared by the paths using it. */
interface Target {
  readonly name: string;
  /** LOOKUP name below the export root, or undefined for the root itself. */
  readonly lookupName: string | undefined;
  handle: Uint8Array;
  staleCheck: Promise<void> | undefined;
  reported: Set<string>;
}

interface ProbePath {
  readonly name: string;
  readonly timeline: PathTimeline;
  readonly endpoint: Endpoint;
  probe(): Promise<void>;
}

/** A path's recovery, relative to the first failure of the run (the failover timeline). */
export interface WatchPhase {
  readonly path: string;
  readonly firstFailureMs: number;
  readonly recoveredAfterMs: number;
}

/** The live state for a status line. */
export interface WatchStatus {
  readonly elapsedMs: number;
  readonly paths: readonly { readonly path: string; readonly up: boolean; readonly outageMs: number }[];
  readonly writesAcknowledged: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

const STALE_CODES = new Set(['NFS3ERR_STALE', 'NFS4ERR_STALE', 'NFS4ERR_FHEXPIRED']);

export class Watcher {
  readonly options: Readonly<WatchOptions>;
  readonly intervalMs: number;
  private readonly callTimeoutMs: number;
  private readonly setupTimeoutMs: number;
  private readonly cred: OpaqueAuth;
  private readonly fileName: string;
  private readonly paths: ProbePath[] = [];
  private readonly data: DataPath;
  private readonly events: WatchEvent[] = [];
  private listener: ((event: WatchEvent) => void) | undefined;
  private startedMs = 0;
  private ticker: Ticker | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private untilRecoveredTimer: NodeJS.Timeout | undefined;
  private staleHandles = 0;
  private verifyNeeded = false;
  private root: Target | undefined;
  private file: Target | undefined;
  private mountPorts: { udp: number; tcp: number } = { udp: 0, tcp: 0 };
  private nfsPorts: { udp: number; tcp: number } = { udp: 0, tcp: 0 };
  private nfs4: { client: Nfs4Client | undefined; endpoint: Endpoint } | undefined;
  private identityBefore: WatchIdentity = EMPTY_IDENTITY;
  private canary: LockCanary | undefined;

  constructor(options: WatchOptions) {
    this.options = { ...options };
    this.intervalMs = options.intervalMs ?? 100;
    this.callTimeoutMs = options.callTimeoutMs ?? Math.max(20, Math.floor(this.intervalMs * 0.8));
    this.setupTimeoutMs = options.setupTimeoutMs ?? 5000;
    this.cred = options.cred ?? defaultCredential();
    this.fileName = options.fileName ?? `.nfsprobe-watch-${hostname()}-${process.pid}`;
    this.data = new DataPath({
      ...(options.commitEvery === undefined ? {} : { commitEvery: options.commitEvery }),
      ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
    });
  }

  private get v3(): boolean {
    return this.options.nfsVersion !== '4';
  }

  private get v4(): boolean {
    return this.options.nfsVersion === '4' || this.options.nfsVersion === 'all';
  }

  /** Events so far (the summary last once the run is over). */
  history(): readonly WatchEvent[] {
    return this.events;
  }

  status(): WatchStatus {
    const now = performance.now();
    return {
      elapsedMs: this.startedMs === 0 ? 0 : Math.round(now - this.startedMs),
      paths: this.paths.map((p) => ({
        path: p.name,
        up: !p.timeline.isDown,
        outageMs: p.timeline.currentOutageMs(now),
      })),
      writesAcknowledged: this.data.writesAcknowledged,
    };
  }

  /** Every path's first recovery, in order, relative to the first failure of the run. */
  phases(): WatchPhase[] {
    const origin = this.failureOrigin();
    if (origin === undefined) return [];
    return this.paths
      .filter((p) => p.timeline.firstRecoveryMs !== undefined)
      .map((p) => ({
        path: p.name,
        firstFailureMs: Math.round(p.timeline.firstFailureMs! - origin),
        recoveredAfterMs: Math.round(p.timeline.firstRecoveryMs! - origin),
      }))
      .sort((a, b) => a.recoveredAfterMs - b.recoveredAfterMs);
  }

  /** End the run early (as the AbortSignal does). */
  stop(): void {
    this.stopping = true;
    this.ticker?.close();
    this.wake?.();
  }

  private emit(event: WatchEvent): void {
    this.events.push(event);
    this.listener?.(event);
  }

  /**
   * Set up (MOUNT, create the probe file), emit `start`, probe until the duration ends or the signal fires, then
   * read back, clean up and return the summary (also emitted last). Setup failures throw NfsError / RpcError.
   */
  async run(onEvent?: (event: WatchEvent) => void): Promise<SummaryEvent> {
    this.listener = onEvent;
    const signal = this.options.signal;
    if (signal?.aborted) this.stop();
    const onAbort = () => this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup: Endpoint[] = [];
    try {
      await this.setup(cleanup);
      this.buildPaths();
      this.emit({
        event: 'start',
        at: new Date().toISOString(),
        host: this.options.host,
        export: this.options.exportPath,
        paths: this.paths.map((p) => p.name),
        identity: this.identityBefore,
      });
      this.startedMs = performance.now();
      this.ticker = new Ticker(this.intervalMs, this.startedMs);
      if (this.stopping) this.ticker.close();
      const timer =
        this.options.durationMs === undefined ? undefined : setTimeout(() => this.stop(), this.options.durationMs);
      await Promise.all(this.paths.map((p) => this.loop(p)));
      clearTimeout(timer);
      clearTimeout(this.untilRecoveredTimer);
      return await this.finish(cleanup);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await Promise.allSettled([...this.paths.map((p) => p.endpoint.close()), ...cleanup.map((e) => e.close())]);
      await this.nfs4?.endpoint.close();
      await this.canary?.close();
      await this.data.closeLog();
    }
  }

  /** A one-off client for setup and clean-up calls (longer timeout). */
  private setupEndpoint(cleanup: Endpoint[], port: number, transport: 'udp' | 'tcp'): Endpoint {
    const endpoint = new Endpoint({
      host: this.options.host,
      port,
      transport,
      timeoutMs: this.setupTimeoutMs,
      cred: this.cred,
    });
    cleanup.push(endpoint);
    return endpoint;
  }

  private async setup(cleanup: Endpoint[]): Promise<void> {
    const o = this.options;
    const rpcbind = new RpcbindClient({ host: o.host, port: o.rpcbindPort ?? 111, timeoutMs: this.setupTimeoutMs });
    try {
      const [mountUdp, mountTcp, nfsUdp, nfsTcp] = await Promise.all([
        rpcbind.getPort(MOUNT_PROGRAM, 3, 'udp'),
        rpcbind.getPort(MOUNT_PROGRAM, 3, 'tcp'),
        rpcbind.getPort(PROGRAMS.nfs, 3, 'udp'),
        rpcbind.getPort(PROGRAMS.nfs, 3, 'tcp'),
      ]);
      this.mountPorts = { udp: mountUdp, tcp: mountTcp };
      this.nfsPorts = { udp: nfsUdp, tcp: nfsTcp };
    } finally {
      await rpcbind.close();
    }
    if (this.v3) {
      if (this.mountPorts.udp === 0 && this.mountPorts.tcp === 0) {
        throw new NfsError('NO_PORT', -1, `mountd v3 is not registered with rpcbind on ${o.host}`);
      }
      if (this.nfsPort() === 0) {
        throw new NfsError('NO_PORT', -1, `nfs v3 over ${this.dataTransport()} is not registered on ${o.host}`);
      }
      const rootHandle = await this.currentHandle(cleanup, undefined);
      this.root = {
        name: 'root',
        lookupName: undefined,
        handle: rootHandle,
        staleCheck: undefined,
        reported: new Set(),
      };
      const nfs = new Nfs3Client(this.setupEndpoint(cleanup, this.nfsPort(), this.dataTransport()));
      let writeVerifier: string | null = null;
      if (!o.readOnly) {
        const created = await nfs.create(rootHandle, this.fileName, {
          mode: CREATEMODE3.UNCHECKED,
          objAttributes: { mode: 0o644, size: 0n },
        });
        const handle = created.obj?.slice() ?? (await nfs.lookup(rootHandle, this.fileName)).object.slice();
        this.file = { name: 'file', lookupName: this.fileName, handle, staleCheck: undefined, reported: new Set() };
        writeVerifier = hex((await nfs.commit(handle, 0n, 0)).verf);
        this.data.verifier = writeVerifier;
        await this.data.openLog();
      } else if (o.fileName !== undefined) {
        const handle = (await nfs.lookup(rootHandle, o.fileName)).object.slice();
        this.file = { name: 'file', lookupName: o.fileName, handle, staleCheck: undefined, reported: new Set() };
      }
      this.identityBefore = { ...this.identityBefore, writeVerifier };
    }
    if (this.v4) {
      const port = this.nfsPorts.tcp === 0 ? 2049 : this.nfsPorts.tcp;
      const endpoint = new Endpoint({
        host: o.host,
        port,
        transport: 'tcp',
        timeoutMs: this.setupTimeoutMs,
        cred: this.cred,
      });
      const client = new Nfs4Client(endpoint, { minorVersion: 1 });
      try {
        await client.createSession();
        this.identityBefore = { ...this.identityBefore, ...(await nfs4Identity(client)) };
      } finally {
        await client.destroySession().catch(() => {});
        await endpoint.close();
      }
    }
    this.identityBefore = {
      ...this.identityBefore,
      nsmState: await nsmState(o.host, Math.min(this.setupTimeoutMs, 1000), o.rpcbindPort),
    };
    if (o.locks !== undefined) {
      if (this.v3 && this.file === undefined) {
        throw new NfsError(
          'NO_FILE',
          -1,
          'the lock canary needs the NFSv3 probe file (not --read-only without --file)',
        );
      }
      const l = o.locks;
      const canary = new LockCanary({
        host: o.host,
        ...(this.file === undefined ? {} : { fh: this.file.handle }),
        setupTimeoutMs: this.setupTimeoutMs,
        ...(l.callerName === undefined ? {} : { callerName: l.callerName }),
        ...(l.floatingName === undefined ? {} : { floatingName: l.floatingName }),
        ...(l.notifyPort === undefined ? {} : { notifyPort: l.notifyPort }),
        ...(l.notifyTimeoutMs === undefined ? {} : { notifyTimeoutMs: l.notifyTimeoutMs }),
        ...(l.pollMs === undefined ? {} : { pollMs: l.pollMs }),
        ...(l.onNotice === undefined ? {} : { onNotice: l.onNotice }),
        ...(this.v4
          ? {
              nfs4: {
                port: this.nfsPorts.tcp === 0 ? 2049 : this.nfsPorts.tcp,
                path: o.exportPath,
                fileName: this.file?.lookupName ?? o.fileName ?? this.fileName,
                // NFSv4.1 only: the canary's OPEN creates the probe file (and removes it at the end unless --keep).
                ...(this.v3 ? {} : { create: !o.readOnly, remove: !o.readOnly && !o.keep }),
                cred: this.cred,
              },
            }
          : {}),
      });
      this.canary = canary;
      canary.onEvent = (event) => this.emit(event);
      canary.onNotify = (event) => this.emit(event);
      canary.setFailureOrigin(() => this.failureOrigin());
      await canary.prepare(this.identityBefore.leaseTime);
    }
  }

  /** performance.now() of the first failure of any path, if one failed. */
  private failureOrigin(): number | undefined {
    const firsts = this.paths.map((p) => p.timeline.firstFailureMs).filter((v): v is number => v !== undefined);
    return firsts.length === 0 ? undefined : Math.min(...firsts);
  }

  private dataTransport(): 'udp' | 'tcp' {
    return this.options.transport === 'udp' ? 'udp' : 'tcp';
  }

  private nfsPort(transport = this.dataTransport()): number {
    return this.nfsPorts[transport];
  }

  /** MNT the export (and LOOKUP `name` below it): the handle the server gives for that path now. */
  private async currentHandle(cleanup: Endpoint[], name: string | undefined): Promise<Uint8Array> {
    const transport = this.mountPorts.udp !== 0 ? 'udp' : 'tcp';
    const mount = new MountClient(this.setupEndpoint(cleanup, this.mountPorts[transport], transport));
    const root = (await mount.mnt(this.options.exportPath)).fhandle;
    if (name === undefined) return root;
    const nfs = new Nfs3Client(this.setupEndpoint(cleanup, this.nfsPort(), this.dataTransport()));
    return (await nfs.lookup(root, name)).object.slice();
  }

  private endpoint(port: number, transport: 'udp' | 'tcp'): Endpoint {
    return new Endpoint({
      host: this.options.host,
      port,
      transport,
      timeoutMs: this.callTimeoutMs,
      cred: this.cred,
    });
  }

  private addPath(name: string, endpoint: Endpoint, probe: () => Promise<void>): void {
    this.paths.push({ name, timeline: new PathTimeline(name, this.intervalMs), endpoint, probe });
  }

  private buildPaths(): void {
    const rpcbindPort = this.options.rpcbindPort ?? 111;
    const transports = ['udp', 'tcp'] as const;
    for (const t of transports) {
      const e = this.endpoint(rpcbindPort, t);
      this.addPath(`rpcbind-${t}`, e, async () => void (await e.call(100000, 2, 0, new Uint8Array(0))));
    }
    if (this.v3) {
      for (const t of transports) {
        if (this.mountPorts[t] === 0) continue;
        const e = this.endpoint(this.mountPorts[t], t);
        this.addPath(`mount-null-${t}`, e, async () => void (await e.call(MOUNT_PROGRAM, 3, 0, new Uint8Array(0))));
      }
      for (const t of transports) {
        if (this.nfsPorts[t] === 0) continue;
        const e = this.endpoint(this.nfsPorts[t], t);
        this.addPath(`nfs3-null-${t}`, e, async () => void (await e.call(PROGRAMS.nfs, 3, 0, new Uint8Array(0))));
      }
      const getattrTransports = this.options.transport === 'both' ? transports : ([this.dataTransport()] as const);
      for (const t of getattrTransports) {
        if (this.nfsPorts[t] === 0) continue;
        const e = this.endpoint(this.nfsPorts[t], t);
        const nfs = new Nfs3Client(e);
        const name = `nfs3-getattr-${t}`;
        const targets = [this.root!, ...(this.file === undefined ? [] : [this.file])];
        this.addPath(name, e, async () => {
          for (const target of targets) await this.guarded(name, target, () => nfs.getattr(target.handle));
        });
      }
      if (!this.options.readOnly && this.file !== undefined) {
        const t = this.dataTransport();
        const e = this.endpoint(this.nfsPorts[t], t);
        const nfs = new Nfs3Client(e);
        const name = `nfs3-write-${t}`;
        const file = this.file;
        this.addPath(name, e, async () => {
          if (this.verifyNeeded) {
            for (const event of await this.guarded(name, file, () => this.data.verify(nfs, file.handle))) {
              this.emit(event);
            }
            this.verifyNeeded = false;
          }
          for (const event of await this.guarded(name, file, () => this.data.tick(nfs, file.handle))) {
            this.emit(event);
          }
        });
      }
    }
    if (this.v4) {
      const port = this.nfsPorts.tcp === 0 ? 2049 : this.nfsPorts.tcp;
      const endpoint = this.endpoint(port, 'tcp');
      this.nfs4 = { client: undefined, endpoint };
      this.addPath('nfs4-sequence', endpoint, () => this.sequence());
    }
  }

  /** NFSv4.1 heartbeat: SEQUENCE alone; a new session (and client id) when the server no longer knows ours. */
  private async sequence(): Promise<void> {
    const state = this.nfs4!;
    if (state.client === undefined) {
      const client = new Nfs4Client(state.endpoint, { minorVersion: 1 });
      await client.createSession();
      state.client = client;
      const now = await nfs4Identity(client);
      const at = new Date().toISOString();
      for (const event of identityChanges(
        {
          ...EMPTY_IDENTITY,
          serverOwner: this.identityBefore.serverOwner,
          serverScope: this.identityBefore.serverScope,
        },
        { ...EMPTY_IDENTITY, serverOwner: now.serverOwner, serverScope: now.serverScope },
        at,
      )) {
        if (!this.events.some((e) => e.event === 'identity' && e.field === event.field && e.after === event.after)) {
          this.emit(event);
        }
      }
      return;
    }
    try {
      await state.client.compound([], 'heartbeat');
    } catch (error) {
      const code = codeOf(error);
      // BADSESSION, DEADSESSION, STALE_CLIENTID: the server lost our session or client id; start over.
      if (error instanceof NfsError || code === 'CONNECTION') state.client = undefined;
      throw error;
    }
  }

  /** Run a call on `target`'s handle; on a stale handle, report it once (with what changed) and adopt the new one. */
  private async guarded<T>(path: string, target: Target, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (STALE_CODES.has(codeOf(error))) {
        const handle = target.handle;
        if (!target.reported.has(hex(handle))) {
          target.reported.add(hex(handle));
          target.staleCheck ??= this.reportStale(path, target, handle).finally(() => {
            target.staleCheck = undefined;
          });
        }
        await target.staleCheck;
      }
      throw error;
    }
  }

  private async reportStale(path: string, target: Target, handle: Uint8Array): Promise<void> {
    const at = new Date().toISOString(); // when the server refused the handle, not when the analysis ended
    const cleanup: Endpoint[] = [];
    let current: Uint8Array | undefined;
    let why = '';
    try {
      current = await this.currentHandle(cleanup, target.lookupName);
    } catch (error) {
      why = (error as Error).message;
    } finally {
      await Promise.allSettled(cleanup.map((e) => e.close()));
    }
    this.staleHandles++;
    const what = target.lookupName === undefined ? `the export root ${this.options.exportPath}` : target.lookupName;
    if (current === undefined) {
      this.emit({
        event: 'stale',
        at,
        path,
        handle: hex(handle),
        current: null,
        field: null,
        detail: `the server refuses the handle of ${what} and gives no new one (${why})`,
        remedy: 'The standby does not serve the same filesystem: check that it exports the same storage.',
      });
      return;
    }
    const comparison = compareFileHandles(decodeFileHandle(handle), decodeFileHandle(current));
    const difference =
      comparison.differences.find((d) => d.severity === 'fail') ??
      comparison.differences.find((d) => d.field !== 'confidence');
    this.emit({
      event: 'stale',
      at,
      path,
      handle: hex(handle),
      current: hex(current),
      field: difference?.field ?? null,
      detail:
        difference === undefined
          ? `the handle of ${what} is refused although the server gives the same bytes again`
          : `the handle of ${what} changed: ${difference.field} ${String(difference.a)} -> ${String(difference.b)}`,
      remedy:
        difference?.consequence ??
        'The server no longer recognises its own handle: check the export configuration (fsid, Export_Id).',
    });
    target.handle = current; // as a client would after a remount: keep measuring with what the server gives now
  }

  private async loop(path: ProbePath): Promise<void> {
    const ticker = this.ticker!;
    let due = ticker.originMs; // the grid point this probe is for (a timer may wake it a little early)
    while (!this.stopping) {
      const sent = performance.now();
      let error: string | undefined;
      try {
        await path.probe();
      } catch (e) {
        error = codeOf(e);
        path.endpoint.reset();
      }
      if (this.stopping && error !== undefined) break; // a call cut short by the end of the run is no finding
      // A timeout noticed more than two intervals after its deadline means this process was not running (a starved
      // machine; timers run before the socket is read): the probe says nothing about the server, it counts neither way.
      const starved = error === 'TIMEOUT' && performance.now() - sent > this.callTimeoutMs + 2 * this.intervalMs;
      if (!starved) this.note(path, sent, error);
      // The next point of the shared grid; a probe that overran its interval skips the points it missed.
      const now = performance.now();
      due = ticker.nextAfter(due);
      if (due < now) due = ticker.nextAfter(now);
      await ticker.until(due);
    }
  }

  private note(path: ProbePath, sent: number, error: string | undefined): void {
    const transition = path.timeline.record(sent, error);
    if (transition.kind === 'down') {
      this.emit({ event: 'down', at: isoAt(sent), path: path.name, error: transition.error });
      // A path that fails after the others came back: the failover is not over, --until-recovered waits again.
      clearTimeout(this.untilRecoveredTimer);
      this.untilRecoveredTimer = undefined;
    } else if (transition.kind === 'up') {
      this.emit({ event: 'up', at: isoAt(sent), path: path.name, outageMs: transition.outage.durationMs });
      this.verifyNeeded = true;
      if (this.recovered()) {
        this.canary?.recovered(performance.now());
        this.stopLaterWhenRecovered();
      }
    }
  }

  /**
   * The failover is over: every path that failed is back and none is failing now. Paths that never failed do not
   * hold it up (rpcbind often keeps answering through a move); called on an `up`, so at least one path failed.
   */
  private recovered(): boolean {
    const failed = this.paths.filter((p) => p.timeline.firstFailureMs !== undefined);
    return (
      failed.length > 0 &&
      failed.every((p) => p.timeline.firstRecoveryMs !== undefined) &&
      this.paths.every((p) => !p.timeline.isFailing)
    );
  }

  /** --until-recovered: once the failover is over (see recovered), stop after the given time unless a path fails. */
  private stopLaterWhenRecovered(): void {
    const after = this.options.untilRecoveredMs;
    if (after === undefined || this.untilRecoveredTimer !== undefined) return;
    this.untilRecoveredTimer = setTimeout(() => this.stop(), after);
  }

  private async finish(cleanup: Endpoint[]): Promise<SummaryEvent> {
    const endMs = performance.now();
    const o = this.options;
    const problems: string[] = [];
    // The lock canary first: it waits for SM_NOTIFY and the reclaim, then releases its lock before the file goes.
    let locks: LockSummary | undefined;
    if (this.canary !== undefined) {
      locks = await this.canary.finish(this.options.signal?.aborted === true);
      for (const p of locks.problems) problems.push(p.detail);
    }
    let writeVerifier: string | null = this.identityBefore.writeVerifier;
    if (this.file !== undefined && !o.readOnly) {
      const nfs = new Nfs3Client(this.setupEndpoint(cleanup, this.nfsPort(), this.dataTransport()));
      try {
        await this.data.commit(nfs, this.file.handle);
        writeVerifier = this.data.verifier ?? null;
        for (const event of await this.data.verify(nfs, this.file.handle)) this.emit(event);
      } catch (error) {
        problems.push(`could not read the acknowledged records back at the end: ${(error as Error).message}`);
      }
      if (!o.keep) {
        await nfs.remove(this.root!.handle, this.fileName).catch((error: Error) => {
          problems.push(`could not remove the probe file ${this.fileName}: ${error.message}`);
        });
      }
    }
    let after: WatchIdentity = { ...EMPTY_IDENTITY, writeVerifier };
    if (this.v4) {
      const client = this.nfs4?.client;
      if (client !== undefined) {
        after = { ...after, ...(await nfs4Identity(client).catch(() => ({}))) };
        await client.destroySession().catch(() => {});
      }
    }
    after = { ...after, nsmState: await nsmState(o.host, 1000, o.rpcbindPort) };
    for (const event of identityChanges(this.identityBefore, after, new Date().toISOString())) {
      if (event.field === 'writeVerifier') continue; // reported as `verifier` events
      if (!this.events.some((e) => e.event === 'identity' && e.field === event.field && e.after === event.after)) {
        this.emit(event);
      }
    }
    const paths = this.paths.map((p) => p.timeline.summary(endMs));
    const maxOutageMs = paths.reduce((m, p) => Math.max(m, p.maxOutageMs), 0);
    if (this.staleHandles > 0) problems.push(`${this.staleHandles} stale file handle(s) after the failover`);
    if (this.data.lostWrites > 0) problems.push(`${this.data.lostWrites} acknowledged write(s) lost`);
    if (o.maxOutageMs !== undefined && maxOutageMs > o.maxOutageMs) {
      problems.push(`an outage of ${maxOutageMs} ms is longer than the ${o.maxOutageMs} ms allowed`);
    }
    for (const p of this.paths) {
      if (!p.timeline.everSucceeded) problems.push(`${p.name} never answered`);
      else if (p.timeline.isDown) problems.push(`${p.name} was still down at the end`);
    }
    const summary: SummaryEvent = {
      event: 'summary',
      at: new Date().toISOString(),
      ok: problems.length === 0,
      durationMs: Math.round(endMs - this.startedMs),
      maxOutageMs,
      paths,
      staleHandles: this.staleHandles,
      writesAcknowledged: this.data.writesAcknowledged,
      lostWrites: this.data.lostWrites,
      verifierChanges: this.data.verifierChanges,
      graceMs: locks?.graceMs ?? null,
      smNotify: locks?.smNotify ?? null,
      reclaims: locks?.reclaims ?? [],
      locks: locks === undefined ? null : { problems: locks.problems, conflicts: locks.conflicts },
      identity: { before: this.identityBefore, after },
      problems,
    };
    this.emit(summary);
    return summary;
  }
}

/** The watch as an async iterator of events; the summary is the last one. */
export async function* watchFailover(options: WatchOptions): AsyncGenerator<WatchEvent, void, undefined> {
  const queue: WatchEvent[] = [];
  let notify: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  const watcher = new Watcher(options);
  const running = watcher
    .run((event) => {
      queue.push(event);
      notify?.();
    })
    .catch((error: unknown) => {
      failure = error;
    })
    .finally(() => {
      done = true;
      notify?.();
    });
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (done) break;
      await new Promise<void>((resolve) => {
        notify = resolve;
      });
      notify = undefined;
    }
    if (failure !== undefined) throw failure;
  } finally {
    watcher.stop();
    await running;
  }
}
