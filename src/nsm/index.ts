// NSM (program 100024) and nfs-utils statd state directory — public surface of the nsm layer.
export { NsmClient, type NsmClientOptions } from './client.js';
export { type ClientReport, type ClientStatus, type ProbeClientsOptions, probeClients } from './client-probe.js';
export { forEachLimit, Semaphore } from './concurrency.js';
export { NsmError, type NsmErrorCode } from './errors.js';
export {
  DEFAULT_MAX_MONITORS,
  describeRegistrations,
  isLoopback,
  type MonitorCallers,
  monitorRefusal,
  NsmListener,
  type NsmListenerOptions,
  type NsmMonitorEvent,
  type NsmNotifyEvent,
  type NsmRegisterOptions,
  type NsmUnregisterReport,
} from './listener.js';
export { type Located, type LocateOptions, locateStatdDirectory, parseNfsConf, readNfsConf } from './locate.js';
export { type DirectoryLock, lockDirectory } from './lock.js';
export * from './notifier.js';
export { type DroppedPrivileges, dropPrivilegesTo } from './privileges.js';
export * from './protocol.js';
export * from './record.js';
export { OpenedDirectory, SmallFileReader, UnsafeFileError, writeFileAtomicIn } from './safe-fs.js';
export * from './statd-directory.js';
export { lookupStatusPort, type StatusPort } from './status-port.js';
