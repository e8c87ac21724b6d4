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
import { DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_RECORD_SIZE, LAST_FRAGMENT } from './record.js';
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

export interface RpcServerOptions {
  /** Largest call accepted (TCP record or UDP datagram), default 1 MiB + 4 KiB. */
  maxRecordSize?: number;
  /** Most fragments per TCP record, default 4096. */
  maxFragments?: number;
  /** Concurrent TCP connections, default 1024; more are closed at once. */
  maxConnections?: number;
  /** TCP connections idle this long are closed, default 120 s. */
  idleTimeoutMs?: number;
}

export interface RpcServerStats {
  calls: number;
  replies: number;
  /** Datagrams that were not decodable calls: dropped. */
  badDatagrams: number;
  /** TCP records that were not decodable calls, or broke a framing cap: the connection was closed. */
  badRecords: number;
  connections: number;
  rejectedConnections: number;
  idleClosed: number;
  /** Handlers that threw something other than RpcError/XdrError (answered SYSTEM_ERR). */
  handlerErrors: number;
}

interface Registration {
  program: number;
  version: number;
  netid: string;
}

/**
 * An ONC RPC server. NULL (procedure 0) is built into every registered program/version. Unknown programs get
 * PROG_UNAVAIL, unknown versions PROG_MISMATCH with the real lowest/highest registered version, unknown procedures
 * PROC_UNAVAIL, rpcvers other than 2 RPC_MISMATCH, a malformed AUTH_SYS credential AUTH_ERROR(AUTH_BADCRED).
 */
export class RpcServer {
  readonly stats: RpcServerStats = {
    calls: 0,
    replies: 0,
    badDatagrams: 0,
    badRecords: 0,
    connections: 0,
    rejectedConnections: 0,
    idleClosed: 0,
    handlerErrors: 0,
  };
  private readonly programs = new Map<number, Map<number, Record<number, RpcHandler>>>();
  private readonly maxRecordSize: number;
  private readonly maxFragments: number;
  private readonly maxConnections: number;
  private readonly idleTimeoutMs: number;
  private readonly writer = new XdrWriter(4096);
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly streams = new Set<RecordStream>();
  private listenAddress = '127.0.0.1';
  private registered: { host: string | undefined; entries: Registration[] } | undefined;

  constructor(o: RpcServerOptions = {}) {
    this.maxRecordSize = o.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
    this.maxFragments = o.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
    this.maxConnections = o.maxConnections ?? 1024;
    this.idleTimeoutMs = o.idleTimeoutMs ?? 120_000;
  }

  /** Serve `procedures` for program/version (replaces an earlier registration of the same pair). */
  addProgram(program: number, version: number, procedures: Record<number, RpcHandler>): void {
    let versions = this.programs.get(program);
    if (versions === undefined) {
      versions = new Map();
      this.programs.set(program, versions);
    }
    versions.set(version, { ...procedures });
  }

  /** Stop serving program/version (every version when omitted). */
  removeProgram(program: number, version?: number): void {
    if (version === undefined) this.programs.delete(program);
    else {
      this.programs.get(program)?.delete(version);
      if (this.programs.get(program)?.size === 0) this.programs.delete(program);
    }
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
          this.stats.badDatagrams++;
        });
        socket.on('message', (message, rinfo) => this.onDatagram(socket, message, rinfo.address, rinfo.port));
        resolve(socket);
      });
    });
  }

  private listenTcp(address: string, port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true }, (socket) => this.onConnection(socket));
      server.once('error', reject);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  private onDatagram(socket: UdpSocket, message: Buffer, address: string, port: number): void {
    if (message.length > this.maxRecordSize) {
      this.stats.badDatagrams++;
      return;
    }
    this.dispatch(message, { address, port, transport: 'udp' }, false, (reply) => {
      if (reply === undefined) {
        this.stats.badDatagrams++;
        return;
      }
      socket.send(reply, port, address);
    });
  }

  private onConnection(socket: TcpSocket): void {
    if (this.streams.size >= this.maxConnections) {
      this.stats.rejectedConnections++;
      socket.destroy();
      return;
    }
    this.stats.connections++;
    const peer = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, transport: 'tcp' as const };
    const stream: RecordStream = new RecordStream(
      socket,
      { maxRecordSize: this.maxRecordSize, maxFragments: this.maxFragments },
      (record) =>
        this.dispatch(record, peer, true, (reply) => {
          if (reply === undefined) {
            this.stats.badRecords++;
            stream.destroy();
            return;
          }
          stream.write(reply);
        }),
      (error) => {
        if (error instanceof RpcError) this.stats.badRecords++;
        this.streams.delete(stream);
      },
    );
    this.streams.add(stream);
    socket.setTimeout(this.idleTimeoutMs, () => {
      this.stats.idleClosed++;
      stream.destroy();
    });
  }

  /**
   * Decode one call and answer through `send`: reply bytes (record-marked when `framed`), or undefined when the
   * message is not a decodable CALL (the transport then counts it and drops it or closes the connection). A
   * handler that throws RpcError NO_REPLY sends nothing.
   */
  private dispatch(
    message: Uint8Array,
    peer: RpcCallContext['peer'],
    framed: boolean,
    send: (reply: Uint8Array | undefined) => void,
  ): void {
    if (message.length < 12 || readWord(message, 4) !== MsgType.CALL) {
      send(undefined);
      return;
    }
    const xid = readWord(message, 0);
    if (readWord(message, 8) !== RPC_VERSION) {
      this.stats.calls++;
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
    this.stats.calls++;
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
    const handler = procedures[call.procedure];
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

  private answerResults(xid: number, results: RpcResults, framed: boolean, send: (r: Uint8Array) => void): void {
    let reply: Uint8Array;
    try {
      reply = this.reply({ xid, replyStat: 0, verifier: AUTH_NONE_VERIFIER, acceptStat: 0, results }, framed);
    } catch (error) {
      this.answerError(xid, error, framed, send);
      return;
    }
    send(reply);
  }

  private answerError(xid: number, error: unknown, framed: boolean, send: (r: Uint8Array) => void): void {
    const accepted = { xid, replyStat: 0 as const, verifier: AUTH_NONE_VERIFIER };
    if (error instanceof XdrError) {
      send(this.reply({ ...accepted, acceptStat: AcceptStat.GARBAGE_ARGS }, framed));
      return;
    }
    if (error instanceof RpcError) {
      switch (error.code) {
        case 'NO_REPLY':
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
    this.stats.handlerErrors++;
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
    this.stats.replies++;
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
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
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
