// NFS filehandle decoding (RFC 1813 §2.3.3, RFC 7530 §4) — the error class of the filehandle decoders.

export type FileHandleErrorCode =
  | 'EMPTY' // zero bytes: no filehandle is empty on the wire
  | 'TOO_LONG' // longer than NFSv4's NFS4_FHSIZE (128 bytes)
  | 'BAD_FORMAT' // a forced format (options.format) that the bytes do not fit
  | 'BAD_OPTION' // an unknown format name or byte order in the options
  | 'BAD_HEX' // text that is not hexadecimal (parseFileHandleText)
  | 'ODD_LENGTH'; // an odd number of hex digits

/** Thrown by decodeFileHandle for input that cannot be a filehandle. Random bytes never raise anything else. */
export class FileHandleError extends Error {
  override readonly name = 'FileHandleError';
  readonly code: FileHandleErrorCode;

  constructor(code: FileHandleErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
