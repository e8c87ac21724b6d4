// RFC 5531 / RFC 1833 — public surface of the rpc layer (imports only src/xdr).
export * from './auth.js';
export * from './calls.js';
export * from './client.js';
export * from './errors.js';
export * from './message.js';
export * from './programs.js';
export * from './record.js';
export * from './rpcbind.js';
export * from './server.js';
export * from './tcp.js';
export * from './udp.js';
