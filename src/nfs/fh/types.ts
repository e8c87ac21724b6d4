// NFS filehandles (RFC 1813 §2.3.3, RFC 7530 §4.2): the decoded shapes, H of ../shared/CLI.md. Handles are opaque
// to clients; these are the server-side layouts (Linux knfsd, nfs-ganesha, vendors) as far as they are documented.

export type ByteOrder = 'le' | 'be';
export type Confidence = 'high' | 'medium' | 'low';

export const FILE_HANDLE_FORMATS = [
  'knfsd',
  'knfsd-v0',
  'ganesha',
  'gluster',
  'dcache',
  'ontap-v3',
  'ontap-v4',
  'ontap-gx-v3',
  'celerra-vnx',
  'svr4',
  'unknown',
] as const;
export type FileHandleFormat = (typeof FILE_HANDLE_FORMATS)[number];

/**
 * Which filesystem (and export) a handle points into. 64-bit quantities are bigint (decimal strings in JSON),
 * 32-bit ones numbers. `raw` is the lowercase hex of the fsid bytes as they are on the wire.
 */
export interface Fsid {
  readonly type?: number;
  readonly name: string;
  readonly major?: number | bigint;
  readonly minor?: number | bigint;
  readonly exportInode?: number | bigint;
  /** knfsd FSID_NUM: the value of `fsid=` in /etc/exports. */
  readonly number?: number;
  /** Filesystem UUID (possibly folded to 8 or 4 bytes by knfsd), lowercase hex. */
  readonly uuid?: string;
  readonly raw: string;
}

/**
 * The object inside the filesystem: the kernel's `struct fid` for knfsd (and ganesha's VFS FSAL), whose layout
 * depends on `type` (enum fid_type in include/linux/exportfs.h) and on the filesystem that wrote it.
 */
export interface FileId {
  /** fid_type; absent for layouts without one (knfsd version 0). */
  readonly type?: number;
  readonly name: string;
  readonly inode?: number | bigint;
  readonly generation?: number;
  readonly parentInode?: number | bigint;
  readonly parentGeneration?: number;
  /** btrfs: subvolume root objectid (and of the parent). */
  readonly root?: bigint;
  readonly parentRoot?: bigint;
  /** bcachefs subvolume. */
  readonly subvolume?: number;
  readonly parentSubvolume?: number;
  /** UDF: logical block and partition reference. */
  readonly block?: number;
  readonly partition?: number;
  readonly parentBlock?: number;
  readonly parentPartition?: number;
  /** FAT: i_pos, the directory-entry position that stands in for an inode number. */
  readonly position?: number;
  readonly parentPosition?: number;
  /** NILFS checkpoint number. */
  readonly checkpoint?: bigint;
  /** Lustre FIDs as Lustre prints them, `[0xSEQ:0xOID:0xVER]`. */
  readonly fid?: string;
  readonly parentFid?: string;
  /** Undecoded fileid bytes (unknown type or unexpected length), lowercase hex. */
  readonly raw?: string;
}

export interface KnfsdDetails {
  readonly version: 1;
  readonly authType: number;
  /** `nfsv2`: a 32-byte NFSv2 handle whose tail is zero padding. */
  readonly padding?: 'nfsv2';
  /** The 8 trailing bytes of a signed filehandle (message authentication code), hex. */
  readonly mac?: string;
}

export interface KnfsdV0Details {
  readonly dcookie: number;
  readonly fileDevice: { readonly major: number; readonly minor: number };
}

export interface GaneshaDetails {
  readonly version: number;
  readonly flags: number;
  readonly pnfsDataServer: boolean;
  /** Flag 0x40: the server wrote its host-order fields big-endian. */
  readonly fsalBigEndian: boolean;
  readonly fsLength: number;
  /** `vfs` when the FSAL part decodes as FSAL_VFS (also used by FSAL_XFS, LUSTRE, PANFS), else `unknown`. */
  readonly fsal: 'vfs' | 'unknown';
  readonly vfsFlags?: number;
  readonly dummy?: boolean;
  readonly handleType?: number;
  readonly fsalRaw?: string;
  readonly padding?: 'nfsv3';
}

export interface GlusterDetails {
  readonly exportUuid: string;
  readonly gfid: string;
  readonly mountUuid?: string;
  readonly rest?: string;
}

export interface DcacheDetails {
  readonly version: number;
  readonly generation: number;
  readonly exportIndex: number;
  readonly objectType: number;
  readonly objectTypeName: string;
  readonly opaque: string;
}

/** NetApp ONTAP 7-mode handle, fields as Wireshark's ONTAP decoders lay them out (little-endian). */
export interface OntapDetails {
  readonly mountInode?: number;
  readonly mountGeneration?: number;
  readonly exportInode?: number;
  readonly exportGeneration?: number;
  readonly exportSnapshot?: number;
  readonly flags: number;
  readonly snapshot: number;
  readonly fileInode: number;
  readonly fileGeneration: number;
  readonly fsidValue: number;
  readonly handleType?: number;
}

export interface OntapGxDetails {
  readonly utility: number;
  readonly volumeCount: number;
  readonly epoch: number;
  readonly file: OntapSpinHandle;
  readonly mountPoint?: OntapSpinHandle;
  readonly rest?: string;
}

export interface OntapSpinHandle {
  readonly dsid: number;
  readonly clusterId: number;
  readonly flags: number;
  readonly fileId: number;
  readonly uniqueId: number;
}

export interface CelerraObject {
  readonly fsid: number;
  readonly kindId: number;
  readonly treeId: number;
  readonly inode: number;
  readonly generation: number;
}

export interface CelerraDetails {
  readonly object: CelerraObject;
  readonly export: CelerraObject;
  readonly objectType?: number;
  readonly readOnly?: boolean;
}

export interface Svr4Details {
  readonly fsType: number;
  readonly exportInode: number;
  readonly exportGeneration: number;
}

// biome-ignore lint/complexity/noBannedTypes: the unknown format has no details
export type NoDetails = {};

/** Every decoded handle: the H shape of ../shared/CLI.md plus `bytes`, `byteOrder` and format `details`. */
export interface DecodedFileHandleOf<F extends FileHandleFormat, D> {
  /** The input bytes (aliases the caller's buffer: copy before mutating it if you keep the result). */
  readonly bytes: Uint8Array;
  readonly hex: string;
  readonly length: number;
  /** CRC-32 of the raw bytes, `0x` + 8 hex digits, as Wireshark's `nfs.fh.hash`. */
  readonly hash: string;
  readonly format: F;
  readonly confidence: Confidence;
  readonly reasons: readonly string[];
  readonly fsid: Fsid | undefined;
  readonly fileid: FileId | undefined;
  /** nfs-ganesha `Export_Id`; dCache export index. */
  readonly exportId: number | undefined;
  /** Host byte order the host-order fields were read in, where the format has any. */
  readonly byteOrder: ByteOrder | undefined;
  /** Device numbers are on the wire: a standby with different major:minor makes the handle stale. */
  readonly deviceBased: boolean;
  /** High-availability advice in plain words. */
  readonly notes: readonly string[];
  readonly details: D;
  toJSON(): Record<string, unknown>;
}

export type KnfsdFileHandle = DecodedFileHandleOf<'knfsd', KnfsdDetails>;
export type KnfsdV0FileHandle = DecodedFileHandleOf<'knfsd-v0', KnfsdV0Details>;
export type GaneshaFileHandle = DecodedFileHandleOf<'ganesha', GaneshaDetails>;
export type GlusterFileHandle = DecodedFileHandleOf<'gluster', GlusterDetails>;
export type DcacheFileHandle = DecodedFileHandleOf<'dcache', DcacheDetails>;
export type OntapFileHandle = DecodedFileHandleOf<'ontap-v3' | 'ontap-v4', OntapDetails>;
export type OntapGxFileHandle = DecodedFileHandleOf<'ontap-gx-v3', OntapGxDetails>;
export type CelerraFileHandle = DecodedFileHandleOf<'celerra-vnx', CelerraDetails>;
export type Svr4FileHandle = DecodedFileHandleOf<'svr4', Svr4Details>;
export type UnknownFileHandle = DecodedFileHandleOf<'unknown', NoDetails>;

export type FileHandle =
  | KnfsdFileHandle
  | KnfsdV0FileHandle
  | GaneshaFileHandle
  | GlusterFileHandle
  | DcacheFileHandle
  | OntapFileHandle
  | OntapGxFileHandle
  | CelerraFileHandle
  | Svr4FileHandle
  | UnknownFileHandle;

export interface DecodeOptions {
  /** Decode as this format only; a handle that does not fit throws FileHandleError('BAD_FORMAT'). */
  readonly format?: FileHandleFormat;
  /** The server CPU's byte order for host-order fields; without it: little-endian unless the values say otherwise. */
  readonly byteOrder?: ByteOrder;
}
