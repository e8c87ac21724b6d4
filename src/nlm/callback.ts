// NLM callback server (XNFS ch. 10: NLM_GRANTED and the asynchronous _MSG/_RES procedures): the client side of
// blocking locks. A server that answered LCK_BLOCKED calls the client's lock manager — found through rpcbind on the
// client's address — with GRANTED (or GRANTED_MSG) once the lock is free.

import { EventEmitter } from 'node:events';
import {
  RpcbindClient,
  type RpcCallContext,
  RpcClient,
  type RpcHandler,
  RpcServer,
  type RpcServerOptions,
} from '../rpc/index.js';
import type { XdrReader, XdrWriter } from '../xdr/index.js';
import { NlmError } from './errors.js';
import {
  LCK_DENIED,
  LCK_GRANTED,
  NLM_PROGRAM,
  NLMPROC_CANCEL_RES,
  NLMPROC_GRANTED,
  NLMPROC_GRANTED_MSG,
  NLMPROC_GRANTED_RES,
  NLMPROC_LOCK_RES,
  NLMPROC_NULL,
  NLMPROC_TEST_RES,
  NLMPROC_UNLOCK_RES,
  type NlmVersion,
  nlmProcedureFor,
  nlmProcedureName,
} from './protocol.js';

/** A GRANTED (or GRANTED_MSG) call that arrived. Ranges are bigint; byte fields alias the received message. */
export interface NlmGrant {
  procedure: 'NLMPROC_GRANTED' | 'NLMPROC_GRANTED_MSG';
  version: NlmVersion;
  from: { address: string; port: number; transport: 'udp' | 'tcp' };
  cookie: Uint8Array;
  exclusive: boolean;
  callerName: string;
  fh: Uint8Array;
  oh: Uint8Array;
  svid: number;
  offset: bigint;
  length: bigint;
  /** Whether a waiting blocking lock matched it (we answered LCK_GRANTED; otherwise LCK_DENIED). */
  matched: boolean;
}

/** An asynchronous result (TEST_RES, LOCK_RES, CANCEL_RES, UNLOCK_RES, GRANTED_RES) that arrived. */
export interface NlmAsyncResult {
  procedure: string;
  version: NlmVersion;
  from: { address: string; port: number; transport: 'udp' | 'tcp' };
  cookie: Uint8Array;
  stat: number;
}

export interface NlmCallbackServerOptions extends RpcServerOptions {
  /** Versions served (default 1, 3 and 4). */
  versions?: readonly NlmVersion[];
  /** Timeout of the GRANTED_RES we send back after a GRANTED_MSG (default 2000 ms). */
  replyTimeoutMs?: number;
}

interface Waiter {
  fh: Buffer;
  oh: Buffer;
  svid: number;
  resolve(grant: NlmGrant): void;
  reject(error: Error): void;
}

const same = (a: Uint8Array, b: Buffer) => Buffer.compare(Buffer.from(a), b) === 0;

/**
 * Our lock manager's callback side. Emits 'grant' (NlmGrant) and 'result' (NlmAsyncResult). `register()` puts it in
 * the local rpcbind as nlockmgr, but refuses (NlmError CALLBACK_REGISTERED) when another lock manager — the
 * kernel's lockd, a ganesha — is registered there, unless `replace` is set.
 */
export class NlmCallbackServer extends EventEmitter<{ grant: [NlmGrant]; result: [NlmAsyncResult] }> {
  readonly server: RpcServer;
  readonly versions: readonly NlmVersion[];
  private readonly waiters = new Set<Waiter>();
  private readonly replyTimeoutMs: number;
  private closed = false;

  constructor(options: NlmCallbackServerOptions = {}) {
    super();
    const { versions, replyTimeoutMs, ...serverOptions } = options;
    this.server = new RpcServer(serverOptions);
    this.versions = versions ?? [1, 3, 4];
    this.replyTimeoutMs = replyTimeoutMs ?? 2000;
    for (const version of this.versions) {
      const handlers: Record<number, RpcHandler> = {
        [NLMPROC_NULL]: () => undefined,
        [NLMPROC_GRANTED]: (args, call) => this.onGranted(version, NLMPROC_GRANTED, args, call),
        [NLMPROC_GRANTED_MSG]: (args, call) => this.onGranted(version, NLMPROC_GRANTED_MSG, args, call),
      };
      for (const number of [
        NLMPROC_TEST_RES,
        NLMPROC_LOCK_RES,
        NLMPROC_CANCEL_RES,
        NLMPROC_UNLOCK_RES,
        NLMPROC_GRANTED_RES,
      ]) {
        handlers[number] = (args, call) => this.onResult(version, number, args, call);
      }
      this.server.addProgram(NLM_PROGRAM, version, handlers, { maxRecordSize: 8192 });
    }
  }

  /** Bind (default 127.0.0.1, UDP and TCP, kernel-chosen port). */
  listen(o: { address?: string; port?: number } = {}): Promise<{ udpPort?: number; tcpPort?: number }> {
    return this.server.listen(o);
  }

  /**
   * Register with the rpcbind on `rpcbindHost` (default local). NlmError CALLBACK_REGISTERED when nlockmgr is
   * already registered there and `replace` is not set: taking over would break that lock manager.
   */
  async register(o: { rpcbindHost?: string; replace?: boolean } = {}): Promise<void> {
    if (!o.replace) {
      const rpcbind = new RpcbindClient({ host: o.rpcbindHost ?? '127.0.0.1', timeoutMs: 2000 });
      try {
        for (const version of this.versions) {
          for (const transport of ['udp', 'tcp'] as const) {
            const port = await rpcbind.getPort(NLM_PROGRAM, version, transport);
            if (port !== 0 && port !== this.server.udpPort && port !== this.server.tcpPort) {
              throw new NlmError(
                'CALLBACK_REGISTERED',
                `another lock manager is registered as nlockmgr v${version} ${transport} (port ${port}) with rpcbind; ` +
                  'run the blocking lock from a host or network namespace without its own lockd',
              );
            }
          }
        }
      } finally {
        await rpcbind.close();
      }
    }
    await this.server.register(o.rpcbindHost);
  }

  /**
   * Wait for a GRANTED that matches fh, oh and svid (at most `waitMs`); `granted` rejects with NlmError NOT_GRANTED
   * at the deadline, CLOSED when the server closes. Set it up before sending the blocking LOCK.
   */
  expectGrant(
    lock: { fh: Uint8Array; oh: Uint8Array; svid: number },
    waitMs: number,
  ): { granted: Promise<NlmGrant>; cancel(): void } {
    let waiter: Waiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    let rejectWait: (error: Error) => void = () => {};
    const granted = new Promise<NlmGrant>((resolve, reject) => {
      rejectWait = reject;
      if (this.closed) {
        reject(new NlmError('CLOSED', 'the NLM callback server is closed'));
        return;
      }
      const w: Waiter = {
        fh: Buffer.from(lock.fh),
        oh: Buffer.from(lock.oh),
        svid: lock.svid,
        resolve: (grant) => {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve(grant);
        },
        reject: (error) => {
          clearTimeout(timer);
          this.waiters.delete(w);
          reject(error);
        },
      };
      waiter = w;
      this.waiters.add(w);
      timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new NlmError('NOT_GRANTED', `no GRANTED callback within ${waitMs} ms`));
      }, waitMs);
    });
    granted.catch(() => {});
    return {
      granted,
      cancel: () => {
        clearTimeout(timer);
        if (waiter !== undefined) this.waiters.delete(waiter);
        rejectWait(new NlmError('CLOSED', 'the wait was cancelled'));
      },
    };
  }

  private onGranted(
    version: NlmVersion,
    number: typeof NLMPROC_GRANTED | typeof NLMPROC_GRANTED_MSG,
    args: XdrReader,
    call: RpcCallContext,
  ): ((w: XdrWriter) => void) | undefined {
    const p = nlmProcedureFor(version, number)!;
    const a = p.args.decode(args) as {
      cookie: Uint8Array;
      exclusive: boolean;
      alock: {
        callerName: string;
        fh: Uint8Array;
        oh: Uint8Array;
        svid: number;
        offset: bigint | number;
        length: bigint | number;
      };
    };
    let match: Waiter | undefined;
    for (const w of this.waiters) {
      if (w.svid === a.alock.svid && same(a.alock.fh, w.fh) && same(a.alock.oh, w.oh)) {
        match = w;
        break;
      }
    }
    const grant: NlmGrant = {
      procedure: number === NLMPROC_GRANTED ? 'NLMPROC_GRANTED' : 'NLMPROC_GRANTED_MSG',
      version,
      from: call.peer,
      cookie: a.cookie,
      exclusive: a.exclusive,
      callerName: a.alock.callerName,
      fh: a.alock.fh,
      oh: a.alock.oh,
      svid: a.alock.svid,
      offset: BigInt(a.alock.offset),
      length: BigInt(a.alock.length),
      matched: match !== undefined,
    };
    match?.resolve(grant);
    this.emit('grant', grant);
    const stat = match === undefined ? LCK_DENIED : LCK_GRANTED;
    const res = nlmProcedureFor(version, NLMPROC_GRANTED)!.result;
    if (number === NLMPROC_GRANTED) return (w) => res.encode(w, { cookie: a.cookie, stat });
    // GRANTED_MSG: the answer goes back as a GRANTED_RES call to the server's lock manager, found via its rpcbind.
    void this.sendGrantedRes(version, call.peer.address, a.cookie, stat);
    return undefined;
  }

  private async sendGrantedRes(version: NlmVersion, host: string, cookie: Uint8Array, stat: number): Promise<void> {
    const rpcbind = new RpcbindClient({ host, timeoutMs: this.replyTimeoutMs });
    try {
      const port = await rpcbind.getPort(NLM_PROGRAM, version, 'udp');
      if (port === 0) return;
      const client = new RpcClient({ host, port, transport: 'udp', timeoutMs: this.replyTimeoutMs });
      const p = nlmProcedureFor(version, NLMPROC_GRANTED_RES)!;
      // The _RES procedures have no reply worth waiting for; many servers never answer them.
      await client
        .call(NLM_PROGRAM, version, p.number, (w) => p.args.encode(w, { cookie, stat }))
        .catch(() => undefined)
        .finally(() => client.close());
    } catch {
      // best effort: the server retransmits GRANTED_MSG
    } finally {
      await rpcbind.close();
    }
  }

  private onResult(version: NlmVersion, number: number, args: XdrReader, call: RpcCallContext): undefined {
    const p = nlmProcedureFor(version, number)!;
    const value = p.args.decode(args) as { cookie: Uint8Array; stat?: number; testStat?: { tag: number } };
    this.emit('result', {
      procedure: nlmProcedureName(number) ?? String(number),
      version,
      from: call.peer,
      cookie: value.cookie,
      stat: value.stat ?? value.testStat?.tag ?? -1,
    });
    return undefined;
  }

  /** Unregister, stop listening, fail every wait with CLOSED. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of [...this.waiters]) w.reject(new NlmError('CLOSED', 'the NLM callback server was closed'));
    await this.server.close();
  }
}
