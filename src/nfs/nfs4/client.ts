// RFC 7530 section 15.2 (COMPOUND) and RFC 8881 sections 2.10 and 18.35-18.46 (sessions) — an NFSv4.0/4.1 client:
// a COMPOUND builder, per-operation results, and the EXCHANGE_ID + CREATE_SESSION + SEQUENCE path for 4.1.
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
} from './compound.js';
import { EXCHGID4_FLAG, NFS_V4, NFS4_PROGRAM, NFSPROC4_COMPOUND, NFSPROC4_NULL, nfsstat4Name } from './constants.js';

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
  readonly exchangeId: ExchangeIdResult;
  readonly createSession: CreateSessionResult;
}

/** The result of the operation named `K` at `index`, or an NfsError if it is missing or failed. */
export function resultOf<K extends Nfs4OpName>(res: Compound4Res, index: number, op: K): Nfs4OpResults[K] {
  const entry = res.results[index];
  if (entry === undefined || entry.op !== op) {
    throw new NfsError(BAD_REPLY, -1, `no ${op} result at position ${index}`, `COMPOUND[${index}] ${op}`);
  }
  if (entry.status !== 0) {
    throw new NfsError(nfsstat4Name(entry.status), entry.status, 'the operation failed', `COMPOUND[${index}] ${op}`);
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
  );
}

export class Nfs4Client {
  readonly minorVersion: 0 | 1;
  private readonly caller: RpcCaller;
  private readonly options: RpcCallOptions;
  private session: Nfs4Session | undefined;
  private sequenceId = 0;

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

  /**
   * Send one COMPOUND. With a 4.1 session, SEQUENCE is prepended (slot 0) and its result removed from the
   * returned list. Per-operation statuses are in `results`; nothing is thrown for a failed operation.
   */
  async compound(ops: readonly Nfs4Op[], tag = ''): Promise<Compound4Res> {
    const session = this.session;
    const all: Nfs4Op[] = [];
    if (session !== undefined) {
      this.sequenceId = (this.sequenceId + 1) >>> 0;
      all.push({
        op: 'SEQUENCE',
        args: {
          sessionId: session.sessionId,
          sequenceId: this.sequenceId,
          slotId: 0,
          highestSlotId: 0,
          cacheThis: false,
        },
      });
    }
    all.push(...ops);
    const reply = await this.caller.call(
      NFS4_PROGRAM,
      NFS_V4,
      NFSPROC4_COMPOUND,
      (w) => COMPOUND4args.encode(w, { tag, minorVersion: this.minorVersion, ops: all }),
      this.options,
    );
    let res: Compound4Res;
    try {
      res = COMPOUND4res.decode(new XdrReader(reply.body));
    } catch (error) {
      if (error instanceof XdrError) throw new NfsError(BAD_REPLY, -1, error.message, 'COMPOUND');
      throw error;
    }
    if (session === undefined) return res;
    const [sequence, ...rest] = res.results;
    if (sequence === undefined || sequence.op !== 'SEQUENCE') {
      throw new NfsError(BAD_REPLY, -1, 'the reply does not start with SEQUENCE', 'COMPOUND');
    }
    if (sequence.status !== 0) {
      throw new NfsError(nfsstat4Name(sequence.status), sequence.status, 'SEQUENCE failed', 'COMPOUND[0] SEQUENCE');
    }
    return { status: res.status, tag: res.tag, results: rest };
  }

  /** Start a COMPOUND: `client.build().putrootfh().lookup('export').getfh().send()`. */
  build(tag = ''): Nfs4CompoundBuilder {
    return new Nfs4CompoundBuilder(this, tag);
  }

  /**
   * NFSv4.1: EXCHANGE_ID then CREATE_SESSION (RFC 8881 section 18.35-18.36). Later compounds carry SEQUENCE.
   * `ownerId` defaults to a random name per client object, so each call makes a fresh client record.
   */
  async createSession(ownerId = `nfsprobe/${hostname()}/${randomBytes(6).toString('hex')}`): Promise<Nfs4Session> {
    if (this.minorVersion !== 1)
      throw new NfsError('NFS4ERR_MINOR_VERS_MISMATCH', 10021, 'sessions need 4.1', 'CREATE_SESSION');
    const exchanged = await this.compound([
      {
        op: 'EXCHANGE_ID',
        args: {
          verifier: randomBytes(8),
          ownerId: new TextEncoder().encode(ownerId),
          flags: EXCHGID4_FLAG.SUPP_MOVED_REFER | EXCHGID4_FLAG.SUPP_MOVED_MIGR,
          stateProtect: { how: 0 },
          implId: { domain: 'nfsprobe.invalid', name: 'nfsprobe', date: { seconds: 0n, nseconds: 0 } },
        },
      },
    ]);
    const exchangeId = resultOf(exchanged, 0, 'EXCHANGE_ID');
    const created = await this.compound([
      {
        op: 'CREATE_SESSION',
        args: {
          clientId: exchangeId.clientId,
          sequence: exchangeId.sequenceId,
          flags: 0,
          foreChannel: DEFAULT_CHANNEL,
          backChannel: { ...DEFAULT_CHANNEL, maxRequestSize: 4096, maxResponseSize: 4096, maxResponseSizeCached: 0 },
          cbProgram: 0x40000000,
          secParms: [{ flavor: 0 }],
        },
      },
    ]);
    const createSession = resultOf(created, 0, 'CREATE_SESSION');
    this.session = {
      clientId: exchangeId.clientId,
      sessionId: createSession.sessionId.slice(),
      exchangeId,
      createSession,
    };
    this.sequenceId = 0;
    return this.session;
  }

  /** DESTROY_SESSION and DESTROY_CLIENTID (RFC 8881 sections 18.37, 18.50); quiet if there is no session. */
  async destroySession(): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    this.session = undefined;
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

  /** Send; per-operation statuses are in the result (nothing thrown for a failed operation). */
  send(): Promise<Compound4Res> {
    return this.client.compound(this.ops, this.tag);
  }

  /** Send and throw NfsError for the first failed operation. */
  async sendOk(): Promise<Nfs4OpResult[]> {
    return checkCompound(await this.send()).results;
  }
}
