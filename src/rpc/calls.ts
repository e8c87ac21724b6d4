// RFC 5531 sections 9-10 — the table of calls in flight: xid allocation, reply matching, deadlines, retransmission.

import { XdrError, XdrReader } from '../xdr/index.js';
import { AUTH_NONE_VERIFIER, type OpaqueAuth } from './auth.js';
import { RpcError } from './errors.js';
import { AcceptStat, decodeReply, RejectStat, type RpcReplyMessage } from './message.js';

/** What a successful call resolves to. `body` (the results) is a view aliasing the received message. */
export interface RpcReply {
  xid: number;
  verifier: OpaqueAuth;
  body: Uint8Array;
  /** Milliseconds from the first transmission to the reply. */
  rttMs: number;
  /** Transmissions made (1 + retransmissions). */
  attempts: number;
  /**
   * UDP: the source of the reply datagram, as the kernel reports it. It is the peer called unless the call was made
   * with `matchReplyBy: 'xid'` (see RpcUdpEndpoint.call); `sameAddress` compares it with the address called.
   */
  fromAddress?: string;
  fromPort?: number;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  cred?: OpaqueAuth;
}

/** Counters every client keeps; dropped replies are counted, never silently ignored. */
export interface RpcClientStats {
  calls: number;
  transmissions: number;
  retransmissions: number;
  replies: number;
  /** Replies whose xid matched no call in flight (late duplicates, strays). */
  unknownXid: number;
  /** UDP replies with a pending xid but from another address or port than the call went to (dropped). */
  wrongPeer: number;
  /** UDP replies accepted from another address or port than the call went to (calls with matchReplyBy 'xid'). */
  repliedFromOtherPeer: number;
  /** Messages that were not decodable replies. */
  badReplies: number;
  timeouts: number;
  aborted: number;
}

export function emptyStats(): RpcClientStats {
  return {
    calls: 0,
    transmissions: 0,
    retransmissions: 0,
    replies: 0,
    unknownXid: 0,
    wrongPeer: 0,
    repliedFromOtherPeer: 0,
    badReplies: 0,
    timeouts: 0,
    aborted: 0,
  };
}

/** One call in flight. Plain fields, no closures except the abort listener when a signal is given. */
export interface PendingCall {
  readonly xid: number;
  /** Peer the call went to (UDP replies must come from here unless `anySource`). */
  readonly address: string;
  readonly port: number;
  /** UDP: accept the reply to this xid from any address and port (matchReplyBy 'xid'). */
  readonly anySource: boolean;
  /** The encoded message (as sent, record mark included on TCP), kept for retransmission. */
  readonly message: Uint8Array;
  readonly start: number;
  readonly deadline: number;
  /** Next retransmission interval; 0 = never retransmit (stream transports). */
  retransmitMs: number;
  attempts: number;
  /** True while the transport holds the call in a send queue (a retransmission then would only duplicate it). */
  queued: boolean;
  /** Settled (answered, failed, timed out or aborted): no longer in the table. */
  done: boolean;
  /** When its timer fires (performance.now() ms): the next retransmission or the deadline. */
  due: number;
  resolve: (reply: RpcReply) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** The reply body of a procedure without results (NULL): one shared empty view instead of one per reply. */
const NO_RESULTS = new Uint8Array(0);

/**
 * The calls in flight on one transport, keyed by xid. Timers: ONE Node timer per table, armed for the earliest
 * due call, over a binary min-heap of the calls by due time. A settled call's heap entry is left to expire (or is
 * dropped when the table empties or the heap holds twice the calls in flight): a call costs a heap push, not a
 * Node timer created and cleared — which a sequential caller (`nfsprobe ping`) would pay per round trip.
 */
export class CallTable {
  /** Keyed by the xid as a signed 32-bit integer: a small integer to V8, where most uint32 xids would be doubles. */
  private readonly calls = new Map<number, PendingCall>();
  readonly stats: RpcClientStats = emptyStats();
  private nextXid: number;
  /** Min-heap of calls by `due`, settled ones included until they surface. */
  private heap: PendingCall[] = [];
  private ticker: NodeJS.Timeout | undefined;
  /** When the ticker fires (Infinity: not armed). */
  private tickerDue = Number.POSITIVE_INFINITY;
  /** The ticker keeps the process alive only while calls are in flight. */
  private tickerRefed = false;
  private readonly onTick = () => this.tick();

  /** `retransmit` (re)sends a call's message; absent on stream transports. */
  constructor(private readonly retransmit?: (call: PendingCall) => void) {
    // The Web Crypto global rather than node:crypto: loaded on first use, not by every importer of the rpc layer
    // (`nfsprobe notify` with nobody to notify never makes a call).
    this.nextXid = crypto.getRandomValues(new Uint32Array(1))[0]!;
  }

  get size(): number {
    return this.calls.size;
  }

  /** Is the call still waiting for its reply? */
  isPending(call: PendingCall): boolean {
    return !call.done;
  }

  allocateXid(): number {
    let xid = this.nextXid;
    while (this.calls.has(xid | 0)) xid = (xid + 1) >>> 0;
    this.nextXid = (xid + 1) >>> 0;
    return xid;
  }

  /**
   * Track a call; its timer runs until the first retransmission or the deadline. With `transmit` the call is also
   * handed to the constructor's `retransmit` for its first transmission. Returns the promise.
   */
  add(
    xid: number,
    address: string,
    port: number,
    message: Uint8Array,
    timeoutMs: number,
    retransmitMs: number,
    signal: AbortSignal | undefined,
    anySource = false,
    transmit = false,
  ): Promise<RpcReply> {
    return new Promise<RpcReply>((resolve, reject) => {
      const start = performance.now();
      const call: PendingCall = {
        xid,
        address,
        port,
        anySource,
        message,
        start,
        deadline: start + timeoutMs,
        retransmitMs: retransmitMs > 0 && retransmitMs < timeoutMs ? retransmitMs : 0,
        attempts: 1,
        queued: false,
        done: false,
        due: 0,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        const onAbort = () => {
          if (call.done) return;
          this.stats.aborted++;
          this.finish(call, new RpcError('ABORTED', `call ${xid} aborted`, { cause: signal.reason }));
        };
        call.onAbort = onAbort;
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.calls.set(xid | 0, call);
      this.stats.calls++;
      this.stats.transmissions++;
      this.schedule(call, start, call.retransmitMs > 0 ? call.retransmitMs : timeoutMs);
      if (this.ticker !== undefined && !this.tickerRefed) {
        this.ticker.ref();
        this.tickerRefed = true;
      }
      if (transmit) {
        try {
          this.retransmit!(call);
        } catch (error) {
          this.finish(call, error as Error);
        }
      }
    });
  }

  /** Set the call's timer to fire `delayMs` after `now`. */
  private schedule(call: PendingCall, now: number, delayMs: number): void {
    const due = now + delayMs;
    call.due = due;
    if (this.heap.length >= 1024 && this.heap.length > 2 * this.calls.size) this.compact();
    const heap = this.heap;
    // Sift up.
    let i = heap.length;
    heap.push(call);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent]!;
      if (above.due <= due) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = call;
    // Arm the ticker only when this call is due before it fires; a sequential caller re-arms about once per
    // retransmission interval, not per call.
    if (due < this.tickerDue) {
      if (this.ticker !== undefined) clearTimeout(this.ticker);
      this.ticker = setTimeout(this.onTick, Math.max(1, delayMs));
      this.tickerDue = due;
      this.tickerRefed = true;
    }
  }

  /** Drop settled calls from the heap and rebuild it (Floyd's heapify). */
  private compact(): void {
    const heap = this.heap.filter((call) => !call.done);
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i, heap[i]!);
    this.heap = heap;
  }

  /** The ticker fired: fire every call due (settled ones are dropped), then arm for the next. */
  private tick(): void {
    this.ticker = undefined;
    this.tickerRefed = false;
    // No arming while firing (a retransmission schedules its next timer): the ticker is set once, below.
    this.tickerDue = Number.NEGATIVE_INFINITY;
    // Node's timers run on the loop's cached clock, which may lag performance.now(): 1 ms of slack.
    const now = performance.now() + 1;
    // `this.heap`, not a local: a firing call may compact (replace) it or, settling the last call, empty it.
    while (this.heap.length > 0 && this.heap[0]!.due <= now) {
      const heap = this.heap;
      const call = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) siftDown(heap, 0, last);
      if (!call.done) this.timerFired(call);
    }
    this.tickerDue = Number.POSITIVE_INFINITY;
    if (this.heap.length > 0) {
      const next = this.heap[0]!.due;
      this.ticker = setTimeout(this.onTick, Math.max(1, next - performance.now()));
      this.tickerDue = next;
      this.tickerRefed = true;
    }
  }

  private timerFired(call: PendingCall): void {
    const now = performance.now();
    const left = call.deadline - now;
    if (left <= 1 || call.retransmitMs === 0 || this.retransmit === undefined) {
      this.stats.timeouts++;
      this.finish(
        call,
        new RpcError('TIMEOUT', `no reply from ${call.address}:${call.port} after ${call.attempts} transmission(s)`),
      );
      return;
    }
    if (!call.queued) {
      call.attempts++;
      this.stats.transmissions++;
      this.stats.retransmissions++;
      this.retransmit(call);
    }
    call.retransmitMs *= 2;
    this.schedule(call, now, Math.min(call.retransmitMs, left));
  }

  /** Settle a call with an error (no-op if it already finished). */
  finish(call: PendingCall, error: Error): void {
    if (!this.remove(call)) return;
    call.reject(error);
  }

  private remove(call: PendingCall): boolean {
    if (call.done) return false;
    call.done = true;
    this.calls.delete(call.xid | 0);
    if (call.onAbort !== undefined) call.signal!.removeEventListener('abort', call.onAbort);
    if (this.calls.size === 0) {
      // Nothing in flight: every heap entry is settled. The ticker stays armed (re-arming per call is what this
      // avoids) but no longer keeps the process alive.
      const heap = this.heap;
      // A sequential caller's one entry is popped: cheaper than the length setter.
      if (heap.length === 1) heap.pop();
      else if (heap.length > 1) heap.length = 0;
      if (this.tickerRefed) {
        this.ticker!.unref();
        this.tickerRefed = false;
      }
    }
    return true;
  }

  /** Fail every call in flight (connection lost, client closed). */
  failAll(error: () => Error): void {
    for (const call of [...this.calls.values()]) this.finish(call, error());
  }

  /**
   * Handle a received message. `from` is checked for UDP (undefined on streams): a reply from another peer than the
   * call went to is counted and dropped, unless the call accepts any source (then it is counted as
   * repliedFromOtherPeer and accepted). Unknown xids are counted and dropped; a reply to a pending xid that does not
   * decode fails that call with BAD_REPLY.
   */
  receive(bytes: Uint8Array, fromAddress?: string, fromPort?: number): void {
    if (bytes.length < 8) {
      this.stats.badReplies++;
      return;
    }
    // The key: the xid as a signed 32-bit integer (see `calls`).
    const key = (bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!;
    const call = this.calls.get(key);
    if (call === undefined) {
      this.stats.unknownXid++;
      return;
    }
    if (fromAddress !== undefined && (fromAddress !== call.address || fromPort !== call.port)) {
      if (!call.anySource) {
        this.stats.wrongPeer++;
        return;
      }
      this.stats.repliedFromOtherPeer++;
    }
    // The common reply, accepted SUCCESS with an empty AUTH_NONE verifier (bytes 4-23: REPLY, MSG_ACCEPTED, flavor 0,
    // length 0, SUCCESS), is recognised from its fixed header without decoding: it is most of a notifier's traffic.
    if (
      bytes.length >= 24 &&
      bytes[7] === 1 &&
      (bytes[4]! | bytes[5]! | bytes[6]!) === 0 &&
      (bytes[8]! | bytes[9]! | bytes[10]! | bytes[11]!) === 0 &&
      (bytes[12]! | bytes[13]! | bytes[14]! | bytes[15]!) === 0 &&
      (bytes[16]! | bytes[17]! | bytes[18]! | bytes[19]!) === 0 &&
      (bytes[20]! | bytes[21]! | bytes[22]! | bytes[23]!) === 0
    ) {
      this.stats.replies++;
      if (!this.remove(call)) return;
      call.resolve({
        xid: call.xid,
        verifier: AUTH_NONE_VERIFIER,
        // A plain view: Buffer#subarray builds a Buffer through its species constructor, several times the cost.
        body: bytes.length === 24 ? NO_RESULTS : new Uint8Array(bytes.buffer, bytes.byteOffset + 24, bytes.length - 24),
        rttMs: performance.now() - call.start,
        attempts: call.attempts,
        fromAddress,
        fromPort,
      });
      return;
    }
    let reply: RpcReplyMessage;
    try {
      reply = decodeReply(new XdrReader(bytes));
    } catch (error) {
      if (!(error instanceof XdrError)) throw error;
      this.stats.badReplies++;
      // A CALL that reuses our xid is not an answer: leave the call pending.
      if (bytes[4] === 0 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) return;
      this.finish(
        call,
        new RpcError('BAD_REPLY', `reply to xid ${call.xid} does not decode: ${error.message}`, { cause: error }),
      );
      return;
    }
    this.stats.replies++;
    const failure = replyError(reply);
    if (failure !== undefined) {
      this.finish(call, failure);
      return;
    }
    if (!this.remove(call)) return;
    call.resolve({
      xid: call.xid,
      verifier: (reply as { verifier: OpaqueAuth }).verifier,
      body: (reply as { results: Uint8Array }).results,
      rttMs: performance.now() - call.start,
      attempts: call.attempts,
      fromAddress,
      fromPort,
    });
  }
}

/** The RpcError a reply stands for, or undefined for SUCCESS. */
export function replyError(reply: RpcReplyMessage): RpcError | undefined {
  if (reply.replyStat === 0) {
    switch (reply.acceptStat) {
      case AcceptStat.SUCCESS:
        return undefined;
      case AcceptStat.PROG_MISMATCH:
        return new RpcError(
          'PROG_MISMATCH',
          `program version not supported; the server has ${reply.low}..${reply.high}`,
          {
            low: reply.low,
            high: reply.high,
          },
        );
      case AcceptStat.PROG_UNAVAIL:
        return new RpcError('PROG_UNAVAIL', 'program not available on the server');
      case AcceptStat.PROC_UNAVAIL:
        return new RpcError('PROC_UNAVAIL', 'procedure not available on the server');
      case AcceptStat.GARBAGE_ARGS:
        return new RpcError('GARBAGE_ARGS', 'the server could not decode the arguments');
      default:
        return new RpcError('SYSTEM_ERR', 'the server reported a system error');
    }
  }
  if (reply.rejectStat === RejectStat.RPC_MISMATCH) {
    return new RpcError('RPC_MISMATCH', `RPC version not supported; the server has ${reply.low}..${reply.high}`, {
      low: reply.low,
      high: reply.high,
    });
  }
  return new RpcError('AUTH_ERROR', `authentication refused (auth_stat ${reply.authStat})`, {
    authStat: reply.authStat,
  });
}

/** Sift `call` down from `i` in a min-heap by `due`. */
function siftDown(heap: PendingCall[], i: number, call: PendingCall): void {
  const n = heap.length;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && heap[child + 1]!.due < heap[child]!.due) child++;
    if (heap[child]!.due >= call.due) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = call;
}
