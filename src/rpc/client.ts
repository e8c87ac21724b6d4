// RFC 5531 — RpcClient: calls to one peer over UDP or TCP, many in flight, typed errors.

import { XdrWriter } from '../xdr/index.js';
import { AUTH_NONE_CRED, type OpaqueAuth } from './auth.js';
import { type CallOptions, CallTable, type RpcClientStats, type RpcReply } from './calls.js';
import { RpcError } from './errors.js';
import { encodeCall, type RpcArgs } from './message.js';
import { DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_RECORD_SIZE, encodeRecord, LAST_FRAGMENT } from './record.js';
import { connectTcp, RecordStream } from './tcp.js';
import { DEFAULT_RETRANSMIT_MS, DEFAULT_TIMEOUT_MS, RpcUdpEndpoint, resolveHost } from './udp.js';

/** Shared by every call that gives none (a sequential pinger allocates nothing for them). */
const NO_OPTIONS: CallOptions = Object.freeze({});
const NO_ARGS = new Uint8Array(0);

export interface RpcClientOptions {
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  /** Per-call deadline, including connecting and every retransmission (default 5000 ms). */
  timeoutMs?: number;
  /** UDP: first retransmission interval, doubling each time (default 500 ms). */
  retransmitMs?: number;
  sourceAddress?: string;
  /** Send from a port in 600-1023 (root only; RpcError PRIVILEGED_PORT otherwise). */
  privilegedPort?: boolean;
  /** Default credential (AUTH_NONE). */
  cred?: OpaqueAuth;
  /** TCP: largest reply record accepted (default 1 MiB + 4 KiB). */
  maxRecordSize?: number;
  /** TCP: split each call record into fragments of at most this many bytes (tests; default one fragment). */
  maxFragmentSize?: number;
  /** TCP only: talk over this Unix stream socket instead of host:port (host and port then only label errors). */
  path?: string;
}

/**
 * Calls to one peer; many may be in flight. `call` resolves only on accept_stat SUCCESS; every other outcome
 * rejects with RpcError (TIMEOUT, ABORTED, CONNECTION, REFUSED, PROG_UNAVAIL, PROG_MISMATCH with low/high,
 * PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR, RPC_MISMATCH, AUTH_ERROR with authStat, BAD_REPLY, CLOSED). UDP uses a
 * socket connected to the peer, so an ICMP port unreachable fails the calls in flight at once with REFUSED. TCP
 * connects on the first call and reconnects on the next call after the connection dropped (calls in flight then
 * fail with CONNECTION).
 */
export class RpcClient {
  readonly options: Readonly<RpcClientOptions>;
  private readonly timeoutMs: number;
  private readonly cred: OpaqueAuth;
  private closed = false;
  // UDP
  private endpoint: Promise<RpcUdpEndpoint> | undefined;
  private udpPeer: Promise<string> | undefined;
  /** The open endpoint and the peer it is connected to, once known: later calls go straight to it. */
  private udp: RpcUdpEndpoint | undefined;
  private udpTarget: { address: string; port: number } | undefined;
  // TCP
  private readonly table = new CallTable();
  private stream: Promise<RecordStream> | undefined;
  private readonly writer = new XdrWriter(1024);

  constructor(options: RpcClientOptions) {
    if (options.transport !== 'udp' && options.transport !== 'tcp') {
      throw new RpcError('BAD_ADDRESS', `unknown transport ${String(options.transport)}`);
    }
    if (options.path !== undefined && options.transport !== 'tcp') {
      throw new RpcError('BAD_ADDRESS', 'a Unix socket path needs transport tcp');
    }
    if (!(Number.isInteger(options.port) && options.port > 0 && options.port < 65536)) {
      throw new RpcError('BAD_ADDRESS', `port ${options.port} is not in 1..65535`);
    }
    this.options = { ...options };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.cred = options.cred ?? AUTH_NONE_CRED;
  }

  /** Counters (UDP: of this client's socket). Dropped replies show up in unknownXid / wrongPeer / badReplies. */
  get stats(): Readonly<RpcClientStats> {
    return this.udp?.stats ?? this.table.stats;
  }

  call(
    program: number,
    version: number,
    procedure: number,
    args: RpcArgs,
    options: CallOptions = NO_OPTIONS,
  ): Promise<RpcReply> {
    if (this.closed) return Promise.reject(new RpcError('CLOSED', 'the client is closed'));
    if (options.signal?.aborted) return Promise.reject(new RpcError('ABORTED', 'call aborted before it was sent'));
    if (this.options.transport === 'udp') {
      // Once the endpoint is open, a call is one endpoint call: no await, no options copy (the deadline is the
      // endpoint's default unless the call gives its own).
      const udp = this.udp;
      if (udp !== undefined) return udp.call(this.udpTarget!, program, version, procedure, args, options);
      return this.callUdp(program, version, procedure, args, options);
    }
    return this.callTcp(program, version, procedure, args, options);
  }

  /** The NULL procedure (0): no arguments, no results; the `rpcinfo -u/-t` ping. */
  ping(program: number, version: number, options: CallOptions = NO_OPTIONS): Promise<RpcReply> {
    return this.call(program, version, 0, NO_ARGS, options);
  }

  private async callUdp(
    program: number,
    version: number,
    procedure: number,
    args: RpcArgs,
    options: CallOptions,
  ): Promise<RpcReply> {
    const started = performance.now();
    if (this.udpPeer === undefined) {
      this.udpPeer = resolveHost(this.options.host).then((r) => r.address);
      this.udpPeer.catch(() => {
        this.udpPeer = undefined;
      });
    }
    const address = await this.udpPeer;
    const target = { address, port: this.options.port };
    if (this.endpoint === undefined) {
      const family = address.includes(':') ? 6 : 4;
      this.endpoint = RpcUdpEndpoint.open({
        family,
        sourceAddress: this.options.sourceAddress,
        privilegedPort: this.options.privilegedPort,
        timeoutMs: this.timeoutMs,
        retransmitMs: this.options.retransmitMs ?? DEFAULT_RETRANSMIT_MS,
        cred: this.cred,
        connect: target,
      });
      this.endpoint.catch(() => {
        this.endpoint = undefined;
      });
    }
    const endpoint = await this.endpoint;
    if (this.closed) throw new RpcError('CLOSED', 'the client is closed');
    this.udpTarget = target;
    this.udp = endpoint;
    const timeoutMs = (options.timeoutMs ?? this.timeoutMs) - (performance.now() - started);
    if (timeoutMs <= 0) throw new RpcError('TIMEOUT', 'deadline passed while resolving the host');
    return endpoint.call({ address, port: this.options.port }, program, version, procedure, args, {
      ...options,
      timeoutMs,
    });
  }

  private async callTcp(
    program: number,
    version: number,
    procedure: number,
    args: RpcArgs,
    options: CallOptions,
  ): Promise<RpcReply> {
    const started = performance.now();
    const deadline = options.timeoutMs ?? this.timeoutMs;
    const stream = await this.connection(deadline, options.signal);
    if (this.closed) throw new RpcError('CLOSED', 'the client is closed');
    const timeoutMs = deadline - (performance.now() - started);
    if (timeoutMs <= 0) throw new RpcError('TIMEOUT', 'deadline passed while connecting');
    const xid = this.table.allocateXid();
    // Record mark slot first, filled once the message length is known.
    const w = this.writer;
    w.reset();
    w.reserve(4);
    encodeCall(w, {
      xid,
      program,
      version,
      procedure,
      cred: options.cred ?? this.cred,
      verifier: AUTH_NONE_CRED,
      args,
    });
    w.patchUnsignedInt(0, LAST_FRAGMENT + (w.offset - 4));
    let framed = w.finish();
    if (this.options.maxFragmentSize !== undefined)
      framed = encodeRecord(framed.subarray(4), this.options.maxFragmentSize);
    const promise = this.table.add(xid, this.options.host, this.options.port, framed, timeoutMs, 0, options.signal);
    stream.write(framed);
    return promise;
  }

  private connection(timeoutMs: number, signal: AbortSignal | undefined): Promise<RecordStream> {
    if (this.stream !== undefined) return this.stream;
    const opening = connectTcp({
      host: this.options.host,
      port: this.options.port,
      sourceAddress: this.options.sourceAddress,
      privilegedPort: this.options.privilegedPort,
      timeoutMs,
      signal,
      ...(this.options.path === undefined ? {} : { path: this.options.path }),
    }).then(
      (socket) =>
        new RecordStream(
          socket,
          { maxRecordSize: this.options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE, maxFragments: DEFAULT_MAX_FRAGMENTS },
          (record) => this.table.receive(record),
          (error) => {
            if (this.stream === opening) this.stream = undefined;
            this.table.failAll(() =>
              this.closed
                ? new RpcError('CLOSED', 'the client was closed')
                : new RpcError(
                    'CONNECTION',
                    `connection to ${this.options.host}:${this.options.port} closed${error ? `: ${error.message}` : ''}`,
                    { cause: error },
                  ),
            );
          },
        ),
    );
    this.stream = opening;
    opening.catch(() => {
      if (this.stream === opening) this.stream = undefined;
    });
    return opening;
  }

  /** Fail calls in flight with CLOSED and release the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.table.failAll(() => new RpcError('CLOSED', 'the client was closed'));
    const endpoint = this.endpoint;
    this.endpoint = undefined;
    if (endpoint !== undefined) await endpoint.then((e) => e.close()).catch(() => {});
    const stream = this.stream;
    this.stream = undefined;
    if (stream !== undefined) await stream.then((s) => s.destroy()).catch(() => {});
  }
}
