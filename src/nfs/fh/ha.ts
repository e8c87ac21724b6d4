// High-availability reading of a decoded filehandle: which numbers a standby server must reproduce so that the
// handles clients hold stay valid after failover, and how to pin them (exports(5) fsid=, ganesha Filesystem_id).
import type { FileHandle, FileHandleFormat, Fsid } from './types.js';

/** knfsd fsid types that carry device numbers: FSID_DEV, FSID_MAJOR_MINOR, FSID_ENCODE_DEV. */
const KNFSD_DEVICE_FSIDS = new Set([0, 2, 3]);
/** ganesha VFS FSID_DEVICE. */
const GANESHA_FSID_DEVICE = 5;
const GANESHA_FSID_TWO_UINT32 = 4;

/**
 * Does a ganesha FSID_TWO_UINT32 (statfs f_fsid) look like a device number? XFS and filesystems without a UUID put
 * huge_encode_dev(dev) in f_fsid (second word 0); with f_fsid zero ganesha stores major and minor instead. ext4 and
 * btrfs derive f_fsid from the UUID, which looks like random 32-bit words.
 */
export function ganeshaFsidLooksLikeDevice(fsid: Fsid): boolean {
  const major = Number(fsid.major ?? 0);
  const minor = Number(fsid.minor ?? 0);
  return (minor === 0 && major < 0x1000_0000) || (major < 0x1000 && minor < 0x10_0000);
}

/** A ganesha FSID_TWO_UINT32 the way `stat -f -c %i` prints f_fsid: both words as 8 hex digits each. */
export function statfsFsidText(fsid: Fsid): string {
  const word = (v: number | bigint | undefined) => (v ?? 0).toString(16).padStart(8, '0');
  return `${word(fsid.major)}${word(fsid.minor)}`;
}

export function isDeviceBased(format: FileHandleFormat, fsid: Fsid | undefined): boolean {
  if (format === 'knfsd-v0') return true;
  if (fsid?.type === undefined) return false;
  if (format === 'knfsd') return KNFSD_DEVICE_FSIDS.has(fsid.type);
  if (format === 'ganesha') {
    return (
      fsid.type === GANESHA_FSID_DEVICE || (fsid.type === GANESHA_FSID_TWO_UINT32 && ganeshaFsidLooksLikeDevice(fsid))
    );
  }
  return false;
}

const PIN_KNFSD =
  'Remedy: give the export the same fsid=N (a number unique per export) in /etc/exports on both servers and run ' +
  '`exportfs -ra`; handles then carry N instead of device numbers (clients holding old handles must remount once).';
const SAME_FILES =
  'The file inode and generation must also be identical on the standby: true for shared or block-replicated ' +
  'storage (SAN, DRBD), not for file-level copies (rsync).';
const PIN_GANESHA =
  'Remedy: set the same `Filesystem_id = N.M;` in this EXPORT block of ganesha.conf on both servers (and the same ' +
  'VFS `fsid_type`), so the handle no longer depends on how each server sees the filesystem.';

/** Plain-language HA notes for a decoded handle. */
export function haNotes(h: FileHandle): string[] {
  switch (h.format) {
    case 'knfsd':
      return knfsdNotes(h);
    case 'knfsd-v0':
      return [
        `Old (pre-2.6) knfsd handle: it carries the export's device ${h.fsid?.major}:${h.fsid?.minor} and ` +
          `export-root inode ${h.fsid?.exportInode}; the standby must have the same device numbers and inode.`,
        'Linux 5.16 and later no longer accept these handles: clients holding them must remount.',
        PIN_KNFSD,
      ];
    case 'ganesha':
      return ganeshaNotes(h);
    case 'gluster':
      return [
        `GlusterFS handle: volume ${h.details.exportUuid}, GFID ${h.details.gfid}. GFIDs are cluster-wide, so any ` +
          'server of the same volume accepts it; the standby must serve the same volume (same volume UUID).',
      ];
    case 'dcache':
      return [
        `dCache handle: export index ${h.details.exportIndex}, generation ${h.details.generation}. Every door must ` +
          'use the same exports table (same export index for this path) and the same namespace.',
      ];
    case 'unknown':
      return [
        'Unknown layout: nfsprobe cannot tell which numbers a standby must reproduce. Compare a handle of the same ' +
          'path from both servers (`nfsprobe compare`): identical bytes are the only safe answer.',
      ];
    default:
      return [
        `${h.format} handle recognised by ${h.confidence === 'low' ? 'length only' : 'its layout'}: failover is ` +
          "the appliance's own (cluster/vfiler/data mover takeover); compare handles from both heads to be sure.",
      ];
  }
}

function knfsdNotes(h: FileHandle & { format: 'knfsd' }): string[] {
  const notes: string[] = [];
  const fsid = h.fsid;
  const order = h.byteOrder === 'be' ? 'big-endian' : 'little-endian';
  switch (fsid?.type) {
    case 0:
    case 2:
    case 3:
      notes.push(
        `Device-based handle (${fsid.name}): the standby must export this path from device ${fsid.major}:${fsid.minor} ` +
          `with export-root inode ${fsid.exportInode}; if any of the three differs, every client handle goes stale ` +
          'after failover.',
        PIN_KNFSD,
      );
      break;
    case 1:
      notes.push(
        fsid.number === 0
          ? 'fsid=0 (or fsid=root): the NFSv4 pseudo-root; the standby needs the same fsid=0 export.'
          : `Pinned with fsid=${fsid.number}: the standby must export the same path with fsid=${fsid.number}; the ` +
              `number is written in the server's byte order (${order}), so both servers must share it.`,
      );
      break;
    case 4:
    case 5:
    case 6:
    case 7:
      notes.push(
        `UUID-based handle (${fsid.name}, ${fsid.uuid}): the standby must export the same filesystem (same UUID` +
          `${fsid.type === 4 || fsid.type === 7 ? ` and export-root inode ${fsid.exportInode}` : ''}); shared or ` +
          'block-replicated storage keeps it, a copy made with mkfs does not.',
        'If the filesystem has no UUID, mountd derived one from statfs f_fsid, which can hide a device number: ' +
          'fsid=N in /etc/exports on both servers removes the doubt.',
      );
      break;
    default:
      notes.push(`Unknown fsid type: nfsprobe cannot tell what the standby must match. ${PIN_KNFSD}`);
  }
  if (h.fileid?.inode !== undefined || h.fileid?.position !== undefined || h.fileid?.fid !== undefined) {
    notes.push(SAME_FILES);
  }
  if (h.details.mac !== undefined) {
    notes.push('Signed filehandle (8-byte MAC at the end): the standby must use the same filehandle signing key.');
  }
  return notes;
}

function ganeshaNotes(h: FileHandle & { format: 'ganesha' }): string[] {
  const notes = [
    `nfs-ganesha handle of Export_Id ${h.exportId}: the standby must define the same export with the same Export_Id.`,
  ];
  const fsid = h.fsid;
  if (fsid?.type === 5) {
    notes.push(
      `Device-based (fsid_device): the standby must see the filesystem as device ${fsid.major}:${fsid.minor}.`,
      PIN_GANESHA,
    );
  } else if (fsid?.type === 4) {
    notes.push(
      h.deviceBased
        ? `The fsid ${statfsFsidText(fsid)} (statfs f_fsid) looks like a device number (XFS, or a filesystem without f_fsid): ` +
            'the standby must see the same device.'
        : `The fsid ${statfsFsidText(fsid)} comes from statfs f_fsid (\`stat -f -c %i PATH\`, UUID-derived on ` +
            'ext4/btrfs): the standby must mount the same filesystem.',
      PIN_GANESHA,
    );
  } else if (fsid?.type === 3) {
    notes.push(`UUID-based fsid ${fsid.uuid}: the standby must mount the same filesystem (same UUID).`);
  } else if (fsid !== undefined && fsid.type !== 0) {
    notes.push(`The fsid ${fsid.major}.${fsid.minor ?? 0} must be the same on the standby (Filesystem_id).`);
  }
  if (h.fileid?.inode !== undefined) notes.push(SAME_FILES);
  if (h.details.fsal === 'unknown') {
    notes.push('The FSAL part is not FSAL_VFS: its backend (Ceph, Gluster, GPFS, ...) decides what must match.');
  }
  return notes;
}
