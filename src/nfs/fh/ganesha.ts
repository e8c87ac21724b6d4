// nfs-ganesha filehandles (src/include/nfs_proto_tools.h file_handle_v4/v3, FSAL_VFS vfs_file_handle): the 0x43
// wire header and the VFS FSAL part, whose kernel handle is the same struct fid knfsd uses.
import { allZero, hexOf, u16, u16be, u32, u64, uuidAt } from './bytes.js';
import { decodeFileId, fileIdFits, fileIdName } from './fileid.js';
import { DecodedFileHandle } from './result.js';
import type { ByteOrder, Confidence, FileId, Fsid, GaneshaDetails, GaneshaFileHandle } from './types.js';

export const GANESHA_FH_VERSION = 0x43;
export const FH_FSAL_BIG_ENDIAN = 0x40;
export const FILE_HANDLE_V4_FLAG_DS = 0x01;
const KNOWN_FLAGS = FH_FSAL_BIG_ENDIAN | FILE_HANDLE_V4_FLAG_DS;
/** version, flags, export id (2), fs_len. */
export const GANESHA_HEADER_LENGTH = 5;

export const GANESHA_FSID_NAMES: readonly string[] = [
  'FSID_NO_TYPE',
  'FSID_ONE_UINT64',
  'FSID_MAJOR_64',
  'FSID_TWO_UINT64',
  'FSID_TWO_UINT32',
  'FSID_DEVICE',
];
/** Bytes of the encoded fsid per VFS fsid type. */
export const GANESHA_FSID_LENGTHS: readonly number[] = [0, 8, 8, 16, 8, 8];

/** VFS handle flags: bits 0-4 fsid type, 0x20 dummy handle, bits 6-7 width of the kernel handle type. */
export const HANDLE_FSID_MASK = 0x1f;
export const HANDLE_DUMMY = 0x20;
export const HANDLE_TYPE_MASK = 0xc0;
const TYPE_WIDTHS = [0, 1, 2, 4];

export function decodeGaneshaFsid(b: Uint8Array, o: number, type: number, le: boolean): Fsid {
  const name = GANESHA_FSID_NAMES[type]!;
  const raw = hexOf(b, o, o + GANESHA_FSID_LENGTHS[type]!);
  switch (type) {
    case 1:
    case 2:
      return { type, name, major: u64(b, o, le), raw };
    case 3:
      return { type, name, major: u64(b, o, le), minor: u64(b, o + 8, le), uuid: uuidAt(b, o), raw };
    case 4:
    case 5:
      return { type, name, major: u32(b, o, le), minor: u32(b, o + 4, le), raw };
    default:
      return { type, name, raw };
  }
}

interface VfsPart {
  readonly vfsFlags: number;
  readonly dummy: boolean;
  readonly fsid: Fsid;
  readonly handleType: number;
  readonly fileid: FileId | undefined;
  readonly fits: boolean;
}

/** The FSAL_VFS part in `b[start, end)`, or undefined when it cannot be one. */
function decodeVfsPart(b: Uint8Array, start: number, end: number, le: boolean): VfsPart | undefined {
  if (end - start < 1) return undefined;
  const vfsFlags = b[start]!;
  const fsidType = vfsFlags & HANDLE_FSID_MASK;
  if (fsidType >= GANESHA_FSID_LENGTHS.length) return undefined;
  const width = TYPE_WIDTHS[(vfsFlags & HANDLE_TYPE_MASK) >>> 6]!;
  const typeAt = start + 1 + GANESHA_FSID_LENGTHS[fsidType]!;
  if (typeAt + width > end) return undefined;
  const fsid = decodeGaneshaFsid(b, start + 1, fsidType, le);
  const handleType = width === 0 ? 0 : width === 1 ? b[typeAt]! : width === 2 ? u16(b, typeAt, le) : u32(b, typeAt, le);
  const dummy = (vfsFlags & HANDLE_DUMMY) !== 0;
  const handleStart = typeAt + width;
  if (dummy) return { vfsFlags, dummy, fsid, handleType, fileid: undefined, fits: handleStart === end };
  const fits = fileIdFits(handleType, end - handleStart);
  const fileid = fits
    ? decodeFileId(b, handleStart, end, handleType, le)
    : { type: handleType, name: fileIdName(handleType), raw: hexOf(b, handleStart, end) };
  return { vfsFlags, dummy, fsid, handleType, fileid, fits };
}

/** Decode an nfs-ganesha handle, or undefined when the header does not fit the bytes. */
export function decodeGanesha(
  b: Uint8Array,
  hint: ByteOrder | undefined,
  forced = false,
): GaneshaFileHandle | undefined {
  const length = b.length;
  if (length < GANESHA_HEADER_LENGTH || b[0] !== GANESHA_FH_VERSION) return undefined;
  const flags = b[1]!;
  if ((flags & ~KNOWN_FLAGS) !== 0 && !forced) return undefined;
  const exportId = u16be(b, 2);
  const fsLength = b[4]!;
  const end = GANESHA_HEADER_LENGTH + fsLength;
  let padding: 'nfsv3' | undefined;
  const reasons: string[] = [];
  let confidence: Confidence = 'high';
  if (end === length) reasons.push('version 0x43, known flags, length = 5 + fs_len');
  else if (end < length && length === end + 3 - ((end + 3) % 4) && allZero(b, end, length)) {
    padding = 'nfsv3';
    reasons.push('version 0x43, known flags, length = 5 + fs_len zero-padded to a multiple of 4 (NFSv3)');
  } else if (forced && end <= length) {
    confidence = 'low';
    reasons.push('version 0x43, but the length does not match 5 + fs_len');
  } else return undefined;
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    confidence = 'low';
    reasons.push(`unknown header flags 0x${flags.toString(16)}`);
  }
  const fsalBigEndian = (flags & FH_FSAL_BIG_ENDIAN) !== 0;
  const le = !fsalBigEndian;
  if (hint !== undefined && hint !== (le ? 'le' : 'be')) {
    reasons.push(`the handle's byte-order flag overrides the --byte-order hint (${hint})`);
  }
  const vfs = decodeVfsPart(b, GANESHA_HEADER_LENGTH, end, le);
  const pnfsDataServer = (flags & FILE_HANDLE_V4_FLAG_DS) !== 0;
  let details: GaneshaDetails;
  if (vfs === undefined) {
    if (confidence === 'high') confidence = 'medium';
    reasons.push('the FSAL part is not FSAL_VFS; kept raw');
    details = {
      version: GANESHA_FH_VERSION,
      flags,
      pnfsDataServer,
      fsalBigEndian,
      fsLength,
      fsal: 'unknown',
      fsalRaw: hexOf(b, GANESHA_HEADER_LENGTH, end),
      padding,
    };
    return new DecodedFileHandle(b, 'ganesha', confidence, reasons, undefined, undefined, exportId, undefined, details);
  }
  details = {
    version: GANESHA_FH_VERSION,
    flags,
    pnfsDataServer,
    fsalBigEndian,
    fsLength,
    fsal: 'vfs',
    vfsFlags: vfs.vfsFlags,
    dummy: vfs.dummy,
    handleType: vfs.handleType,
    padding,
  };
  if (vfs.fits) {
    reasons.push(
      vfs.dummy
        ? `VFS part: ${vfs.fsid.name}, dummy handle`
        : `VFS part: ${vfs.fsid.name}, kernel handle ${fileIdName(vfs.handleType)} fits`,
    );
    if (vfs.fileid?.inode === 0 || vfs.fileid?.inode === 0n) {
      if (confidence === 'high') confidence = 'medium';
      reasons.push('implausible kernel handle: inode 0');
    }
  } else {
    if (confidence === 'high') confidence = 'medium';
    reasons.push(`VFS part: ${vfs.fsid.name}, kernel handle type 0x${vfs.handleType.toString(16)} kept raw`);
  }
  return new DecodedFileHandle(
    b,
    'ganesha',
    confidence,
    reasons,
    vfs.fsid,
    vfs.fileid,
    exportId,
    le ? 'le' : 'be',
    details,
  );
}
