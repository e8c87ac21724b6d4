// proc(5) /proc/self/mountinfo: which filesystem and device hold a path (the longest mount-point prefix, the last
// mount wins on a shared mount point), and what kind of block device that is (sys/dev/block/MAJ:MIN/uevent).
import { decodeOctal } from './exports-parser.js';

export interface Mount {
  readonly id: number;
  readonly parentId: number;
  readonly major: number;
  readonly minor: number;
  /** The root of the mount within its filesystem (a bind mount's source directory). */
  readonly root: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
  readonly superOptions: string;
  /** 1-based line in mountinfo, for evidence. */
  readonly line: number;
}

/**
 * Parse mountinfo: `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS`, paths with
 * octal escapes (\040). Lines that do not follow the format are skipped (the kernel writes none).
 */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const fields = raw.split(' ');
    const dash = fields.indexOf('-', 6);
    if (dash < 0 || dash + 2 >= fields.length) return;
    const dev = /^(\d+):(\d+)$/.exec(fields[2] ?? '');
    if (dev === null) return;
    mounts.push({
      id: Number(fields[0]),
      parentId: Number(fields[1]),
      major: Number(dev[1]),
      minor: Number(dev[2]),
      root: decodeOctal(fields[3]!),
      mountPoint: decodeOctal(fields[4]!),
      fsType: fields[dash + 1] ?? '',
      source: decodeOctal(fields[dash + 2] ?? ''),
      superOptions: fields[dash + 3] ?? '',
      line: index + 1,
    });
  });
  return mounts;
}

/** Does `path` lie at or under `dir` (both absolute, normalised)? */
export function isUnder(path: string, dir: string): boolean {
  if (dir === '/') return path.startsWith('/');
  return path === dir || path.startsWith(`${dir}/`);
}

/** The mount that holds `path` (absolute, symlinks already resolved): longest mount point, the last of equals. */
export function mountFor(mounts: readonly Mount[], path: string): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    if (!isUnder(path, m.mountPoint)) continue;
    if (best === undefined || m.mountPoint.length >= best.mountPoint.length) best = m;
  }
  return best;
}

/** The root filesystem's mount (mount point `/`, the last one). */
export function rootMount(mounts: readonly Mount[]): Mount | undefined {
  return mountFor(mounts, '/');
}

/** Same filesystem: the same device (bind mounts of the root filesystem share its MAJ:MIN). */
export function sameDevice(a: Mount, b: Mount): boolean {
  return a.major === b.major && a.minor === b.minor;
}

export type DeviceKind = 'dm' | 'loop' | 'md' | 'nbd' | 'drbd' | 'disk' | 'none';

/** Device kinds whose numbers are assigned at run time and differ between nodes. */
export const UNSTABLE_DEVICES: ReadonlySet<DeviceKind> = new Set(['dm', 'loop', 'md', 'nbd']);

/** Filesystems whose export identity knfsd/mountd takes from the filesystem UUID when no fsid= is given. */
export const UUID_FILESYSTEMS: ReadonlySet<string> = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs']);

/**
 * Classify a device by its kernel name (`DEVNAME=` of sys/dev/block/MAJ:MIN/uevent, or the mount source's last
 * component). Major 0 is an anonymous device (tmpfs, nfs, overlay, ...): `none`.
 */
export function classifyDevice(major: number, devName: string | undefined): DeviceKind {
  if (major === 0) return 'none';
  const name = (devName ?? '').replace(/^.*\//, '');
  if (/^dm-\d+$/.test(name) || (devName ?? '').startsWith('/dev/mapper/')) return 'dm';
  if (/^loop\d+/.test(name) || major === 7) return 'loop';
  if (/^md/.test(name) || major === 9) return 'md';
  if (/^nbd\d+/.test(name) || major === 43) return 'nbd';
  if (/^drbd\d+/.test(name) || major === 147) return 'drbd';
  return 'disk';
}
