// RFC 7530 section 15.2 (COMPOUND) and RFC 8881 sections 2.10 and 18 (sessions, state) — an NFSv4.0/4.1 client:
// a COMPOUND builder, per-operation results, the EXCHANGE_ID + CREATE_SESSION + SEQUENCE path for 4.1, and helpers
// for the stateful operations (OPEN, WRITE, COMMIT, READ, CLOSE, LOCK, LOCKT, LOCKU, REMOVE, RECLAIM_COMPLETE).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { XdrError, XdrReader } from '../../xdr/index.js';
import type { RpcCaller, RpcCallOptions } from '../caller.js';
import { BAD_REPLY, NfsError } from '../errors.js';
import { FATTR4, type Fattr4 } from './attributes.js';
import {
  COMPOUND4args,
  COMPOUND4res,
  type Compound4Res,
  type CreateSessionResult,
  type ExchangeIdResult,
  type Nfs4Op,
  type Nfs4OpName,
  type Nfs4OpResult,
  type Nfs4OpResults,
  type ReaddirArgs,
  type SequenceResult,
} from './compound.js';
import {
  CREATEMODE4,
  EXCHGID4_FLAG,
  NFS_LOCK_TYPE4,
  NFS_V4,
  NFS4_LENGTH_TO_EOF,
  NFS4_PROGRAM,
  NFSPROC4_COMPOUND,
  NFSPROC4_NULL,
  NFSSTAT4,
  nfsstat4Name,
  OPEN_CLAIM_TYPE4,
  OPEN_DELEGATION_TYPE4,
  OPEN4_SHARE_ACCESS,
  OPEN4_SHARE_DENY,
  OPENTYPE4,
  STABLE_HOW4,
} from './constants.js';
import { type Slot, SlotTable } from './slots.js';
import type {
  ChangeInfo4,
  Createhow4,
  Lock4Denied,
  LockArgs,
  LocktArgs,
  LockuArgs,
  OpenArgs,
  OpenClaim4,
  OpenResult,
  ReadResult,
  Stateid4,
  StateOwner4,
  WriteResult,
} from './stateful.js';

/** The attributes `fh get`, `snapshot` and `compare` ask for. */
export const IDENTITY_ATTRS: readonly number[] = [
  FATTR4.type,
  FATTR4.change,
  FATTR4.size,
  FATTR4.fsid,
  FATTR4.fileid,
  FATTR4.mounted_on_fileid,
];

const DEFAULT_CHANNEL = {
  headerPadSize: 0,
  maxRequestSize: 1_049_620,
  maxResponseSize: 1_049_480,
  maxResponseSizeCached: 8192,
  maxOperations: 16,
  maxRequests: 1,
  rdmaIrd: [],
};

export interface Nfs4ClientOptions extends RpcCallOptions {
  /** 0 (RFC 7530) or 1 (RFC 8881). 4.1 needs `createSession()` before other operations. */
  minorVersion?: 0 | 1;
}

export interface Nfs4Session {
  readonly clientId: bigint;
  readonly sessionId: Uint8Array;
  /** The last EXCHANGE_ID's result: server_owner, server_scope, flags (CONFIRMED_R), implementation id. */
  readonly exchangeId: ExchangeIdResult;
  readonly createSession: CreateSessionResult;
  /** Fore-channel slots in use: min(asked, granted). */
  readonly slots: number;
}

export interface Nfs4SessionOptions {
  /**
   * co_verifier: defaults to 8 random bytes per client object, kept across createSession/recoverSession calls (the
   * same client incarnation, which a server's reclaim check needs). A new verifier tells the server we restarted.
   */
  verifier?: Uint8Array;
  /** Fore-channel slots to ask for (default 1). Concurrent compounds each take a free slot or wait for one. */
  slots?: number;
}

/** A number of bytes or an offset: a bigint, or a safe non-negative integer number. */
export type Nfs4Size = bigint | number;

export interface OpenFileOptions {
  /**
   * false (default): the file must exist. true or 'unchecked': create it if missing (UNCHECKED4); 'guarded': create,
   * NFS4ERR_EXIST if it exists (GUARDED4); 'exclusive': EXCLUSIVE4_1 with `verifier`.
   */
  create?: boolean | 'unchecked' | 'guarded' | 'exclusive';
  /** Mode of a created file (default 0o644). */
  mode?: number;
  /** createverf for 'exclusive' (default random). */
  verifier?: Uint8Array;
  /** open-owner name (default: one per client object). */
  owner?: Uint8Array | string;
  /**
   * 'null' (default, CLAIM_NULL): `fh` is the directory and `name` the file. 'fh' (CLAIM_FH) and 'previous'
   * (CLAIM_PREVIOUS, a reclaim after a server restart, during grace): `fh` is the file itself and `name` is unused.
   */
  claim?: 'null' | 'fh' | 'previous';
  /** CLAIM_PREVIOUS: the delegation held before (default OPEN_DELEGATE_NONE). */
  delegateType?: number;
  /** OPEN4_SHARE_ACCESS_* (default BOTH). No delegation is asked for; with no back channel ganesha grants none. */
  access?: number;
  /** OPEN4_SHARE_DENY_* (default NONE). */
  deny?: number;
}
export interface OpenedFile {
  /** The opened file's handle (GETFH after OPEN; a copy). */
  readonly fh: Uint8Array;
  readonly stateid: Stateid4;
  readonly result: OpenResult;
}
export interface LockRange {
  /** nfs_lock_type4 (default WRITE_LT). */
  readonly type?: number;
  readonly offset?: Nfs4Size;
  /** Default: to the end of the file. */
  readonly length?: Nfs4Size;
}
export interface LockOptions extends LockRange {
  readonly reclaim?: boolean;
  /** First lock of an owner on this open: the open stateid and the lock-owner name (default one per client). */
  readonly openStateid?: Stateid4;
  readonly owner?: Uint8Array | string;
  /** Later locks of the same owner: its lock stateid (instead of openStateid). */
  readonly lockStateid?: Stateid4;
}

function size64(value: Nfs4Size, what: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value > NFS4_LENGTH_TO_EOF) throw new RangeError(`${what} ${value} is not an unsigned hyper`);
    return value;
  }
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${what} ${value} is not a safe non-negative integer`);
  return BigInt(value);
}
function ownerBytes(owner: Uint8Array | string): Uint8Array {
  return typeof owner === 'string' ? new TextEncoder().encode(owner) : owner;
}
function copyStateid(s: Stateid4): Stateid4 {
  return { seqid: s.seqid, other: s.other.slice() };
}

/** The result of the operation named `K` at `index`, or an NfsError if it is missing or failed. */
export function resultOf<K extends Nfs4OpName>(res: Compound4Res, index: number, op: K): Nfs4OpResults[K] {
  const entry = res.results[index];
  if (entry === undefined || entry.op !== op) {
    throw new NfsError(BAD_REPLY, -1, `no ${op} result at position ${index}`, `COMPOUND[${index}] ${op}`);
  }
  if (entry.status !== 0) {
    const denied = (entry as { denied?: unknown }).denied;
    throw new NfsError(
      nfsstat4Name(entry.status),
      entry.status,
      'the operation failed',
      `COMPOUND[${index}] ${op}`,
      denied,
    );
  }
  return entry.result as Nfs4OpResults[K];
}

/** Throw NfsError for the first failed operation of a COMPOUND reply (the server stops there). */
export function checkCompound(res: Compound4Res): Compound4Res {
  if (res.status === 0) return res;
  const index = res.results.findIndex((r) => r.status !== 0);
  const failed = res.results[index];
  throw new NfsError(
    nfsstat4Name(res.status),
    res.status,
    'the COMPOUND failed',
    failed === undefined ? 'COMPOUND' : `COMPOUND[${index}] ${failed.op}`,
    (failed as { denied?: unknown } | undefined)?.denied,
  );
}

export class Nfs4Client {
  readonly minorVersion: 0 | 1;
  private readonly caller: RpcCaller;
  private readonly options: RpcCallOptions;
  private session: Nfs4Session | undefined;
  /** The last session made, kept after it is lost so that recoverSession can be retried. */
  private lastSession: Nfs4Session | undefined;
  private slotTable: SlotTable | undefined;
  private lastSequenceResult: SequenceResult | undefined;
  /** EXCHANGE_ID identity, fixed per client object once createSession has run. */
  private ownerId: string | undefined;
  private verifier: Uint8Array | undefined;
  private slotsWanted = 1;
  /** csa_sequence for the next CREATE_SESSION of the client ID that our last CREATE_SESSION was for. */
  private createSequence = 0;
  private sessionClientId: bigint | undefined;
  private readonly openOwner = `nfsprobe-open-${randomBytes(6).toString('hex')}`;
  private readonly lockOwner = `nfsprobe-lock-${randomBytes(6).toString('hex')}`;

  constructor(caller: RpcCaller, options: Nfs4ClientOptions = {}) {
    this.caller = caller;
    this.minorVersion = options.minorVersion ?? 0;
    const { minorVersion: _ignored, ...callOptions } = options;
    this.options = callOptions;
  }

  async null(): Promise<void> {
    await this.caller.call(NFS4_PROGRAM, NFS_V4, NFSPROC4_NULL, new Uint8Array(0), this.options);
  }

  /** The current 4.1 session, if `createSession()` made one. */
  get currentSession(): Nfs4Session | undefined {
    return this.session;
  }

  /** The last successful SEQUENCE result (sr_status_flags: SEQ4_STATUS_RESTART_RECLAIM_NEEDED and the like). */
  get lastSequence(): SequenceResult | undefined {
    return this.lastSequenceResult;
  }

  /**
   * Send one COMPOUND. With a 4.1 session, SEQUENCE is prepended (on a free slot, waiting for one if all are busy) and
   * its result removed from the returned list; a failed SEQUENCE (NFS4ERR_BADSESSION, NFS4ERR_DEADSESSION,
   * NFS4ERR_SEQ_MISORDERED...) throws NfsError with that code. Per-operation statuses are in `results`; nothing is
   * thrown for a failed operation.
   */
  async compound(ops: readonly Nfs4Op[], tag = ''): Promise<Compound4Res> {
    const session = this.session;
    const table = this.slotTable;
    if (session === undefined || table === undefined) return this.send([...ops], tag);
    const slot = await table.acquire();
    try {
      return await this.sequenced(session, table, slot, ops, tag);
    } finally {
      table.release(slot);
    }
  }

  private async sequenced(
    session: Nfs4Session,
    table: SlotTable,
    slot: Slot,
    ops: readonly Nfs4Op[],
    tag: string,
  ): Promise<Compound4Res> {
    for (let attempt = 0; ; attempt++) {
      const sequenceId = (slot.seqid + 1) >>> 0;
      const sequence: Nfs4Op = {
        op: 'SEQUENCE',
        args: {
          sessionId: session.sessionId,
          sequenceId,
          slotId: slot.id,
          highestSlotId: table.highestSlotId,
          cacheThis: false,
        },
      };
      let res: Compound4Res;
      try {
        res = await this.send([sequence, ...ops], tag);
      } catch (error) {
        // No usable reply: the server may have executed the request. Assume it did; see Slot.uncertain.
        slot.seqid = sequenceId;
        slot.uncertain = true;
        throw error;
      }
      const [first, ...rest] = res.results;
      if (first === undefined || first.op !== 'SEQUENCE') {
        slot.seqid = sequenceId;
        slot.uncertain = true;
        throw new NfsError(BAD_REPLY, -1, 'the reply does not start with SEQUENCE', 'COMPOUND');
      }
      if (first.status === 0) {
        // The server executed it: the slot has advanced (RFC 8881 section 2.10.6.1).
        slot.seqid = sequenceId;
        slot.uncertain = false;
        this.lastSequenceResult = first.result;
        return { status: res.status, tag: res.tag, results: rest };
      }
      // A failed SEQUENCE leaves the slot as it was. After a lost reply, MISORDERED means the lost request never
      // ran: step back and send it once more with the sequence ID the server expects.
      if (first.status === NFSSTAT4.NFS4ERR_SEQ_MISORDERED && slot.uncertain && attempt === 0) {
        slot.seqid = (slot.seqid - 1) >>> 0;
        slot.uncertain = false;
        continue;
      }
      throw new NfsError(nfsstat4Name(first.status), first.status, 'SEQUENCE failed', 'COMPOUND[0] SEQUENCE');
    }
  }

  /** One COMPOUND call as given (no SEQUENCE added). */
  private async send(ops: Nfs4Op[], tag: string): Promise<Compound4Res> {
    const reply = await this.caller.call(
      NFS4_PROGRAM,
      NFS_V4,
      NFSPROC4_COMPOUND,
      (w) => COMPOUND4args.encode(w, { tag, minorVersion: this.minorVersion, ops }),
      this.options,
    );
    try {
      return COMPOUND4res.decode(new XdrReader(reply.body));
    } catch (error) {
      if (error instanceof XdrError) throw new NfsError(BAD_REPLY, -1, error.message, 'COMPOUND');
      throw error;
    }
  }

  /** Start a COMPOUND: `client.build().putrootfh().lookup('export').getfh().send()`. */
  build(tag = ''): Nfs4CompoundBuilder {
    return new Nfs4CompoundBuilder(this, tag);
  }

  /**
   * NFSv4.1: EXCHANGE_ID then CREATE_SESSION (RFC 8881 section 18.35-18.36). Later compounds carry SEQUENCE.
   * `ownerId` defaults to a random name per client object; it and the verifier stay the same for later calls on this
   * object, so a new session after a server restart presents the same client (as reclaim needs). Throws NfsError
   * (e.g. NFS4ERR_STALE_CLIENTID from CREATE_SESSION).
   */
  async createSession(ownerId?: string, options: Nfs4SessionOptions = {}): Promise<Nfs4Session> {
    if (this.minorVersion !== 1)
      throw new NfsError('NFS4ERR_MINOR_VERS_MISMATCH', 10021, 'sessions need 4.1', 'CREATE_SESSION');
    this.ownerId = ownerId ?? this.ownerId ?? `nfsprobe/${hostname()}/${randomBytes(6).toString('hex')}`;
    if (options.verifier !== undefined) this.verifier = options.verifier.slice();
    this.verifier ??= randomBytes(8);
    if (options.slots !== undefined) this.slotsWanted = Math.max(1, Math.floor(options.slots));
    this.dropSession();
    const exchangeId = await this.exchangeId();
    return this.newSession(exchangeId);
  }

  /**
   * After NFS4ERR_BADSESSION or NFS4ERR_DEADSESSION: CREATE_SESSION for the same client ID; if the server answers
   * NFS4ERR_STALE_CLIENTID (it restarted and forgot the client), EXCHANGE_ID again with the same owner and verifier,
   * then CREATE_SESSION. `newClient` is true when the server no longer had our client record (EXCHANGE_ID without
   * EXCHGID4_FLAG_CONFIRMED_R): our opens and locks are gone and must be reclaimed (OPEN with claim 'previous', LOCK
   * with reclaim) before `reclaimComplete()`. May be called again after a failure (e.g. while the server is down).
   */
  async recoverSession(): Promise<{ session: Nfs4Session; newClient: boolean }> {
    const old = this.lastSession;
    if (old === undefined) throw new NfsError('NFS4ERR_BADSESSION', 10052, 'no session to recover', 'CREATE_SESSION');
    this.dropSession();
    try {
      return { session: await this.newSession(old.exchangeId, old.clientId), newClient: false };
    } catch (error) {
      if (!(error instanceof NfsError) || error.code !== 'NFS4ERR_STALE_CLIENTID') throw error;
    }
    const exchangeId = await this.exchangeId();
    const session = await this.newSession(exchangeId);
    return { session, newClient: (exchangeId.flags & EXCHGID4_FLAG.CONFIRMED_R) === 0 };
  }

  private dropSession(): void {
    this.session = undefined;
    this.slotTable = undefined;
  }

  private async exchangeId(): Promise<ExchangeIdResult> {
    const exchanged = await this.compound([
      {
        op: 'EXCHANGE_ID',
        args: {
          verifier: this.verifier ?? randomBytes(8),
          ownerId: new TextEncoder().encode(this.ownerId),
          flags: EXCHGID4_FLAG.SUPP_MOVED_REFER | EXCHGID4_FLAG.SUPP_MOVED_MIGR,
          stateProtect: { how: 0 },
          implId: { domain: 'nfsprobe.invalid', name: 'nfsprobe', date: { seconds: 0n, nseconds: 0 } },
        },
      },
    ]);
    const result = resultOf(exchanged, 0, 'EXCHANGE_ID');
    // An unconfirmed record wants eir_sequenceid; a confirmed one continues from the last CREATE_SESSION we made.
    if ((result.flags & EXCHGID4_FLAG.CONFIRMED_R) === 0 || result.clientId !== this.sessionClientId) {
      this.createSequence = result.sequenceId;
    }
    return { ...result, serverOwner: { ...result.serverOwner, majorId: result.serverOwner.majorId.slice() } };
  }

  private async newSession(exchangeId: ExchangeIdResult, clientId = exchangeId.clientId): Promise<Nfs4Session> {
    const created = await this.compound([
      {
        op: 'CREATE_SESSION',
        args: {
          clientId,
          sequence: this.createSequence,
          flags: 0,
          foreChannel: { ...DEFAULT_CHANNEL, maxRequests: this.slotsWanted },
          backChannel: { ...DEFAULT_CHANNEL, maxRequestSize: 4096, maxResponseSize: 4096, maxResponseSizeCached: 0 },
          cbProgram: 0x40000000,
          secParms: [{ flavor: 0 }],
        },
      },
    ]);
    const createSession = resultOf(created, 0, 'CREATE_SESSION');
    this.createSequence = (this.createSequence + 1) >>> 0;
    this.sessionClientId = clientId;
    const slots = Math.max(1, Math.min(this.slotsWanted, createSession.foreChannel.maxRequests));
    this.session = {
      clientId,
      sessionId: createSession.sessionId.slice(),
      exchangeId: { ...exchangeId, serverScope: exchangeId.serverScope.slice() },
      createSession,
      slots,
    };
    this.slotTable = new SlotTable(slots);
    this.lastSession = this.session;
    return this.session;
  }

  /** DESTROY_SESSION and DESTROY_CLIENTID (RFC 8881 sections 18.37, 18.50); quiet if there is no session. */
  async destroySession(): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    this.dropSession();
    this.lastSession = undefined;
    // DESTROY_SESSION may be sent outside the session (as the only operation).
    checkCompound(await this.compound([{ op: 'DESTROY_SESSION', args: { sessionId: session.sessionId } }]));
    checkCompound(await this.compound([{ op: 'DESTROY_CLIENTID', args: { clientId: session.clientId } }]));
  }

  /**
   * PUTROOTFH, LOOKUP each component of `path`, GETFH, GETATTR `attrs`: the handle and attributes of a path in
   * the server's pseudo filesystem. Throws NfsError naming the operation that failed.
   */
  async lookupPath(
    path: string,
    attrs: readonly number[] = IDENTITY_ATTRS,
  ): Promise<{ handle: Uint8Array; attributes: Fattr4 }> {
    const b = this.build('lookup').putrootfh();
    for (const name of path.split('/').filter((c) => c !== '')) b.lookup(name);
    const at = b.length;
    const res = checkCompound(await b.getfh().getattr(attrs).send());
    return { handle: resultOf(res, at, 'GETFH').fh.slice(), attributes: resultOf(res, at + 1, 'GETATTR') };
  }

  /** lease_time (seconds) by GETATTR on `fh`, or on the root of the pseudo filesystem. */
  async leaseTime(fh?: Uint8Array): Promise<number> {
    const b = this.build('lease_time');
    if (fh === undefined) b.putrootfh();
    else b.putfh(fh);
    const res = checkCompound(await b.getattr([FATTR4.lease_time]).send());
    const value = resultOf(res, 1, 'GETATTR').values.leaseTime;
    if (value === undefined) throw new NfsError(BAD_REPLY, -1, 'no lease_time in the reply', 'COMPOUND[1] GETATTR');
    return value;
  }

  // ---- stateful operations (4.1 sessions; each throws NfsError with the failing operation's status name)

  /** The session's state owner for `name` (state owners carry the client ID). */
  private stateOwner(op: string, name: Uint8Array | string): StateOwner4 {
    const session = this.session;
    if (session === undefined) {
      throw new NfsError('NFS4ERR_OP_NOT_IN_SESSION', NFSSTAT4.NFS4ERR_OP_NOT_IN_SESSION, 'createSession() first', op);
    }
    return { clientId: session.clientId, owner: ownerBytes(name) };
  }

  /**
   * OPEN (RFC 8881 section 18.16) and GETFH: PUTFH `fh`, OPEN, GETFH. See OpenFileOptions for what `fh` and `name`
   * are with each claim. NFS4ERR_GRACE (a non-reclaim OPEN during grace), NFS4ERR_NO_GRACE and NFS4ERR_RECLAIM_BAD
   * (a refused reclaim) come as NfsError codes.
   */
  async openFile(fh: Uint8Array, name: string, options: OpenFileOptions = {}): Promise<OpenedFile> {
    const owner = this.stateOwner('OPEN', options.owner ?? this.openOwner);
    let claim: OpenClaim4;
    switch (options.claim ?? 'null') {
      case 'null':
        claim = { claim: OPEN_CLAIM_TYPE4.CLAIM_NULL, file: name };
        break;
      case 'fh':
        claim = { claim: OPEN_CLAIM_TYPE4.CLAIM_FH };
        break;
      case 'previous':
        claim = {
          claim: OPEN_CLAIM_TYPE4.CLAIM_PREVIOUS,
          delegateType: options.delegateType ?? OPEN_DELEGATION_TYPE4.OPEN_DELEGATE_NONE,
        };
        break;
      default:
        throw new RangeError(`unknown claim ${String(options.claim)}`);
    }
    const attrs = { attrmask: [], values: { mode: options.mode ?? 0o644 } };
    let how: Createhow4 | undefined;
    const create = options.create === true ? 'unchecked' : options.create;
    if (create === 'unchecked') how = { mode: CREATEMODE4.UNCHECKED4, attrs };
    else if (create === 'guarded') how = { mode: CREATEMODE4.GUARDED4, attrs };
    else if (create === 'exclusive')
      how = { mode: CREATEMODE4.EXCLUSIVE4_1, verifier: options.verifier ?? randomBytes(8), attrs };
    const args: OpenArgs = {
      seqid: 0,
      shareAccess: options.access ?? OPEN4_SHARE_ACCESS.BOTH,
      shareDeny: options.deny ?? OPEN4_SHARE_DENY.NONE,
      owner,
      openhow: how === undefined ? { opentype: OPENTYPE4.OPEN4_NOCREATE } : { opentype: OPENTYPE4.OPEN4_CREATE, how },
      claim,
    };
    const res = checkCompound(await this.build('open').putfh(fh).open(args).getfh().send());
    const result = resultOf(res, 1, 'OPEN');
    return { fh: resultOf(res, 2, 'GETFH').fh.slice(), stateid: copyStateid(result.stateid), result };
  }

  /** WRITE (RFC 8881 section 18.32); `stable` is a STABLE_HOW4 value (default FILE_SYNC4). */
  async write(
    fh: Uint8Array,
    stateid: Stateid4,
    offset: Nfs4Size,
    data: Uint8Array,
    stable: number = STABLE_HOW4.FILE_SYNC4,
  ): Promise<WriteResult> {
    const res = checkCompound(await this.build('write').putfh(fh).write(stateid, offset, data, stable).send());
    const result = resultOf(res, 1, 'WRITE');
    return { ...result, verifier: result.verifier.slice() };
  }

  /** COMMIT (RFC 8881 section 18.3) of `count` bytes from `offset` (0, 0: the whole file); returns the verifier. */
  async commit(fh: Uint8Array, offset: Nfs4Size = 0n, count = 0): Promise<Uint8Array> {
    const res = checkCompound(await this.build('commit').putfh(fh).commit(offset, count).send());
    return resultOf(res, 1, 'COMMIT').verifier.slice();
  }

  /** READ (RFC 8881 section 18.22); `data` aliases the reply buffer. */
  async read(fh: Uint8Array, stateid: Stateid4, offset: Nfs4Size, count: number): Promise<ReadResult> {
    const res = checkCompound(await this.build('read').putfh(fh).read(stateid, offset, count).send());
    return resultOf(res, 1, 'READ');
  }

  /** CLOSE (RFC 8881 section 18.2); returns the (now invalid) open stateid the server sent back. */
  async close(fh: Uint8Array, stateid: Stateid4): Promise<Stateid4> {
    const res = checkCompound(await this.build('close').putfh(fh).close(stateid).send());
    return copyStateid(resultOf(res, 1, 'CLOSE').openStateid);
  }

  /**
   * LOCK (RFC 8881 section 18.10): with `openStateid` (and optionally `owner`) for an owner's first lock, or with
   * `lockStateid` for later ones. Returns the lock stateid. A conflict throws NfsError NFS4ERR_DENIED whose `result`
   * is the Lock4Denied (holder and range); NFS4ERR_GRACE, NFS4ERR_NO_GRACE, NFS4ERR_RECLAIM_BAD likewise as codes.
   */
  async lock(fh: Uint8Array, options: LockOptions): Promise<Stateid4> {
    const base = {
      locktype: options.type ?? NFS_LOCK_TYPE4.WRITE_LT,
      reclaim: options.reclaim ?? false,
      offset: size64(options.offset ?? 0n, 'offset'),
      length: size64(options.length ?? NFS4_LENGTH_TO_EOF, 'length'),
    };
    let args: LockArgs;
    if (options.lockStateid !== undefined) {
      args = { ...base, locker: { newLockOwner: false, lockStateid: options.lockStateid, lockSeqid: 0 } };
    } else if (options.openStateid !== undefined) {
      const lockOwner = this.stateOwner('LOCK', options.owner ?? this.lockOwner);
      args = {
        ...base,
        locker: { newLockOwner: true, openSeqid: 0, openStateid: options.openStateid, lockSeqid: 0, lockOwner },
      };
    } else throw new RangeError('lock needs openStateid (a new lock owner) or lockStateid');
    const res = checkCompound(await this.build('lock').putfh(fh).lock(args).send());
    return copyStateid(resultOf(res, 1, 'LOCK').lockStateid);
  }

  /** LOCKT (RFC 8881 section 18.11): undefined when `owner` could take the lock, else the conflicting lock. */
  async lockt(
    fh: Uint8Array,
    range: LockRange & { owner?: Uint8Array | string } = {},
  ): Promise<Lock4Denied | undefined> {
    const args: LocktArgs = {
      locktype: range.type ?? NFS_LOCK_TYPE4.WRITE_LT,
      offset: size64(range.offset ?? 0n, 'offset'),
      length: size64(range.length ?? NFS4_LENGTH_TO_EOF, 'length'),
      owner: this.stateOwner('LOCKT', range.owner ?? this.lockOwner),
    };
    const res = await this.build('lockt').putfh(fh).lockt(args).send();
    const entry = res.results[1];
    if (entry?.op === 'LOCKT' && entry.status === NFSSTAT4.NFS4ERR_DENIED && entry.denied !== undefined) {
      return entry.denied;
    }
    checkCompound(res);
    resultOf(res, 1, 'LOCKT');
    return undefined;
  }

  /** LOCKU (RFC 8881 section 18.12); returns the updated lock stateid. */
  async locku(fh: Uint8Array, lockStateid: Stateid4, range: LockRange = {}): Promise<Stateid4> {
    const args: LockuArgs = {
      locktype: range.type ?? NFS_LOCK_TYPE4.WRITE_LT,
      seqid: 0,
      lockStateid,
      offset: size64(range.offset ?? 0n, 'offset'),
      length: size64(range.length ?? NFS4_LENGTH_TO_EOF, 'length'),
    };
    const res = checkCompound(await this.build('locku').putfh(fh).locku(args).send());
    return copyStateid(resultOf(res, 1, 'LOCKU').lockStateid);
  }

  /** REMOVE (RFC 8881 section 18.25) of `name` in directory `dirFh`. */
  async remove(dirFh: Uint8Array, name: string): Promise<ChangeInfo4> {
    const res = checkCompound(await this.build('remove').putfh(dirFh).remove(name).send());
    return resultOf(res, 1, 'REMOVE').cinfo;
  }

  /** RECLAIM_COMPLETE (RFC 8881 section 18.51): the end of this client's reclaims (after a restart, or at start). */
  async reclaimComplete(oneFs = false): Promise<void> {
    checkCompound(await this.build('reclaim_complete').reclaimComplete(oneFs).send());
  }

  /** FREE_STATEID (RFC 8881 section 18.38). */
  async freeStateid(stateid: Stateid4): Promise<void> {
    checkCompound(await this.build('free_stateid').freeStateid(stateid).send());
  }

  /** TEST_STATEID (RFC 8881 section 18.48): one nfsstat4 per stateid (NFS4_OK: still valid). */
  async testStateid(stateids: readonly Stateid4[]): Promise<number[]> {
    const res = checkCompound(await this.build('test_stateid').testStateid(stateids).send());
    return resultOf(res, 0, 'TEST_STATEID').statusCodes;
  }
}

/** Collects operations for one COMPOUND. */
export class Nfs4CompoundBuilder {
  private readonly client: Nfs4Client;
  private readonly tag: string;
  readonly ops: Nfs4Op[] = [];

  constructor(client: Nfs4Client, tag: string) {
    this.client = client;
    this.tag = tag;
  }

  get length(): number {
    return this.ops.length;
  }

  add(op: Nfs4Op): this {
    this.ops.push(op);
    return this;
  }
  putrootfh(): this {
    return this.add({ op: 'PUTROOTFH' });
  }
  putpubfh(): this {
    return this.add({ op: 'PUTPUBFH' });
  }
  putfh(fh: Uint8Array): this {
    return this.add({ op: 'PUTFH', args: { fh } });
  }
  lookup(name: string): this {
    return this.add({ op: 'LOOKUP', args: { name } });
  }
  lookupp(): this {
    return this.add({ op: 'LOOKUPP' });
  }
  getfh(): this {
    return this.add({ op: 'GETFH' });
  }
  getattr(attrs: readonly number[]): this {
    return this.add({ op: 'GETATTR', args: { attrs: [...attrs] } });
  }
  access(access: number): this {
    return this.add({ op: 'ACCESS', args: { access } });
  }
  readdir(args: Partial<ReaddirArgs> & { attrs: number[] }): this {
    return this.add({
      op: 'READDIR',
      args: {
        cookie: args.cookie ?? 0n,
        cookieverf: args.cookieverf ?? new Uint8Array(8),
        dircount: args.dircount ?? 8192,
        maxcount: args.maxcount ?? 65536,
        attrs: args.attrs,
      },
    });
  }
  secinfo(name: string): this {
    return this.add({ op: 'SECINFO', args: { name } });
  }
  savefh(): this {
    return this.add({ op: 'SAVEFH' });
  }
  restorefh(): this {
    return this.add({ op: 'RESTOREFH' });
  }
  /** OPEN with full arguments (Nfs4Client.openFile builds them for the common cases). */
  open(args: OpenArgs): this {
    return this.add({ op: 'OPEN', args });
  }
  /** OPEN_CONFIRM (NFSv4.0 only; RFC 7530 section 16.18). */
  openConfirm(openStateid: Stateid4, seqid: number): this {
    return this.add({ op: 'OPEN_CONFIRM', args: { openStateid, seqid } });
  }
  openDowngrade(openStateid: Stateid4, shareAccess: number, shareDeny: number, seqid = 0): this {
    return this.add({ op: 'OPEN_DOWNGRADE', args: { openStateid, seqid, shareAccess, shareDeny } });
  }
  /** CLOSE; `seqid` matters only on 4.0. */
  close(openStateid: Stateid4, seqid = 0): this {
    return this.add({ op: 'CLOSE', args: { seqid, openStateid } });
  }
  read(stateid: Stateid4, offset: Nfs4Size, count: number): this {
    return this.add({ op: 'READ', args: { stateid, offset: size64(offset, 'offset'), count } });
  }
  write(stateid: Stateid4, offset: Nfs4Size, data: Uint8Array, stable: number = STABLE_HOW4.FILE_SYNC4): this {
    return this.add({ op: 'WRITE', args: { stateid, offset: size64(offset, 'offset'), stable, data } });
  }
  commit(offset: Nfs4Size = 0n, count = 0): this {
    return this.add({ op: 'COMMIT', args: { offset: size64(offset, 'offset'), count } });
  }
  lock(args: LockArgs): this {
    return this.add({ op: 'LOCK', args });
  }
  lockt(args: LocktArgs): this {
    return this.add({ op: 'LOCKT', args });
  }
  locku(args: LockuArgs): this {
    return this.add({ op: 'LOCKU', args });
  }
  remove(name: string): this {
    return this.add({ op: 'REMOVE', args: { target: name } });
  }
  reclaimComplete(oneFs = false): this {
    return this.add({ op: 'RECLAIM_COMPLETE', args: { oneFs } });
  }
  freeStateid(stateid: Stateid4): this {
    return this.add({ op: 'FREE_STATEID', args: { stateid } });
  }
  testStateid(stateids: readonly Stateid4[]): this {
    return this.add({ op: 'TEST_STATEID', args: { stateids: [...stateids] } });
  }
  destroySession(sessionId: Uint8Array): this {
    return this.add({ op: 'DESTROY_SESSION', args: { sessionId } });
  }
  destroyClientid(clientId: bigint): this {
    return this.add({ op: 'DESTROY_CLIENTID', args: { clientId } });
  }

  /** Send; per-operation statuses are in the result (nothing thrown for a failed operation). */
  send(): Promise<Compound4Res> {
    return this.client.compound(this.ops, this.tag);
  }

  /** Send and throw NfsError for the first failed operation. */
  async sendOk(): Promise<Nfs4OpResult[]> {
    return checkCompound(await this.send()).results;
  }
}
