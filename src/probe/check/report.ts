// The shape of `nfsprobe check` results (../shared/CLI.md `check --json`) and what a peer's report must carry.

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export const CHECK_IDS = [
  'exports.syntax',
  'exports.fsid',
  'exports.fsid-unique',
  'exports.sync',
  'exports.shared',
  'statd.shared-dir',
  'statd.name',
  'rpc-pipefs.local',
  'nfsd.v4-recovery',
  'nfsd.grace-lease',
  'boot.services',
  'ganesha.export-id',
  'ganesha.fsid',
  'ganesha.recovery',
  'ganesha.grace-lease',
  'ganesha.scope',
  'ganesha.nlm',
  'peer.exports',
  'peer.fsid',
  'peer.statd-name',
  'peer.grace-lease',
  'peer.ganesha',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export interface CheckResult {
  readonly id: CheckId;
  readonly status: CheckStatus;
  /** What was checked: an export path, a directory, a service, a file. */
  readonly subject: string;
  readonly detail: string;
  /** `file:line` relative to the checked root (`etc/exports:3`), or a file, or '' when nothing was read. */
  readonly evidence: string;
  /** What to do; '' when there is nothing to do. */
  readonly remedy: string;
}

/** What `--peer` compares between two nodes; carried in `check --json` as `facts`. */
export interface NodeFacts {
  /** Each exported path with its clients normalised (`host(opt,opt)`, options sorted) and its fsid= value. */
  exports: { path: string; clients: string[]; fsid: string | null }[] | null;
  statdName: string | null;
  nfsd: { graceSeconds: number; leaseSeconds: number } | null;
  ganesha: {
    exports: { path: string; exportId: string | null; filesystemId: string | null; pseudo: string | null }[];
    graceSeconds: number;
    leaseSeconds: number;
  } | null;
}

export interface CheckReport {
  host: string;
  root: string;
  ok: boolean;
  checks: CheckResult[];
  facts: NodeFacts;
}

const ORDER: Record<CheckStatus, number> = { pass: 0, skip: 1, warn: 2, fail: 3 };

/** The worse of two statuses (fail > warn > skip > pass). */
export function worst(a: CheckStatus, b: CheckStatus): CheckStatus {
  return ORDER[a] >= ORDER[b] ? a : b;
}

export function result(
  id: CheckId,
  status: CheckStatus,
  subject: string,
  detail: string,
  evidence = '',
  remedy = '',
): CheckResult {
  return { id, status, subject, detail, evidence, remedy: status === 'pass' || status === 'skip' ? '' : remedy };
}
