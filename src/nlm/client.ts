// NLM client, program 100021 versions 4 (default), 3 and 1 (XNFS ch. 10-14, RFC 1813 appendix II): TEST, LOCK,
// CANCEL, UNLOCK, GRANTED, SHARE, UNSHARE, NM_LOCK, FREE_ALL over one RpcClient, and blocking locks that wait for the
// server's GRANTED callback on an NlmCallbackServer.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type CallOptions,
  PMAP_PORT,
  RpcbindClient,
  RpcClient,
  type RpcClientOptions,
  type RpcReply,
} from '../rpc/index.js';
import { XdrError, XdrReader, type XdrType } from '../xdr/index.js';
import type { NlmCallbackServer } from './callback.js';
import { NlmError } from './errors.js';
import {
  FSH_ACCESS,
  FSH_MODE,
  LCK_BLOCKED,
  LCK_DENIED,
  LCK_GRANTED,
  NLM_PROGRAM,
  NLMPROC_CANCEL,
  NLMPROC_FREE_ALL,
  NLMPROC_GRANTED,
  NLMPROC_LOCK,
  NLMPROC_NM_LOCK,
  NLMPROC_NULL,
  NLMPROC_SHARE,
  NLMPROC_TEST,
  NLMPROC_UNLOCK,
  NLMPROC_UNSHARE,
  type NlmVersion,
  nlmProcedureFor,
  nlmStatName,
  type Range64,
} from './protocol.js';

export interface NlmClientOptions extends Partial<Omit<RpcClientOptions, 'host' | 'port'>> {
  host: string;
  /** nlockmgr's port; when omitted it is asked from rpcbind on `host` (GETPORT 100021 `version` `transport`). */
  port?: number;
  /** rpcbind's port on `host` (default 111). */
  rpcbindPort?: number;
  /** Protocol version: 4 (NFSv3's, 64-bit ranges; default), 3 or 1 (32-bit ranges). */
  version?: NlmVersion;
  /** caller_name sent with every lock: the name the server's statd monitors us under (default: our host name). */
  callerName?: string;
  /** Owner handle (oh): who owns the locks; default `nfsprobe:<pid>:<8 random hex bytes>`. */
  oh?: Uint8Array;
  /** svid, the "process id" of the lock owner shown to other clients (default: our pid). */
  svid?: number;
  /** Our NSM state, sent in LOCK arguments (default 0: servers use it only to spot a client reboot). */
  state?: number;
}

/** The byte range and mode of a lock on file handle `fh`; owner fields default to the client's. */
export interface NlmLockSpec {
  fh: Uint8Array;
  /** First byte (default 0). */
  offset?: Range64;
  /** Bytes (default 0: to the end of the file, however it grows). */
  length?: Range64;
  /** Exclusive (write) lock; false for a shared (read) lock. Default true. */
  exclusive?: boolean;
  callerName?: string;
  oh?: Uint8Array;
  svid?: number;
}

/** Who holds a conflicting lock, as TEST reports it. Ranges are bigint in every version. */
export interface NlmHolderInfo {
  exclusive: boolean;
  svid: number;
  oh: Uint8Array;
  offset: bigint;
  length: bigint;
}

export interface NlmStatResult {
  /** nlm4_stats value. */
  stat: number;
  /** Its name (`LCK_DENIED`), or `UNKNOWN(n)`. */
  statName: string;
  rttMs: number;
}

export interface NlmTestResult extends NlmStatResult {
  /** Present when stat is LCK_DENIED: the conflicting lock. */
  holder?: NlmHolderInfo;
}

export interface NlmShareResult extends NlmStatResult {
  sequence: number;
}

export interface NlmLockOptions extends CallOptions {
  /** Ask the server to queue the request and call us back with GRANTED (answer LCK_BLOCKED meanwhile). */
  block?: boolean;
  /** Reclaim a lock held before a server restart (only accepted during the grace period). */
  reclaim?: boolean;
}

export interface NlmShareSpec {
  fh: Uint8Array;
  /** fsh_mode: what others may not do (default fsm_DN). */
  mode?: number;
  /** fsh_access: what we do (default fsa_R). */
  access?: number;
  reclaim?: boolean;
  callerName?: string;
  oh?: Uint8Array;
}

function statResult(stat: number, reply: RpcReply): NlmStatResult {
  return { stat, statName: nlmStatName(stat) ?? `UNKNOWN(${stat})`, rttMs: reply.rttMs };
}

/** Talks to one lock manager. Denials are results, not throws: `expectGranted` turns them into NlmError DENIED. */
export class NlmClient {
  readonly rpc: RpcClient;
  readonly version: NlmVersion;
  readonly callerName: string;
  readonly oh: Uint8Array;
  readonly svid: number;
  readonly state: number;
  private closed = false;

  constructor(rpc: RpcClient, options: Omit<NlmClientOptions, 'host'> = {}) {
    this.rpc = rpc;
    this.version = options.version ?? 4;
    this.callerName = options.callerName ?? hostname();
    this.oh = options.oh ?? new TextEncoder().encode(`nfsprobe:${process.pid}:${randomBytes(8).toString('hex')}`);
    this.svid = options.svid ?? process.pid;
    this.state = options.state ?? 0;
  }

  /** Connect to nlockmgr on `host`, asking its rpcbind for the port unless `port` is given. NlmError NOT_REGISTERED. */
  static async connect(options: NlmClientOptions): Promise<NlmClient> {
    const transport = options.transport ?? 'udp';
    const version = options.version ?? 4;
    const timeoutMs = options.timeoutMs ?? 5000;
    let port = options.port;
    if (port === undefined) {
      const rpcbind = new RpcbindClient({ host: options.host, port: options.rpcbindPort ?? PMAP_PORT, timeoutMs });
      try {
        port = await rpcbind.getPort(NLM_PROGRAM, version, transport);
      } finally {
        await rpcbind.close();
      }
      if (port === 0) {
        throw new NlmError(
          'NOT_REGISTERED',
          `no lock manager (nlockmgr 100021 v${version} ${transport}) registered on ${options.host}; is the server's NLM enabled?`,
        );
      }
    }
    const { version: _v, callerName, oh, svid, state, rpcbindPort: _r, ...rpcOptions } = options;
    const rpc = new RpcClient({ ...rpcOptions, host: options.host, port, transport, timeoutMs });
    return new NlmClient(rpc, { version, callerName, oh, svid, state });
  }

  /** A fresh cookie: 8 random bytes; the server echoes it in the reply (and in GRANTED for blocked locks). */
  private static cookie(): Uint8Array {
    return new Uint8Array(randomBytes(8));
  }

  private range(value: Range64 | undefined, what: string): bigint | number {
    const v = value ?? 0;
    if (this.version === 4) {
      if (typeof v === 'number' && !Number.isSafeInteger(v)) {
        throw new NlmError('BAD_ARGUMENT', `${what} ${v} is not a safe integer; pass a bigint`);
      }
      if (BigInt(v) < 0n || BigInt(v) > 0xffffffffffffffffn) {
        throw new NlmError('BAD_ARGUMENT', `${what} ${v} does not fit in 64 bits`);
      }
      return BigInt(v);
    }
    if (BigInt(v) < 0n || BigInt(v) > 0xffffffffn) {
      throw new NlmError('BAD_ARGUMENT', `${what} ${v} does not fit NLM version ${this.version}'s 32 bits`);
    }
    return Number(v);
  }

  /** The nlm4_lock / nlm_lock of `spec`, owner fields from the client unless given. */
  alock(spec: NlmLockSpec): Record<string, unknown> {
    return {
      callerName: spec.callerName ?? this.callerName,
      fh: spec.fh,
      oh: spec.oh ?? this.oh,
      svid: spec.svid ?? this.svid,
      offset: this.range(spec.offset, 'offset'),
      length: this.range(spec.length, 'length'),
    };
  }

  private async call(
    number: number,
    args: unknown,
    options?: CallOptions,
  ): Promise<{ reply: RpcReply; value: unknown }> {
    if (this.closed) throw new NlmError('CLOSED', 'the NLM client is closed');
    const p = nlmProcedureFor(this.version, number);
    if (p === undefined) {
      throw new NlmError('BAD_ARGUMENT', `NLM version ${this.version} has no procedure ${number}`);
    }
    const reply = await this.rpc.call(NLM_PROGRAM, this.version, number, (w) => p.args.encode(w, args), options);
    return { reply, value: decodeResult(p.result, reply, p.name) };
  }

  private checkCookie(sent: Uint8Array, got: Uint8Array, what: string): void {
    if (Buffer.compare(Buffer.from(sent), Buffer.from(got)) !== 0) {
      throw new NlmError('BAD_COOKIE', `${what} reply carries cookie ${hexOf(got)}, we sent ${hexOf(sent)}`);
    }
  }

  private async statCall(
    number: number,
    args: { cookie: Uint8Array; [field: string]: unknown },
    options?: CallOptions,
  ): Promise<NlmStatResult> {
    const { reply, value } = await this.call(number, args, options);
    const res = value as { cookie: Uint8Array; stat: number };
    this.checkCookie(args.cookie, res.cookie, nlmProcedureFor(this.version, number)!.name);
    return statResult(res.stat, reply);
  }

  /** NULL. */
  ping(options?: CallOptions): Promise<RpcReply> {
    return this.rpc.call(NLM_PROGRAM, this.version, NLMPROC_NULL, new Uint8Array(0), options);
  }

  /** TEST: could we take this lock? LCK_DENIED comes with the holder of a conflicting lock. */
  async test(spec: NlmLockSpec, options?: CallOptions): Promise<NlmTestResult> {
    const cookie = NlmClient.cookie();
    const args = { cookie, exclusive: spec.exclusive ?? true, alock: this.alock(spec) };
    const { reply, value } = await this.call(NLMPROC_TEST, args, options);
    const res = value as { cookie: Uint8Array; testStat: { tag: number; value: unknown } };
    this.checkCookie(cookie, res.cookie, 'NLMPROC_TEST');
    const result: NlmTestResult = statResult(res.testStat.tag, reply);
    if (res.testStat.tag === LCK_DENIED) {
      const h = res.testStat.value as {
        exclusive: boolean;
        svid: number;
        oh: Uint8Array;
        offset: Range64;
        length: Range64;
      };
      result.holder = {
        exclusive: h.exclusive,
        svid: h.svid,
        oh: h.oh,
        offset: BigInt(h.offset),
        length: BigInt(h.length),
      };
    }
    return result;
  }

  private lockArgs(spec: NlmLockSpec, options: NlmLockOptions, cookie: Uint8Array) {
    return {
      cookie,
      block: options.block ?? false,
      exclusive: spec.exclusive ?? true,
      alock: this.alock(spec),
      reclaim: options.reclaim ?? false,
      state: this.state,
    };
  }

  /** LOCK. LCK_GRANTED, LCK_DENIED, LCK_DENIED_GRACE_PERIOD, LCK_BLOCKED (block: the GRANTED callback follows), ... */
  async lock(spec: NlmLockSpec, options: NlmLockOptions = {}): Promise<NlmStatResult> {
    return this.statCall(NLMPROC_LOCK, this.lockArgs(spec, options, NlmClient.cookie()), options);
  }

  /** NM_LOCK: a non-monitored lock (the server does not SM_MON us; no reclaim after its reboot). Version 3 and 4. */
  async nmLock(spec: NlmLockSpec, options: NlmLockOptions = {}): Promise<NlmStatResult> {
    return this.statCall(NLMPROC_NM_LOCK, this.lockArgs(spec, options, NlmClient.cookie()), options);
  }

  /** CANCEL a blocked LOCK request (the same lock, exclusive and block flags). */
  async cancel(spec: NlmLockSpec, options: NlmLockOptions = {}): Promise<NlmStatResult> {
    const args = {
      cookie: NlmClient.cookie(),
      block: options.block ?? true,
      exclusive: spec.exclusive ?? true,
      alock: this.alock(spec),
    };
    return this.statCall(NLMPROC_CANCEL, args, options);
  }

  /** UNLOCK the range (exclusive is not part of the request). */
  async unlock(spec: NlmLockSpec, options?: CallOptions): Promise<NlmStatResult> {
    return this.statCall(NLMPROC_UNLOCK, { cookie: NlmClient.cookie(), alock: this.alock(spec) }, options);
  }

  /**
   * GRANTED, as a server sends it to a client whose blocked lock it granted (`cookie`: the one of the LOCK call).
   * For exercising a client's lock manager, or our own NlmCallbackServer.
   */
  async granted(
    spec: NlmLockSpec,
    cookie: Uint8Array = NlmClient.cookie(),
    options?: CallOptions,
  ): Promise<NlmStatResult> {
    return this.statCall(
      NLMPROC_GRANTED,
      { cookie, exclusive: spec.exclusive ?? true, alock: this.alock(spec) },
      options,
    );
  }

  private async shareCall(number: number, spec: NlmShareSpec, options?: CallOptions): Promise<NlmShareResult> {
    const cookie = NlmClient.cookie();
    const args = {
      cookie,
      share: {
        callerName: spec.callerName ?? this.callerName,
        fh: spec.fh,
        oh: spec.oh ?? this.oh,
        mode: spec.mode ?? FSH_MODE.fsm_DN,
        access: spec.access ?? FSH_ACCESS.fsa_R,
      },
      reclaim: spec.reclaim ?? false,
    };
    const { reply, value } = await this.call(number, args, options);
    const res = value as { cookie: Uint8Array; stat: number; sequence: number };
    this.checkCookie(cookie, res.cookie, nlmProcedureFor(this.version, number)!.name);
    return { ...statResult(res.stat, reply), sequence: res.sequence };
  }

  /** SHARE (DOS share reservation). Version 3 and 4. */
  async share(spec: NlmShareSpec, options?: CallOptions): Promise<NlmShareResult> {
    return this.shareCall(NLMPROC_SHARE, spec, options);
  }

  /** UNSHARE. Version 3 and 4. */
  async unshare(spec: NlmShareSpec, options?: CallOptions): Promise<NlmShareResult> {
    return this.shareCall(NLMPROC_UNSHARE, spec, options);
  }

  /** FREE_ALL: "host `name` rebooted (now `state`), drop its locks". No reply body. Version 3 and 4. */
  async freeAll(name: string, state: number, options?: CallOptions): Promise<void> {
    await this.call(NLMPROC_FREE_ALL, { name, state }, options);
  }

  /**
   * A blocking LOCK: sends LOCK with block=true; when the server answers LCK_BLOCKED, waits (at most `waitMs`) for
   * its GRANTED callback on `callbacks` (which must be reachable by the server: registered with our rpcbind). When
   * the wait ends without a grant the request is CANCELled and NlmError NOT_GRANTED is thrown. Any other answer is
   * returned as is.
   */
  async lockBlocking(
    spec: NlmLockSpec,
    callbacks: NlmCallbackServer,
    options: NlmLockOptions & { waitMs: number },
  ): Promise<NlmStatResult & { viaCallback: boolean }> {
    const alock = this.alock(spec);
    const waiter = callbacks.expectGrant(
      { fh: alock.fh as Uint8Array, oh: alock.oh as Uint8Array, svid: alock.svid as number },
      options.waitMs,
    );
    let first: NlmStatResult;
    try {
      first = await this.lock(spec, { ...options, block: true });
    } catch (error) {
      waiter.cancel();
      throw error;
    }
    if (first.stat !== LCK_BLOCKED) {
      waiter.cancel();
      return { ...first, viaCallback: false };
    }
    try {
      await waiter.granted;
    } catch (error) {
      await this.cancel(spec, { block: true, timeoutMs: options.timeoutMs }).catch(() => {});
      throw error;
    }
    return { ...first, stat: LCK_GRANTED, statName: 'LCK_GRANTED', viaCallback: true };
  }

  close(): Promise<void> {
    this.closed = true;
    return this.rpc.close();
  }
}

/** NlmError DENIED unless `result` is LCK_GRANTED. */
export function expectGranted<T extends NlmStatResult>(result: T, what: string): T {
  if (result.stat !== LCK_GRANTED) {
    throw new NlmError('DENIED', `${what}: the server answered ${result.statName}`, { stat: result.stat });
  }
  return result;
}

/** Decode a reply body with `codec`; a body that does not decode is NlmError BAD_REPLY. */
export function decodeResult<T>(codec: XdrType<T>, reply: RpcReply, what: string): T {
  try {
    const reader = new XdrReader(reply.body);
    const value = codec.decode(reader);
    return value;
  } catch (error) {
    if (error instanceof XdrError) {
      throw new NlmError('BAD_REPLY', `${what} reply does not decode: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
