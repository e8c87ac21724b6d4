// RFC 1813 section 5 (MOUNT version 3) and appendix A of RFC 1094 (MOUNT version 1) — constants and codecs.
import {
  array,
  int,
  linkedList,
  nameTable,
  string,
  struct,
  XdrError,
  type XdrType,
  type XdrValue,
} from '../xdr/index.js';

export const MOUNT_PROGRAM = 100005;
export const MOUNT_V1 = 1;
export const MOUNT_V3 = 3;

export const MNTPATHLEN = 1024;
export const MNTNAMLEN = 255;
export const FHSIZE = 32;
export const FHSIZE3 = 64;

/** Most entries we accept in one DUMP or EXPORT list, and groups per export; lists are decoded iteratively. */
export const MAX_MOUNT_LIST_ENTRIES = 65_536;
export const MAX_EXPORT_GROUPS = 65_536;

export const MOUNTPROC = {
  NULL: 0,
  MNT: 1,
  DUMP: 2,
  UMNT: 3,
  UMNTALL: 4,
  EXPORT: 5,
} as const;
export const mountProcedureName = nameTable(MOUNTPROC);

export const MOUNTSTAT3 = {
  MNT3_OK: 0,
  MNT3ERR_PERM: 1,
  MNT3ERR_NOENT: 2,
  MNT3ERR_IO: 5,
  MNT3ERR_ACCES: 13,
  MNT3ERR_NOTDIR: 20,
  MNT3ERR_INVAL: 22,
  MNT3ERR_NAMETOOLONG: 63,
  MNT3ERR_NOTSUPP: 10004,
  MNT3ERR_SERVERFAULT: 10006,
} as const;
const mountstat3Names = nameTable(MOUNTSTAT3);
/** RFC name of a mountstat3 value; `MNT3ERR_UNKNOWN_<n>` for an undeclared one. */
export function mountstat3Name(status: number): string {
  return mountstat3Names(status) ?? `MNT3ERR_UNKNOWN_${status}`;
}

/** Auth flavors a server lists in the MNT reply (RFC 5531 section 8.2, RFC 2203). */
export const AUTH_FLAVOR = { AUTH_NONE: 0, AUTH_SYS: 1, AUTH_SHORT: 2, AUTH_DH: 3, RPCSEC_GSS: 6 } as const;
export const authFlavorName = nameTable(AUTH_FLAVOR);

export const dirpath: XdrType<string> = string(MNTPATHLEN);
export const mountName: XdrType<string> = string(MNTNAMLEN);

/** mountres3: `{ status: 0, fhandle, authFlavors }` or `{ status }`. The handle aliases the reply. */
export type MountRes3 =
  | { readonly status: 0; readonly fhandle: Uint8Array; readonly authFlavors: number[] }
  | { readonly status: number };

const authFlavors = array(int, 1024);

export const mountres3: XdrType<MountRes3> = {
  name: 'mountres3',
  encode(w, v) {
    w.encode(() => {
      w.writeUnsignedInt(v.status);
      if ('fhandle' in v) {
        w.writeVariableOpaque(v.fhandle, FHSIZE3);
        authFlavors.encode(w, v.authFlavors);
      }
    });
  },
  decode(r) {
    const status = r.readUnsignedInt();
    if (status !== 0) return { status };
    try {
      const fhandle = r.readVariableOpaque(FHSIZE3);
      return { status: 0, fhandle, authFlavors: authFlavors.decode(r) };
    } catch (error) {
      if (error instanceof XdrError) throw error.within('mountres3');
      throw error;
    }
  },
  encodingLength: (v) => ('fhandle' in v ? 4 + 4 + ((v.fhandle.length + 3) & ~3) + 4 + 4 * v.authFlavors.length : 4),
};

/** fhstatus (MOUNT v1): a fixed 32-byte NFSv2 handle on status 0, else the error number (a Unix errno). */
export type FhStatus = { readonly status: 0; readonly fhandle: Uint8Array } | { readonly status: number };

export const fhstatus: XdrType<FhStatus> = {
  name: 'fhstatus',
  encode(w, v) {
    w.encode(() => {
      w.writeUnsignedInt(v.status);
      if ('fhandle' in v) w.writeFixedOpaque(v.fhandle, FHSIZE);
    });
  },
  decode(r) {
    const status = r.readUnsignedInt();
    if (status !== 0) return { status };
    return { status: 0, fhandle: r.readFixedOpaque(FHSIZE) };
  },
  encodingLength: (v) => ('fhandle' in v ? 4 + FHSIZE : 4),
};

export const mountBody = struct('mountbody', [
  ['hostname', mountName],
  ['directory', dirpath],
]);
export type MountBody = XdrValue<typeof mountBody>;
/** DUMP reply: the server's (advisory) list of mounted clients. */
export const mountList: XdrType<MountBody[]> = linkedList(mountBody, MAX_MOUNT_LIST_ENTRIES);

export const exportNode = struct('exportnode', [
  ['dir', dirpath],
  ['groups', linkedList(mountName, MAX_EXPORT_GROUPS)],
]);
export type ExportNode = XdrValue<typeof exportNode>;
/** EXPORT reply: exported directories and the client groups allowed to mount each. */
export const exportList: XdrType<ExportNode[]> = linkedList(exportNode, MAX_MOUNT_LIST_ENTRIES);
