// The failover watch: `Watcher` / `watchFailover`, its events and the pieces tools may reuse.
export { type AcknowledgedRecord, DataPath, type DataPathNfs, type DataPathOptions } from './data.js';
export type * from './events.js';
export { identityChanges } from './identity.js';
export {
  type ConflictObservation,
  LockCanary,
  type LockCanaryOptions,
  type LockObservations,
  type LockProblem,
  type LockProblemCode,
  type LockSummary,
  lockVerdicts,
  type NotifyObservation,
  type SmNotifySummary,
} from './locks.js';
export { Nfs4LockCanary, type Nfs4LockCanaryOptions } from './locks-nfs4.js';
export { checkRecord, encodeRecord, RECORD_SIZE, recordOffset } from './record.js';
export { isoAt, PathTimeline, type Transition } from './timeline.js';
export {
  Watcher,
  type WatchLockOptions,
  type WatchOptions,
  type WatchPhase,
  type WatchStatus,
  watchFailover,
} from './watcher.js';
