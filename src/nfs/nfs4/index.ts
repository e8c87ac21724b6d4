// RFC 7530 / RFC 8881 — NFS version 4.0 and 4.1: constants, attributes, COMPOUND codecs.
export * from './attributes.js';
export * from './client.js';
export * from './compound.js';
export * from './constants.js';
export * from './slots.js';
export * from './stateful.js';
