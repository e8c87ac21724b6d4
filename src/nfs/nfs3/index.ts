// RFC 1813 — NFS version 3: constants, data types, procedure codecs.

export * from './client.js';
export * from './constants.js';
export * from './procedures.js';
export * from './types.js';
