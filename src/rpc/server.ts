// RFC 5531 sections 9-11 — RpcServer: program/version/procedure dispatch over UDP and TCP, with caps.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { createServer, isIP, type Server, type Socket as TcpSocket } from 'node:net';
import { XdrError, XdrReader, XdrWriter } from '../xdr/index.js';
import { AUTH_NONE_VERIFIER, AuthFlavor, decodeAuth, type OpaqueAuth } from './auth.js';
import { RpcError } from './errors.js';
import {
  AcceptStat,
  AuthStat,
  decodeCall,
  encodeReply,
  MsgType,
  RPC_VERSION,
  type RpcCallMessage,
  type RpcReplyInput,
} from './message.js';
import { DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_RECORD_SIZE, LAST_FRAGMENT, RECORD_HEAD_LENGTH } from './record.js';
import { RPCBIND_SOCKET, RpcbindClient } from './rpcbind.js';
import { RecordStream } from './tcp.js';
import { formatUniversalAddress } from './universal-address.js';

export interface RpcCallContext {
  xid: number;
  program: number;
  version: number;
  procedure: number;
  cred: OpaqueAuth;
  verifier: OpaqueAuth;
  peer: { address: string; port: number; transport: 'udp' | 'tcp' };
}

export type RpcResults = Uint8Array | ((w: XdrWriter) => void) | undefined;

/**
 * A procedure. `args` reads the call's arguments (a view of the received message). Return the results as bytes, a
 * writer callback, or undefined (void). An XdrError thrown while decoding becomes GARBAGE_ARGS; throw
 * RpcError('PROC_UNAVAIL' | 'GARBAGE_ARGS' | 'SYSTEM_ERR' | 'PROG_UNAVAIL' | 'AUTH_ERROR' (authStat) | 'NO_REPLY')
 * to answer otherwise; anything else thrown is SYSTEM_ERR.
 */
export type RpcHandler = (args: XdrReader, call: RpcCallContext) => Promise<RpcResults> | RpcResults;

/**
 * Caps that bound what peers can make the server hold. TCP flow control: a connection is not read while its unsent
 * replies are at `maxUnsentReplyBytes` or `maxCallsInFlight` of its calls are being answered; the kernel then pushes
 * back on the peer, and other connections are served meanwhile.
 */
export interface RpcServerOptions {
  /**
   * Largest call accepted (TCP record or UDP datagram), default 1 MiB + 4 KiB. A program registered with its own
   * `maxRecordSize` is held to that instead, and calls to unregistered programs to the largest registered cap.
   */
  maxRecordSize?: number;
  /** Most fragments per TCP record, default 4096. */
  maxFragments?: number;
  /**
   * Concurrent TCP connections, default 1024. At the limit the connection that has gone longest without a complete
   * call, among those with no call being answered and no reply unsent, is closed to make room; when there is none
   * the new connection is refused.
   */
  maxConnections?: number;
  /** Concurrent TCP connections from one address, default 64; at the limit, room is made as for maxConnections. */
  maxConnectionsPerPeer?: number;
  /** TCP connections without traffic this long are closed, default 120 s. */
  idleTimeoutMs?: number;
  /** TCP connections that have not completed a record this long after they were accepted are closed, default 10 s. */
  firstRecordTimeoutMs?: number;
  /**
   * Bytes of partial TCP records held across all connections, default 32 MiB; above it the connection holding the
   * most is closed (checked after every read).
   */
  maxBufferedBytes?: number;
  /**
   * Unsent reply bytes of one TCP connection at which it is no longer read until they are sent (the sockets' writable
   * high-water mark), default 64 KiB.
   */
  maxUnsentReplyBytes?: number;
  /** Calls of one TCP connection answered at once (async handlers); the rest wait unread, default 64. */
  maxCallsInFlight?: number;
  /** A TCP connection whose peer has not taken its replies (no 'drain') for this long is closed, default 30 s. */
  writeBlockedTimeoutMs?: number;
}

export interface ProgramOptions {
  /** Largest call to this program/version (TCP record or UDP datagram); at most the server's maxRecordSize. */
  maxRecordSize?: number;
}

export interface RpcServerCounters {
  calls: number;
  replies: number;
  /** Datagrams that were not decodable calls, or over the record cap: dropped. */
  badDatagrams: number;
  /** TCP records that were not decodable calls, or broke a framing cap: the connection was closed. */
  badRecords: number;
  /** TCP connections accepted, ever. */
  connections: number;
  /** TCP connections refused at the connection limits (nothing idle to close). */
  rejectedConnections: number;
  /** TCP connections closed after idleTimeoutMs without traffic. */
  idleClosed: number;
  /** TCP connections closed because they sent no complete record within firstRecordTimeoutMs. */
  firstRecordClosed: number;
  /** Idle TCP connections closed to make room for a new one at maxConnections / maxConnectionsPerPeer. */
  evictedIdle: number;
  /** TCP connections closed because their peer left replies unread for writeBlockedTimeoutMs. */
  closedForBackpressure: number;
  /** TCP connections closed because partial records across connections went over maxBufferedBytes. */
  closedForMemory: number;
  /** Handlers that threw something other than RpcError/XdrError (answered SYSTEM_ERR). */
  handlerErrors: number;
}

export interface RpcServerStats extends RpcServerCounters {
  /** TCP connections open now. */
  openConnections: number;
  /** TCP connections not being read now (unsent replies or calls in flight at their cap). */
  pausedConnections: number;
  /** Bytes of partial TCP records held now (what maxBufferedBytes bounds). */
  partialRecordBytes: number;
  /**
   * Bytes held for TCP connections now: partial records, records read but not yet dispatched, socket read buffers and
   * unsent replies.
   */
  bufferedBytes: number;
}

interface Registration {
  program: number;
  version: number;
  netid: string;
}

interface ProgramVersion {
  procedures: Record<number, RpcHandler>;
  maxRecordSize: number;
}

/** One accepted TCP connection and its flow-control state. */
interface Connection {
  readonly stream: RecordStream;
  readonly address: string;
  /** Sequence number of its last complete record (of its acceptance before that): the lowest is evicted first. */
  lastRecordAt: number;
  /** Calls dispatched and not answered yet. */
  inFlight: number;
  /** write() returned false and 'drain' has not come yet. */
  waitingForDrain: boolean;
  /** Partial record bytes counted in RpcServer.partialBytes. */
  partialBytes: number;
  firstRecordTimer: NodeJS.Timeout | undefined;
  blockedTimer: NodeJS.Timeout | undefined;
}

/**
 * An ONC RPC server. NULL (procedure 0) is built into every registered program/version. Unknown programs get
 * PROG_UNAVAIL, unknown versions PROG_MISMATCH with the real lowest/highest registered version, unknown procedures
 * PROC_UNAVAIL, rpcvers other than 2 RPC_MISMATCH, a malformed AUTH_SYS credential AUTH_ERROR(AUTH_BADCRED).
 * Hostile peers are bounded by the caps in RpcServerOptions (every one has a default); `stats` shows what they hold.
 */
export class RpcServer {
  private readonly counters: RpcServerCounters = {
    calls: 0,
    replies: 0,
    badDatagrams: 0,
    badRecords: 0,
    connections: 0,
    rejectedConnections: 0,
    idleClosed: 0,
    firstRecordClosed: 0,
    evictedIdle: 0,
    closedForBackpressure: 0,
    closedForMemory: 0,
    handlerErrors: 0,
  };
  private readonly programs = new Map<number, Map<number, ProgramVersion>>();
  private readonly maxRecordSize: number;
  private readonly maxFragments: number;
  private readonly maxConnections: number;
  private readonly maxConnectionsPerPeer: number;
  private readonly idleTimeoutMs: number;
  private readonly firstRecordTimeoutMs: number;
  private readonly maxBufferedBytes: number;
  private readonly maxUnsentReplyBytes: number;
  private readonly maxCallsInFlight: number;
  private readonly writeBlockedTimeoutMs: number;
  /** Record cap for calls to programs not registered: the largest registered cap. */
  private unknownProgramCap: number;
  private readonly writer = new XdrWriter(4096);
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly connections = new Set<Connection>();
  private readonly peers = new Map<string, Set<Connection>>();
  /** Partial record bytes over all connections. */
  private partialBytes = 0;
  private recordSequence = 0;
  private listenAddress = '127.0.0.1';
  private registered: { host: string | undefined; entries: Registration[] } | undefined;

  constructor(o: RpcServerOptions = {}) {
    this.maxRecordSize = o.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
    this.maxFragments = o.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
    this.maxConnections = o.maxConnections ?? 1024;
    this.maxConnectionsPerPeer = o.maxConnectionsPerPeer ?? 64;
    this.idleTimeoutMs = o.idleTimeoutMs ?? 120_000;
    this.firstRecordTimeoutMs = o.firstRecordTimeoutMs ?? 10_000;
    this.maxBufferedBytes = o.maxBufferedBytes ?? 32 * 1024 * 1024;
    this.maxUnsentReplyBytes = o.maxUnsentReplyBytes ?? 64 * 1024;
    this.maxCallsInFlight = o.maxCallsInFlight ?? 64;
    this.writeBlockedTimeoutMs = o.writeBlockedTimeoutMs ?? 30_000;
    this.unknownProgramCap = this.maxRecordSize;
  }

  /** Counters, and what TCP connections hold now (a fresh snapshot each time). */
  get stats(): RpcServerStats {
    let held = 0;
    let paused = 0;
    for (const c of this.connections) {
      const stream = c.stream;
      held += stream.queuedBytes + stream.socket.readableLength + stream.socket.writableLength;
      if (stream.isPaused) paused++;
    }
    return {
      ...this.counters,
      openConnections: this.connections.size,
      pausedConnections: paused,
      partialRecordBytes: this.partialBytes,
      bufferedBytes: this.partialBytes + held,
    };
  }

  /**
   * Serve `procedures` for program/version (replaces an earlier registration of the same pair). `maxRecordSize`
   * caps calls to it (NSM and NLM calls fit in a few KB); a TCP record over it is refused from its first bytes.
   */
  addProgram(
    program: number,
    version: number,
    procedures: Record<number, RpcHandler>,
    options: ProgramOptions = {},
  ): void {
    let versions = this.programs.get(program);
    if (versions === undefined) {
      versions = new Map();
      this.programs.set(program, versions);
    }
    const maxRecordSize = Math.min(options.maxRecordSize ?? this.maxRecordSize, this.maxRecordSize);
    versions.set(version, { procedures: { ...procedures }, maxRecordSize });
    this.updateUnknownProgramCap();
  }

  /** Stop serving program/version (every version when omitted). */
  removeProgram(program: number, version?: number): void {
    if (version === undefined) this.programs.delete(program);
    else {
      this.programs.get(program)?.delete(version);
      if (this.programs.get(program)?.size === 0) this.programs.delete(program);
    }
    this.updateUnknownProgramCap();
  }

  private updateUnknownProgramCap(): void {
    let cap = 0;
    for (const versions of this.programs.values()) {
      for (const entry of versions.values()) cap = Math.max(cap, entry.maxRecordSize);
    }
    this.unknownProgramCap = this.programs.size === 0 ? this.maxRecordSize : cap;
  }

  /** Record cap for a call, from its head (RECORD_HEAD_LENGTH bytes: xid, msg_type, rpcvers, prog, vers). */
  private recordCapFor(head: Uint8Array): number {
    const versions = this.programs.get(readWord(head, 12));
    if (versions === undefined) return this.unknownProgramCap;
    const entry = versions.get(readWord(head, 16));
    if (entry !== undefined) return entry.maxRecordSize;
    let cap = 0;
    for (const e of versions.values()) cap = Math.max(cap, e.maxRecordSize);
    return cap;
  }

  get udpPort(): number | undefined {
    return this.udp?.address().port;
  }

  get tcpPort(): number | undefined {
    const address = this.tcp?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  /** Bind the transports (default both, on 127.0.0.1, kernel-chosen ports; the same port for both when free). */
  async listen(
    o: { address?: string; port?: number; transports?: ('udp' | 'tcp')[] } = {},
  ): Promise<{ udpPort?: number; tcpPort?: number }> {
    const address = o.address ?? '127.0.0.1';
    this.listenAddress = address;
    const transports = o.transports ?? ['udp', 'tcp'];
    let port = o.port ?? 0;
    if (transports.includes('tcp')) {
      this.tcp = await this.listenTcp(address, port);
      if (port === 0) port = this.tcpPort!;
    }
    if (transports.includes('udp')) {
      try {
        this.udp = await this.listenUdp(address, port);
      } catch (error) {
        if (o.port !== undefined && o.port !== 0) throw error;
        this.udp = await this.listenUdp(address, 0);
      }
    }
    return {
      ...(this.udpPort === undefined ? {} : { udpPort: this.udpPort }),
      ...(this.tcpPort === undefined ? {} : { tcpPort: this.tcpPort }),
    };
  }

  private listenUdp(address: string, port: number): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
      socket.once('error', reject);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off('error', reject);
        socket.on('error', () => {
          this.counters.badDatagrams++;
        });
        socket.on('message', (message, rinfo) => this.onDatagram(socket, message, rinfo.address, rinfo.port));
        resolve(socket);
      });
    });
  }

  private listenTcp(address: string, port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true, highWaterMark: this.maxUnsentReplyBytes }, (socket) =>
        this.onConnection(socket),
      );
      server.once('error', reject);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  private onDatagram(socket: UdpSocket, message: Buffer, address: string, port: number): void {
    if (
      message.length > this.maxRecordSize ||
      (message.length >= RECORD_HEAD_LENGTH && message.length > this.recordCapFor(message))
    ) {
      this.counters.badDatagrams++;
      return;
    }
    this.dispatch(message, { address, port, transport: 'udp' }, false, (reply) => {
      if (reply === undefined) this.counters.badDatagrams++;
      else if (reply !== null) socket.send(reply, port, address);
    });
  }

  private onConnection(socket: TcpSocket): void {
    const address = socket.remoteAddress ?? '';
    const fromPeer = this.peers.get(address);
    if (
      (fromPeer !== undefined && fromPeer.size >= this.maxConnectionsPerPeer && !this.closeLongestIdle(fromPeer)) ||
      (this.connections.size >= this.maxConnections && !this.closeLongestIdle(this.connections))
    ) {
      this.counters.rejectedConnections++;
      socket.destroy();
      return;
    }
    this.counters.connections++;
    const peer = { address, port: socket.remotePort ?? 0, transport: 'tcp' as const };
    const stream: RecordStream = new RecordStream(
      socket,
      {
        maxRecordSize: this.maxRecordSize,
        maxFragments: this.maxFragments,
        maxRecordSizeFor: (head) => this.recordCapFor(head),
      },
      (record) => this.onRecord(connection, record, peer),
      (error) => this.onClosed(connection, error),
    );
    const connection: Connection = {
      stream,
      address,
      lastRecordAt: ++this.recordSequence,
      inFlight: 0,
      waitingForDrain: false,
      partialBytes: 0,
      firstRecordTimer: undefined,
      blockedTimer: undefined,
    };
    this.connections.add(connection);
    if (fromPeer === undefined) this.peers.set(address, new Set([connection]));
    else fromPeer.add(connection);
    // Runs after the stream's own 'data' listener has decoded the chunk.
    socket.on('data', () => this.accountPartial(connection));
    socket.on('drain', () => {
      connection.waitingForDrain = false;
      clearTimeout(connection.blockedTimer);
      connection.blockedTimer = undefined;
      this.updateFlow(connection);
    });
    socket.setTimeout(this.idleTimeoutMs, () => {
      this.counters.idleClosed++;
      stream.destroy();
    });
    connection.firstRecordTimer = setTimeout(() => {
      this.counters.firstRecordClosed++;
      stream.destroy();
    }, this.firstRecordTimeoutMs);
  }

  private onRecord(connection: Connection, record: Uint8Array, peer: RpcCallContext['peer']): void {
    connection.lastRecordAt = ++this.recordSequence;
    if (connection.firstRecordTimer !== undefined) {
      clearTimeout(connection.firstRecordTimer);
      connection.firstRecordTimer = undefined;
    }
    const stream = connection.stream;
    connection.inFlight++;
    this.dispatch(record, peer, true, (reply) => {
      connection.inFlight--;
      if (reply === undefined) {
        this.counters.badRecords++;
        stream.destroy();
        return;
      }
      if (reply !== null && !stream.write(reply) && !stream.isClosed && !connection.waitingForDrain) {
        connection.waitingForDrain = true;
        connection.blockedTimer = setTimeout(() => {
          this.counters.closedForBackpressure++;
          stream.destroy();
        }, this.writeBlockedTimeoutMs);
      }
      this.updateFlow(connection);
    });
    this.updateFlow(connection);
  }

  /** Read from the connection only while its peer takes its replies and its calls in flight are under the cap. */
  private updateFlow(connection: Connection): void {
    if (connection.waitingForDrain || connection.inFlight >= this.maxCallsInFlight) connection.stream.pause();
    else connection.stream.resume();
  }

  private accountPartial(connection: Connection): void {
    if (connection.stream.isClosed) return;
    const now = connection.stream.partialBytes;
    this.partialBytes += now - connection.partialBytes;
    connection.partialBytes = now;
    while (this.partialBytes > this.maxBufferedBytes) {
      let largest: Connection | undefined;
      for (const c of this.connections) if (largest === undefined || c.partialBytes > largest.partialBytes) largest = c;
      if (largest === undefined) break;
      this.counters.closedForMemory++;
      largest.stream.destroy();
    }
  }

  /**
   * Close the connection of `among` that has gone longest without a complete record, counting only those with no
   * call being answered and nothing unsent. False when there is none.
   */
  private closeLongestIdle(among: Iterable<Connection>): boolean {
    let oldest: Connection | undefined;
    for (const c of among) {
      if (c.inFlight > 0 || c.waitingForDrain || c.stream.socket.writableLength > 0 || c.stream.queuedBytes > 0)
        continue;
      if (oldest === undefined || c.lastRecordAt < oldest.lastRecordAt) oldest = c;
    }
    if (oldest === undefined) return false;
    this.counters.evictedIdle++;
    oldest.stream.destroy();
    return true;
  }

  private onClosed(connection: Connection, error: Error | undefined): void {
    if (error instanceof RpcError) this.counters.badRecords++;
    clearTimeout(connection.firstRecordTimer);
    clearTimeout(connection.blockedTimer);
    this.partialBytes -= connection.partialBytes;
    connection.partialBytes = 0;
    this.connections.delete(connection);
    const fromPeer = this.peers.get(connection.address);
    fromPeer?.delete(connection);
    if (fromPeer?.size === 0) this.peers.delete(connection.address);
  }

  /**
   * Decode one call and answer through `send`, called exactly once: reply bytes (record-marked when `framed`),
   * undefined when the message is not a decodable CALL (the transport then counts it and drops it or closes the
   * connection), or null when a handler threw RpcError NO_REPLY (nothing to send).
   */
  private dispatch(
    message: Uint8Array,
    peer: RpcCallContext['peer'],
    framed: boolean,
    send: (reply: Uint8Array | undefined | null) => void,
  ): void {
    if (message.length < 12 || readWord(message, 4) !== MsgType.CALL) {
      send(undefined);
      return;
    }
    const xid = readWord(message, 0);
    if (readWord(message, 8) !== RPC_VERSION) {
      this.counters.calls++;
      send(this.reply({ xid, replyStat: 1, rejectStat: 0, low: RPC_VERSION, high: RPC_VERSION }, framed));
      return;
    }
    let call: RpcCallMessage;
    try {
      call = decodeCall(new XdrReader(message));
    } catch (error) {
      if (!(error instanceof XdrError)) throw error;
      send(undefined);
      return;
    }
    this.counters.calls++;
    const accepted = { xid, replyStat: 0 as const, verifier: AUTH_NONE_VERIFIER };
    if (call.cred.flavor === AuthFlavor.AUTH_SYS) {
      try {
        decodeAuth(call.cred);
      } catch {
        send(this.reply({ xid, replyStat: 1, rejectStat: 1, authStat: AuthStat.AUTH_BADCRED }, framed));
        return;
      }
    }
    const versions = this.programs.get(call.program);
    if (versions === undefined) {
      send(this.reply({ ...accepted, acceptStat: AcceptStat.PROG_UNAVAIL }, framed));
      return;
    }
    const procedures = versions.get(call.version);
    if (procedures === undefined) {
      let low = 0xffffffff;
      let high = 0;
      for (const v of versions.keys()) {
        if (v < low) low = v;
        if (v > high) high = v;
      }
      send(this.reply({ ...accepted, acceptStat: AcceptStat.PROG_MISMATCH, low, high }, framed));
      return;
    }
    const handler = procedures.procedures[call.procedure];
    if (handler === undefined) {
      if (call.procedure === 0) send(this.reply({ ...accepted, acceptStat: AcceptStat.SUCCESS }, framed));
      else send(this.reply({ ...accepted, acceptStat: AcceptStat.PROC_UNAVAIL }, framed));
      return;
    }
    const context: RpcCallContext = {
      xid,
      program: call.program,
      version: call.version,
      procedure: call.procedure,
      cred: call.cred,
      verifier: call.verifier,
      peer,
    };
    let result: Promise<RpcResults> | RpcResults;
    try {
      result = handler(new XdrReader(call.args), context);
    } catch (error) {
      this.answerError(xid, error, framed, send);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value) => this.answerResults(xid, value, framed, send),
        (error) => this.answerError(xid, error, framed, send),
      );
    } else {
      this.answerResults(xid, result, framed, send);
    }
  }

  private answerResults(xid: number, results: RpcResults, framed: boolean, send: (r: Uint8Array | null) => void): void {
    let reply: Uint8Array;
    try {
      reply = this.reply({ xid, replyStat: 0, verifier: AUTH_NONE_VERIFIER, acceptStat: 0, results }, framed);
    } catch (error) {
      this.answerError(xid, error, framed, send);
      return;
    }
    send(reply);
  }

  private answerError(xid: number, error: unknown, framed: boolean, send: (r: Uint8Array | null) => void): void {
    const accepted = { xid, replyStat: 0 as const, verifier: AUTH_NONE_VERIFIER };
    if (error instanceof XdrError) {
      send(this.reply({ ...accepted, acceptStat: AcceptStat.GARBAGE_ARGS }, framed));
      return;
    }
    if (error instanceof RpcError) {
      switch (error.code) {
        case 'NO_REPLY':
          send(null);
          return;
        case 'PROG_UNAVAIL':
          send(this.reply({ ...accepted, acceptStat: AcceptStat.PROG_UNAVAIL }, framed));
          return;
        case 'PROG_MISMATCH':
          send(
            this.reply(
              { ...accepted, acceptStat: AcceptStat.PROG_MISMATCH, low: error.low ?? 0, high: error.high ?? 0 },
              framed,
            ),
          );
          return;
        case 'PROC_UNAVAIL':
          send(this.reply({ ...accepted, acceptStat: AcceptStat.PROC_UNAVAIL }, framed));
          return;
        case 'GARBAGE_ARGS':
          send(this.reply({ ...accepted, acceptStat: AcceptStat.GARBAGE_ARGS }, framed));
          return;
        case 'AUTH_ERROR':
          send(
            this.reply({ xid, replyStat: 1, rejectStat: 1, authStat: error.authStat ?? AuthStat.AUTH_FAILED }, framed),
          );
          return;
        case 'SYSTEM_ERR':
          send(this.reply({ ...accepted, acceptStat: AcceptStat.SYSTEM_ERR }, framed));
          return;
        default:
          break;
      }
    }
    this.counters.handlerErrors++;
    send(this.reply({ ...accepted, acceptStat: AcceptStat.SYSTEM_ERR }, framed));
  }

  /** Encode a reply (record mark first on TCP). Throws if a results callback throws; the writer is then reset. */
  private reply(reply: RpcReplyInput, framed: boolean): Uint8Array {
    const w = this.writer;
    w.reset();
    try {
      if (framed) w.reserve(4);
      encodeReply(w, reply);
      if (framed) w.patchUnsignedInt(0, LAST_FRAGMENT + (w.offset - 4));
    } catch (error) {
      w.reset();
      throw error;
    }
    this.counters.replies++;
    return w.finish();
  }

  /**
   * Register every program/version on every listening transport with rpcbind (v4 SET, falling back to v3 and
   * portmap v2), replacing stale registrations. Locally this goes over rpcbind's Unix socket when it exists (rpcbind
   * then records our uid as owner), otherwise over UDP from a reserved port when we are root (rpcbind accepts
   * SET/UNSET over loopback only from one). RpcError REGISTRATION_FAILED when rpcbind refuses.
   */
  async register(rpcbindHost?: string): Promise<void> {
    const entries: Registration[] = [];
    const six = isIP(this.listenAddress) === 6;
    for (const [program, versions] of this.programs) {
      for (const version of versions.keys()) {
        if (this.udpPort !== undefined) entries.push({ program, version, netid: six ? 'udp6' : 'udp' });
        if (this.tcpPort !== undefined) entries.push({ program, version, netid: six ? 'tcp6' : 'tcp' });
      }
    }
    const client = rpcbindClientFor(rpcbindHost);
    try {
      for (const e of entries) {
        const port = e.netid.startsWith('udp') ? this.udpPort! : this.tcpPort!;
        const address = formatUniversalAddress(this.listenAddress, port);
        let ok = await client.set({ ...e, address });
        if (!ok) {
          await client.unset(e);
          ok = await client.set({ ...e, address });
        }
        if (!ok) {
          throw new RpcError(
            'REGISTRATION_FAILED',
            `rpcbind refused to register program ${e.program} version ${e.version} on ${e.netid}`,
          );
        }
      }
      this.registered = { host: rpcbindHost, entries };
    } finally {
      await client.close();
    }
  }

  /** Remove what `register` added (errors from rpcbind are ignored: it may be gone already). */
  async unregister(): Promise<void> {
    const registered = this.registered;
    if (registered === undefined) return;
    this.registered = undefined;
    const client = rpcbindClientFor(registered.host, 2000);
    try {
      for (const e of registered.entries) await client.unset(e).catch(() => false);
    } finally {
      await client.close();
    }
  }

  /** Unregister if registered, stop listening and close every connection. */
  async close(): Promise<void> {
    await this.unregister().catch(() => {});
    for (const connection of [...this.connections]) connection.stream.destroy();
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    if (udp !== undefined) await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcp !== undefined) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }
}

function readWord(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function rpcbindClientFor(host: string | undefined, timeoutMs = 5000): RpcbindClient {
  const local = host === undefined || host === '127.0.0.1' || host === 'localhost' || host === '::1';
  if (local && existsSync(RPCBIND_SOCKET)) {
    return new RpcbindClient({ host: 'localhost', path: RPCBIND_SOCKET, timeoutMs });
  }
  return new RpcbindClient({
    host: host ?? '127.0.0.1',
    timeoutMs,
    privilegedPort: process.getuid?.() === 0,
  });
}
