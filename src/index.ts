// nfsprobe — ONC-RPC / XDR / NFS / NSM toolkit. Subpath exports: nfsprobe/xdr, nfsprobe/rpc, nfsprobe/nfs, nfsprobe/nsm;
// the failover watch as `watch`, the Prometheus exporter's probe cycle and metrics as `exporter`.

export * as nfs from './nfs/index.js';
export * as nsm from './nsm/index.js';
export * as exporter from './probe/exporter/index.js';
export * as watch from './probe/watch/index.js';
export * as rpc from './rpc/index.js';
export * as xdr from './xdr/index.js';
