// RFC 7530 sections 15-16 (COMPOUND and the operations we use) and RFC 8881 section 18 (EXCHANGE_ID, CREATE_SESSION,
// SEQUENCE, DESTROY_SESSION, DESTROY_CLIENTID, RECLAIM_COMPLETE; the stateful operations' codecs are in stateful.ts).
// Operation lists are decoded iteratively with a cap.
import { XdrError, type XdrReader, type XdrType, XdrWriter } from '../../xdr/index.js';
import { bitmap4, type Fattr4, fattr4, type NfsTime4 } from './attributes.js';
import {
  NFS4_FHSIZE,
  NFS4_OPAQUE_LIMIT,
  NFS4_SESSIONID_SIZE,
  NFS4_VERIFIER_SIZE,
  NFSSTAT4,
  OP,
  opName,
} from './constants.js';
import {
  type ChangeInfo4,
  changeInfo4,
  LOCK4args,
  LOCK4denied,
  LOCKT4args,
  LOCKU4args,
  type Lock4Denied,
  type LockArgs,
  type LocktArgs,
  type LockuArgs,
  OPEN4args,
  OPEN4resok,
  type OpenArgs,
  type OpenResult,
  READ4args,
  READ4resok,
  type ReadArgs,
  type ReadResult,
  type Stateid4,
  stateid4,
  TEST_STATEID4args,
  TEST_STATEID4resok,
  WRITE4args,
  WRITE4resok,
  type WriteArgs,
  type WriteResult,
} from './stateful.js';

/** Most operations we accept in one COMPOUND reply, and directory entries in one READDIR reply. */
export const MAX_COMPOUND_OPS = 1024;
export const MAX_READDIR4_ENTRIES = 100_000;

export interface ChannelAttrs4 {
  readonly headerPadSize: number;
  readonly maxRequestSize: number;
  readonly maxResponseSize: number;
  readonly maxResponseSizeCached: number;
  readonly maxOperations: number;
  readonly maxRequests: number;
  readonly rdmaIrd: number[];
}
export interface ImplId4 {
  readonly domain: string;
  readonly name: string;
  readonly date: NfsTime4;
}
export interface StateProtectOps4 {
  readonly mustEnforce: number[];
  readonly mustAllow: number[];
}
export type StateProtect4Result =
  | { readonly how: 0 }
  | { readonly how: 1; readonly machOps: StateProtectOps4 }
  | {
      readonly how: 2;
      readonly ssv: {
        readonly ops: StateProtectOps4;
        readonly hashAlg: number;
        readonly encrAlg: number;
        readonly ssvLen: number;
        readonly window: number;
        readonly handles: Uint8Array[];
      };
    };
export interface ExchangeIdArgs {
  /** co_verifier: 8 bytes that change when the client restarts. */
  readonly verifier: Uint8Array;
  /** co_ownerid: a client-unique name. */
  readonly ownerId: Uint8Array;
  readonly flags: number;
  /** SP4_NONE (0) or SP4_MACH_CRED (1). */
  readonly stateProtect: { readonly how: 0 } | { readonly how: 1; readonly machOps: StateProtectOps4 };
  readonly implId?: ImplId4;
}
export interface ExchangeIdResult {
  readonly clientId: bigint;
  readonly sequenceId: number;
  readonly flags: number;
  readonly stateProtect: StateProtect4Result;
  readonly serverOwner: { readonly minorId: bigint; readonly majorId: Uint8Array };
  readonly serverScope: Uint8Array;
  readonly serverImplId?: ImplId4;
}
export type CallbackSecParms4 =
  | { readonly flavor: 0 }
  | {
      readonly flavor: 1;
      readonly stamp: number;
      readonly machineName: string;
      readonly uid: number;
      readonly gid: number;
      readonly gids: number[];
    };
export interface CreateSessionArgs {
  readonly clientId: bigint;
  readonly sequence: number;
  readonly flags: number;
  readonly foreChannel: ChannelAttrs4;
  readonly backChannel: ChannelAttrs4;
  readonly cbProgram: number;
  readonly secParms: CallbackSecParms4[];
}
export interface CreateSessionResult {
  readonly sessionId: Uint8Array;
  readonly sequence: number;
  readonly flags: number;
  readonly foreChannel: ChannelAttrs4;
  readonly backChannel: ChannelAttrs4;
}
export interface SequenceArgs {
  readonly sessionId: Uint8Array;
  readonly sequenceId: number;
  readonly slotId: number;
  readonly highestSlotId: number;
  readonly cacheThis: boolean;
}
export interface SequenceResult {
  readonly sessionId: Uint8Array;
  readonly sequenceId: number;
  readonly slotId: number;
  readonly highestSlotId: number;
  readonly targetHighestSlotId: number;
  readonly statusFlags: number;
}
export interface ReaddirArgs {
  readonly cookie: bigint;
  readonly cookieverf: Uint8Array;
  readonly dircount: number;
  readonly maxcount: number;
  readonly attrs: number[];
}
export interface Entry4 {
  readonly cookie: bigint;
  readonly name: string;
  readonly attrs: Fattr4;
}
export interface ReaddirResult {
  readonly cookieverf: Uint8Array;
  readonly entries: Entry4[];
  readonly eof: boolean;
}
export type SecInfo4 =
  | { readonly flavor: 6; readonly oid: Uint8Array; readonly qop: number; readonly service: number }
  | { readonly flavor: number };

/** Arguments by operation name (undefined: the operation takes none). */
export interface Nfs4OpArgs {
  ACCESS: { readonly access: number };
  GETATTR: { readonly attrs: number[] };
  GETFH: undefined;
  LOOKUP: { readonly name: string };
  LOOKUPP: undefined;
  PUTFH: { readonly fh: Uint8Array };
  PUTPUBFH: undefined;
  PUTROOTFH: undefined;
  READDIR: ReaddirArgs;
  RESTOREFH: undefined;
  SAVEFH: undefined;
  SECINFO: { readonly name: string };
  EXCHANGE_ID: ExchangeIdArgs;
  CREATE_SESSION: CreateSessionArgs;
  DESTROY_SESSION: { readonly sessionId: Uint8Array };
  SEQUENCE: SequenceArgs;
  DESTROY_CLIENTID: { readonly clientId: bigint };
  RECLAIM_COMPLETE: { readonly oneFs: boolean };
  OPEN: OpenArgs;
  OPEN_CONFIRM: { readonly openStateid: Stateid4; readonly seqid: number };
  OPEN_DOWNGRADE: {
    readonly openStateid: Stateid4;
    readonly seqid: number;
    readonly shareAccess: number;
    readonly shareDeny: number;
  };
  CLOSE: { readonly seqid: number; readonly openStateid: Stateid4 };
  READ: ReadArgs;
  WRITE: WriteArgs;
  COMMIT: { readonly offset: bigint; readonly count: number };
  LOCK: LockArgs;
  LOCKT: LocktArgs;
  LOCKU: LockuArgs;
  REMOVE: { readonly target: string };
  FREE_STATEID: { readonly stateid: Stateid4 };
  TEST_STATEID: { readonly stateids: Stateid4[] };
}
/** Results (on NFS4_OK) by operation name; undefined: the operation returns only a status. */
export interface Nfs4OpResults {
  ACCESS: { readonly supported: number; readonly access: number };
  GETATTR: Fattr4;
  GETFH: { readonly fh: Uint8Array };
  LOOKUP: undefined;
  LOOKUPP: undefined;
  PUTFH: undefined;
  PUTPUBFH: undefined;
  PUTROOTFH: undefined;
  READDIR: ReaddirResult;
  RESTOREFH: undefined;
  SAVEFH: undefined;
  SECINFO: SecInfo4[];
  EXCHANGE_ID: ExchangeIdResult;
  CREATE_SESSION: CreateSessionResult;
  DESTROY_SESSION: undefined;
  SEQUENCE: SequenceResult;
  DESTROY_CLIENTID: undefined;
  RECLAIM_COMPLETE: undefined;
  OPEN: OpenResult;
  OPEN_CONFIRM: { readonly openStateid: Stateid4 };
  OPEN_DOWNGRADE: { readonly openStateid: Stateid4 };
  CLOSE: { readonly openStateid: Stateid4 };
  READ: ReadResult;
  WRITE: WriteResult;
  COMMIT: { readonly verifier: Uint8Array };
  LOCK: { readonly lockStateid: Stateid4 };
  LOCKT: undefined;
  LOCKU: { readonly lockStateid: Stateid4 };
  REMOVE: { readonly cinfo: ChangeInfo4 };
  FREE_STATEID: undefined;
  /** One nfsstat4 per stateid asked about, in order. */
  TEST_STATEID: { readonly statusCodes: number[] };
}
/**
 * Failure arms that carry data: the operation name and the status whose arm has a body. LOCK and LOCKT return the
 * conflicting lock with NFS4ERR_DENIED.
 */
export interface Nfs4OpFailures {
  LOCK: Lock4Denied;
  LOCKT: Lock4Denied;
}
export type Nfs4OpName = keyof Nfs4OpArgs;
export type Nfs4Op = {
  [K in Nfs4OpName]: Nfs4OpArgs[K] extends undefined
    ? { readonly op: K; readonly args?: undefined }
    : { readonly op: K; readonly args: Nfs4OpArgs[K] };
}[Nfs4OpName];
/** One entry of resarray: the operation, its status, and its result when the status is NFS4_OK. */
export type Nfs4OpResult =
  | {
      [K in Nfs4OpName]: {
        readonly op: K;
        readonly status: number;
        readonly result?: Nfs4OpResults[K];
      } & (K extends keyof Nfs4OpFailures ? { readonly denied?: Nfs4OpFailures[K] } : unknown);
    }[Nfs4OpName]
  | { readonly op: 'ILLEGAL'; readonly status: number; readonly result?: undefined };

// ---- small pieces

interface Piece<T> {
  encode(w: XdrWriter, v: T): void;
  decode(r: XdrReader): T;
}
const none: Piece<undefined> = { encode: () => {}, decode: () => undefined };
const verifier: Piece<Uint8Array> = {
  encode: (w, v) => w.writeFixedOpaque(v, NFS4_VERIFIER_SIZE),
  decode: (r) => r.readFixedOpaque(NFS4_VERIFIER_SIZE),
};
const sessionId: Piece<Uint8Array> = {
  encode: (w, v) => w.writeFixedOpaque(v, NFS4_SESSIONID_SIZE),
  decode: (r) => r.readFixedOpaque(NFS4_SESSIONID_SIZE),
};
const limitedOpaque: Piece<Uint8Array> = {
  encode: (w, v) => w.writeVariableOpaque(v, NFS4_OPAQUE_LIMIT),
  decode: (r) => r.readVariableOpaque(NFS4_OPAQUE_LIMIT),
};

function writeImplIds(w: XdrWriter, id: ImplId4 | undefined): void {
  if (id === undefined) {
    w.writeUnsignedInt(0);
    return;
  }
  w.writeUnsignedInt(1);
  w.writeString(id.domain);
  w.writeString(id.name);
  w.writeHyper(id.date.seconds);
  w.writeUnsignedInt(id.date.nseconds);
}
function readImplIds(r: XdrReader): ImplId4 | undefined {
  const count = r.readLength(1, 'nfs_impl_id4');
  if (count === 0) return undefined;
  const domain = r.readString();
  const name = r.readString();
  const seconds = r.readHyper();
  return { domain, name, date: { seconds, nseconds: r.readUnsignedInt() } };
}
function writeSpOps(w: XdrWriter, ops: StateProtectOps4): void {
  bitmap4.encode(w, ops.mustEnforce);
  bitmap4.encode(w, ops.mustAllow);
}
function readSpOps(r: XdrReader): StateProtectOps4 {
  const mustEnforce = bitmap4.decode(r);
  return { mustEnforce, mustAllow: bitmap4.decode(r) };
}
function writeChannel(w: XdrWriter, c: ChannelAttrs4): void {
  w.writeUnsignedInt(c.headerPadSize);
  w.writeUnsignedInt(c.maxRequestSize);
  w.writeUnsignedInt(c.maxResponseSize);
  w.writeUnsignedInt(c.maxResponseSizeCached);
  w.writeUnsignedInt(c.maxOperations);
  w.writeUnsignedInt(c.maxRequests);
  w.writeVariableArray(c.rdmaIrd, 1, (x, n) => x.writeUnsignedInt(n));
}
function readChannel(r: XdrReader): ChannelAttrs4 {
  return {
    headerPadSize: r.readUnsignedInt(),
    maxRequestSize: r.readUnsignedInt(),
    maxResponseSize: r.readUnsignedInt(),
    maxResponseSizeCached: r.readUnsignedInt(),
    maxOperations: r.readUnsignedInt(),
    maxRequests: r.readUnsignedInt(),
    rdmaIrd: r.readVariableArray(1, (x) => x.readUnsignedInt()),
  };
}

// ---- per-operation codecs

const exchangeIdArgs: Piece<ExchangeIdArgs> = {
  encode(w, v) {
    verifier.encode(w, v.verifier);
    limitedOpaque.encode(w, v.ownerId);
    w.writeUnsignedInt(v.flags);
    w.writeUnsignedInt(v.stateProtect.how);
    if (v.stateProtect.how === 1) writeSpOps(w, v.stateProtect.machOps);
    else if (v.stateProtect.how !== 0) throw new XdrError('UNSUPPORTED', 'only SP4_NONE and SP4_MACH_CRED are encoded');
    writeImplIds(w, v.implId);
  },
  decode(r) {
    const verf = verifier.decode(r);
    const ownerId = limitedOpaque.decode(r);
    const flags = r.readUnsignedInt();
    const how = r.readUnsignedInt();
    let stateProtect: ExchangeIdArgs['stateProtect'];
    if (how === 0) stateProtect = { how: 0 };
    else if (how === 1) stateProtect = { how: 1, machOps: readSpOps(r) };
    else throw new XdrError('UNSUPPORTED', `state_protect_how4 ${how} in arguments`, 'eia_state_protect');
    const implId = readImplIds(r);
    return implId === undefined
      ? { verifier: verf, ownerId, flags, stateProtect }
      : { verifier: verf, ownerId, flags, stateProtect, implId };
  },
};
const exchangeIdResult: Piece<ExchangeIdResult> = {
  encode(w, v) {
    w.writeUnsignedHyper(v.clientId);
    w.writeUnsignedInt(v.sequenceId);
    w.writeUnsignedInt(v.flags);
    const sp = v.stateProtect;
    w.writeUnsignedInt(sp.how);
    if (sp.how === 1) writeSpOps(w, sp.machOps);
    else if (sp.how === 2) {
      writeSpOps(w, sp.ssv.ops);
      w.writeUnsignedInt(sp.ssv.hashAlg);
      w.writeUnsignedInt(sp.ssv.encrAlg);
      w.writeUnsignedInt(sp.ssv.ssvLen);
      w.writeUnsignedInt(sp.ssv.window);
      w.writeVariableArray(sp.ssv.handles, MAX_COMPOUND_OPS, (x, h) => x.writeVariableOpaque(h));
    }
    w.writeUnsignedHyper(v.serverOwner.minorId);
    limitedOpaque.encode(w, v.serverOwner.majorId);
    limitedOpaque.encode(w, v.serverScope);
    writeImplIds(w, v.serverImplId);
  },
  decode(r) {
    const clientId = r.readUnsignedHyper();
    const sequenceId = r.readUnsignedInt();
    const flags = r.readUnsignedInt();
    const how = r.readUnsignedInt();
    let stateProtect: StateProtect4Result;
    if (how === 0) stateProtect = { how: 0 };
    else if (how === 1) stateProtect = { how: 1, machOps: readSpOps(r) };
    else if (how === 2) {
      const ops = readSpOps(r);
      const hashAlg = r.readUnsignedInt();
      const encrAlg = r.readUnsignedInt();
      const ssvLen = r.readUnsignedInt();
      const window = r.readUnsignedInt();
      const handles = r.readVariableArray(MAX_COMPOUND_OPS, (x) => x.readVariableOpaque());
      stateProtect = { how: 2, ssv: { ops, hashAlg, encrAlg, ssvLen, window, handles } };
    } else throw new XdrError('BAD_DISCRIMINANT', `state_protect_how4 ${how}`, 'eir_state_protect');
    const minorId = r.readUnsignedHyper();
    const majorId = limitedOpaque.decode(r);
    const serverScope = limitedOpaque.decode(r);
    const serverImplId = readImplIds(r);
    const base = { clientId, sequenceId, flags, stateProtect, serverOwner: { minorId, majorId }, serverScope };
    return serverImplId === undefined ? base : { ...base, serverImplId };
  },
};
const createSessionArgs: Piece<CreateSessionArgs> = {
  encode(w, v) {
    w.writeUnsignedHyper(v.clientId);
    w.writeUnsignedInt(v.sequence);
    w.writeUnsignedInt(v.flags);
    writeChannel(w, v.foreChannel);
    writeChannel(w, v.backChannel);
    w.writeUnsignedInt(v.cbProgram);
    w.writeVariableArray(v.secParms, 16, (x, p) => {
      x.writeUnsignedInt(p.flavor);
      if (p.flavor === 1) {
        x.writeUnsignedInt(p.stamp);
        x.writeString(p.machineName, 255);
        x.writeUnsignedInt(p.uid);
        x.writeUnsignedInt(p.gid);
        x.writeVariableArray(p.gids, 16, (y, g) => y.writeUnsignedInt(g));
      } else if (p.flavor !== 0)
        throw new XdrError('UNSUPPORTED', `callback flavor ${(p as { flavor: number }).flavor}`);
    });
  },
  decode(r) {
    const clientId = r.readUnsignedHyper();
    const sequence = r.readUnsignedInt();
    const flags = r.readUnsignedInt();
    const foreChannel = readChannel(r);
    const backChannel = readChannel(r);
    const cbProgram = r.readUnsignedInt();
    const secParms = r.readVariableArray(16, (x): CallbackSecParms4 => {
      const flavor = x.readUnsignedInt();
      if (flavor === 0) return { flavor: 0 };
      if (flavor !== 1) throw new XdrError('UNSUPPORTED', `callback flavor ${flavor}`, 'csa_sec_parms');
      const stamp = x.readUnsignedInt();
      const machineName = x.readString(255);
      const uid = x.readUnsignedInt();
      const gid = x.readUnsignedInt();
      return { flavor: 1, stamp, machineName, uid, gid, gids: x.readVariableArray(16, (y) => y.readUnsignedInt()) };
    });
    return { clientId, sequence, flags, foreChannel, backChannel, cbProgram, secParms };
  },
};
const createSessionResult: Piece<CreateSessionResult> = {
  encode(w, v) {
    sessionId.encode(w, v.sessionId);
    w.writeUnsignedInt(v.sequence);
    w.writeUnsignedInt(v.flags);
    writeChannel(w, v.foreChannel);
    writeChannel(w, v.backChannel);
  },
  decode(r) {
    const id = sessionId.decode(r);
    const sequence = r.readUnsignedInt();
    const flags = r.readUnsignedInt();
    const foreChannel = readChannel(r);
    return { sessionId: id, sequence, flags, foreChannel, backChannel: readChannel(r) };
  },
};
const sequenceArgs: Piece<SequenceArgs> = {
  encode(w, v) {
    sessionId.encode(w, v.sessionId);
    w.writeUnsignedInt(v.sequenceId);
    w.writeUnsignedInt(v.slotId);
    w.writeUnsignedInt(v.highestSlotId);
    w.writeBool(v.cacheThis);
  },
  decode(r) {
    const id = sessionId.decode(r);
    const sequenceId = r.readUnsignedInt();
    const slotId = r.readUnsignedInt();
    const highestSlotId = r.readUnsignedInt();
    return { sessionId: id, sequenceId, slotId, highestSlotId, cacheThis: r.readBool() };
  },
};
const sequenceResult: Piece<SequenceResult> = {
  encode(w, v) {
    sessionId.encode(w, v.sessionId);
    w.writeUnsignedInt(v.sequenceId);
    w.writeUnsignedInt(v.slotId);
    w.writeUnsignedInt(v.highestSlotId);
    w.writeUnsignedInt(v.targetHighestSlotId);
    w.writeUnsignedInt(v.statusFlags);
  },
  decode(r) {
    const id = sessionId.decode(r);
    return {
      sessionId: id,
      sequenceId: r.readUnsignedInt(),
      slotId: r.readUnsignedInt(),
      highestSlotId: r.readUnsignedInt(),
      targetHighestSlotId: r.readUnsignedInt(),
      statusFlags: r.readUnsignedInt(),
    };
  },
};
const readdirArgs: Piece<ReaddirArgs> = {
  encode(w, v) {
    w.writeUnsignedHyper(v.cookie);
    verifier.encode(w, v.cookieverf);
    w.writeUnsignedInt(v.dircount);
    w.writeUnsignedInt(v.maxcount);
    bitmap4.encode(w, v.attrs);
  },
  decode(r) {
    const cookie = r.readUnsignedHyper();
    const cookieverf = verifier.decode(r);
    const dircount = r.readUnsignedInt();
    const maxcount = r.readUnsignedInt();
    return { cookie, cookieverf, dircount, maxcount, attrs: bitmap4.decode(r) };
  },
};
const readdirResult: Piece<ReaddirResult> = {
  encode(w, v) {
    verifier.encode(w, v.cookieverf);
    if (v.entries.length > MAX_READDIR4_ENTRIES) throw new XdrError('LIMIT_EXCEEDED', 'too many READDIR entries');
    for (const e of v.entries) {
      w.writeBool(true);
      w.writeUnsignedHyper(e.cookie);
      w.writeString(e.name);
      fattr4.encode(w, e.attrs);
    }
    w.writeBool(false);
    w.writeBool(v.eof);
  },
  decode(r) {
    const cookieverf = verifier.decode(r);
    const entries: Entry4[] = [];
    while (r.readBool()) {
      if (entries.length >= MAX_READDIR4_ENTRIES) {
        throw new XdrError('LIMIT_EXCEEDED', `more than ${MAX_READDIR4_ENTRIES} entries`, 'READDIR4resok.entries');
      }
      try {
        const cookie = r.readUnsignedHyper();
        const name = r.readString();
        entries.push({ cookie, name, attrs: fattr4.decode(r) });
      } catch (error) {
        if (error instanceof XdrError) throw error.within(`entries[${entries.length}]`);
        throw error;
      }
    }
    return { cookieverf, entries, eof: r.readBool() };
  },
};
const secinfoResult: Piece<SecInfo4[]> = {
  encode(w, v) {
    w.writeVariableArray(v, 64, (x, s) => {
      x.writeUnsignedInt(s.flavor);
      if ('oid' in s) {
        x.writeVariableOpaque(s.oid);
        x.writeUnsignedInt(s.qop);
        x.writeUnsignedInt(s.service);
      }
    });
  },
  decode: (r) =>
    r.readVariableArray(64, (x): SecInfo4 => {
      const flavor = x.readUnsignedInt();
      if (flavor !== 6) return { flavor };
      const oid = x.readVariableOpaque(NFS4_OPAQUE_LIMIT);
      const qop = x.readUnsignedInt();
      return { flavor: 6, oid, qop, service: x.readUnsignedInt() };
    }),
};

interface OpCodec {
  readonly name: Nfs4OpName | 'ILLEGAL';
  readonly args: Piece<unknown>;
  readonly result: Piece<unknown>;
  /** The failure status whose arm has a body (NFS4ERR_DENIED for LOCK/LOCKT), and that body's codec. */
  readonly failure?: { readonly status: number; readonly body: Piece<unknown> };
}
const table = new Map<number, OpCodec>();
function op<K extends Nfs4OpName>(
  name: K,
  args: Piece<Nfs4OpArgs[K]>,
  result: Piece<Nfs4OpResults[K]>,
  failure?: { readonly status: number; readonly body: Piece<unknown> },
): void {
  const codec = { name, args: args as Piece<unknown>, result: result as Piece<unknown> };
  table.set(OP[name], failure === undefined ? codec : { ...codec, failure });
}
/** A piece of one field: `{ [key]: T }` on the wire as T. */
function wrap<K extends string, T>(key: K, piece: Piece<T>): Piece<{ readonly [P in K]: T }> {
  return {
    encode: (w, v) => piece.encode(w, v[key]),
    decode: (r) => ({ [key]: piece.decode(r) }) as { readonly [P in K]: T },
  };
}
op(
  'ACCESS',
  { encode: (w, v) => w.writeUnsignedInt(v.access), decode: (r) => ({ access: r.readUnsignedInt() }) },
  {
    encode(w, v) {
      w.writeUnsignedInt(v.supported);
      w.writeUnsignedInt(v.access);
    },
    decode: (r) => {
      const supported = r.readUnsignedInt();
      return { supported, access: r.readUnsignedInt() };
    },
  },
);
op('GETATTR', { encode: (w, v) => bitmap4.encode(w, v.attrs), decode: (r) => ({ attrs: bitmap4.decode(r) }) }, fattr4);
op('GETFH', none, {
  encode: (w, v) => w.writeVariableOpaque(v.fh, NFS4_FHSIZE),
  decode: (r) => ({ fh: r.readVariableOpaque(NFS4_FHSIZE) }),
});
op('LOOKUP', { encode: (w, v) => w.writeString(v.name), decode: (r) => ({ name: r.readString() }) }, none);
op('LOOKUPP', none, none);
op(
  'PUTFH',
  {
    encode: (w, v) => w.writeVariableOpaque(v.fh, NFS4_FHSIZE),
    decode: (r) => ({ fh: r.readVariableOpaque(NFS4_FHSIZE) }),
  },
  none,
);
op('PUTPUBFH', none, none);
op('PUTROOTFH', none, none);
op('READDIR', readdirArgs, readdirResult);
op('RESTOREFH', none, none);
op('SAVEFH', none, none);
op('SECINFO', { encode: (w, v) => w.writeString(v.name), decode: (r) => ({ name: r.readString() }) }, secinfoResult);
op('EXCHANGE_ID', exchangeIdArgs, exchangeIdResult);
op('CREATE_SESSION', createSessionArgs, createSessionResult);
op(
  'DESTROY_SESSION',
  { encode: (w, v) => sessionId.encode(w, v.sessionId), decode: (r) => ({ sessionId: sessionId.decode(r) }) },
  none,
);
op('SEQUENCE', sequenceArgs, sequenceResult);
op(
  'DESTROY_CLIENTID',
  { encode: (w, v) => w.writeUnsignedHyper(v.clientId), decode: (r) => ({ clientId: r.readUnsignedHyper() }) },
  none,
);
op('RECLAIM_COMPLETE', { encode: (w, v) => w.writeBool(v.oneFs), decode: (r) => ({ oneFs: r.readBool() }) }, none);
op('OPEN', OPEN4args, OPEN4resok);
op(
  'OPEN_CONFIRM',
  {
    encode(w, v) {
      stateid4.encode(w, v.openStateid);
      w.writeUnsignedInt(v.seqid);
    },
    decode(r) {
      const openStateid = stateid4.decode(r);
      return { openStateid, seqid: r.readUnsignedInt() };
    },
  },
  wrap('openStateid', stateid4),
);
op(
  'OPEN_DOWNGRADE',
  {
    encode(w, v) {
      stateid4.encode(w, v.openStateid);
      w.writeUnsignedInt(v.seqid);
      w.writeUnsignedInt(v.shareAccess);
      w.writeUnsignedInt(v.shareDeny);
    },
    decode(r) {
      const openStateid = stateid4.decode(r);
      const seqid = r.readUnsignedInt();
      const shareAccess = r.readUnsignedInt();
      return { openStateid, seqid, shareAccess, shareDeny: r.readUnsignedInt() };
    },
  },
  wrap('openStateid', stateid4),
);
op(
  'CLOSE',
  {
    encode(w, v) {
      w.writeUnsignedInt(v.seqid);
      stateid4.encode(w, v.openStateid);
    },
    decode(r) {
      const seqid = r.readUnsignedInt();
      return { seqid, openStateid: stateid4.decode(r) };
    },
  },
  wrap('openStateid', stateid4),
);
op('READ', READ4args, READ4resok);
op('WRITE', WRITE4args, WRITE4resok);
op(
  'COMMIT',
  {
    encode(w, v) {
      w.writeUnsignedHyper(v.offset);
      w.writeUnsignedInt(v.count);
    },
    decode(r) {
      const offset = r.readUnsignedHyper();
      return { offset, count: r.readUnsignedInt() };
    },
  },
  wrap('verifier', verifier),
);
const denied = { status: NFSSTAT4.NFS4ERR_DENIED, body: LOCK4denied as Piece<unknown> };
op('LOCK', LOCK4args, wrap('lockStateid', stateid4), denied);
op('LOCKT', LOCKT4args, none, denied);
op('LOCKU', LOCKU4args, wrap('lockStateid', stateid4));
op(
  'REMOVE',
  wrap('target', { encode: (w, v) => w.writeString(v), decode: (r) => r.readString() }),
  wrap('cinfo', changeInfo4),
);
op('FREE_STATEID', wrap('stateid', stateid4), none);
op('TEST_STATEID', wrap('stateids', TEST_STATEID4args), wrap('statusCodes', TEST_STATEID4resok));
table.set(OP.ILLEGAL, { name: 'ILLEGAL', args: none, result: none });

function codecFor(opcode: number, where: string): OpCodec {
  const codec = table.get(opcode);
  if (codec === undefined) {
    throw new XdrError('UNSUPPORTED', `operation ${opName(opcode) ?? opcode} has no codec here`, where);
  }
  return codec;
}

// ---- COMPOUND

export interface Compound4Args {
  readonly tag: string;
  readonly minorVersion: number;
  readonly ops: Nfs4Op[];
}
export interface Compound4Res {
  /** Status of the last operation executed (NFS4_OK when all succeeded). */
  readonly status: number;
  readonly tag: string;
  readonly results: Nfs4OpResult[];
}

export const COMPOUND4args: XdrType<Compound4Args> = {
  name: 'COMPOUND4args',
  encode(w, v) {
    w.encode(() => {
      w.writeString(v.tag);
      w.writeUnsignedInt(v.minorVersion);
      if (v.ops.length > MAX_COMPOUND_OPS) throw new XdrError('LIMIT_EXCEEDED', `${v.ops.length} operations`);
      w.writeUnsignedInt(v.ops.length);
      v.ops.forEach((o, i) => {
        const opcode = OP[o.op];
        try {
          w.writeUnsignedInt(opcode);
          codecFor(opcode, o.op).args.encode(w, o.args);
        } catch (error) {
          if (error instanceof XdrError) throw error.within(`argarray[${i}]`).within('COMPOUND4args');
          throw error;
        }
      });
    });
  },
  decode(r) {
    const tag = r.readString();
    const minorVersion = r.readUnsignedInt();
    const count = r.readLength(MAX_COMPOUND_OPS, 'argarray');
    const ops: Nfs4Op[] = [];
    for (let i = 0; i < count; i++) {
      try {
        const opcode = r.readUnsignedInt();
        const codec = codecFor(opcode, 'argop');
        const args = codec.args.decode(r);
        ops.push((args === undefined ? { op: codec.name } : { op: codec.name, args }) as Nfs4Op);
      } catch (error) {
        if (error instanceof XdrError) throw error.within(`argarray[${i}]`).within('COMPOUND4args');
        throw error;
      }
    }
    return { tag, minorVersion, ops };
  },
  encodingLength(v) {
    return measure(COMPOUND4args, v);
  },
};

export const COMPOUND4res: XdrType<Compound4Res> = {
  name: 'COMPOUND4res',
  encode(w, v) {
    w.encode(() => {
      w.writeUnsignedInt(v.status);
      w.writeString(v.tag);
      if (v.results.length > MAX_COMPOUND_OPS) throw new XdrError('LIMIT_EXCEEDED', `${v.results.length} results`);
      w.writeUnsignedInt(v.results.length);
      v.results.forEach((res, i) => {
        const opcode = OP[res.op];
        try {
          w.writeUnsignedInt(opcode);
          w.writeUnsignedInt(res.status);
          const codec = codecFor(opcode, res.op);
          if (res.status === 0) codec.result.encode(w, res.result);
          else if (codec.failure !== undefined && res.status === codec.failure.status) {
            const body = (res as { denied?: unknown }).denied;
            if (body === undefined) throw new XdrError('BAD_VALUE', `${res.op} ${res.status} needs its failure body`);
            codec.failure.body.encode(w, body);
          }
        } catch (error) {
          if (error instanceof XdrError) throw error.within(`resarray[${i}]`).within('COMPOUND4res');
          throw error;
        }
      });
    });
  },
  decode(r) {
    const status = r.readUnsignedInt();
    const tag = r.readString();
    const count = r.readLength(MAX_COMPOUND_OPS, 'resarray');
    const results: Nfs4OpResult[] = [];
    for (let i = 0; i < count; i++) {
      try {
        const opcode = r.readUnsignedInt();
        const codec = codecFor(opcode, 'resop');
        const opStatus = r.readUnsignedInt();
        if (opStatus !== 0) {
          if (codec.failure !== undefined && opStatus === codec.failure.status) {
            const body = codec.failure.body.decode(r);
            results.push({ op: codec.name, status: opStatus, denied: body } as Nfs4OpResult);
          } else results.push({ op: codec.name, status: opStatus } as Nfs4OpResult);
        } else {
          const result = codec.result.decode(r);
          results.push(
            (result === undefined
              ? { op: codec.name, status: 0 }
              : { op: codec.name, status: 0, result }) as Nfs4OpResult,
          );
        }
      } catch (error) {
        if (error instanceof XdrError) throw error.within(`resarray[${i}]`).within('COMPOUND4res');
        throw error;
      }
    }
    return { status, tag, results };
  },
  encodingLength(v) {
    return measure(COMPOUND4res, v);
  },
};

function measure<T>(codec: XdrType<T>, v: T): number {
  // Compound values are small and rare; measuring by encoding keeps one source of truth for the layout.
  const w = new XdrWriter(512);
  codec.encode(w, v);
  return w.offset;
}
