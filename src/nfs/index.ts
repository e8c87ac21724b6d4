// The nfs layer: MOUNT, NFSv3, NFSv4 codecs and clients (RFC 1813, RFC 7530, RFC 8881).

export * from './caller.js';
export * from './errors.js';
export * from './mount.js';
export * from './mount-client.js';
export * as nfs3 from './nfs3/index.js';
export * as nfs4 from './nfs4/index.js';
