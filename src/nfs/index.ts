// NFS layer: public surface of src/nfs. One `export *` per module; MOUNT / NFSv3 / NFSv4 join this list.
export * from './fh/index.js';
