// NFS filehandle detection (handles are opaque per RFC 1813 §2.3.3 / RFC 7530 §4.2.1): try the layouts in an order
// where a stronger signature always wins — magic numbers, then structured headers, then length-only guesses.

import { FileHandleError } from './errors.js';
import { decodeGanesha } from './ganesha.js';
import { decodeKnfsd, decodeKnfsdV0 } from './knfsd.js';
import { DecodedFileHandle } from './result.js';
import {
  type DecodeOptions,
  FILE_HANDLE_FORMATS,
  type FileHandle,
  type FileHandleFormat,
  type UnknownFileHandle,
} from './types.js';
import { decodeCelerra, decodeDcache, decodeGluster, decodeOntap, decodeOntapGx, decodeSvr4 } from './vendors.js';

/** NFS4_FHSIZE; NFSv3 allows 64, NFSv2 exactly 32. */
export const MAX_FILE_HANDLE_LENGTH = 128;

const UNKNOWN_REASONS: readonly string[] = ['no known layout matches these bytes'];

function unknownHandle(bytes: Uint8Array): UnknownFileHandle {
  return new DecodedFileHandle(
    bytes,
    'unknown',
    'low',
    UNKNOWN_REASONS,
    undefined,
    undefined,
    undefined,
    undefined,
    {},
  );
}

/**
 * Decode an NFS filehandle. Detection order: GlusterFS (":OGL") > dCache (01 ca ff ee) > nfs-ganesha (0x43 header
 * whose fs_len matches the length) > knfsd version 1 > knfsd version 0 (dcookie) > SVR4, Celerra/VNX, ONTAP (length
 * and weak checks, low confidence) > `unknown`. Every result says how confident the detection is and why.
 *
 * The result aliases `bytes` (hex, hash and notes are computed from it on first use). Throws only FileHandleError:
 * EMPTY, TOO_LONG (> 128 bytes), BAD_FORMAT (options.format does not fit), BAD_OPTION.
 */
export function decodeFileHandle(bytes: Uint8Array, options?: DecodeOptions): FileHandle {
  if (!(bytes instanceof Uint8Array)) throw new FileHandleError('BAD_OPTION', 'a filehandle must be a Uint8Array');
  if (bytes.length === 0) throw new FileHandleError('EMPTY', 'the filehandle is empty');
  if (bytes.length > MAX_FILE_HANDLE_LENGTH) {
    throw new FileHandleError(
      'TOO_LONG',
      `the filehandle is ${bytes.length} bytes; NFS handles are at most ${MAX_FILE_HANDLE_LENGTH}`,
    );
  }
  const hint = options?.byteOrder;
  if (hint !== undefined && hint !== 'le' && hint !== 'be') {
    throw new FileHandleError('BAD_OPTION', `byte order must be 'le' or 'be', not '${String(hint)}'`);
  }
  const format = options?.format;
  if (format !== undefined) return decodeAs(bytes, format, hint);
  return (
    decodeGluster(bytes) ??
    decodeDcache(bytes) ??
    decodeGanesha(bytes, hint) ??
    decodeKnfsd(bytes, hint) ??
    decodeKnfsdV0(bytes, hint) ??
    decodeSvr4(bytes, true) ??
    decodeCelerra(bytes, true) ??
    decodeOntap(bytes, 3, true) ??
    unknownHandle(bytes)
  );
}

export function isFileHandleFormat(name: string): name is FileHandleFormat {
  return (FILE_HANDLE_FORMATS as readonly string[]).includes(name);
}

function decodeAs(bytes: Uint8Array, format: FileHandleFormat, hint: 'le' | 'be' | undefined): FileHandle {
  let result: FileHandle | undefined;
  switch (format) {
    case 'knfsd':
      result = decodeKnfsd(bytes, hint, true);
      break;
    case 'knfsd-v0':
      result = decodeKnfsdV0(bytes, hint);
      break;
    case 'ganesha':
      result = decodeGanesha(bytes, hint, true);
      break;
    case 'gluster':
      result = decodeGluster(bytes);
      break;
    case 'dcache':
      result = decodeDcache(bytes);
      break;
    case 'ontap-v3':
      result = decodeOntap(bytes, 3, false);
      break;
    case 'ontap-v4':
      result = decodeOntap(bytes, 4, false);
      break;
    case 'ontap-gx-v3':
      result = decodeOntapGx(bytes);
      break;
    case 'celerra-vnx':
      result = decodeCelerra(bytes, false);
      break;
    case 'svr4':
      result = decodeSvr4(bytes, false);
      break;
    case 'unknown':
      result = unknownHandle(bytes);
      break;
    default:
      throw new FileHandleError(
        'BAD_OPTION',
        `unknown filehandle format '${String(format)}' (one of ${FILE_HANDLE_FORMATS.join(', ')})`,
      );
  }
  if (result === undefined) {
    throw new FileHandleError('BAD_FORMAT', `these ${bytes.length} bytes are not a ${format} filehandle`);
  }
  return result;
}
