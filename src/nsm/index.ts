// NSM (program 100024) and nfs-utils statd state directory — public surface of the nsm layer.
export { NsmError, type NsmErrorCode } from './errors.js';
export * from './protocol.js';
