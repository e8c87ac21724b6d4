// NFS filehandle decoding: public surface of src/nfs/fh (knfsd, nfs-ganesha, vendors; HA analysis; comparison).
export {
  compareFileHandles,
  type DifferenceSeverity,
  type FileHandleComparison,
  type FileHandleDifference,
} from './compare.js';
export { crc32, formatHash } from './crc32.js';
export { decodeFileHandle, isFileHandleFormat, MAX_FILE_HANDLE_LENGTH } from './detect.js';
export { FileHandleError, type FileHandleErrorCode } from './errors.js';
export { decodeFileId, fileIdLengths, fileIdName } from './fileid.js';
export { decodeGanesha, decodeGaneshaFsid, GANESHA_FSID_NAMES } from './ganesha.js';
export { ganeshaFsidLooksLikeDevice, haNotes, isDeviceBased, statfsFsidText } from './ha.js';
export {
  decodeKnfsd,
  decodeKnfsdFsid,
  decodeKnfsdV0,
  FSID_LENGTHS,
  FSID_NAMES,
  newDecodeDev,
  newEncodeDev,
} from './knfsd.js';
export { DecodedFileHandle } from './result.js';
export { parseFileHandleHex, parseFileHandleWords } from './text.js';
export * from './types.js';
export { decodeCelerra, decodeDcache, decodeGluster, decodeOntap, decodeOntapGx, decodeSvr4 } from './vendors.js';
