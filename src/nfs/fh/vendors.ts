// Handles of other NFS servers, laid out as Wireshark's decoders (epan/dissectors/packet-nfs.c) read them:
// GlusterFS gNFS, dCache (nfs4j), NetApp ONTAP 7-mode v3/v4 and clustered (GX) v3, EMC Celerra/VNX, SVR4.
// GlusterFS and dCache carry magic numbers; the others are recognised by length and weak checks only.
import { hexOf, u16be, u16le, u32be, u32le, uuidAt } from './bytes.js';
import { DecodedFileHandle } from './result.js';
import type {
  CelerraFileHandle,
  CelerraObject,
  DcacheFileHandle,
  GlusterFileHandle,
  OntapFileHandle,
  OntapGxFileHandle,
  OntapSpinHandle,
  Svr4FileHandle,
} from './types.js';

/** ":OGL" */
const GLUSTER_MAGIC = 0x3a4f474c;
export const GLUSTER_HANDLE_LENGTH = 36;

/** GlusterFS gNFS: ":OGL", 16-byte volume (export) UUID, 16-byte GFID; newer versions append a mount UUID. */
export function decodeGluster(b: Uint8Array): GlusterFileHandle | undefined {
  if (b.length < GLUSTER_HANDLE_LENGTH || u32be(b, 0) !== GLUSTER_MAGIC) return undefined;
  const exportUuid = uuidAt(b, 4);
  const gfid = uuidAt(b, 20);
  const exact = b.length === GLUSTER_HANDLE_LENGTH;
  const reasons = exact
    ? ['magic ":OGL" and the 36-byte GlusterFS length']
    : ['magic ":OGL"; longer than the 36-byte layout Wireshark knows'];
  const mountUuid = b.length >= 52 ? uuidAt(b, 36) : undefined;
  const rest = b.length > 52 ? hexOf(b, 52) : b.length > 36 && b.length < 52 ? hexOf(b, 36) : undefined;
  return new DecodedFileHandle(
    b,
    'gluster',
    exact ? 'high' : 'medium',
    reasons,
    { name: 'GLUSTER_VOLUME', uuid: exportUuid, raw: hexOf(b, 4, 20) },
    { name: 'GFID', fid: gfid },
    undefined,
    undefined,
    exact ? { exportUuid, gfid } : { exportUuid, gfid, mountUuid, rest },
  );
}

/** 0x01 version, 0xcaffee magic. */
const DCACHE_MAGIC = 0x01caffee;
const DCACHE_FIXED_LENGTH = 17;
const DCACHE_TYPES = ['INODE', 'TAG', 'TAGS', 'ID', 'PATHOF', 'PARENT', 'NAMEOF', 'PGET', 'PSET', 'CONST'];

/**
 * dCache (nfs4j) handle, big-endian: version and magic 01 ca ff ee, u32 generation, u32 export index, the object
 * type in byte 15, opaque length in byte 16, then the opaque PNFS id.
 */
export function decodeDcache(b: Uint8Array): DcacheFileHandle | undefined {
  if (b.length < DCACHE_FIXED_LENGTH || u32be(b, 0) !== DCACHE_MAGIC) return undefined;
  const opaqueLength = b[16]!;
  const exact = b.length === DCACHE_FIXED_LENGTH + opaqueLength;
  const objectType = b[15]!;
  const exportIndex = u32be(b, 8);
  const generation = u32be(b, 4);
  const end = Math.min(b.length, DCACHE_FIXED_LENGTH + opaqueLength);
  return new DecodedFileHandle(
    b,
    'dcache',
    exact ? 'high' : 'medium',
    exact
      ? ['magic 01 ca ff ee and the opaque length matches']
      : ['magic 01 ca ff ee, but the opaque length does not match the handle length'],
    { name: 'DCACHE_EXPORT', number: exportIndex, raw: hexOf(b, 8, 12) },
    { name: 'PNFSID', generation, raw: hexOf(b, DCACHE_FIXED_LENGTH, end) },
    exportIndex,
    'be',
    {
      version: 1,
      generation,
      exportIndex,
      objectType,
      objectTypeName: DCACHE_TYPES[objectType] ?? `TYPE_${objectType}`,
      opaque: hexOf(b, DCACHE_FIXED_LENGTH, end),
    },
  );
}

/** SVR4-style expanded device number: 14-bit major, 18-bit minor. */
function svr4Dev(value: number): { major: number; minor: number } {
  return { major: value >>> 18, minor: value & 0x3ffff };
}

const ONTAP_LENGTH = 32;

/**
 * NetApp ONTAP 7-mode, little-endian. v3: mount inode/generation, flags, snapshot, file inode/generation, fsid,
 * export inode, 24-bit export generation, export snapshot. v4: export inode/generation first, handle type last.
 * `auto`: detection (needs the weak checks); otherwise the caller forced the format.
 */
export function decodeOntap(b: Uint8Array, version: 3 | 4, auto: boolean): OntapFileHandle | undefined {
  if (b.length !== ONTAP_LENGTH) return undefined;
  const firstInode = u32le(b, 0);
  const fileInode = u32le(b, 12);
  const lastInode = u32le(b, 24);
  if (auto) {
    const small = (v: number) => v !== 0 && v < 0x1000_0000;
    if (version !== 3 || b[11] !== 0 || !small(firstInode) || !small(fileInode) || !small(lastInode)) return undefined;
  }
  const fsidValue = u32le(b, 20);
  const { major, minor } = svr4Dev(fsidValue);
  const common = {
    flags: u16le(b, 8),
    snapshot: b[10]!,
    fileInode,
    fileGeneration: u32le(b, 16),
    fsidValue,
  };
  const details =
    version === 3
      ? {
          ...common,
          mountInode: firstInode,
          mountGeneration: u32le(b, 4),
          exportInode: lastInode,
          exportGeneration: u32le(b, 28) & 0xffffff,
          exportSnapshot: b[31]!,
        }
      : { ...common, exportInode: firstInode, exportGeneration: u32le(b, 4), handleType: u32le(b, 28) };
  return new DecodedFileHandle(
    b,
    version === 3 ? 'ontap-v3' : 'ontap-v4',
    'low',
    [auto ? '32 bytes with small little-endian inode numbers at 0, 12 and 24 (length only: weak)' : 'format forced'],
    { name: 'ONTAP_FSID', major, minor, exportInode: details.exportInode, raw: hexOf(b, 20, 24) },
    { name: 'ONTAP_FILE', inode: fileInode, generation: common.fileGeneration },
    undefined,
    'le',
    details,
  );
}

export const ONTAP_GX_LENGTH = 44;

function spinHandle(b: Uint8Array, o: number): OntapSpinHandle {
  return {
    dsid: u32be(b, o),
    clusterId: u16be(b, o + 4),
    flags: b[o + 7]!,
    fileId: u32le(b, o + 8),
    uniqueId: u32le(b, o + 12),
  };
}

/** NetApp clustered ONTAP (GX) NFSv3, 44 bytes: only when forced (no magic to detect it by). */
export function decodeOntapGx(b: Uint8Array): OntapGxFileHandle | undefined {
  if (b.length !== ONTAP_GX_LENGTH) return undefined;
  const file = spinHandle(b, 4);
  const mountPoint = spinHandle(b, 20);
  return new DecodedFileHandle(
    b,
    'ontap-gx-v3',
    'low',
    ['format forced; 44 bytes'],
    { name: 'ONTAP_GX_DSID', number: file.dsid, exportInode: u32le(b, 36), raw: hexOf(b, 4, 8) },
    { name: 'SPIN_FILE', inode: file.fileId, generation: file.uniqueId },
    undefined,
    undefined,
    { utility: b[0]!, volumeCount: b[1]!, epoch: u16le(b, 2), file, mountPoint, rest: hexOf(b, 36) },
  );
}

function celerraObject(b: Uint8Array, o: number): CelerraObject {
  return {
    fsid: u32le(b, o),
    kindId: u16le(b, o + 4),
    treeId: u16le(b, o + 6),
    inode: u32le(b, o + 8),
    generation: u32le(b, o + 12),
  };
}

/**
 * EMC Celerra/VNX, little-endian: NFSv3 32 bytes (object, then export: fsid, kind, tree, inode, generation); NFSv4
 * 40 bytes (8-byte header with the object type, then export and object). Detected when both fsids are equal.
 */
export function decodeCelerra(b: Uint8Array, auto: boolean): CelerraFileHandle | undefined {
  let object: CelerraObject;
  let exported: CelerraObject;
  let extra: { objectType?: number; readOnly?: boolean } = {};
  if (b.length === 32) {
    object = celerraObject(b, 0);
    exported = celerraObject(b, 16);
  } else if (b.length === 40) {
    exported = celerraObject(b, 8);
    object = celerraObject(b, 24);
    extra = { objectType: b[0]!, readOnly: b[1] !== 0 };
  } else return undefined;
  if (auto && (object.fsid !== exported.fsid || object.fsid === 0 || object.inode === 0)) return undefined;
  return new DecodedFileHandle(
    b,
    'celerra-vnx',
    'low',
    [auto ? `${b.length} bytes with the same fsid for object and export (length only: weak)` : 'format forced'],
    {
      name: 'CELERRA_FSID',
      number: exported.fsid,
      exportInode: exported.inode,
      raw: hexOf(b, b.length === 32 ? 16 : 8, b.length === 32 ? 20 : 12),
    },
    { name: 'CELERRA_OBJECT', inode: object.inode, generation: object.generation },
    undefined,
    'le',
    { object, export: exported, ...extra },
  );
}

/**
 * SVR4 (Solaris-style) 32 bytes: u32 fsid (14-bit major, 18-bit minor), u32 fs type, then the file's fid and the
 * export's fid, each u16 length (8-12), 2 pad bytes, u32 inode, u32 generation. Byte order from the fid lengths.
 */
export function decodeSvr4(b: Uint8Array, auto: boolean): Svr4FileHandle | undefined {
  if (b.length !== 32) return undefined;
  const okLength = (v: number) => v >= 8 && v <= 12;
  let le: boolean;
  if (okLength(u16be(b, 8)) && okLength(u16be(b, 20))) le = false;
  else if (okLength(u16le(b, 8)) && okLength(u16le(b, 20))) le = true;
  else if (auto) return undefined;
  else le = false;
  const r32 = le ? u32le : u32be;
  const { major, minor } = svr4Dev(r32(b, 0));
  const exportInode = r32(b, 24);
  return new DecodedFileHandle(
    b,
    'svr4',
    'low',
    [auto ? '32 bytes with two fid lengths of 8-12 (weak)' : 'format forced'],
    { name: 'SVR4_DEV', major, minor, exportInode, raw: hexOf(b, 0, 4) },
    { name: 'SVR4_FID', inode: r32(b, 12), generation: r32(b, 16) },
    undefined,
    le ? 'le' : 'be',
    { fsType: r32(b, 4), exportInode, exportGeneration: r32(b, 28) },
  );
}
