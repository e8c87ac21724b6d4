// NLM, program 100021 versions 1, 3 and 4 (Open Group XNFS "Protocols for Interworking" ch. 10-14; RFC 1813 appendix
// II for version 4: 64-bit offsets and lengths, nlm4_stats). Versions 1 and 3 share types; 3 adds SHARE..FREE_ALL.

import {
  bool,
  enumeration,
  int,
  nameTable,
  opaque,
  string,
  struct,
  type UnionValue,
  uhyper,
  uint,
  union,
  type XdrType,
  type XdrValue,
  xdrVoid,
} from '../xdr/index.js';

export const NLM_PROGRAM = 100021;
export const NLM_VERSION_1 = 1;
export const NLM_VERSION_3 = 3;
export const NLM_VERSION_4 = 4;
export type NlmVersion = 1 | 3 | 4;

/** Longest caller_name (XNFS: LM_MAXSTRLEN), in bytes. */
export const LM_MAXSTRLEN = 1024;
/** Longest name in nlm_notify (XNFS: MAXNAMELEN = LM_MAXSTRLEN + 1). */
export const LM_MAXNAMELEN = LM_MAXSTRLEN + 1;
/** Longest netobj (cookie, fh, oh), in bytes (XNFS: MAXNETOBJ_SZ). */
export const MAXNETOBJ_SZ = 1024;

// ---- procedures (the same numbers in every version; 20..23 from version 3 on)

export const NLMPROC_NULL = 0;
export const NLMPROC_TEST = 1;
export const NLMPROC_LOCK = 2;
export const NLMPROC_CANCEL = 3;
export const NLMPROC_UNLOCK = 4;
export const NLMPROC_GRANTED = 5;
export const NLMPROC_TEST_MSG = 6;
export const NLMPROC_LOCK_MSG = 7;
export const NLMPROC_CANCEL_MSG = 8;
export const NLMPROC_UNLOCK_MSG = 9;
export const NLMPROC_GRANTED_MSG = 10;
export const NLMPROC_TEST_RES = 11;
export const NLMPROC_LOCK_RES = 12;
export const NLMPROC_CANCEL_RES = 13;
export const NLMPROC_UNLOCK_RES = 14;
export const NLMPROC_GRANTED_RES = 15;
export const NLMPROC_SHARE = 20;
export const NLMPROC_UNSHARE = 21;
export const NLMPROC_NM_LOCK = 22;
export const NLMPROC_FREE_ALL = 23;

export const NLM_PROCEDURES = {
  NLMPROC_NULL,
  NLMPROC_TEST,
  NLMPROC_LOCK,
  NLMPROC_CANCEL,
  NLMPROC_UNLOCK,
  NLMPROC_GRANTED,
  NLMPROC_TEST_MSG,
  NLMPROC_LOCK_MSG,
  NLMPROC_CANCEL_MSG,
  NLMPROC_UNLOCK_MSG,
  NLMPROC_GRANTED_MSG,
  NLMPROC_TEST_RES,
  NLMPROC_LOCK_RES,
  NLMPROC_CANCEL_RES,
  NLMPROC_UNLOCK_RES,
  NLMPROC_GRANTED_RES,
  NLMPROC_SHARE,
  NLMPROC_UNSHARE,
  NLMPROC_NM_LOCK,
  NLMPROC_FREE_ALL,
} as const;
/** Procedure number -> name (`NLMPROC_LOCK`), for printing. */
export const nlmProcedureName = nameTable(NLM_PROCEDURES);

// ---- status

/**
 * `enum nlm4_stats` (RFC 1813 spells them NLM4_GRANTED..., XNFS LCK_GRANTED...; the values are the same). Versions 1
 * and 3 (`nlm_stats`) stop at LCK_DENIED_GRACE_PERIOD; Linux and ganesha also send LCK_DEADLCK there.
 */
export const NLM4_STATS = {
  LCK_GRANTED: 0,
  LCK_DENIED: 1,
  LCK_DENIED_NOLOCKS: 2,
  LCK_BLOCKED: 3,
  LCK_DENIED_GRACE_PERIOD: 4,
  LCK_DEADLCK: 5,
  LCK_ROFS: 6,
  LCK_STALE_FH: 7,
  LCK_FBIG: 8,
  LCK_FAILED: 9,
} as const;
export type Nlm4StatName = keyof typeof NLM4_STATS;
export const {
  LCK_GRANTED,
  LCK_DENIED,
  LCK_DENIED_NOLOCKS,
  LCK_BLOCKED,
  LCK_DENIED_GRACE_PERIOD,
  LCK_DEADLCK,
  LCK_ROFS,
  LCK_STALE_FH,
  LCK_FBIG,
  LCK_FAILED,
} = NLM4_STATS;

export const nlm4Stats = enumeration('nlm4_stats', NLM4_STATS);
export const nlmStats = enumeration('nlm_stats', {
  LCK_GRANTED,
  LCK_DENIED,
  LCK_DENIED_NOLOCKS,
  LCK_BLOCKED,
  LCK_DENIED_GRACE_PERIOD,
  LCK_DEADLCK,
});

/** Status value -> name (`LCK_DENIED`), undefined for an undeclared value. */
export function nlmStatName(value: number): Nlm4StatName | undefined {
  return nlm4Stats.nameOf(value) as Nlm4StatName | undefined;
}

/** Status name -> value; accepts the RFC 1813 spelling (`NLM4_DENIED`) too. */
export function nlmStatValue(name: string): number | undefined {
  const key = name.startsWith('NLM4_') ? `LCK_${name.slice(5)}` : name;
  return Object.hasOwn(NLM4_STATS, key) ? NLM4_STATS[key as Nlm4StatName] : undefined;
}

/** `enum fsh_mode` (SHARE deny mode). */
export const FSH_MODE = { fsm_DN: 0, fsm_DR: 1, fsm_DW: 2, fsm_DRW: 3 } as const;
/** `enum fsh_access` (SHARE access mode). */
export const FSH_ACCESS = { fsa_NONE: 0, fsa_R: 1, fsa_W: 2, fsa_RW: 3 } as const;
export const fshMode = enumeration('fsh_mode', FSH_MODE);
export const fshAccess = enumeration('fsh_access', FSH_ACCESS);

// ---- shared building blocks

/** `opaque netobj<MAXNETOBJ_SZ>`: cookies, file handles, owner handles. Decoded bytes alias the input. */
export const netobj = opaque(MAXNETOBJ_SZ);
const callerName = string(LM_MAXSTRLEN);

/** The codecs of one protocol generation: version 4 (uint64 ranges, nlm4_stats) or versions 1 and 3. */
function generation<R>(prefix: 'nlm4' | 'nlm', range: XdrType<R>, stats: XdrType<number>) {
  const holder = struct(`${prefix}_holder`, [
    ['exclusive', bool],
    ['svid', int],
    ['oh', netobj],
    ['offset', range],
    ['length', range],
  ]);
  const lock = struct(`${prefix}_lock`, [
    ['callerName', callerName],
    ['fh', netobj],
    ['oh', netobj],
    ['svid', int],
    ['offset', range],
    ['length', range],
  ]);
  const share = struct(`${prefix}_share`, [
    ['callerName', callerName],
    ['fh', netobj],
    ['oh', netobj],
    ['mode', fshMode],
    ['access', fshAccess],
  ]);
  const testrply = union(`${prefix}_testrply`, stats, { [LCK_DENIED]: holder }, xdrVoid);
  return {
    holder,
    lock,
    share,
    testrply,
    testargs: struct(`${prefix}_testargs`, [
      ['cookie', netobj],
      ['exclusive', bool],
      ['alock', lock],
    ]),
    lockargs: struct(`${prefix}_lockargs`, [
      ['cookie', netobj],
      ['block', bool],
      ['exclusive', bool],
      ['alock', lock],
      ['reclaim', bool],
      ['state', int],
    ]),
    cancargs: struct(`${prefix}_cancargs`, [
      ['cookie', netobj],
      ['block', bool],
      ['exclusive', bool],
      ['alock', lock],
    ]),
    unlockargs: struct(`${prefix}_unlockargs`, [
      ['cookie', netobj],
      ['alock', lock],
    ]),
    shareargs: struct(`${prefix}_shareargs`, [
      ['cookie', netobj],
      ['share', share],
      ['reclaim', bool],
    ]),
    res: struct(`${prefix}_res`, [
      ['cookie', netobj],
      ['stat', stats],
    ]),
    testres: struct(`${prefix}_testres`, [
      ['cookie', netobj],
      ['testStat', testrply],
    ]),
    shareres: struct(`${prefix}_shareres`, [
      ['cookie', netobj],
      ['stat', stats],
      ['sequence', int],
    ]),
    notify: struct(`${prefix}_notify`, [
      ['name', string(LM_MAXNAMELEN)],
      ['state', int],
    ]),
  };
}

/** Version 4 (NFSv3's lock manager): `uint64` offset and length, decoded as bigint. */
export const nlm4 = generation('nlm4', uhyper, nlm4Stats);
/** Versions 1 and 3: `unsigned int` offset and length. */
export const nlm = generation('nlm', uint, nlmStats);

export type Nlm4Holder = XdrValue<typeof nlm4.holder>;
export type Nlm4Lock = XdrValue<typeof nlm4.lock>;
export type Nlm4Share = XdrValue<typeof nlm4.share>;
export type Nlm4TestArgs = XdrValue<typeof nlm4.testargs>;
export type Nlm4LockArgs = XdrValue<typeof nlm4.lockargs>;
export type Nlm4CancArgs = XdrValue<typeof nlm4.cancargs>;
export type Nlm4UnlockArgs = XdrValue<typeof nlm4.unlockargs>;
export type Nlm4ShareArgs = XdrValue<typeof nlm4.shareargs>;
export type Nlm4Res = XdrValue<typeof nlm4.res>;
export type Nlm4TestRes = XdrValue<typeof nlm4.testres>;
export type Nlm4TestRply = UnionValue<{ [LCK_DENIED]: typeof nlm4.holder }, typeof xdrVoid>;
export type Nlm4ShareRes = XdrValue<typeof nlm4.shareres>;
export type Nlm4Notify = XdrValue<typeof nlm4.notify>;
export type NlmHolder = XdrValue<typeof nlm.holder>;
export type NlmLock = XdrValue<typeof nlm.lock>;

// ---- procedure tables: argument and result codecs by number

export interface NlmProcedure<A, R> {
  readonly number: number;
  readonly name: string;
  readonly args: XdrType<A>;
  readonly result: XdrType<R>;
}

function procedure<A, R>(number: number, args: XdrType<A>, result: XdrType<R>): NlmProcedure<A, R> {
  return { number, name: nlmProcedureName(number)!, args, result };
}

function procedureTable<R>(g: ReturnType<typeof generation<R>>) {
  return {
    [NLMPROC_NULL]: procedure(NLMPROC_NULL, xdrVoid, xdrVoid),
    [NLMPROC_TEST]: procedure(NLMPROC_TEST, g.testargs, g.testres),
    [NLMPROC_LOCK]: procedure(NLMPROC_LOCK, g.lockargs, g.res),
    [NLMPROC_CANCEL]: procedure(NLMPROC_CANCEL, g.cancargs, g.res),
    [NLMPROC_UNLOCK]: procedure(NLMPROC_UNLOCK, g.unlockargs, g.res),
    [NLMPROC_GRANTED]: procedure(NLMPROC_GRANTED, g.testargs, g.res),
    // The _MSG calls carry the same arguments and expect no reply body: the answer comes back as a _RES call.
    [NLMPROC_TEST_MSG]: procedure(NLMPROC_TEST_MSG, g.testargs, xdrVoid),
    [NLMPROC_LOCK_MSG]: procedure(NLMPROC_LOCK_MSG, g.lockargs, xdrVoid),
    [NLMPROC_CANCEL_MSG]: procedure(NLMPROC_CANCEL_MSG, g.cancargs, xdrVoid),
    [NLMPROC_UNLOCK_MSG]: procedure(NLMPROC_UNLOCK_MSG, g.unlockargs, xdrVoid),
    [NLMPROC_GRANTED_MSG]: procedure(NLMPROC_GRANTED_MSG, g.testargs, xdrVoid),
    [NLMPROC_TEST_RES]: procedure(NLMPROC_TEST_RES, g.testres, xdrVoid),
    [NLMPROC_LOCK_RES]: procedure(NLMPROC_LOCK_RES, g.res, xdrVoid),
    [NLMPROC_CANCEL_RES]: procedure(NLMPROC_CANCEL_RES, g.res, xdrVoid),
    [NLMPROC_UNLOCK_RES]: procedure(NLMPROC_UNLOCK_RES, g.res, xdrVoid),
    [NLMPROC_GRANTED_RES]: procedure(NLMPROC_GRANTED_RES, g.res, xdrVoid),
    [NLMPROC_SHARE]: procedure(NLMPROC_SHARE, g.shareargs, g.shareres),
    [NLMPROC_UNSHARE]: procedure(NLMPROC_UNSHARE, g.shareargs, g.shareres),
    [NLMPROC_NM_LOCK]: procedure(NLMPROC_NM_LOCK, g.lockargs, g.res),
    [NLMPROC_FREE_ALL]: procedure(NLMPROC_FREE_ALL, g.notify, xdrVoid),
  } as const;
}

/** Version 4 procedures. */
export const nlm4Procedures = procedureTable(nlm4);
/** Version 3 procedures (version 1 has 0..15 only: see `nlmProcedureFor`). */
export const nlmProcedures = procedureTable(nlm);

/** The codecs of procedure `number` in `version`, or undefined when that version has no such procedure. */
export function nlmProcedureFor(version: NlmVersion, number: number): NlmProcedure<unknown, unknown> | undefined {
  if (version === 1 && number > NLMPROC_GRANTED_RES) return undefined;
  const table = (version === 4 ? nlm4Procedures : nlmProcedures) as Record<number, NlmProcedure<unknown, unknown>>;
  return table[number];
}

/** A 64-bit offset or length for version 4, given as bigint or safe integer (checked by the codec on encode). */
export type Range64 = bigint | number;
/** "To the end of the file": NLM4 length 0. */
export const NLM4_LENGTH_TO_EOF = 0n;
