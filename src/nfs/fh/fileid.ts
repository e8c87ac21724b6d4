// Linux `struct fid` layouts by fid_type (include/linux/exportfs.h and each filesystem's encode_fh), shared by knfsd
// handles and ganesha's VFS FSAL kernel handles. All fields are in the server's host byte order.
import { hexOf, u16, u32, u64 } from './bytes.js';
import type { FileId } from './types.js';

export const FILEID_ROOT = 0x00;
export const FILEID_INO32_GEN = 0x01;
export const FILEID_INO32_GEN_PARENT = 0x02;
export const FILEID_BTRFS_WITHOUT_PARENT = 0x4d;
export const FILEID_BTRFS_WITH_PARENT = 0x4e;
export const FILEID_BTRFS_WITH_PARENT_ROOT = 0x4f;
export const FILEID_UDF_WITHOUT_PARENT = 0x51;
export const FILEID_UDF_WITH_PARENT = 0x52;
export const FILEID_NILFS_WITHOUT_PARENT = 0x61;
export const FILEID_NILFS_WITH_PARENT = 0x62;
export const FILEID_FAT_WITHOUT_PARENT = 0x71;
export const FILEID_FAT_WITH_PARENT = 0x72;
export const FILEID_INO64_GEN = 0x81;
export const FILEID_INO64_GEN_PARENT = 0x82;
export const FILEID_LUSTRE = 0x97;
export const FILEID_BCACHEFS_WITHOUT_PARENT = 0xb1;
export const FILEID_BCACHEFS_WITH_PARENT = 0xb2;
export const FILEID_KERNFS = 0xfe;
export const FILEID_INVALID = 0xff;

interface FileIdLayout {
  readonly name: string;
  /** Byte lengths the type is written with; empty = not decodable (kept raw). */
  readonly lengths: readonly number[];
}

const LAYOUTS = new Map<number, FileIdLayout>([
  [FILEID_ROOT, { name: 'ROOT', lengths: [0] }],
  // 12 bytes: tmpfs (shmem_encode_fh) writes gen, ino low, ino high.
  [FILEID_INO32_GEN, { name: 'INO32_GEN', lengths: [8, 12] }],
  [FILEID_INO32_GEN_PARENT, { name: 'INO32_GEN_PARENT', lengths: [16] }],
  [FILEID_BTRFS_WITHOUT_PARENT, { name: 'BTRFS_WITHOUT_PARENT', lengths: [20] }],
  [FILEID_BTRFS_WITH_PARENT, { name: 'BTRFS_WITH_PARENT', lengths: [32] }],
  [FILEID_BTRFS_WITH_PARENT_ROOT, { name: 'BTRFS_WITH_PARENT_ROOT', lengths: [40] }],
  [FILEID_UDF_WITHOUT_PARENT, { name: 'UDF_WITHOUT_PARENT', lengths: [12] }],
  [FILEID_UDF_WITH_PARENT, { name: 'UDF_WITH_PARENT', lengths: [20] }],
  [FILEID_NILFS_WITHOUT_PARENT, { name: 'NILFS_WITHOUT_PARENT', lengths: [20] }],
  [FILEID_NILFS_WITH_PARENT, { name: 'NILFS_WITH_PARENT', lengths: [32] }],
  [FILEID_FAT_WITHOUT_PARENT, { name: 'FAT_WITHOUT_PARENT', lengths: [12] }],
  [FILEID_FAT_WITH_PARENT, { name: 'FAT_WITH_PARENT', lengths: [20] }],
  [FILEID_INO64_GEN, { name: 'INO64_GEN', lengths: [12] }],
  [FILEID_INO64_GEN_PARENT, { name: 'INO64_GEN_PARENT', lengths: [24] }],
  [FILEID_LUSTRE, { name: 'LUSTRE', lengths: [16, 32] }],
  [FILEID_BCACHEFS_WITHOUT_PARENT, { name: 'BCACHEFS_WITHOUT_PARENT', lengths: [16] }],
  [FILEID_BCACHEFS_WITH_PARENT, { name: 'BCACHEFS_WITH_PARENT', lengths: [32] }],
  [FILEID_KERNFS, { name: 'KERNFS', lengths: [8] }],
  // overlayfs writes its own structure (origin handle of the lower layer); kept raw.
  [0xf8, { name: 'OVL_FILEID_V1', lengths: [] }],
  [0xfb, { name: 'OVL_FILEID_V0', lengths: [] }],
  [FILEID_INVALID, { name: 'INVALID', lengths: [] }],
]);

/** The kernel's name for a fid_type without the FILEID_ prefix, or `UNKNOWN_0x..`. */
export function fileIdName(type: number): string {
  return LAYOUTS.get(type)?.name ?? `UNKNOWN_0x${type.toString(16).padStart(2, '0')}`;
}

/** Byte lengths `type` is written with, or undefined for a type we cannot decode. */
export function fileIdLengths(type: number): readonly number[] | undefined {
  const layout = LAYOUTS.get(type);
  return layout === undefined || layout.lengths.length === 0 ? undefined : layout.lengths;
}

/** Does `length` fit `type` exactly? */
export function fileIdFits(type: number, length: number): boolean {
  const lengths = fileIdLengths(type);
  return lengths?.includes(length) === true;
}

function lustreFid(b: Uint8Array, o: number, le: boolean): string {
  return `[0x${u64(b, o, le).toString(16)}:0x${u32(b, o + 8, le).toString(16)}:0x${u32(b, o + 12, le).toString(16)}]`;
}

/**
 * Decode the fileid in `bytes[start, end)` as `type`. A type we do not know, or a length the type is not written
 * with, comes back as `{type, name, raw}`; this never throws for in-bounds arguments.
 */
export function decodeFileId(b: Uint8Array, start: number, end: number, type: number, le: boolean): FileId {
  const name = fileIdName(type);
  const n = end - start;
  if (!fileIdFits(type, n)) return { type, name, raw: hexOf(b, start, end) };
  const o = start;
  switch (type) {
    case FILEID_ROOT:
      return { type, name };
    case FILEID_INO32_GEN:
      if (n === 12) return { type, name, inode: u64(b, o + 4, le), generation: u32(b, o, le) };
      return { type, name, inode: u32(b, o, le), generation: u32(b, o + 4, le) };
    case FILEID_INO32_GEN_PARENT:
      return {
        type,
        name,
        inode: u32(b, o, le),
        generation: u32(b, o + 4, le),
        parentInode: u32(b, o + 8, le),
        parentGeneration: u32(b, o + 12, le),
      };
    case FILEID_INO64_GEN:
      return { type, name, inode: u64(b, o, le), generation: u32(b, o + 8, le) };
    case FILEID_INO64_GEN_PARENT:
      return {
        type,
        name,
        inode: u64(b, o, le),
        generation: u32(b, o + 8, le),
        parentInode: u64(b, o + 12, le),
        parentGeneration: u32(b, o + 20, le),
      };
    case FILEID_BTRFS_WITHOUT_PARENT:
    case FILEID_BTRFS_WITH_PARENT:
    case FILEID_BTRFS_WITH_PARENT_ROOT: {
      // struct btrfs_fid (packed): objectid, root_objectid, gen, parent_objectid, parent_gen, parent_root_objectid.
      const inode = u64(b, o, le);
      const root = u64(b, o + 8, le);
      const generation = u32(b, o + 16, le);
      if (n === 20) return { type, name, inode, generation, root };
      const parentInode = u64(b, o + 20, le);
      const parentGeneration = u32(b, o + 28, le);
      if (n === 32) return { type, name, inode, generation, root, parentInode, parentGeneration };
      return { type, name, inode, generation, root, parentInode, parentGeneration, parentRoot: u64(b, o + 32, le) };
    }
    case FILEID_UDF_WITHOUT_PARENT:
    case FILEID_UDF_WITH_PARENT: {
      // fid.udf: u32 block, u16 partref, u16 parent_partref, u32 generation, u32 parent_block, u32 parent_generation.
      const block = u32(b, o, le);
      const partition = u16(b, o + 4, le);
      const generation = u32(b, o + 8, le);
      if (n === 12) return { type, name, block, partition, generation };
      return {
        type,
        name,
        block,
        partition,
        generation,
        parentBlock: u32(b, o + 12, le),
        parentPartition: u16(b, o + 6, le),
        parentGeneration: u32(b, o + 16, le),
      };
    }
    case FILEID_NILFS_WITHOUT_PARENT:
    case FILEID_NILFS_WITH_PARENT: {
      // struct nilfs_fid (packed): u64 cno, u64 ino, u32 gen, u32 parent_gen, u64 parent_ino.
      const checkpoint = u64(b, o, le);
      const inode = u64(b, o + 8, le);
      const generation = u32(b, o + 16, le);
      if (n === 20) return { type, name, checkpoint, inode, generation };
      return {
        type,
        name,
        checkpoint,
        inode,
        generation,
        parentGeneration: u32(b, o + 20, le),
        parentInode: u64(b, o + 24, le),
      };
    }
    case FILEID_FAT_WITHOUT_PARENT:
    case FILEID_FAT_WITH_PARENT: {
      // struct fat_fid: u32 i_gen, u32 i_pos_low, u16 i_pos_hi, u16 parent_i_pos_hi, u32 parent_i_pos_low,
      // u32 parent_i_gen. i_pos is at most 48 bits, so a number.
      const generation = u32(b, o, le);
      const position = u16(b, o + 8, le) * 0x1_0000_0000 + u32(b, o + 4, le);
      if (n === 12) return { type, name, position, generation };
      return {
        type,
        name,
        position,
        generation,
        parentPosition: u16(b, o + 10, le) * 0x1_0000_0000 + u32(b, o + 12, le),
        parentGeneration: u32(b, o + 16, le),
      };
    }
    case FILEID_LUSTRE:
      // struct lustre_nfs_fid: child lu_fid {u64 seq, u32 oid, u32 ver}, then the parent's.
      if (n === 16) return { type, name, fid: lustreFid(b, o, le) };
      return { type, name, fid: lustreFid(b, o, le), parentFid: lustreFid(b, o + 16, le) };
    case FILEID_BCACHEFS_WITHOUT_PARENT:
    case FILEID_BCACHEFS_WITH_PARENT: {
      // struct bcachefs_fid (packed): u64 inum, u32 subvol, u32 gen; WITH_PARENT adds the directory's.
      const inode = u64(b, o, le);
      const subvolume = u32(b, o + 8, le);
      const generation = u32(b, o + 12, le);
      if (n === 16) return { type, name, inode, subvolume, generation };
      return {
        type,
        name,
        inode,
        subvolume,
        generation,
        parentInode: u64(b, o + 16, le),
        parentSubvolume: u32(b, o + 24, le),
        parentGeneration: u32(b, o + 28, le),
      };
    }
    case FILEID_KERNFS:
      return { type, name, inode: u64(b, o, le) };
    default:
      return { type, name, raw: hexOf(b, start, end) };
  }
}

const NONE: readonly (readonly [number, number])[] = [];
const AT0_4: readonly (readonly [number, number])[] = [[0, 4]];
const AT4_8: readonly (readonly [number, number])[] = [[4, 8]];
const AT0_4_8_4: readonly (readonly [number, number])[] = [
  [0, 4],
  [8, 4],
];
const AT0_8: readonly (readonly [number, number])[] = [[0, 8]];

/** `[offset, size]` of host-order inode fields, for the byte-order plausibility vote (offsets from the fileid). */
export function inodeFields(type: number, length: number): readonly (readonly [number, number])[] {
  if (type === FILEID_INO32_GEN) return length === 8 ? AT0_4 : length === 12 ? AT4_8 : NONE;
  if (type === FILEID_INO32_GEN_PARENT) return length === 16 ? AT0_4_8_4 : NONE;
  if (type === FILEID_INO64_GEN || type === FILEID_INO64_GEN_PARENT) return length >= 12 ? AT0_8 : NONE;
  return NONE;
}
