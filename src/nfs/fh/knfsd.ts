// Linux knfsd filehandles (fs/nfsd/nfsfh.h): version 1 (struct knfsd_fh, all kernels since 2.6) and the old
// 32-byte version 0 (nfs_fhbase_old, decoding removed in Linux 5.16).
import { allZero, hexOf, u16be, u32, u32be, u32le, u64, uuidAt } from './bytes.js';
import { decodeFileId, fileIdFits, fileIdLengths, fileIdName, inodeFields } from './fileid.js';
import { DecodedFileHandle } from './result.js';
import type { ByteOrder, Confidence, FileId, Fsid, KnfsdDetails, KnfsdFileHandle, KnfsdV0FileHandle } from './types.js';

export const FSID_DEV = 0;
export const FSID_NUM = 1;
export const FSID_MAJOR_MINOR = 2;
export const FSID_ENCODE_DEV = 3;
export const FSID_UUID4_INUM = 4;
export const FSID_UUID8 = 5;
export const FSID_UUID16 = 6;
export const FSID_UUID16_INUM = 7;

export const FSID_NAMES: readonly string[] = [
  'FSID_DEV',
  'FSID_NUM',
  'FSID_MAJOR_MINOR',
  'FSID_ENCODE_DEV',
  'FSID_UUID4_INUM',
  'FSID_UUID8',
  'FSID_UUID16',
  'FSID_UUID16_INUM',
];

/** key_len(fsid_type) in bytes. */
export const FSID_LENGTHS: readonly number[] = [8, 4, 12, 8, 8, 8, 16, 24];

/** NFSv2 handles are exactly this long; knfsd zero-pads shorter ones. */
export const NFS2_FHSIZE = 32;
/** Signed filehandles append a MAC of this many bytes. */
export const KNFSD_MAC_LENGTH = 8;

/** The old 32-bit dev_t of new_encode_dev: 12-bit major, 20-bit minor split around it. */
export function newDecodeDev(value: number): { major: number; minor: number } {
  return { major: (value & 0xfff00) >>> 8, minor: (value & 0xff) | ((value >>> 12) & 0xfff00) };
}

export function newEncodeDev(major: number, minor: number): number {
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

/**
 * The fsid of a v1 handle. One shape for all eight types (absent fields are undefined, omitted in JSON); `raw` is
 * computed on first use because most decodes never print it.
 */
class KnfsdFsid implements Fsid {
  readonly type: number;
  readonly name: string;
  readonly major: number | undefined;
  readonly minor: number | undefined;
  readonly exportInode: number | bigint | undefined;
  readonly number: number | undefined;
  readonly uuid: string | undefined;
  readonly #bytes: Uint8Array;
  #raw: string | undefined;

  constructor(b: Uint8Array, type: number, le: boolean) {
    this.type = type;
    this.name = FSID_NAMES[type]!;
    this.#bytes = b;
    this.#raw = undefined;
    let major: number | undefined;
    let minor: number | undefined;
    let exportInode: number | bigint | undefined;
    let number: number | undefined;
    let uuid: string | undefined;
    switch (type) {
      case FSID_DEV:
        // htonl(MAJOR << 16 | MINOR), then the export root's inode number in host order.
        major = u16be(b, 4);
        minor = u16be(b, 6);
        exportInode = u32(b, 8, le);
        break;
      case FSID_NUM:
        number = u32(b, 4, le);
        break;
      case FSID_MAJOR_MINOR:
        major = u32be(b, 4);
        minor = u32be(b, 8);
        exportInode = u32(b, 12, le);
        break;
      case FSID_ENCODE_DEV: {
        const dev = u32(b, 4, le);
        major = (dev & 0xfff00) >>> 8;
        minor = (dev & 0xff) | ((dev >>> 12) & 0xfff00);
        exportInode = u32(b, 8, le);
        break;
      }
      case FSID_UUID4_INUM:
        exportInode = u32(b, 4, le);
        uuid = hexOf(b, 8, 12);
        break;
      case FSID_UUID8:
        uuid = hexOf(b, 4, 12);
        break;
      case FSID_UUID16:
        uuid = uuidAt(b, 4);
        break;
      default:
        exportInode = u64(b, 4, le);
        uuid = uuidAt(b, 12);
    }
    this.major = major;
    this.minor = minor;
    this.exportInode = exportInode;
    this.number = number;
    this.uuid = uuid;
  }

  get raw(): string {
    if (this.#raw === undefined) this.#raw = hexOf(this.#bytes, 4, 4 + FSID_LENGTHS[this.type]!);
    return this.#raw;
  }

  toJSON(): Fsid {
    return {
      type: this.type,
      name: this.name,
      major: this.major,
      minor: this.minor,
      exportInode: this.exportInode,
      number: this.number,
      uuid: this.uuid,
      raw: this.raw,
    };
  }
}

/** Decode the fsid of a v1 handle (it starts at byte 4). The caller checked the length. */
export function decodeKnfsdFsid(b: Uint8Array, type: number, le: boolean): Fsid {
  return new KnfsdFsid(b, type, le);
}

/** `[offset, size]` of the host-order fields of each fsid type that hold inode numbers or small values. */
const FSID_VOTE_FIELDS: readonly (readonly (readonly [number, number])[])[] = [
  [[8, 4]],
  [[4, 4]],
  [[12, 4]],
  [
    [4, 4],
    [8, 4],
  ],
  [[4, 4]],
  [],
  [],
  [[4, 8]],
];

/**
 * +1 per host-order field whose value only looks small (top byte zero) when read big-endian, -1 when only when read
 * little-endian. Inode numbers and fsid= values are small; random bytes and generation numbers are not used.
 */
function voteBigEndian(b: Uint8Array, fields: readonly (readonly [number, number])[], base: number): number {
  let vote = 0;
  for (const [offset, size] of fields) {
    const beSmall = b[base + offset] === 0;
    const leSmall = b[base + offset + size - 1] === 0;
    if (beSmall && !leSmall) vote++;
    else if (leSmall && !beSmall) vote--;
  }
  return vote;
}

type FileIdFit = 'exact' | 'nfsv2' | 'mac' | 'none';

const PLAIN_DETAILS: KnfsdDetails = Object.freeze({ version: 1, authType: 0 });
const NFSV2_DETAILS: KnfsdDetails = Object.freeze({ version: 1, authType: 0, padding: 'nfsv2' });
const COMMON_REASONS = new Map<number, readonly string[]>();

/** The reasons every fitting handle of this fsid and fileid type shares (fileType -1: the fileid did not fit). */
function commonReasons(fsidType: number, fileType: number): readonly string[] {
  const key = fsidType * 512 + fileType + 1;
  let reasons = COMMON_REASONS.get(key);
  if (reasons === undefined) {
    const list = ['version 1, auth type 0', FSID_REASONS[fsidType]!];
    if (fileType >= 0) list.push(fitReason(fileType));
    reasons = Object.freeze(list);
    COMMON_REASONS.set(key, reasons);
  }
  return reasons;
}

const FSID_REASONS = FSID_NAMES.map((name, type) => `fsid type ${type} ${name} (${FSID_LENGTHS[type]} bytes)`);
const FIT_REASONS = new Map<number, string>();

function fitReason(type: number): string {
  let reason = FIT_REASONS.get(type);
  if (reason === undefined) {
    reason = `fileid type 0x${type.toString(16).padStart(2, '0')} ${fileIdName(type)} fits the remaining bytes`;
    FIT_REASONS.set(type, reason);
  }
  return reason;
}

/**
 * Decode a knfsd version 1 handle, or return undefined when the bytes cannot be one. `forced`: keep going with a
 * low-confidence result where detection would give up (length not a multiple of 4).
 */
export function decodeKnfsd(b: Uint8Array, hint: ByteOrder | undefined, forced = false): KnfsdFileHandle | undefined {
  const length = b.length;
  if (length < 4 || b[0] !== 1 || b[1] !== 0) return undefined;
  const fsidType = b[2]!;
  if (fsidType > 7) return undefined;
  const fileStart = 4 + FSID_LENGTHS[fsidType]!;
  if (length < fileStart) return undefined;
  if (length % 4 !== 0 && !forced) return undefined;
  const fileType = b[3]!;
  const rest = length - fileStart;

  let fit: FileIdFit = 'none';
  let fileLength = rest;
  if (fileIdFits(fileType, rest)) fit = 'exact';
  else {
    const lengths = fileIdLengths(fileType);
    if (lengths !== undefined && length === NFS2_FHSIZE) {
      for (const candidate of lengths) {
        if (candidate < rest && allZero(b, fileStart + candidate, length)) {
          fit = 'nfsv2';
          fileLength = candidate;
          break;
        }
      }
    }
    if (fit === 'none' && rest >= KNFSD_MAC_LENGTH && fileIdFits(fileType, rest - KNFSD_MAC_LENGTH)) {
      fit = 'mac';
      fileLength = rest - KNFSD_MAC_LENGTH;
    }
  }

  // Reasons beyond the common ones are rare: collect them only when needed, share the common arrays.
  let extra: string[] | undefined;
  let confidence: Confidence = 'high';
  let le = hint !== 'be';
  if (hint === undefined) {
    const vote =
      voteBigEndian(b, FSID_VOTE_FIELDS[fsidType]!, 0) +
      (fit === 'none' ? 0 : voteBigEndian(b, inodeFields(fileType, fileLength), fileStart));
    if (vote > 0) {
      le = false;
      confidence = 'medium';
      extra = ['host-order fields read big-endian: the inode numbers only look plausible that way'];
    }
  }

  const fsid = decodeKnfsdFsid(b, fsidType, le);
  let fileid: FileId;
  let details: KnfsdDetails = PLAIN_DETAILS;
  if (fit === 'none') {
    fileid = { type: fileType, name: fileIdName(fileType), raw: hexOf(b, fileStart, length) };
    confidence = 'low';
    extra ??= [];
    extra.push(
      fileIdLengths(fileType) === undefined
        ? `fileid type 0x${fileType.toString(16).padStart(2, '0')} is not one nfsprobe knows; kept raw`
        : `fileid type ${fileIdName(fileType)} does not fit the remaining ${rest} bytes; kept raw`,
    );
    if (length % 4 !== 0) extra.push('length is not a multiple of 4, which knfsd never sends');
  } else {
    fileid = decodeFileId(b, fileStart, fileStart + fileLength, fileType, le);
    if (fit === 'nfsv2') {
      details = NFSV2_DETAILS;
      extra ??= [];
      extra.push('32-byte NFSv2 handle with zero padding');
    } else if (fit === 'mac') {
      details = { version: 1, authType: 0, mac: hexOf(b, length - KNFSD_MAC_LENGTH, length) };
      if (confidence === 'high') confidence = 'medium';
      extra ??= [];
      extra.push('8 trailing bytes taken as the MAC of a signed filehandle');
    }
    if (
      fsid.exportInode === 0 ||
      fsid.exportInode === 0n ||
      (fsidType === FSID_DEV && fsid.major === 0 && fsid.minor === 0)
    ) {
      if (confidence === 'high') confidence = 'medium';
      extra ??= [];
      extra.push('implausible fsid: export-root inode 0 or device 0:0');
    }
    if (fileid.inode === 0 || fileid.inode === 0n) {
      if (confidence === 'high') confidence = 'medium';
      extra ??= [];
      extra.push('implausible fileid: inode 0');
    }
  }
  const common = commonReasons(fsidType, fit === 'none' ? -1 : fileType);
  const reasons = extra === undefined ? common : [...common, ...extra];
  return new DecodedFileHandle(b, 'knfsd', confidence, reasons, fsid, fileid, undefined, le ? 'le' : 'be', details);
}

/** The dcookie of version 0 handles, 0xfeebbaca in host order: it tells the server's byte order. */
export const KNFSD_V0_DCOOKIE = 0xfeebbaca;

/**
 * Decode a knfsd version 0 handle: 32 bytes, seven host-order u32 (dcookie, inode, directory inode, device,
 * export device, export inode, generation) and 4 bytes of padding. Device numbers are old_encode_dev (major << 8 |
 * minor, 8 bits each).
 */
export function decodeKnfsdV0(b: Uint8Array, hint: ByteOrder | undefined): KnfsdV0FileHandle | undefined {
  if (b.length !== NFS2_FHSIZE) return undefined;
  let le: boolean;
  const reasons: string[] = [];
  if (u32le(b, 0) === KNFSD_V0_DCOOKIE) {
    le = true;
    reasons.push('32 bytes starting with the dcookie 0xfeebbaca little-endian: a little-endian server');
  } else if (u32be(b, 0) === KNFSD_V0_DCOOKIE) {
    le = false;
    reasons.push('32 bytes starting with the dcookie 0xfeebbaca big-endian: a big-endian server');
  } else return undefined;
  let confidence: Confidence = 'high';
  if (hint !== undefined && hint !== (le ? 'le' : 'be')) {
    reasons.push(`the dcookie overrides the --byte-order hint (${hint})`);
  }
  const dev = u32(b, 12, le);
  const exportDev = u32(b, 16, le);
  if (!allZero(b, 28, 32)) {
    confidence = 'medium';
    reasons.push('the 4 padding bytes are not zero');
  }
  const fsid: Fsid = {
    name: 'V0_EXPORT_DEV',
    major: (exportDev >>> 8) & 0xff,
    minor: exportDev & 0xff,
    exportInode: u32(b, 20, le),
    raw: hexOf(b, 16, 24),
  };
  const fileid: FileId = {
    type: 0,
    name: 'V0',
    inode: u32(b, 4, le),
    generation: u32(b, 24, le),
    parentInode: u32(b, 8, le),
  };
  const details = { dcookie: KNFSD_V0_DCOOKIE, fileDevice: { major: (dev >>> 8) & 0xff, minor: dev & 0xff } };
  return new DecodedFileHandle(b, 'knfsd-v0', confidence, reasons, fsid, fileid, undefined, le ? 'le' : 'be', details);
}
