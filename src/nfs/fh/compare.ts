// Compare two decoded handles of the same path from two servers (primary and standby): which fields differ and
// what each difference means for failover. Used by `nfsprobe compare`.
import type { FileHandle } from './types.js';

export type DifferenceSeverity = 'fail' | 'warn' | 'info';

export interface FileHandleDifference {
  /** Dotted field name in the H shape, e.g. `fsid.major`. */
  readonly field: string;
  readonly a: unknown;
  readonly b: unknown;
  readonly severity: DifferenceSeverity;
  /** What the difference does to clients after a failover, and what to do about it. */
  readonly consequence: string;
}

export interface FileHandleComparison {
  /** Byte-for-byte the same handle: the only case that is safe whatever the format. */
  readonly identical: boolean;
  /** No difference of severity `fail`: handles from one server are accepted by the other. */
  readonly compatible: boolean;
  readonly differences: readonly FileHandleDifference[];
}

const PIN =
  'Set the same fsid=N for this export in /etc/exports on both servers (ganesha: the same Filesystem_id), then ' +
  '`exportfs -ra`.';

interface Check {
  readonly field: string;
  readonly get: (h: FileHandle) => unknown;
  readonly severity: DifferenceSeverity;
  /** A function where the words depend on the handles (device numbers or not). */
  readonly consequence: string | ((a: FileHandle, b: FileHandle) => string);
}

/** Device numbers only where the handles carry them; ganesha's and UUID-style fsids are values, not devices. */
function fsidHalf(half: 'major' | 'minor'): (a: FileHandle, b: FileHandle) => string {
  return (a, b) =>
    a.deviceBased && b.deviceBased
      ? `The device ${half} number differs: every handle goes stale after failover. ${PIN}`
      : `The fsid differs (its ${half} half): the standby exports another filesystem or derives the fsid differently, ` +
        `so every handle goes stale after failover. ${PIN}`;
}

const CHECKS: readonly Check[] = [
  {
    field: 'format',
    get: (h) => h.format,
    severity: 'fail',
    consequence: 'The servers build handles in different formats: no client handle survives a failover between them.',
  },
  {
    field: 'byteOrder',
    get: (h) => h.byteOrder,
    severity: 'fail',
    consequence:
      'The servers differ in byte order: host-order fields (inode numbers, fsid=) are read differently; pair ' +
      'servers of the same architecture.',
  },
  {
    field: 'exportId',
    get: (h) => h.exportId,
    severity: 'fail',
    consequence: 'The export id differs (ganesha Export_Id): give the export the same Export_Id on both servers.',
  },
  {
    field: 'fsid.type',
    get: (h) => h.fsid?.type,
    severity: 'fail',
    consequence: `The fsid is encoded differently, so every handle goes stale after failover. ${PIN}`,
  },
  {
    field: 'fsid.major',
    get: (h) => h.fsid?.major,
    severity: 'fail',
    consequence: fsidHalf('major'),
  },
  {
    field: 'fsid.minor',
    get: (h) => h.fsid?.minor,
    severity: 'fail',
    consequence: fsidHalf('minor'),
  },
  {
    field: 'fsid.number',
    get: (h) => h.fsid?.number,
    severity: 'fail',
    consequence: 'The fsid= values differ: set the same fsid=N for this export on both servers.',
  },
  {
    field: 'fsid.uuid',
    get: (h) => h.fsid?.uuid,
    severity: 'fail',
    consequence:
      'The filesystem UUID differs: the standby exports a different filesystem (not shared or replicated at block ' +
      `level), or mountd derived the UUID from the device. ${PIN}`,
  },
  {
    field: 'fsid.exportInode',
    get: (h) => h.fsid?.exportInode,
    severity: 'fail',
    consequence:
      'The export-root inode differs: the standby exports a different directory or filesystem; knfsd will not ' +
      `match the handle's export. ${PIN}`,
  },
  {
    field: 'fileid.type',
    get: (h) => h.fileid?.type,
    severity: 'fail',
    consequence:
      'The filesystems encode file ids differently (different filesystem type or options, e.g. XFS inode64): the ' +
      'standby cannot find the files.',
  },
  {
    field: 'fileid.inode',
    get: (h) => h.fileid?.inode ?? h.fileid?.position ?? h.fileid?.fid ?? h.fileid?.raw,
    severity: 'fail',
    consequence:
      'The file is a different object on the standby (a file-level copy, not shared storage): its handles go ' +
      'stale; use shared or block-replicated storage.',
  },
  {
    field: 'fileid.generation',
    get: (h) => h.fileid?.generation,
    severity: 'fail',
    consequence: 'The inode generation differs: the standby has a re-created file; clients get ESTALE for it.',
  },
  {
    field: 'fileid.root',
    get: (h) => h.fileid?.root ?? h.fileid?.subvolume,
    severity: 'fail',
    consequence: 'The subvolume differs: the standby exports a different btrfs/bcachefs subvolume.',
  },
  {
    field: 'fileid.parentInode',
    get: (h) => h.fileid?.parentInode,
    severity: 'warn',
    consequence: 'The parent directory differs: reconnecting disconnected dentries on the standby may fail.',
  },
  {
    field: 'details.mac',
    get: (h) => (h.format === 'knfsd' ? h.details.mac !== undefined : undefined),
    severity: 'warn',
    consequence: 'Only one server signs its filehandles: the other rejects or cannot verify them.',
  },
];

function same(a: unknown, b: unknown): boolean {
  return a === b;
}

/** Field-by-field differences between two decoded handles, each with its failover consequence. */
export function compareFileHandles(a: FileHandle, b: FileHandle): FileHandleComparison {
  const identical = a.hex === b.hex;
  const differences: FileHandleDifference[] = [];
  if (!identical) {
    for (const check of CHECKS) {
      const va = check.get(a);
      const vb = check.get(b);
      if (!same(va, vb)) {
        differences.push({
          field: check.field,
          a: va,
          b: vb,
          severity: check.severity,
          consequence: typeof check.consequence === 'string' ? check.consequence : check.consequence(a, b),
        });
      }
    }
    if (a.format === 'knfsd' && b.format === 'knfsd') {
      const macA = a.details.mac;
      const macB = b.details.mac;
      if (macA !== undefined && macB !== undefined && macA !== macB && differences.length === 0) {
        differences.push({
          field: 'details.mac',
          a: macA,
          b: macB,
          severity: 'warn',
          consequence: 'The MACs differ for the same file: the servers sign with different keys.',
        });
      }
    }
    if (differences.length === 0) {
      differences.push({
        field: 'hex',
        a: a.hex,
        b: b.hex,
        severity: 'warn',
        consequence:
          "The handles differ in bytes nfsprobe does not interpret: the standby may not accept the primary's handles.",
      });
    }
  }
  if (a.confidence === 'low' || b.confidence === 'low') {
    differences.push({
      field: 'confidence',
      a: a.confidence,
      b: b.confidence,
      severity: 'info',
      consequence: 'At least one handle was decoded with low confidence: treat the field comparison as a guess.',
    });
  }
  return { identical, compatible: !differences.some((d) => d.severity === 'fail'), differences };
}
