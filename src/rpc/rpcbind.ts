// RFC 1833 — portmap v2 and rpcbind v3/v4 client (universal addresses: universal-address.ts).

import { XdrError, XdrReader, type XdrWriter } from '../xdr/index.js';
import type { RpcReply } from './calls.js';
import { RpcClient } from './client.js';
import { RpcError } from './errors.js';
import { programName } from './programs.js';
import { parseUniversalAddress } from './universal-address.js';

export const PMAP_PROGRAM = 100000;
export const PMAP_PORT = 111;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** Procedures of portmap v2 (RFC 1833 section 3). */
export const PmapProc = {
  PMAPPROC_NULL: 0,
  PMAPPROC_SET: 1,
  PMAPPROC_UNSET: 2,
  PMAPPROC_GETPORT: 3,
  PMAPPROC_DUMP: 4,
  PMAPPROC_CALLIT: 5,
} as const;
/** Procedures of rpcbind v3 and v4 (RFC 1833 section 2.2); v4 adds 9-12. */
export const RpcbProc = {
  RPCBPROC_NULL: 0,
  RPCBPROC_SET: 1,
  RPCBPROC_UNSET: 2,
  RPCBPROC_GETADDR: 3,
  RPCBPROC_DUMP: 4,
  RPCBPROC_CALLIT: 5,
  RPCBPROC_GETTIME: 6,
  RPCBPROC_UADDR2TADDR: 7,
  RPCBPROC_TADDR2UADDR: 8,
  RPCBPROC_GETVERSADDR: 9,
  RPCBPROC_INDIRECT: 10,
  RPCBPROC_GETADDRLIST: 11,
  RPCBPROC_GETSTAT: 12,
} as const;

/** Largest DUMP / GETADDRLIST / GETSTAT list we decode before calling the reply malformed. */
export const DEFAULT_MAX_ENTRIES = 65536;

// Universal addresses live in universal-address.ts; re-exported here, where they were first.
export { formatUniversalAddress, parseUniversalAddress } from './universal-address.js';

// ---- wire types

/** `struct mapping` (portmap v2). */
export interface PortMapping {
  program: number;
  version: number;
  /** IPPROTO_TCP (6) or IPPROTO_UDP (17). */
  protocol: number;
  port: number;
}

/** `struct rpcb` (rpcbind v3/v4); `address` is a universal address. */
export interface Rpcb {
  program: number;
  version: number;
  netid: string;
  address: string;
  owner: string;
}

/** One registration as `rpcinfo` shows it, from any rpcbind version. */
export interface RpcbindEntry {
  program: number;
  version: number;
  /** netid (v3/v4), or 'udp'/'tcp' derived from the v2 protocol number. */
  netid: string;
  protocol: 'udp' | 'tcp' | string;
  /** From the universal address (0 when it has none, e.g. netid "local"). */
  port: number;
  /** The universal address as registered (v3/v4); '' for v2, which has none. */
  address: string;
  /** Owner string (v3/v4); '' for v2. */
  owner: string;
  /** Well-known program name, when there is one. */
  name?: string;
}

/** `struct rpcb_entry` (v4 GETADDRLIST). */
export interface RpcbEntry {
  address: string;
  netid: string;
  semantics: number;
  protocolFamily: string;
  protocol: string;
}

/** `struct rpcb_stat` for one rpcbind version (v4 GETSTAT). */
export interface RpcbStat {
  version: 2 | 3 | 4;
  /** Calls per procedure, indexed by procedure number (13 slots). */
  info: number[];
  setinfo: number;
  unsetinfo: number;
  addrinfo: { program: number; version: number; success: number; failure: number; netid: string }[];
  rmtinfo: {
    program: number;
    version: number;
    procedure: number;
    success: number;
    failure: number;
    indirect: number;
    netid: string;
  }[];
}

function writeMapping(w: XdrWriter, m: PortMapping): void {
  w.writeUnsignedInt(m.program);
  w.writeUnsignedInt(m.version);
  w.writeUnsignedInt(m.protocol);
  w.writeUnsignedInt(m.port);
}

function readMapping(r: XdrReader): PortMapping {
  return {
    program: r.readUnsignedInt(),
    version: r.readUnsignedInt(),
    protocol: r.readUnsignedInt(),
    port: r.readUnsignedInt(),
  };
}

function writeRpcb(w: XdrWriter, b: Rpcb): void {
  w.writeUnsignedInt(b.program);
  w.writeUnsignedInt(b.version);
  w.writeString(b.netid);
  w.writeString(b.address);
  w.writeString(b.owner);
}

function readRpcb(r: XdrReader): Rpcb {
  return {
    program: r.readUnsignedInt(),
    version: r.readUnsignedInt(),
    netid: r.readString(),
    address: r.readString(),
    owner: r.readString(),
  };
}

/** An optional-data chain (`*next`) decoded iteratively with a cap on the number of entries. */
export function readChain<T>(r: XdrReader, readEntry: (r: XdrReader) => T, maxEntries: number): T[] {
  const out: T[] = [];
  while (r.readBool()) {
    if (out.length >= maxEntries) throw new XdrError('LIMIT_EXCEEDED', `list has more than ${maxEntries} entries`);
    try {
      out.push(readEntry(r));
    } catch (error) {
      if (error instanceof XdrError) throw error.within(`[${out.length}]`);
      throw error;
    }
  }
  return out;
}

/** Write `entries` as an optional-data chain. */
export function writeChain<T>(w: XdrWriter, entries: readonly T[], writeEntry: (w: XdrWriter, e: T) => void): void {
  for (const entry of entries) {
    w.writeBool(true);
    writeEntry(w, entry);
  }
  w.writeBool(false);
}

export const encodeMapping = writeMapping;
export const decodeMapping = readMapping;
export const encodeRpcb = writeRpcb;
export const decodeRpcb = readRpcb;

function protocolOf(netid: string): string {
  if (netid === 'udp' || netid === 'udp6') return 'udp';
  if (netid === 'tcp' || netid === 'tcp6') return 'tcp';
  return netid;
}

/** A v3/v4 registration as an RpcbindEntry. */
export function entryFromRpcb(b: Rpcb): RpcbindEntry {
  let port = 0;
  try {
    port = parseUniversalAddress(b.address).port;
  } catch {
    // netid "local" and friends: the address is a path, not an IP universal address.
  }
  const name = programName(b.program);
  return {
    program: b.program,
    version: b.version,
    netid: b.netid,
    protocol: protocolOf(b.netid),
    port,
    address: b.address,
    owner: b.owner,
    ...(name === undefined ? {} : { name }),
  };
}

/** A v2 mapping as an RpcbindEntry. */
export function entryFromMapping(m: PortMapping): RpcbindEntry {
  const protocol = m.protocol === IPPROTO_UDP ? 'udp' : m.protocol === IPPROTO_TCP ? 'tcp' : String(m.protocol);
  const name = programName(m.program);
  return {
    program: m.program,
    version: m.version,
    netid: protocol,
    protocol,
    port: m.port,
    address: '',
    owner: '',
    ...(name === undefined ? {} : { name }),
  };
}

// ---- client

export interface RpcbindClientOptions {
  host: string;
  /** Default 111. */
  port?: number;
  transport?: 'udp' | 'tcp';
  timeoutMs?: number;
  /** Send from a reserved port (rpcbind accepts SET/UNSET over loopback only from one). Root only. */
  privilegedPort?: boolean;
  /** Cap for DUMP / GETADDRLIST / GETSTAT lists (default 65536). */
  maxEntries?: number;
  /** Talk to rpcbind over its Unix socket (e.g. RPCBIND_SOCKET); rpcbind then knows our uid as owner. */
  path?: string;
}

/** Where rpcbind listens locally (libtirpc's _PATH_RPCBINDSOCK; /var/run is /run on current systems). */
export const RPCBIND_SOCKET = '/run/rpcbind.sock';

/** Codes after which the next lower rpcbind version is tried. */
const FALLBACK = new Set(['PROG_MISMATCH', 'PROC_UNAVAIL', 'PROG_UNAVAIL', 'RPC_MISMATCH']);

/**
 * rpcbind / portmapper client (program 100000). v2 methods speak portmap; v3/v4 methods speak rpcbind; `dump` and
 * `set`/`unset` fall back v4 -> v3 -> v2 when the server lacks a version. Peer-controlled lists are decoded
 * iteratively with a cap (a longer list is BAD_REPLY).
 */
export class RpcbindClient {
  readonly client: RpcClient;
  private readonly maxEntries: number;

  constructor(o: RpcbindClientOptions) {
    this.client = new RpcClient({
      host: o.host,
      port: o.port ?? PMAP_PORT,
      transport: o.path !== undefined ? 'tcp' : (o.transport ?? 'udp'),
      timeoutMs: o.timeoutMs ?? 5000,
      privilegedPort: o.privilegedPort,
      ...(o.path === undefined ? {} : { path: o.path }),
    });
    this.maxEntries = o.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  private async request<T>(
    version: number,
    procedure: number,
    args: (w: XdrWriter) => void,
    decode: (r: XdrReader) => T,
  ): Promise<T> {
    const reply = await this.client.call(PMAP_PROGRAM, version, procedure, args);
    return decodeResults(reply, decode);
  }

  /** NULL procedure of `version`. */
  ping(version: 2 | 3 | 4 = 2): Promise<RpcReply> {
    return this.client.ping(PMAP_PROGRAM, version);
  }

  // ---- portmap v2

  /** PMAPPROC_GETPORT: the port, 0 when not registered. */
  getPort(program: number, version: number, protocol: 'udp' | 'tcp'): Promise<number> {
    const mapping = { program, version, protocol: protocol === 'udp' ? IPPROTO_UDP : IPPROTO_TCP, port: 0 };
    return this.request(
      2,
      PmapProc.PMAPPROC_GETPORT,
      (w) => writeMapping(w, mapping),
      (r) => r.readUnsignedInt(),
    );
  }

  /** PMAPPROC_DUMP. */
  dumpV2(): Promise<PortMapping[]> {
    return this.request(
      2,
      PmapProc.PMAPPROC_DUMP,
      () => {},
      (r) => readChain(r, readMapping, this.maxEntries),
    );
  }

  /** PMAPPROC_SET: true when rpcbind accepted the mapping. */
  setV2(mapping: PortMapping): Promise<boolean> {
    return this.request(
      2,
      PmapProc.PMAPPROC_SET,
      (w) => writeMapping(w, mapping),
      (r) => r.readBool(),
    );
  }

  /** PMAPPROC_UNSET (protocol and port are ignored by the server: every mapping of program/version goes). */
  unsetV2(mapping: PortMapping): Promise<boolean> {
    return this.request(
      2,
      PmapProc.PMAPPROC_UNSET,
      (w) => writeMapping(w, mapping),
      (r) => r.readBool(),
    );
  }

  /**
   * PMAPPROC_CALLIT: rpcbind forwards the call to the program (UDP only, and silently drops failures, so a
   * failed call is a TIMEOUT). Returns the program's port and its raw results.
   */
  callit(
    program: number,
    version: number,
    procedure: number,
    args: Uint8Array = new Uint8Array(0),
  ): Promise<{ port: number; results: Uint8Array }> {
    return this.request(
      2,
      PmapProc.PMAPPROC_CALLIT,
      (w) => {
        w.writeUnsignedInt(program);
        w.writeUnsignedInt(version);
        w.writeUnsignedInt(procedure);
        w.writeVariableOpaque(args);
      },
      (r) => ({ port: r.readUnsignedInt(), results: r.readVariableOpaque() }),
    );
  }

  // ---- rpcbind v3/v4

  /** RPCBPROC_GETADDR: the universal address ('' when not registered). */
  getAddr(program: number, version: number, netid: string, rpcbVersion: 3 | 4 = 4): Promise<string> {
    const query = { program, version, netid, address: '', owner: '' };
    return this.request(
      rpcbVersion,
      RpcbProc.RPCBPROC_GETADDR,
      (w) => writeRpcb(w, query),
      (r) => r.readString(),
    );
  }

  /** RPCBPROC_GETVERSADDR (v4): like GETADDR, but only for exactly this version. */
  getVersAddr(program: number, version: number, netid: string): Promise<string> {
    const query = { program, version, netid, address: '', owner: '' };
    return this.request(
      4,
      RpcbProc.RPCBPROC_GETVERSADDR,
      (w) => writeRpcb(w, query),
      (r) => r.readString(),
    );
  }

  /** RPCBPROC_GETADDRLIST (v4): every address of program/version (netid '' = any). */
  getAddrList(program: number, version: number, netid = ''): Promise<RpcbEntry[]> {
    const query = { program, version, netid, address: '', owner: '' };
    return this.request(
      4,
      RpcbProc.RPCBPROC_GETADDRLIST,
      (w) => writeRpcb(w, query),
      (r) =>
        readChain(
          r,
          (e) => ({
            address: e.readString(),
            netid: e.readString(),
            semantics: e.readUnsignedInt(),
            protocolFamily: e.readString(),
            protocol: e.readString(),
          }),
          this.maxEntries,
        ),
    );
  }

  /** RPCBPROC_DUMP of v3 or v4. */
  dumpRpcb(rpcbVersion: 3 | 4 = 4): Promise<Rpcb[]> {
    return this.request(
      rpcbVersion,
      RpcbProc.RPCBPROC_DUMP,
      () => {},
      (r) => readChain(r, readRpcb, this.maxEntries),
    );
  }

  /** RPCBPROC_GETTIME: the server's clock, seconds since 1970. */
  getTime(rpcbVersion: 3 | 4 = 4): Promise<number> {
    return this.request(
      rpcbVersion,
      RpcbProc.RPCBPROC_GETTIME,
      () => {},
      (r) => r.readUnsignedInt(),
    );
  }

  /** RPCBPROC_GETSTAT (v4): rpcbind's statistics for versions 2, 3 and 4. */
  getStat(): Promise<RpcbStat[]> {
    const max = this.maxEntries;
    return this.request(
      4,
      RpcbProc.RPCBPROC_GETSTAT,
      () => {},
      (r) =>
        ([2, 3, 4] as const).map((version) => ({
          version,
          info: Array.from({ length: 13 }, () => r.readInt()),
          setinfo: r.readInt(),
          unsetinfo: r.readInt(),
          addrinfo: readChain(
            r,
            (e) => ({
              program: e.readUnsignedInt(),
              version: e.readUnsignedInt(),
              success: e.readInt(),
              failure: e.readInt(),
              netid: e.readString(),
            }),
            max,
          ),
          rmtinfo: readChain(
            r,
            (e) => ({
              program: e.readUnsignedInt(),
              version: e.readUnsignedInt(),
              procedure: e.readUnsignedInt(),
              success: e.readInt(),
              failure: e.readInt(),
              indirect: e.readInt(),
              netid: e.readString(),
            }),
            max,
          ),
        })),
    );
  }

  /** Every registration: rpcbind v4 DUMP, else v3, else portmap v2. */
  async dump(): Promise<{ version: 2 | 3 | 4; entries: RpcbindEntry[] }> {
    for (const version of [4, 3] as const) {
      try {
        const list = await this.dumpRpcb(version);
        return { version, entries: list.map(entryFromRpcb) };
      } catch (error) {
        if (!(error instanceof RpcError && FALLBACK.has(error.code))) throw error;
      }
    }
    return { version: 2, entries: (await this.dumpV2()).map(entryFromMapping) };
  }

  /**
   * Register program/version on netid at a universal address: rpcbind v4 SET, else v3, else portmap v2 (udp/tcp on
   * IPv4 only). Resolves false when rpcbind refused (already registered, or we are not allowed).
   */
  async set(b: { program: number; version: number; netid: string; address: string; owner?: string }): Promise<boolean> {
    const rpcb = { ...b, owner: b.owner ?? defaultOwner() };
    return this.withFallback(
      (version) =>
        this.request(
          version,
          RpcbProc.RPCBPROC_SET,
          (w) => writeRpcb(w, rpcb),
          (r) => r.readBool(),
        ),
      () => this.setV2(mappingFor(b)),
    );
  }

  /** Unregister program/version on netid ('' = every netid): v4 UNSET, else v3, else portmap v2. */
  async unset(b: { program: number; version: number; netid?: string; owner?: string }): Promise<boolean> {
    const rpcb = {
      program: b.program,
      version: b.version,
      netid: b.netid ?? '',
      address: '',
      owner: b.owner ?? defaultOwner(),
    };
    return this.withFallback(
      (version) =>
        this.request(
          version,
          RpcbProc.RPCBPROC_UNSET,
          (w) => writeRpcb(w, rpcb),
          (r) => r.readBool(),
        ),
      () => this.unsetV2({ program: b.program, version: b.version, protocol: 0, port: 0 }),
    );
  }

  private async withFallback<T>(rpcb: (version: 3 | 4) => Promise<T>, portmap: () => Promise<T>): Promise<T> {
    for (const version of [4, 3] as const) {
      try {
        return await rpcb(version);
      } catch (error) {
        if (!(error instanceof RpcError && FALLBACK.has(error.code))) throw error;
      }
    }
    return portmap();
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function mappingFor(b: { program: number; version: number; netid: string; address: string }): PortMapping {
  const protocol = protocolOf(b.netid);
  if (protocol !== 'udp' && protocol !== 'tcp') {
    throw new RpcError('REGISTRATION_FAILED', `portmap v2 cannot register netid ${b.netid}`);
  }
  return {
    program: b.program,
    version: b.version,
    protocol: protocol === 'udp' ? IPPROTO_UDP : IPPROTO_TCP,
    port: parseUniversalAddress(b.address).port,
  };
}

function defaultOwner(): string {
  return String(process.getuid?.() ?? 'unknown');
}

/** Decode a reply's results; malformed results are RpcError BAD_REPLY. */
export function decodeResults<T>(reply: RpcReply, decode: (r: XdrReader) => T): T {
  const reader = new XdrReader(reply.body);
  try {
    return decode(reader);
  } catch (error) {
    if (error instanceof XdrError) {
      throw new RpcError('BAD_REPLY', `results do not decode: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
