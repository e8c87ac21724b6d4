// NSM (program 100024) and nfs-utils statd state directory — public surface of the nsm layer.
export { forEachLimit } from './concurrency.js';
export { NsmError, type NsmErrorCode } from './errors.js';
export { type Located, type LocateOptions, locateStatdDirectory, parseNfsConf, readNfsConf } from './locate.js';
export { type DirectoryLock, lockDirectory } from './lock.js';
export * from './protocol.js';
export * from './record.js';
export * from './statd-directory.js';
