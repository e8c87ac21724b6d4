// RFC 8881 sections 3.3.12, 8.2 and 18 (RFC 7530 section 16 for 4.0-only OPEN_CONFIRM) — the stateful NFSv4
// operations: stateid4, OPEN, OPEN_CONFIRM, OPEN_DOWNGRADE, CLOSE, READ, WRITE, COMMIT, LOCK, LOCKT, LOCKU, REMOVE,
// FREE_STATEID, TEST_STATEID. Each argument and result type is an XdrType trio; compound.ts registers them per op.
import { XdrError, type XdrReader, type XdrType, XdrWriter } from '../../xdr/index.js';
import { bitmap4, type Fattr4, fattr4, type Nfsace4 } from './attributes.js';
import {
  CREATEMODE4,
  LIMIT_BY4,
  NFS_LOCK_TYPE4,
  NFS4_OPAQUE_LIMIT,
  NFS4_OTHER_SIZE,
  NFS4_VERIFIER_SIZE,
  OPEN_CLAIM_TYPE4,
  OPEN_DELEGATION_TYPE4,
  OPENTYPE4,
  STABLE_HOW4,
  WHY_NO_DELEGATION4,
} from './constants.js';

/** Most stateids in one TEST_STATEID (the whole COMPOUND is capped at 1024 operations as well). */
export const MAX_TEST_STATEIDS = 1024;

// ---- types

/** stateid4 (RFC 8881 section 3.3.12): `other` is 12 bytes; decoded values alias the input. */
export interface Stateid4 {
  readonly seqid: number;
  readonly other: Uint8Array;
}
/** change_info4: the directory's change attribute before and after the operation. */
export interface ChangeInfo4 {
  readonly atomic: boolean;
  readonly before: bigint;
  readonly after: bigint;
}
/** state_owner4 (open_owner4, lock_owner4): the client ID and an opaque owner name of up to 1024 bytes. */
export interface StateOwner4 {
  readonly clientId: bigint;
  readonly owner: Uint8Array;
}
export type Createhow4 =
  | { readonly mode: typeof CREATEMODE4.UNCHECKED4 | typeof CREATEMODE4.GUARDED4; readonly attrs: Fattr4 }
  | { readonly mode: typeof CREATEMODE4.EXCLUSIVE4; readonly verifier: Uint8Array }
  | { readonly mode: typeof CREATEMODE4.EXCLUSIVE4_1; readonly verifier: Uint8Array; readonly attrs: Fattr4 };
/** openflag4: OPEN4_NOCREATE, or OPEN4_CREATE with a createhow4. */
export type Openflag4 =
  | { readonly opentype: typeof OPENTYPE4.OPEN4_NOCREATE }
  | { readonly opentype: typeof OPENTYPE4.OPEN4_CREATE; readonly how: Createhow4 };
/** open_claim4: how the OPEN names the file (the current filehandle is the directory or the file itself). */
export type OpenClaim4 =
  | { readonly claim: typeof OPEN_CLAIM_TYPE4.CLAIM_NULL; readonly file: string }
  | { readonly claim: typeof OPEN_CLAIM_TYPE4.CLAIM_PREVIOUS; readonly delegateType: number }
  | {
      readonly claim: typeof OPEN_CLAIM_TYPE4.CLAIM_DELEGATE_CUR;
      readonly delegateStateid: Stateid4;
      readonly file: string;
    }
  | { readonly claim: typeof OPEN_CLAIM_TYPE4.CLAIM_DELEGATE_PREV; readonly file: string }
  | { readonly claim: typeof OPEN_CLAIM_TYPE4.CLAIM_FH }
  | { readonly claim: typeof OPEN_CLAIM_TYPE4.CLAIM_DELEG_CUR_FH; readonly delegateStateid: Stateid4 }
  | { readonly claim: typeof OPEN_CLAIM_TYPE4.CLAIM_DELEG_PREV_FH };
export interface OpenArgs {
  /** 4.0 open-owner sequence; ignored by 4.1 servers (send 0). */
  readonly seqid: number;
  /** OPEN4_SHARE_ACCESS_* (4.1: may carry OPEN4_SHARE_ACCESS_WANT_* bits). */
  readonly shareAccess: number;
  readonly shareDeny: number;
  readonly owner: StateOwner4;
  readonly openhow: Openflag4;
  readonly claim: OpenClaim4;
}
export type NfsSpaceLimit4 =
  | { readonly limitBy: typeof LIMIT_BY4.NFS_LIMIT_SIZE; readonly filesize: bigint }
  | { readonly limitBy: typeof LIMIT_BY4.NFS_LIMIT_BLOCKS; readonly numBlocks: number; readonly bytesPerBlock: number };
export type OpenDelegation4 =
  | { readonly type: typeof OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_NONE }
  | {
      readonly type: typeof OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_READ;
      readonly stateid: Stateid4;
      readonly recall: boolean;
      readonly permissions: Nfsace4;
    }
  | {
      readonly type: typeof OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_WRITE;
      readonly stateid: Stateid4;
      readonly recall: boolean;
      readonly spaceLimit: NfsSpaceLimit4;
      readonly permissions: Nfsace4;
    }
  | {
      readonly type: typeof OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_NONE_EXT;
      /** why_no_delegation4 (WND4_*). */
      readonly why: number;
      /** ond_server_will_push_deleg (WND4_CONTENTION) or ond_server_will_signal_avail (WND4_RESOURCE). */
      readonly serverWill?: boolean;
    };
export interface OpenResult {
  readonly stateid: Stateid4;
  readonly cinfo: ChangeInfo4;
  /** OPEN4_RESULT_* flags. */
  readonly rflags: number;
  /** Attribute numbers the server set from createattrs. */
  readonly attrset: number[];
  readonly delegation: OpenDelegation4;
}
export interface WriteArgs {
  readonly stateid: Stateid4;
  readonly offset: bigint;
  /** stable_how4: UNSTABLE4, DATA_SYNC4 or FILE_SYNC4. */
  readonly stable: number;
  readonly data: Uint8Array;
}
export interface WriteResult {
  readonly count: number;
  readonly committed: number;
  readonly verifier: Uint8Array;
}
export interface ReadArgs {
  readonly stateid: Stateid4;
  readonly offset: bigint;
  readonly count: number;
}
export interface ReadResult {
  readonly eof: boolean;
  /** The bytes read: a view that aliases the reply buffer (copy it to keep it beyond the reply). */
  readonly data: Uint8Array;
}
/** locker4: a new lock owner (from an open stateid) or an existing one (its lock stateid). */
export type Locker4 =
  | {
      readonly newLockOwner: true;
      readonly openSeqid: number;
      readonly openStateid: Stateid4;
      readonly lockSeqid: number;
      readonly lockOwner: StateOwner4;
    }
  | { readonly newLockOwner: false; readonly lockStateid: Stateid4; readonly lockSeqid: number };
export interface LockArgs {
  /** nfs_lock_type4: READ_LT, WRITE_LT, READW_LT, WRITEW_LT. */
  readonly locktype: number;
  readonly reclaim: boolean;
  readonly offset: bigint;
  /** Bytes; 0xffffffffffffffff means "to the end of the file". */
  readonly length: bigint;
  readonly locker: Locker4;
}
/** LOCK4denied: the conflicting lock and its owner (returned with NFS4ERR_DENIED by LOCK and LOCKT). */
export interface Lock4Denied {
  readonly offset: bigint;
  readonly length: bigint;
  readonly locktype: number;
  readonly owner: StateOwner4;
}
export interface LocktArgs {
  readonly locktype: number;
  readonly offset: bigint;
  readonly length: bigint;
  readonly owner: StateOwner4;
}
export interface LockuArgs {
  readonly locktype: number;
  readonly seqid: number;
  readonly lockStateid: Stateid4;
  readonly offset: bigint;
  readonly length: bigint;
}

// ---- special stateids (RFC 8881 section 8.2.3)

const zeros12 = new Uint8Array(NFS4_OTHER_SIZE);
/** All zeros: the anonymous stateid (I/O without an OPEN, subject to share reservations). */
export const ANONYMOUS_STATEID: Stateid4 = Object.freeze({ seqid: 0, other: zeros12 });
/** All ones: READ bypasses locks and share reservations. */
export const READ_BYPASS_STATEID: Stateid4 = Object.freeze({
  seqid: 0xffffffff,
  other: new Uint8Array(NFS4_OTHER_SIZE).fill(0xff),
});
/** seqid 1, other zeros: the current stateid of the COMPOUND (4.1), e.g. OPEN's stateid for a following WRITE. */
export const CURRENT_STATEID: Stateid4 = Object.freeze({ seqid: 1, other: zeros12 });
/** seqid 0xffffffff, other zeros: never valid (4.1). */
export const INVALID_STATEID: Stateid4 = Object.freeze({ seqid: 0xffffffff, other: zeros12 });

// ---- codecs

function trio<T>(name: string, encode: (w: XdrWriter, v: T) => void, decode: (r: XdrReader) => T): XdrType<T> {
  const codec: XdrType<T> = {
    name,
    encode(w, v) {
      w.encode(() => {
        try {
          encode(w, v);
        } catch (error) {
          if (error instanceof XdrError) throw error.within(name);
          throw error;
        }
      });
    },
    decode(r) {
      try {
        return decode(r);
      } catch (error) {
        if (error instanceof XdrError) throw error.within(name);
        throw error;
      }
    },
    encodingLength(v) {
      // Measured by encoding: one source of truth for the layout (these values are small, except WRITE's data).
      const w = new XdrWriter(64);
      codec.encode(w, v);
      return w.offset;
    },
  };
  return codec;
}

function field<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof XdrError) throw error.within(name);
    throw error;
  }
}

const setOf = (values: Record<string, number>) => new Set(Object.values(values));
const LOCK_TYPES = setOf(NFS_LOCK_TYPE4);
const STABLE_HOWS = setOf(STABLE_HOW4);
const DELEGATION_TYPES = setOf(OPEN_DELEGATION_TYPE4);

export const stateid4: XdrType<Stateid4> = trio(
  'stateid4',
  (w, v) => {
    w.writeUnsignedInt(v.seqid);
    w.writeFixedOpaque(v.other, NFS4_OTHER_SIZE);
  },
  (r) => {
    const seqid = r.readUnsignedInt();
    return { seqid, other: r.readFixedOpaque(NFS4_OTHER_SIZE) };
  },
);
export const changeInfo4: XdrType<ChangeInfo4> = trio(
  'change_info4',
  (w, v) => {
    w.writeBool(v.atomic);
    w.writeUnsignedHyper(v.before);
    w.writeUnsignedHyper(v.after);
  },
  (r) => {
    const atomic = r.readBool();
    const before = r.readUnsignedHyper();
    return { atomic, before, after: r.readUnsignedHyper() };
  },
);
export const stateOwner4: XdrType<StateOwner4> = trio(
  'state_owner4',
  (w, v) => {
    w.writeUnsignedHyper(v.clientId);
    w.writeVariableOpaque(v.owner, NFS4_OPAQUE_LIMIT);
  },
  (r) => {
    const clientId = r.readUnsignedHyper();
    return { clientId, owner: r.readVariableOpaque(NFS4_OPAQUE_LIMIT) };
  },
);

function writeCreatehow(w: XdrWriter, v: Createhow4): void {
  w.writeUnsignedInt(v.mode);
  switch (v.mode) {
    case CREATEMODE4.UNCHECKED4:
    case CREATEMODE4.GUARDED4:
      fattr4.encode(w, v.attrs);
      return;
    case CREATEMODE4.EXCLUSIVE4:
      w.writeFixedOpaque(v.verifier, NFS4_VERIFIER_SIZE);
      return;
    case CREATEMODE4.EXCLUSIVE4_1:
      w.writeFixedOpaque(v.verifier, NFS4_VERIFIER_SIZE);
      fattr4.encode(w, v.attrs);
      return;
    default:
      throw new XdrError('BAD_DISCRIMINANT', `createmode4 ${(v as { mode: number }).mode}`, 'mode');
  }
}
function readCreatehow(r: XdrReader): Createhow4 {
  const mode = r.readUnsignedInt();
  switch (mode) {
    case CREATEMODE4.UNCHECKED4:
    case CREATEMODE4.GUARDED4:
      return { mode, attrs: field('createattrs', () => fattr4.decode(r)) };
    case CREATEMODE4.EXCLUSIVE4:
      return { mode, verifier: r.readFixedOpaque(NFS4_VERIFIER_SIZE) };
    case CREATEMODE4.EXCLUSIVE4_1: {
      const verifier = r.readFixedOpaque(NFS4_VERIFIER_SIZE);
      return { mode, verifier, attrs: field('cva_attrs', () => fattr4.decode(r)) };
    }
    default:
      throw new XdrError('BAD_DISCRIMINANT', `createmode4 ${mode}`, 'mode');
  }
}

export const openflag4: XdrType<Openflag4> = trio(
  'openflag4',
  (w, v) => {
    w.writeUnsignedInt(v.opentype);
    if (v.opentype === OPENTYPE4.OPEN4_CREATE) writeCreatehow(w, v.how);
    else if (v.opentype !== OPENTYPE4.OPEN4_NOCREATE)
      throw new XdrError('BAD_DISCRIMINANT', `opentype4 ${(v as { opentype: number }).opentype}`, 'opentype');
  },
  (r) => {
    const opentype = r.readUnsignedInt();
    if (opentype === OPENTYPE4.OPEN4_NOCREATE) return { opentype };
    if (opentype === OPENTYPE4.OPEN4_CREATE) return { opentype, how: field('how', () => readCreatehow(r)) };
    throw new XdrError('BAD_DISCRIMINANT', `opentype4 ${opentype}`, 'opentype');
  },
);

export const openClaim4: XdrType<OpenClaim4> = trio(
  'open_claim4',
  (w, v) => {
    w.writeUnsignedInt(v.claim);
    switch (v.claim) {
      case OPEN_CLAIM_TYPE4.CLAIM_NULL:
      case OPEN_CLAIM_TYPE4.CLAIM_DELEGATE_PREV:
        w.writeString(v.file);
        return;
      case OPEN_CLAIM_TYPE4.CLAIM_PREVIOUS:
        w.writeEnum(v.delegateType, DELEGATION_TYPES);
        return;
      case OPEN_CLAIM_TYPE4.CLAIM_DELEGATE_CUR:
        stateid4.encode(w, v.delegateStateid);
        w.writeString(v.file);
        return;
      case OPEN_CLAIM_TYPE4.CLAIM_DELEG_CUR_FH:
        stateid4.encode(w, v.delegateStateid);
        return;
      case OPEN_CLAIM_TYPE4.CLAIM_FH:
      case OPEN_CLAIM_TYPE4.CLAIM_DELEG_PREV_FH:
        return;
      default:
        throw new XdrError('BAD_DISCRIMINANT', `open_claim_type4 ${(v as { claim: number }).claim}`, 'claim');
    }
  },
  (r) => {
    const claim = r.readUnsignedInt();
    switch (claim) {
      case OPEN_CLAIM_TYPE4.CLAIM_NULL:
      case OPEN_CLAIM_TYPE4.CLAIM_DELEGATE_PREV:
        return { claim, file: field('file', () => r.readString()) };
      case OPEN_CLAIM_TYPE4.CLAIM_PREVIOUS:
        return { claim, delegateType: field('delegate_type', () => r.readEnum(DELEGATION_TYPES)) };
      case OPEN_CLAIM_TYPE4.CLAIM_DELEGATE_CUR: {
        const delegateStateid = stateid4.decode(r);
        return { claim, delegateStateid, file: field('file', () => r.readString()) };
      }
      case OPEN_CLAIM_TYPE4.CLAIM_DELEG_CUR_FH:
        return { claim, delegateStateid: stateid4.decode(r) };
      case OPEN_CLAIM_TYPE4.CLAIM_FH:
      case OPEN_CLAIM_TYPE4.CLAIM_DELEG_PREV_FH:
        return { claim };
      default:
        throw new XdrError('BAD_DISCRIMINANT', `open_claim_type4 ${claim}`, 'claim');
    }
  },
);

export const OPEN4args: XdrType<OpenArgs> = trio(
  'OPEN4args',
  (w, v) => {
    w.writeUnsignedInt(v.seqid);
    w.writeUnsignedInt(v.shareAccess);
    w.writeUnsignedInt(v.shareDeny);
    stateOwner4.encode(w, v.owner);
    openflag4.encode(w, v.openhow);
    openClaim4.encode(w, v.claim);
  },
  (r) => {
    const seqid = r.readUnsignedInt();
    const shareAccess = r.readUnsignedInt();
    const shareDeny = r.readUnsignedInt();
    const owner = stateOwner4.decode(r);
    const openhow = openflag4.decode(r);
    return { seqid, shareAccess, shareDeny, owner, openhow, claim: openClaim4.decode(r) };
  },
);

function writeAce(w: XdrWriter, a: Nfsace4): void {
  w.writeUnsignedInt(a.type);
  w.writeUnsignedInt(a.flag);
  w.writeUnsignedInt(a.accessMask);
  w.writeString(a.who, NFS4_OPAQUE_LIMIT);
}
function readAce(r: XdrReader): Nfsace4 {
  const type = r.readUnsignedInt();
  const flag = r.readUnsignedInt();
  const accessMask = r.readUnsignedInt();
  return { type, flag, accessMask, who: r.readString(NFS4_OPAQUE_LIMIT) };
}

export const openDelegation4: XdrType<OpenDelegation4> = trio(
  'open_delegation4',
  (w, v) => {
    w.writeUnsignedInt(v.type);
    switch (v.type) {
      case OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_NONE:
        return;
      case OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_READ:
        stateid4.encode(w, v.stateid);
        w.writeBool(v.recall);
        writeAce(w, v.permissions);
        return;
      case OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_WRITE: {
        stateid4.encode(w, v.stateid);
        w.writeBool(v.recall);
        const limit = v.spaceLimit;
        w.writeUnsignedInt(limit.limitBy);
        if (limit.limitBy === LIMIT_BY4.NFS_LIMIT_SIZE) w.writeUnsignedHyper(limit.filesize);
        else if (limit.limitBy === LIMIT_BY4.NFS_LIMIT_BLOCKS) {
          w.writeUnsignedInt(limit.numBlocks);
          w.writeUnsignedInt(limit.bytesPerBlock);
        } else throw new XdrError('BAD_DISCRIMINANT', `limit_by4 ${(limit as { limitBy: number }).limitBy}`);
        writeAce(w, v.permissions);
        return;
      }
      case OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_NONE_EXT:
        w.writeUnsignedInt(v.why);
        if (v.why === WHY_NO_DELEGATION4.WND4_CONTENTION || v.why === WHY_NO_DELEGATION4.WND4_RESOURCE) {
          if (v.serverWill === undefined) throw new XdrError('BAD_VALUE', 'serverWill is required for this why');
          w.writeBool(v.serverWill);
        }
        return;
      default:
        throw new XdrError('BAD_DISCRIMINANT', `open_delegation_type4 ${(v as { type: number }).type}`);
    }
  },
  (r): OpenDelegation4 => {
    const type = r.readUnsignedInt();
    switch (type) {
      case OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_NONE:
        return { type };
      case OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_READ: {
        const stateid = stateid4.decode(r);
        const recall = r.readBool();
        return { type, stateid, recall, permissions: field('permissions', () => readAce(r)) };
      }
      case OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_WRITE: {
        const stateid = stateid4.decode(r);
        const recall = r.readBool();
        const limitBy = r.readUnsignedInt();
        let spaceLimit: NfsSpaceLimit4;
        if (limitBy === LIMIT_BY4.NFS_LIMIT_SIZE) spaceLimit = { limitBy, filesize: r.readUnsignedHyper() };
        else if (limitBy === LIMIT_BY4.NFS_LIMIT_BLOCKS) {
          const numBlocks = r.readUnsignedInt();
          spaceLimit = { limitBy, numBlocks, bytesPerBlock: r.readUnsignedInt() };
        } else throw new XdrError('BAD_DISCRIMINANT', `limit_by4 ${limitBy}`, 'space_limit');
        return { type, stateid, recall, spaceLimit, permissions: field('permissions', () => readAce(r)) };
      }
      case OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_NONE_EXT: {
        const why = r.readUnsignedInt();
        if (why === WHY_NO_DELEGATION4.WND4_CONTENTION || why === WHY_NO_DELEGATION4.WND4_RESOURCE) {
          return { type, why, serverWill: r.readBool() };
        }
        return { type, why };
      }
      default:
        throw new XdrError('BAD_DISCRIMINANT', `open_delegation_type4 ${type}`, 'delegation_type');
    }
  },
);

export const OPEN4resok: XdrType<OpenResult> = trio(
  'OPEN4resok',
  (w, v) => {
    stateid4.encode(w, v.stateid);
    changeInfo4.encode(w, v.cinfo);
    w.writeUnsignedInt(v.rflags);
    bitmap4.encode(w, v.attrset);
    openDelegation4.encode(w, v.delegation);
  },
  (r) => {
    const stateid = stateid4.decode(r);
    const cinfo = changeInfo4.decode(r);
    const rflags = r.readUnsignedInt();
    const attrset = field('attrset', () => bitmap4.decode(r));
    return { stateid, cinfo, rflags, attrset, delegation: openDelegation4.decode(r) };
  },
);

export const WRITE4args: XdrType<WriteArgs> = trio(
  'WRITE4args',
  (w, v) => {
    stateid4.encode(w, v.stateid);
    w.writeUnsignedHyper(v.offset);
    w.writeEnum(v.stable, STABLE_HOWS);
    w.writeVariableOpaque(v.data);
  },
  (r) => {
    const stateid = stateid4.decode(r);
    const offset = r.readUnsignedHyper();
    const stable = field('stable', () => r.readEnum(STABLE_HOWS));
    return { stateid, offset, stable, data: field('data', () => r.readVariableOpaque()) };
  },
);
export const WRITE4resok: XdrType<WriteResult> = trio(
  'WRITE4resok',
  (w, v) => {
    w.writeUnsignedInt(v.count);
    w.writeEnum(v.committed, STABLE_HOWS);
    w.writeFixedOpaque(v.verifier, NFS4_VERIFIER_SIZE);
  },
  (r) => {
    const count = r.readUnsignedInt();
    const committed = field('committed', () => r.readEnum(STABLE_HOWS));
    return { count, committed, verifier: r.readFixedOpaque(NFS4_VERIFIER_SIZE) };
  },
);
export const READ4args: XdrType<ReadArgs> = trio(
  'READ4args',
  (w, v) => {
    stateid4.encode(w, v.stateid);
    w.writeUnsignedHyper(v.offset);
    w.writeUnsignedInt(v.count);
  },
  (r) => {
    const stateid = stateid4.decode(r);
    const offset = r.readUnsignedHyper();
    return { stateid, offset, count: r.readUnsignedInt() };
  },
);
export const READ4resok: XdrType<ReadResult> = trio(
  'READ4resok',
  (w, v) => {
    w.writeBool(v.eof);
    w.writeVariableOpaque(v.data);
  },
  (r) => {
    const eof = r.readBool();
    return { eof, data: field('data', () => r.readVariableOpaque()) };
  },
);

export const locker4: XdrType<Locker4> = trio(
  'locker4',
  (w, v) => {
    w.writeBool(v.newLockOwner);
    if (v.newLockOwner) {
      w.writeUnsignedInt(v.openSeqid);
      stateid4.encode(w, v.openStateid);
      w.writeUnsignedInt(v.lockSeqid);
      stateOwner4.encode(w, v.lockOwner);
    } else {
      stateid4.encode(w, v.lockStateid);
      w.writeUnsignedInt(v.lockSeqid);
    }
  },
  (r): Locker4 => {
    if (r.readBool()) {
      const openSeqid = r.readUnsignedInt();
      const openStateid = stateid4.decode(r);
      const lockSeqid = r.readUnsignedInt();
      return { newLockOwner: true, openSeqid, openStateid, lockSeqid, lockOwner: stateOwner4.decode(r) };
    }
    const lockStateid = stateid4.decode(r);
    return { newLockOwner: false, lockStateid, lockSeqid: r.readUnsignedInt() };
  },
);
export const LOCK4args: XdrType<LockArgs> = trio(
  'LOCK4args',
  (w, v) => {
    w.writeEnum(v.locktype, LOCK_TYPES);
    w.writeBool(v.reclaim);
    w.writeUnsignedHyper(v.offset);
    w.writeUnsignedHyper(v.length);
    locker4.encode(w, v.locker);
  },
  (r) => {
    const locktype = field('locktype', () => r.readEnum(LOCK_TYPES));
    const reclaim = r.readBool();
    const offset = r.readUnsignedHyper();
    const length = r.readUnsignedHyper();
    return { locktype, reclaim, offset, length, locker: locker4.decode(r) };
  },
);
export const LOCK4denied: XdrType<Lock4Denied> = trio(
  'LOCK4denied',
  (w, v) => {
    w.writeUnsignedHyper(v.offset);
    w.writeUnsignedHyper(v.length);
    w.writeEnum(v.locktype, LOCK_TYPES);
    stateOwner4.encode(w, v.owner);
  },
  (r) => {
    const offset = r.readUnsignedHyper();
    const length = r.readUnsignedHyper();
    const locktype = field('locktype', () => r.readEnum(LOCK_TYPES));
    return { offset, length, locktype, owner: stateOwner4.decode(r) };
  },
);
export const LOCKT4args: XdrType<LocktArgs> = trio(
  'LOCKT4args',
  (w, v) => {
    w.writeEnum(v.locktype, LOCK_TYPES);
    w.writeUnsignedHyper(v.offset);
    w.writeUnsignedHyper(v.length);
    stateOwner4.encode(w, v.owner);
  },
  (r) => {
    const locktype = field('locktype', () => r.readEnum(LOCK_TYPES));
    const offset = r.readUnsignedHyper();
    const length = r.readUnsignedHyper();
    return { locktype, offset, length, owner: stateOwner4.decode(r) };
  },
);
export const LOCKU4args: XdrType<LockuArgs> = trio(
  'LOCKU4args',
  (w, v) => {
    w.writeEnum(v.locktype, LOCK_TYPES);
    w.writeUnsignedInt(v.seqid);
    stateid4.encode(w, v.lockStateid);
    w.writeUnsignedHyper(v.offset);
    w.writeUnsignedHyper(v.length);
  },
  (r) => {
    const locktype = field('locktype', () => r.readEnum(LOCK_TYPES));
    const seqid = r.readUnsignedInt();
    const lockStateid = stateid4.decode(r);
    const offset = r.readUnsignedHyper();
    return { locktype, seqid, lockStateid, offset, length: r.readUnsignedHyper() };
  },
);
export const TEST_STATEID4args: XdrType<Stateid4[]> = trio(
  'TEST_STATEID4args',
  (w, v) => w.writeVariableArray(v, MAX_TEST_STATEIDS, (x, s) => stateid4.encode(x, s)),
  (r) => r.readVariableArray(MAX_TEST_STATEIDS, (x) => stateid4.decode(x), 16),
);
export const TEST_STATEID4resok: XdrType<number[]> = trio(
  'TEST_STATEID4resok',
  (w, v) => w.writeVariableArray(v, MAX_TEST_STATEIDS, (x, s) => x.writeUnsignedInt(s)),
  (r) => r.readVariableArray(MAX_TEST_STATEIDS, (x) => x.readUnsignedInt()),
);
