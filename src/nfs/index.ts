// NFS layer: public surface of src/nfs — filehandles, MOUNT, NFSv3, NFSv4 codecs and clients, connect().
export * from './caller.js';
export * from './connect.js';
export * from './errors.js';
export * from './fh/index.js';
export * from './mount.js';
export * from './mount-client.js';
export * as nfs3 from './nfs3/index.js';
export * as nfs4 from './nfs4/index.js';
export * from './reply.js';
