// RFC 4506 (XDR) — public surface of the xdr layer. No dependencies.
export { setXdrCompilation } from './compile.js';
export { XdrError, type XdrErrorCode } from './errors.js';
export {
  float32At,
  float64At,
  int32At,
  int64At,
  uint32At,
  uint64At,
  XdrReader,
  type XdrReaderOptions,
} from './reader.js';
export * from './types.js';
export { paddedLength, XdrWriter } from './writer.js';
