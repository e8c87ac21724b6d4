// NSM protocol, program 100024 version 1 (Open Group XNFS 3W ch. 11; nfs-utils support/nsm/sm_inter.x), and the
// statd -> lockd reboot callback (NLM program 100021 version 3 procedure 16 `status`, nfs-utils sm_inter.x / Linux lockd).

import {
  enumeration,
  fixedOpaque,
  int,
  nameTable,
  string,
  struct,
  type XdrType,
  type XdrValue,
  xdrVoid,
} from '../xdr/index.js';

export const NSM_PROGRAM = 100024;
export const NSM_VERSION = 1;

/** NLM program and the `status` callback statd sends to lockd (SM_MON's my_id names it). */
export const NLM_PROGRAM = 100021;
export const NLM_VERSION = 3;
export const NLMPROC_NSM_NOTIFY = 16;

/** Longest mon_name / my_name, in bytes (sm_inter.x). */
export const SM_MAXSTRLEN = 1024;
/** Size of the opaque `priv` cookie handed back to the monitoring program. */
export const SM_PRIV_SIZE = 16;

export const SM_NULL = 0;
export const SM_STAT = 1;
export const SM_MON = 2;
export const SM_UNMON = 3;
export const SM_UNMON_ALL = 4;
export const SM_SIMU_CRASH = 5;
export const SM_NOTIFY = 6;

export const NSM_PROCEDURES = { SM_NULL, SM_STAT, SM_MON, SM_UNMON, SM_UNMON_ALL, SM_SIMU_CRASH, SM_NOTIFY } as const;
/** Procedure number -> RFC name (`SM_NOTIFY`), for printing. */
export const nsmProcedureName = nameTable(NSM_PROCEDURES);

// ---- types (sm_inter.x), field names in camelCase

const smString = string(SM_MAXSTRLEN);

/** `struct sm_name { string mon_name<SM_MAXSTRLEN>; }` — argument of SM_STAT. */
export const smName = struct('sm_name', [['monName', smString]]);
export type SmName = XdrValue<typeof smName>;

/** `struct my_id` — who to call back (program, version, procedure on host my_name) when mon_name reboots. */
export const myId = struct('my_id', [
  ['myName', smString],
  ['myProg', int],
  ['myVers', int],
  ['myProc', int],
]);
export type MyId = XdrValue<typeof myId>;

/** `struct mon_id { string mon_name; my_id my_id; }` — argument of SM_UNMON. */
export const monId = struct('mon_id', [
  ['monName', smString],
  ['myId', myId],
]);
export type MonId = XdrValue<typeof monId>;

/** `struct mon { mon_id mon_id; opaque priv[16]; }` — argument of SM_MON. Decoded priv aliases the input. */
export const mon = struct('mon', [
  ['monId', monId],
  ['priv', fixedOpaque(SM_PRIV_SIZE)],
]);
export type Mon = XdrValue<typeof mon>;

/** `struct stat_chge { string mon_name; int state; }` — argument of SM_NOTIFY. */
export const statChge = struct('stat_chge', [
  ['monName', smString],
  ['state', int],
]);
export type StatChge = XdrValue<typeof statChge>;

/** `struct sm_stat { int state; }` — result of SM_UNMON and SM_UNMON_ALL. */
export const smStat = struct('sm_stat', [['state', int]]);
export type SmStat = XdrValue<typeof smStat>;

/** `enum res { stat_succ = 0, stat_fail = 1 }`. */
export const res = enumeration('res', { stat_succ: 0, stat_fail: 1 });
export const STAT_SUCC = 0;
export const STAT_FAIL = 1;

/** `struct sm_stat_res { res res_stat; int state; }` — result of SM_STAT and SM_MON. */
export const smStatRes = struct('sm_stat_res', [
  ['resStat', res],
  ['state', int],
]);
export type SmStatRes = XdrValue<typeof smStatRes>;

/**
 * `struct status { string mon_name; int state; opaque priv[16]; }` — arguments of the callback statd makes to the
 * monitoring program (NLM 100021 v3 proc 16 on Linux) when a monitored host reports a new state.
 */
export const nlmStatus = struct('status', [
  ['monName', smString],
  ['state', int],
  ['priv', fixedOpaque(SM_PRIV_SIZE)],
]);
export type NlmStatus = XdrValue<typeof nlmStatus>;

// ---- procedures: argument and result codecs by procedure number

export interface NsmProcedure<A, R> {
  readonly number: number;
  readonly name: string;
  readonly args: XdrType<A>;
  readonly result: XdrType<R>;
}

function procedure<A, R>(number: number, name: string, args: XdrType<A>, result: XdrType<R>): NsmProcedure<A, R> {
  return { number, name, args, result };
}

export const procedures = {
  [SM_NULL]: procedure(SM_NULL, 'SM_NULL', xdrVoid, xdrVoid),
  [SM_STAT]: procedure(SM_STAT, 'SM_STAT', smName, smStatRes),
  [SM_MON]: procedure(SM_MON, 'SM_MON', mon, smStatRes),
  [SM_UNMON]: procedure(SM_UNMON, 'SM_UNMON', monId, smStat),
  [SM_UNMON_ALL]: procedure(SM_UNMON_ALL, 'SM_UNMON_ALL', myId, smStat),
  [SM_SIMU_CRASH]: procedure(SM_SIMU_CRASH, 'SM_SIMU_CRASH', xdrVoid, xdrVoid),
  [SM_NOTIFY]: procedure(SM_NOTIFY, 'SM_NOTIFY', statChge, xdrVoid),
} as const;
