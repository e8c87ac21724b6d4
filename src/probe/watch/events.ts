// The events and the summary of a failover watch, shaped as ../shared/CLI.md fixes them for `watch --json`:
// every object has `event` and `at` (ISO-8601); durations are `...Ms` numbers; byte strings are lowercase hex.
import type { ConflictObservation, LockProblem, SmNotifySummary } from './locks.js';

/** Who the server says it is, recorded before and after the run; a field is null when it could not be learnt. */
export interface WatchIdentity {
  /** NSM state of the statd registered on the address (SM_STAT), null without statd. */
  readonly nsmState: number | null;
  /** The write verifier of the last WRITE/COMMIT reply (hex), null on a read-only run. */
  readonly writeVerifier: string | null;
  /** NFSv4.1 EXCHANGE_ID server_owner (`minorId/majorId-hex`) and server_scope (hex), null without NFSv4.1. */
  readonly serverOwner: string | null;
  readonly serverScope: string | null;
  /** NFSv4 lease_time in seconds, null without NFSv4. */
  readonly leaseTime: number | null;
}

export interface StartEvent {
  readonly event: 'start';
  readonly at: string;
  readonly host: string;
  readonly export: string;
  readonly paths: readonly string[];
  readonly identity: WatchIdentity;
}

export interface DownEvent {
  readonly event: 'down';
  readonly at: string;
  readonly path: string;
  /** The error code of the failing call: an RpcError code (TIMEOUT, CONNECTION, ...) or an NfsError code. */
  readonly error: string;
}

export interface UpEvent {
  readonly event: 'up';
  readonly at: string;
  readonly path: string;
  readonly outageMs: number;
}

export interface StaleEvent {
  readonly event: 'stale';
  readonly at: string;
  readonly path: string;
  readonly handle: string;
  /** The handle the server gives now for the same path, or null when it could not be obtained. */
  readonly current: string | null;
  /** The first handle field that differs (`fsid.minor`, `exportId`, `fileid.inode`, ...), or null. */
  readonly field: string | null;
  readonly detail: string;
  readonly remedy: string;
}

export interface VerifierEvent {
  readonly event: 'verifier';
  readonly at: string;
  readonly before: string;
  readonly after: string;
  /** Uncommitted UNSTABLE records written again under the new verifier. */
  readonly resent: number;
}

export interface IdentityEvent {
  readonly event: 'identity';
  readonly at: string;
  readonly field: keyof WatchIdentity;
  readonly before: string | number | null;
  readonly after: string | number | null;
}

export interface GraceEvent {
  readonly event: 'grace';
  readonly at: string;
  readonly path: string;
  readonly graceMs: number;
}

export interface ReclaimEvent {
  readonly event: 'reclaim';
  readonly at: string;
  readonly kind: 'nfs4-open' | 'nfs4-lock' | 'nlm';
  readonly status: string;
  readonly detail: string;
}

/** The SM_NOTIFY the lock canary received (`watch --locks`). */
export interface SmNotifyEvent {
  readonly event: 'sm-notify';
  readonly at: string;
  /** Sender, `address:port`. */
  readonly from: string;
  readonly monName: string;
  readonly state: number;
}

export interface LostWriteEvent {
  readonly event: 'lost-write';
  readonly at: string;
  readonly seq: number;
  readonly offset: number;
  readonly stability: 'FILE_SYNC' | 'COMMITTED';
  readonly detail: 'missing' | 'differs';
}

export interface Outage {
  readonly startAt: string;
  readonly endAt: string;
  readonly durationMs: number;
}

export interface PathSummary {
  readonly path: string;
  /** Successful and failed probes. */
  readonly ok: number;
  readonly failed: number;
  readonly maxOutageMs: number;
  readonly outages: readonly Outage[];
}

export interface SummaryEvent {
  readonly event: 'summary';
  readonly at: string;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly maxOutageMs: number;
  readonly paths: readonly PathSummary[];
  readonly staleHandles: number;
  readonly writesAcknowledged: number;
  readonly lostWrites: number;
  readonly verifierChanges: number;
  readonly graceMs: number | null;
  /** `watch --locks`: what SM_NOTIFY arrived and what was expected (null without --locks). */
  readonly smNotify: SmNotifySummary | null;
  readonly reclaims: readonly ReclaimEvent[];
  /** `watch --locks`: the lock findings by code (the same as their lines in `problems`), null without --locks. */
  readonly locks: {
    readonly problems: readonly LockProblem[];
    readonly conflicts: readonly ConflictObservation[];
  } | null;
  readonly identity: { readonly before: WatchIdentity; readonly after: WatchIdentity };
  /** One line per problem found (each makes `ok` false and the CLI exit 1). */
  readonly problems: readonly string[];
}

export type WatchEvent =
  | StartEvent
  | DownEvent
  | UpEvent
  | StaleEvent
  | VerifierEvent
  | IdentityEvent
  | GraceEvent
  | ReclaimEvent
  | SmNotifyEvent
  | LostWriteEvent
  | SummaryEvent;
