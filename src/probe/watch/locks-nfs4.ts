// The NFSv4.1 half of the lock canary (RFC 8881 sections 8.4.2 and 18.51): an OPEN + LOCK held through the failover
// with its lease renewed by SEQUENCE; when the new server no longer knows the client, the reclaim (OPEN
// CLAIM_PREVIOUS, LOCK reclaim, RECLAIM_COMPLETE) and a second client's OPEN refused with NFS4ERR_GRACE, then LOCKT
// after grace (the reclaimed lock must still conflict).
import { NfsError } from '../../nfs/errors.js';
import { FATTR4 } from '../../nfs/nfs4/attributes.js';
import { Nfs4Client } from '../../nfs/nfs4/client.js';
import type { Stateid4 } from '../../nfs/nfs4/stateful.js';
import type { OpaqueAuth } from '../../rpc/index.js';
import { codeOf } from '../error-code.js';
import { Endpoint } from './endpoint.js';
import type { GraceEvent, ReclaimEvent } from './events.js';
import type { ConflictObservation } from './locks.js';
import { sleep } from './wait.js';

/** The byte the NFSv4 lock covers: next to the NLM canary's (2^40), so that the two locks of ours never conflict. */
export const NFS4_LOCK_OFFSET = (1n << 40n) + 1n;

export interface Nfs4LockCanaryOptions {
  host: string;
  /** nfs's TCP port (2049). */
  port: number;
  /** The export as NFSv4 sees it (PUTROOTFH + LOOKUPs). */
  path: string;
  /** The probe file in it (created by the NFSv3 setup, or here with `create`). */
  fileName: string;
  /** Create the probe file (an NFSv4.1-only watch). */
  create?: boolean;
  /** Remove it at the end. */
  remove?: boolean;
  cred?: OpaqueAuth;
  setupTimeoutMs: number;
  callTimeoutMs: number;
  pollMs: number;
  /** The longest the grace checks after a reclaim may take. */
  maxWaitMs: number;
  /** Lease renewal interval (default 1 s). */
  renewMs?: number;
  /** Resolves when RECLAIM_COMPLETE may go (the NLM check of grace is done): ganesha ends grace when all reclaimed. */
  beforeReclaimComplete?: () => Promise<void>;
}

interface Held {
  fh: Uint8Array;
  open: Stateid4;
  lock: Stateid4 | undefined;
}

export class Nfs4LockCanary {
  readonly reclaims: ReclaimEvent[] = [];
  readonly conflicts: ConflictObservation[] = [];
  graceMs: number | null = null;
  onEvent: ((event: ReclaimEvent | GraceEvent) => void) | undefined;
  private readonly o: Nfs4LockCanaryOptions;
  private readonly endpoint: Endpoint;
  private readonly client: Nfs4Client;
  private readonly stop = new AbortController();
  private dirFh: Uint8Array | undefined;
  private held: Held | undefined;
  private loop: Promise<void> | undefined;
  private recovering: Promise<void> | undefined;
  private deadlineMs = Number.POSITIVE_INFINITY;

  constructor(options: Nfs4LockCanaryOptions) {
    this.o = options;
    this.endpoint = this.newEndpoint(options.setupTimeoutMs);
    this.client = new Nfs4Client(this.endpoint, { minorVersion: 1 });
  }

  private newEndpoint(timeoutMs: number): Endpoint {
    return new Endpoint({
      host: this.o.host,
      port: this.o.port,
      transport: 'tcp',
      timeoutMs,
      ...(this.o.cred === undefined ? {} : { cred: this.o.cred }),
    });
  }

  private range() {
    return { offset: NFS4_LOCK_OFFSET, length: 1n };
  }

  /** A second client (its own client ID and owners), for conflict checks; closed by `body`'s end. */
  private async other<T>(timeoutMs: number, body: (c: Nfs4Client) => Promise<T>): Promise<T> {
    const endpoint = this.newEndpoint(timeoutMs);
    const c = new Nfs4Client(endpoint, { minorVersion: 1 });
    try {
      await c.createSession();
      await c.reclaimComplete().catch(() => {});
      return await body(c);
    } finally {
      await c.destroySession().catch(() => {});
      await endpoint.close();
    }
  }

  /** OPEN + LOCK before the move, and LOCKT from a second client (it must conflict). Throws NfsError. */
  async prepare(): Promise<void> {
    const c = this.client;
    await c.createSession();
    await c.reclaimComplete().catch(() => {});
    this.dirFh = (await c.lookupPath(this.o.path, [FATTR4.type])).handle;
    const opened = await c.openFile(this.dirFh, this.o.fileName, this.o.create ? { create: 'unchecked' } : {});
    const lock = await c.lock(opened.fh, { ...this.range(), openStateid: opened.stateid });
    this.held = { fh: opened.fh, open: opened.stateid, lock };
    const status = await this.other(this.o.setupTimeoutMs, async (other) =>
      (await other.lockt(this.held!.fh, this.range())) === undefined ? 'NFS4_OK' : 'NFS4ERR_DENIED',
    ).catch((error: unknown) => codeOf(error));
    this.conflicts.push({ kind: 'nfs4', when: 'before', status });
  }

  /** Renew the lease until `close()`; a server that forgot us starts the reclaim. */
  start(): void {
    this.loop ??= this.renew();
  }

  /** After recovery: the grace checks end at this performance.now() time at the latest. */
  setDeadline(deadlineMs: number): void {
    this.deadlineMs = deadlineMs;
  }

  private async renew(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      await sleep(this.o.renewMs ?? 1000, signal);
      if (signal.aborted) break;
      try {
        await this.client.compound([], 'renew');
      } catch (error) {
        this.endpoint.reset();
        if (!(error instanceof NfsError)) continue; // unreachable (moving): try again at the next renewal
        try {
          const recovered = await this.client.recoverSession();
          // The reclaim and the grace checks run beside the renewals: the reclaimed state needs its lease renewed.
          if (recovered.newClient && this.recovering === undefined && this.held !== undefined) {
            this.recovering = this.reclaim();
          }
        } catch {
          this.endpoint.reset();
        }
      }
    }
  }

  private record(kind: 'nfs4-open' | 'nfs4-lock', status: string, detail: string): void {
    const event: ReclaimEvent = { event: 'reclaim', at: new Date().toISOString(), kind, status, detail };
    this.reclaims.push(event);
    this.onEvent?.(event);
  }

  /** The new server does not know our client: reclaim, check grace with a second client, RECLAIM_COMPLETE. */
  private async reclaim(): Promise<void> {
    const held = this.held!;
    const signal = this.stop.signal;
    let reclaimed = true;
    try {
      const opened = await this.client.openFile(held.fh, '', { claim: 'previous' });
      held.open = opened.stateid;
      this.record('nfs4-open', 'ok', 'OPEN CLAIM_PREVIOUS granted');
    } catch (error) {
      reclaimed = false;
      held.lock = undefined;
      this.record('nfs4-open', codeOf(error), 'OPEN CLAIM_PREVIOUS refused');
    }
    if (reclaimed) {
      try {
        held.lock = await this.client.lock(held.fh, { ...this.range(), openStateid: held.open, reclaim: true });
        this.record('nfs4-lock', 'ok', 'LOCK reclaim granted');
      } catch (error) {
        held.lock = undefined;
        this.record('nfs4-lock', codeOf(error), 'LOCK reclaim refused');
      }
    }
    // A new client's OPEN during grace: NFS4ERR_GRACE.
    const during = await this.newOpen();
    const graceSince = during === 'NFS4ERR_GRACE' ? performance.now() : undefined;
    this.conflicts.push({ kind: 'nfs4', when: 'grace', status: during });
    await this.o.beforeReclaimComplete?.();
    await this.client.reclaimComplete().catch(() => {});
    if (!reclaimed) this.held = undefined;
    // After grace: the second client's LOCKT must still conflict with the reclaimed lock.
    let answer = during;
    const until = Math.min(this.deadlineMs, performance.now() + this.o.maxWaitMs);
    while (answer === 'NFS4ERR_GRACE' && !signal.aborted && performance.now() < until) {
      await sleep(this.o.pollMs, signal);
      answer = await this.newOpen();
    }
    if (answer !== 'NFS4ERR_GRACE' && answer !== during)
      this.conflicts.push({ kind: 'nfs4', when: 'after', status: answer });
    if (answer !== 'NFS4ERR_GRACE' && graceSince !== undefined) {
      this.graceMs = Math.round(performance.now() - graceSince);
      this.onEvent?.({ event: 'grace', at: new Date().toISOString(), path: 'nfs4', graceMs: this.graceMs });
    }
  }

  /**
   * A second client's OPEN of the probe file and, when it is granted, its LOCK of the canary's byte: `NFS4ERR_GRACE`,
   * `NFS4ERR_DENIED` (the lock holds) or `NFS4_OK` (another client took it; released at once).
   */
  private newOpen(): Promise<string> {
    return this.other(this.o.callTimeoutMs, async (other) => {
      const opened = await other.openFile(this.dirFh!, this.o.fileName);
      try {
        const lock = await other.lock(opened.fh, { ...this.range(), openStateid: opened.stateid });
        await other.locku(opened.fh, lock, this.range()).catch(() => {});
        return 'NFS4_OK';
      } finally {
        await other.close(opened.fh, opened.stateid).catch(() => {});
      }
    }).catch((error: unknown) => codeOf(error));
  }

  /** At the end: wait for a reclaim under way, check once more after grace, release, destroy the session. */
  async finish(aborted: boolean): Promise<void> {
    if (aborted) this.stop.abort();
    await this.recovering;
    if (!this.conflicts.some((c) => c.when === 'after') && this.held !== undefined) {
      const last = await this.newOpen();
      if (last === 'NFS4_OK' || last === 'NFS4ERR_DENIED') {
        this.conflicts.push({ kind: 'nfs4', when: this.reclaims.length > 0 ? 'after' : 'before', status: last });
      }
    }
    await this.close();
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.loop?.catch(() => {});
    const held = this.held;
    this.held = undefined;
    if (held !== undefined) {
      if (held.lock !== undefined) await this.client.locku(held.fh, held.lock, this.range()).catch(() => {});
      await this.client.close(held.fh, held.open).catch(() => {});
    }
    if (this.o.remove && this.dirFh !== undefined)
      await this.client.remove(this.dirFh, this.o.fileName).catch(() => {});
    await this.client.destroySession().catch(() => {});
    await this.endpoint.close();
  }
}
