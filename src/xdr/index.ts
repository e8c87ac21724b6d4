// RFC 4506 (XDR) — public surface of the xdr layer. No dependencies.
export { setXdrCompilation } from './compile.js';
export { XdrError, type XdrErrorCode } from './errors.js';
export { XdrReader, type XdrReaderOptions } from './reader.js';
export * from './types.js';
export { paddedLength, XdrWriter } from './writer.js';
