// The lock canary of `watch --locks` (NLM v4, XNFS ch. 10-14; NSM, XNFS 3W ch. 11): before the failover an exclusive
// NLM lock held by one owner and refused to a second one, the server's NSM state (SM_STAT) and our NSM listener; after
// the move the SM_NOTIFY that reached us, the reclaim it triggered, grace as the second owner sees it, and that the
// lock still holds. `lockVerdicts` turns what was observed into problems (pure, for tests).
import { hostname } from 'node:os';
import { LCK_GRANTED, NlmClient, type NlmLockSpec } from '../../nlm/index.js';
import { NsmError } from '../../nsm/errors.js';
import { NsmListener, type NsmNotifyEvent } from '../../nsm/listener.js';
import type { OpaqueAuth } from '../../rpc/index.js';
import { codeOf } from '../error-code.js';
import type { GraceEvent, ReclaimEvent, SmNotifyEvent } from './events.js';
import { nsmState } from './identity.js';
import { Nfs4LockCanary } from './locks-nfs4.js';
import { sleep } from './wait.js';

/** The byte the NLM canary locks: far beyond the data path's records, so that no other lock of ours overlaps it. */
export const NLM_LOCK_OFFSET = 1n << 40n;

/** Default --notify-timeout when the grace period is unknown: ganesha's and knfsd's default grace (90 s) plus 30 s. */
export const DEFAULT_GRACE_MS = 90_000;
export const NOTIFY_TIMEOUT_MARGIN_MS = 30_000;

/** Machine-readable lock findings; each one is a problem of the run. */
export type LockProblemCode =
  | 'NO_SM_NOTIFY' // no SM_NOTIFY within --notify-timeout after recovery
  | 'WRONG_SOURCE' // SM_NOTIFY came from another address than the floating one
  | 'WRONG_MON_NAME' // SM_NOTIFY announced another name than the one we know the server by
  | 'EVEN_STATE' // the announced NSM state is even (a host that is "down")
  | 'STATE_NOT_HIGHER' // the announced NSM state is not higher than the one SM_STAT gave before the move
  | 'RECLAIM_REFUSED' // a reclaim was answered with anything but success
  | 'LOCK_NOT_EXCLUSIVE' // another owner could take the lock (before or after the move)
  | 'SETUP'; // the lock could not be taken before the move

export interface LockProblem {
  readonly code: LockProblemCode;
  readonly detail: string;
}

/** One SM_NOTIFY as the canary recorded it; times are performance.now() milliseconds. */
export interface NotifyObservation {
  readonly from: string;
  readonly address: string;
  readonly monName: string;
  readonly state: number;
  readonly atMs: number;
}

/** A second owner's non-reclaim lock attempt: its status name (`LCK_DENIED`, `NFS4ERR_GRACE`, `LCK_GRANTED`, ...). */
export interface ConflictObservation {
  readonly kind: 'nlm' | 'nfs4';
  readonly when: 'before' | 'grace' | 'after';
  readonly status: string;
}

export interface LockObservations {
  /** The floating address SM_NOTIFY must come from, and the name it must announce. */
  readonly expectedAddress: string;
  readonly expectedMonName: string;
  /** SM_STAT's state through the floating address before the move (null: no statd answered). */
  readonly stateBefore: number | null;
  /** Whether the run saw a failover (every path failed and recovered); without one no SM_NOTIFY is expected. */
  readonly recovered: boolean;
  /** The first SM_NOTIFY received, if any. */
  readonly notify: NotifyObservation | undefined;
  readonly reclaims: readonly Pick<ReclaimEvent, 'kind' | 'status' | 'detail'>[];
  readonly conflicts: readonly ConflictObservation[];
  readonly notifyTimeoutMs: number;
}

/** Strip an IPv4-mapped prefix: `::ffff:10.0.0.1` is 10.0.0.1. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** The problems in what the canary observed (empty when every link of the lock chain held). */
export function lockVerdicts(o: LockObservations): LockProblem[] {
  const problems: LockProblem[] = [];
  const n = o.notify;
  if (n === undefined) {
    if (o.recovered) {
      problems.push({
        code: 'NO_SM_NOTIFY',
        detail:
          `no SM_NOTIFY within ${o.notifyTimeoutMs} ms after recovery: the new server did not tell its lock ` +
          'clients to reclaim (statd directory not shared, or no notify at takeover?)',
      });
    }
  } else {
    if (plainAddress(n.address) !== plainAddress(o.expectedAddress)) {
      problems.push({
        code: 'WRONG_SOURCE',
        detail: `SM_NOTIFY came from ${n.from}, not from the floating address ${o.expectedAddress}: send it with --source`,
      });
    }
    if (n.monName !== o.expectedMonName) {
      problems.push({
        code: 'WRONG_MON_NAME',
        detail:
          `SM_NOTIFY announced '${n.monName}', but clients know the server as '${o.expectedMonName}': ` +
          'clients ignore it; give statd and notify the floating name',
      });
    }
    if (n.state % 2 === 0) {
      problems.push({
        code: 'EVEN_STATE',
        detail: `SM_NOTIFY announced the even NSM state ${n.state} (a host that is down)`,
      });
    } else if (o.stateBefore !== null && !(n.state > o.stateBefore)) {
      problems.push({
        code: 'STATE_NOT_HIGHER',
        detail: `SM_NOTIFY announced NSM state ${n.state}, not higher than ${o.stateBefore} before the move`,
      });
    }
  }
  for (const r of o.reclaims) {
    if (r.status !== 'ok') {
      problems.push({ code: 'RECLAIM_REFUSED', detail: `the ${r.kind} reclaim was refused: ${r.status} ${r.detail}` });
    }
  }
  for (const c of o.conflicts) {
    if (c.status === 'LCK_GRANTED' || c.status === 'NFS4_OK') {
      problems.push({
        code: 'LOCK_NOT_EXCLUSIVE',
        detail: `a second ${c.kind} lock owner got the canary's lock ${c.when === 'before' ? 'before' : 'after'} the move`,
      });
    }
  }
  return problems;
}

export interface LockCanaryOptions {
  /** The floating address (HOST of HOST:/export). */
  host: string;
  /** The NFSv3 handle of the probe file; without it no NLM lock (an NFSv4.1-only canary: no NSM, no SM_NOTIFY). */
  fh?: Uint8Array;
  /** caller_name of our locks: the name the server's statd monitors us under (default: our host name). */
  callerName?: string;
  /** The name SM_NOTIFY must announce (default: `host`). */
  floatingName?: string;
  /** Listen for SM_NOTIFY on this port (default: any free port, registered with the local rpcbind). */
  notifyPort?: number;
  /** How long after recovery SM_NOTIFY may take (default: grace (lease time, else 90 s) + 30 s). */
  notifyTimeoutMs?: number;
  /** Timeout of the calls before the move and at the end (default 5 s). */
  setupTimeoutMs?: number;
  /** Timeout of each call after the move (default 2 s). */
  callTimeoutMs?: number;
  /** How often the second owner tries during grace (default 500 ms). */
  pollMs?: number;
  /** A line for the user (the listener could not register, ...). */
  onNotice?: (line: string) => void;
  /** Also an NFSv4.1 OPEN + LOCK on the probe file (port: nfs over TCP; path: the export as NFSv4 sees it). */
  nfs4?: { port: number; path: string; fileName: string; cred?: OpaqueAuth; create?: boolean; remove?: boolean };
}

/** The canary's part of the summary (`smNotify`). */
export interface SmNotifySummary {
  readonly expected: { readonly from: string; readonly monName: string; readonly stateAbove: number | null };
  readonly received: boolean;
  readonly from: string | null;
  readonly monName: string | null;
  readonly state: number | null;
  /** When it arrived, relative to the first failure of the run and to recovery (null: unknown or not received). */
  readonly afterFirstFailureMs: number | null;
  readonly afterRecoveryMs: number | null;
  /** How the listener could be reached: `rpcbind` (registered) or `port` (only --notify-port / the port below). */
  readonly listener: 'rpcbind' | 'port';
  readonly port: number;
}

export interface LockSummary {
  /** Null without the NLM lock (NFSv4 needs no NSM). */
  readonly smNotify: SmNotifySummary | null;
  readonly reclaims: readonly ReclaimEvent[];
  readonly graceMs: number | null;
  readonly conflicts: readonly ConflictObservation[];
  readonly problems: readonly LockProblem[];
}

/**
 * The NLM lock canary for one watch run: `prepare()` before the run, `recovered()` when every path is back, `finish()`
 * at the end (waits for SM_NOTIFY and the reclaim, releases the lock, closes the listener). `close()` releases
 * everything at once (on abort).
 */
export class LockCanary {
  readonly host: string;
  readonly callerName: string;
  readonly floatingName: string;
  private readonly o: LockCanaryOptions;
  private readonly setupTimeoutMs: number;
  private readonly callTimeoutMs: number;
  private readonly pollMs: number;
  private readonly listener = new NsmListener();
  private readonly stop = new AbortController();
  private readonly owner: { oh: Uint8Array; svid: number };
  private readonly other: { oh: Uint8Array; svid: number };
  private listenerMode: 'rpcbind' | 'port' = 'port';
  private stateBefore: number | null = null;
  private notify: NotifyObservation | undefined;
  private notifyWaiters: (() => void)[] = [];
  private recoveredMs: number | undefined;
  private firstFailureMs: (() => number | undefined) | undefined;
  private flow: Promise<void> | undefined;
  private readonly reclaims: ReclaimEvent[] = [];
  private readonly conflicts: ConflictObservation[] = [];
  private readonly setupProblems: LockProblem[] = [];
  private graceMs: number | null = null;
  private held = false;
  private notifyTimeoutMs: number;
  private closed = false;
  private nfs4: Nfs4LockCanary | undefined;
  /** Resolves once the NLM flow has seen how the server treats a new lock after the reclaim (or gave up). */
  private nlmChecked: Promise<void>;
  private markNlmChecked: () => void = () => {};
  /** Events for the watcher to emit (reclaim, grace), as they happen. */
  onEvent: ((event: ReclaimEvent | GraceEvent) => void) | undefined;
  /** The first SM_NOTIFY, as a watch event. */
  onNotify: ((event: SmNotifyEvent) => void) | undefined;

  constructor(options: LockCanaryOptions) {
    this.o = options;
    this.host = options.host;
    this.callerName = options.callerName ?? hostname();
    this.floatingName = options.floatingName ?? options.host;
    this.setupTimeoutMs = options.setupTimeoutMs ?? 5000;
    this.callTimeoutMs = options.callTimeoutMs ?? 2000;
    this.pollMs = options.pollMs ?? 500;
    this.notifyTimeoutMs = options.notifyTimeoutMs ?? DEFAULT_GRACE_MS + NOTIFY_TIMEOUT_MARGIN_MS;
    const tag = `nfsprobe-canary:${process.pid}`;
    this.owner = { oh: new TextEncoder().encode(`${tag}:holder`), svid: process.pid & 0x7fffffff };
    this.other = { oh: new TextEncoder().encode(`${tag}:other`), svid: (process.pid + 1) & 0x7fffffff };
    this.nlmChecked = new Promise((resolve) => {
      this.markNlmChecked = resolve;
    });
  }

  /** The lock both owners ask for. */
  private spec(owner: { oh: Uint8Array; svid: number }): NlmLockSpec {
    return { fh: this.o.fh!, offset: NLM_LOCK_OFFSET, length: 1n, exclusive: true, ...owner };
  }

  private async nlm<T>(timeoutMs: number, body: (client: NlmClient) => Promise<T>): Promise<T> {
    // A fresh GETPORT each time: after the move nlockmgr is another server's (maybe on another port).
    const client = await NlmClient.connect({ host: this.host, callerName: this.callerName, timeoutMs });
    try {
      return await body(client);
    } finally {
      await client.close();
    }
  }

  /**
   * Before the run: the listener (registered with the local rpcbind when no statd is there), SM_STAT, the lock and
   * the second owner's conflict check. Throws when the lock cannot be taken (the run cannot check anything).
   */
  async prepare(leaseTimeS?: number | null): Promise<void> {
    if (this.o.notifyTimeoutMs === undefined && typeof leaseTimeS === 'number' && leaseTimeS > 0) {
      this.notifyTimeoutMs = leaseTimeS * 1000 + NOTIFY_TIMEOUT_MARGIN_MS;
    }
    if (this.o.fh === undefined) this.markNlmChecked();
    else await this.prepareNlm();
    if (this.o.nfs4 !== undefined) await this.prepareNfs4(this.o.nfs4);
  }

  private async prepareNlm(): Promise<void> {
    this.listener.on('notify', (event) => this.received(event));
    await this.listener.listen({ address: '0.0.0.0', port: this.o.notifyPort ?? 0 });
    try {
      await this.listener.register();
      this.listenerMode = 'rpcbind';
    } catch (error) {
      const port = this.listener.server.udpPort ?? 0;
      this.o.onNotice?.(
        error instanceof NsmError && error.code === 'REGISTERED'
          ? `an rpc.statd is registered with this host's rpcbind: SM_NOTIFY goes to it, not to the lock canary ` +
              `(listening on port ${port} only); run --locks on a host or network namespace without its own rpc.statd`
          : `could not register the lock canary's NSM listener with the local rpcbind (${codeOf(error)}): the new ` +
              `server cannot find it (listening on port ${port} only); start rpcbind on this host`,
      );
    }
    this.stateBefore = await nsmState(this.host, Math.min(this.setupTimeoutMs, 2000));
    const first = await this.nlm(this.setupTimeoutMs, (c) => c.lock(this.spec(this.owner)));
    if (first.stat !== LCK_GRANTED) {
      this.setupProblems.push({ code: 'SETUP', detail: `the canary's NLM lock was refused: ${first.statName}` });
      return;
    }
    this.held = true;
    const second = await this.secondOwner(this.setupTimeoutMs);
    this.conflicts.push({ kind: 'nlm', when: 'before', status: second });
  }

  private async prepareNfs4(options: NonNullable<LockCanaryOptions['nfs4']>): Promise<void> {
    const nfs4 = new Nfs4LockCanary({
      host: this.host,
      ...options,
      setupTimeoutMs: this.setupTimeoutMs,
      callTimeoutMs: this.callTimeoutMs,
      pollMs: this.pollMs,
      maxWaitMs: this.notifyTimeoutMs,
      // RECLAIM_COMPLETE may end grace at once (ganesha does when every known client has reclaimed): not before
      // the NLM side has seen grace.
      beforeReclaimComplete: () =>
        Promise.race([this.nlmChecked, sleep(this.notifyTimeoutMs, this.stop.signal)]).then(() => {}),
    });
    this.nfs4 = nfs4;
    nfs4.onEvent = (event) => this.emit(event);
    await nfs4.prepare();
    nfs4.start();
  }

  /** The second owner's non-reclaim LOCK; when it is granted (the canary's lock did not hold), it is released. */
  private async secondOwner(timeoutMs: number): Promise<string> {
    return this.nlm(timeoutMs, async (c) => {
      const r = await c.lock(this.spec(this.other));
      if (r.stat === LCK_GRANTED) await c.unlock(this.spec(this.other)).catch(() => {});
      return r.statName;
    });
  }

  /** performance.now() of the first failure of the run (for the SM_NOTIFY timing). */
  setFailureOrigin(origin: () => number | undefined): void {
    this.firstFailureMs = origin;
  }

  /** Every path is back: from now on SM_NOTIFY has --notify-timeout to arrive. */
  recovered(atMs: number): void {
    this.recoveredMs ??= atMs;
    this.nfs4?.setDeadline(this.recoveredMs + this.notifyTimeoutMs);
  }

  get hasRecovered(): boolean {
    return this.recoveredMs !== undefined;
  }

  private received(event: NsmNotifyEvent): void {
    if (this.notify !== undefined || this.closed) return;
    this.notify = {
      from: event.from,
      address: event.address,
      monName: event.monName,
      state: event.state,
      atMs: performance.now(),
    };
    for (const wake of this.notifyWaiters.splice(0)) wake();
    this.onNotify?.({
      event: 'sm-notify',
      at: event.at.toISOString(),
      from: event.from,
      monName: event.monName,
      state: event.state,
    });
    // As a client's lock manager does: SM_NOTIFY from the server means "reclaim your locks now".
    if (this.held) this.flow ??= this.reclaim();
  }

  private emit(event: ReclaimEvent | GraceEvent): void {
    this.onEvent?.(event);
  }

  /** LOCK reclaim=true (retried while the server does not answer), then the second owner through grace. */
  private async reclaim(): Promise<void> {
    const signal = this.stop.signal;
    const deadline = performance.now() + this.notifyTimeoutMs;
    let status: string | undefined;
    let detail = '';
    while (status === undefined && !signal.aborted && performance.now() < deadline) {
      try {
        const r = await this.nlm(this.callTimeoutMs, (c) => c.lock(this.spec(this.owner), { reclaim: true }));
        status = r.stat === LCK_GRANTED ? 'ok' : r.statName;
        detail = `LOCK reclaim=true answered ${r.statName}`;
      } catch (error) {
        detail = `LOCK reclaim=true: ${codeOf(error)}`;
        await sleep(this.pollMs, signal);
      }
    }
    const event: ReclaimEvent = {
      event: 'reclaim',
      at: new Date().toISOString(),
      kind: 'nlm',
      status: status ?? 'TIMEOUT',
      detail: status === undefined ? `${detail} (no answer in ${this.notifyTimeoutMs} ms)` : detail,
    };
    this.reclaims.push(event);
    this.emit(event);
    // The second owner: refused with DENIED_GRACE_PERIOD while grace lasts, then DENIED (the reclaimed lock holds).
    let graceSince: number | undefined;
    while (!signal.aborted && performance.now() < deadline) {
      let answer: string;
      try {
        answer = await this.secondOwner(this.callTimeoutMs);
      } catch (error) {
        answer = codeOf(error);
      }
      const now = performance.now();
      this.markNlmChecked();
      if (answer === 'LCK_DENIED_GRACE_PERIOD') {
        if (graceSince === undefined) {
          graceSince = now;
          this.conflicts.push({ kind: 'nlm', when: 'grace', status: answer });
        }
      } else if (answer === 'LCK_DENIED' || answer === 'LCK_GRANTED') {
        this.conflicts.push({ kind: 'nlm', when: graceSince === undefined ? 'grace' : 'after', status: answer });
        if (graceSince !== undefined) {
          this.graceMs = Math.round(now - graceSince);
          this.emit({ event: 'grace', at: new Date().toISOString(), path: 'nlm', graceMs: this.graceMs });
        }
        return;
      }
      await sleep(this.pollMs, signal);
    }
  }

  /** Resolves when SM_NOTIFY arrived, at `deadlineMs` (performance.now()), or on close. */
  private waitForNotify(deadlineMs: number): Promise<void> {
    if (this.notify !== undefined) return Promise.resolve();
    const signal = this.stop.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, deadlineMs - performance.now()));
      signal.addEventListener('abort', done, { once: true });
      this.notifyWaiters.push(done);
    });
  }

  /**
   * At the end of the run: wait for SM_NOTIFY (until --notify-timeout after recovery) and the reclaim flow it started,
   * check the lock once more with the second owner, release it and close the listener. `aborted`: do not wait.
   */
  async finish(aborted: boolean): Promise<LockSummary> {
    if (aborted) this.stop.abort();
    if (this.o.fh !== undefined && this.recoveredMs !== undefined) {
      await this.waitForNotify(this.recoveredMs + this.notifyTimeoutMs);
    }
    await this.flow;
    this.markNlmChecked();
    await this.nfs4?.finish(aborted);
    if (this.held && this.conflicts.every((c) => c.status !== 'LCK_GRANTED')) {
      const last = await this.secondOwner(this.setupTimeoutMs).catch((error: unknown) => codeOf(error));
      if (last === 'LCK_GRANTED' || last === 'LCK_DENIED') {
        this.conflicts.push({ kind: 'nlm', when: this.recoveredMs === undefined ? 'before' : 'after', status: last });
      }
    }
    const summary = this.summary();
    await this.close();
    return summary;
  }

  private allReclaims(): ReclaimEvent[] {
    return [...this.reclaims, ...(this.nfs4?.reclaims ?? [])].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }

  private allConflicts(): ConflictObservation[] {
    return [...this.conflicts, ...(this.nfs4?.conflicts ?? [])];
  }

  private summary(): LockSummary {
    const n = this.notify;
    const origin = this.firstFailureMs?.();
    const problems = [
      ...this.setupProblems,
      ...lockVerdicts({
        expectedAddress: this.host,
        expectedMonName: this.floatingName,
        stateBefore: this.stateBefore,
        recovered: this.o.fh !== undefined && this.recoveredMs !== undefined,
        notify: n,
        reclaims: this.allReclaims(),
        conflicts: this.allConflicts(),
        notifyTimeoutMs: this.notifyTimeoutMs,
      }),
    ];
    return {
      smNotify:
        this.o.fh === undefined
          ? null
          : {
              expected: { from: this.host, monName: this.floatingName, stateAbove: this.stateBefore },
              received: n !== undefined,
              from: n?.from ?? null,
              monName: n?.monName ?? null,
              state: n?.state ?? null,
              afterFirstFailureMs: n === undefined || origin === undefined ? null : Math.round(n.atMs - origin),
              afterRecoveryMs:
                n === undefined || this.recoveredMs === undefined ? null : Math.round(n.atMs - this.recoveredMs),
              listener: this.listenerMode,
              port: this.listener.server.udpPort ?? 0,
            },
      reclaims: this.allReclaims(),
      graceMs: this.graceMs ?? this.nfs4?.graceMs ?? null,
      conflicts: this.allConflicts(),
      problems,
    };
  }

  /** Release the lock (best effort, bounded) and close the listener; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
    this.markNlmChecked();
    await this.flow?.catch(() => {});
    await this.nfs4?.close().catch(() => {});
    if (this.held) {
      this.held = false;
      await this.nlm(Math.min(this.setupTimeoutMs, 2000), (c) => c.unlock(this.spec(this.owner))).catch(() => {});
    }
    await this.listener.close().catch(() => {});
  }
}
