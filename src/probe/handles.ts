// Obtaining the filehandle of an exported path the way clients do: MOUNT MNT (+ LOOKUP below the export) for NFSv3,
// PUTROOTFH + LOOKUP + GETFH for NFSv4 (4.0, or 4.1 with a session when the server refuses 4.0), with GETATTR of the
// same object, and the handle decoded.
import type { NfsConnection } from '../nfs/connect.js';
import { NfsError } from '../nfs/errors.js';
import { decodeFileHandle } from '../nfs/fh/index.js';
import { ftype3Name } from '../nfs/nfs3/constants.js';
import type { Nfs4Client } from '../nfs/nfs4/client.js';
import { nf4TypeName } from '../nfs/nfs4/constants.js';
import { type ExportRootIdentity, type PseudoFs, type PseudoWalkLimits, resolveExportPath } from './pseudo.js';

/** NFSv3 handle of `path`, which is `exportPath` or below it; attributes as JSON-ready strings. */
export interface HandleV3 {
  readonly handle: Record<string, unknown>;
  readonly authFlavors: number[];
  readonly attributes: { readonly type: string | null; readonly fsid: string; readonly fileid: string } | null;
}
export interface HandleV4 {
  readonly handle: Record<string, unknown>;
  readonly minorVersion: 0 | 1;
  readonly attributes: {
    readonly type: string | null;
    readonly fsid: { readonly major: string; readonly minor: string } | null;
    readonly fileid: string | null;
    readonly mountedOnFileid: string | null;
  };
  /** The NFSv4 path the handle was taken at (the export's pseudo path plus the rest of `path`). */
  readonly pseudoPath?: string;
  /** How the export's NFSv4 path was found: `path` (the MOUNT path itself), `walk` (pseudo filesystem), `forced`. */
  readonly pseudoVia?: 'path' | 'walk' | 'forced';
}

/** A decoded handle as plain JSON (bigints as decimal strings): the H shape of CLI.md. */
export function handleJson(bytes: Uint8Array): Record<string, unknown> {
  const decoded = decodeFileHandle(bytes);
  return JSON.parse(JSON.stringify(decoded, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) as Record<
    string,
    unknown
  >;
}

/** The export containing `path` (longest matching prefix), or undefined. */
export function exportFor(path: string, exports: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const e of exports) {
    const prefix = e.endsWith('/') ? e : `${e}/`;
    if (path === e || path.startsWith(prefix)) {
      if (best === undefined || e.length > best.length) best = e;
    }
  }
  return best;
}

/** MNT `exportPath` (then UMNT), LOOKUP the rest of `path`, GETATTR. Throws NfsError/RpcError. */
export async function handleV3(conn: NfsConnection, exportPath: string, path: string): Promise<HandleV3> {
  const mount = await conn.mount(3);
  const mounted = await mount.mnt(exportPath);
  await mount.umnt(exportPath).catch(() => {});
  const nfs = await conn.nfs3();
  const rest = path.slice(exportPath.length);
  const handle = rest === '' ? mounted.fhandle : (await nfs.lookupPath(mounted.fhandle, rest)).handle;
  const attrs = await nfs.getattr(handle);
  return {
    handle: handleJson(handle),
    authFlavors: mounted.authFlavors,
    attributes: { type: ftype3Name(attrs.type) ?? null, fsid: attrs.fsid.toString(), fileid: attrs.fileid.toString() },
  };
}

/** An NFSv4 client: 4.0, or 4.1 with a session when the server answers NFS4ERR_MINOR_VERS_MISMATCH. */
export async function nfs4Client(conn: NfsConnection): Promise<Nfs4Client> {
  const v40 = await conn.nfs4(0);
  const res = await v40.build('probe').putrootfh().send();
  if (res.status !== 10021) return v40;
  const v41 = await conn.nfs4(1);
  await v41.createSession();
  return v41;
}

/** PUTROOTFH + LOOKUP each component + GETFH + GETATTR. */
export async function handleV4(client: Nfs4Client, path: string): Promise<HandleV4> {
  const { handle, attributes } = await client.lookupPath(path);
  const v = attributes.values;
  return {
    handle: handleJson(handle),
    minorVersion: client.minorVersion,
    attributes: {
      type: v.type === undefined ? null : (nf4TypeName(v.type) ?? String(v.type)),
      fsid: v.fsid === undefined ? null : { major: v.fsid.major.toString(), minor: v.fsid.minor.toString() },
      fileid: v.fileid?.toString() ?? null,
      mountedOnFileid: v.mountedOnFileid?.toString() ?? null,
    },
  };
}

/** MNT `exportPath` (then UMNT) and GETATTR: the export root's NFSv3 identity, which its NFSv4 path must match. */
export async function exportRootIdentity(conn: NfsConnection, exportPath: string): Promise<ExportRootIdentity> {
  const mounted = await (await conn.mount(3)).mnt(exportPath);
  await (await conn.mount(3)).umnt(exportPath).catch(() => {});
  const attrs = await (await conn.nfs3()).getattr(mounted.fhandle);
  return { fileid: attrs.fileid, fsid: attrs.fsid };
}

export interface HandleV4Options {
  /** The export's NFSv4 path (`--pseudo`), used instead of searching. */
  readonly pseudo?: string;
  readonly limits?: PseudoWalkLimits;
  /** The pseudo filesystem to walk (a cachedPseudoFs shared by several exports of one server). */
  readonly fs?: PseudoFs;
}

/**
 * The NFSv4 handle of `path` (`exportPath` or below it) on a server whose NFSv4 paths may differ from its MOUNT
 * paths: the export's NFSv4 path is resolved first (resolveExportPath: the path itself, checked against `root`,
 * else a walk of the pseudo filesystem, or `options.pseudo`), then the rest of `path` is looked up below it.
 * `root` is asked for once; when it fails (no MOUNT, an NFSv4-only server) paths are used unchecked.
 */
export async function handleV4Export(
  client: Nfs4Client,
  exportPath: string,
  path: string,
  root: () => Promise<ExportRootIdentity>,
  options: HandleV4Options = {},
): Promise<HandleV4> {
  const identity = await root().catch(() => undefined);
  const resolved = await resolveExportPath(client, exportPath, identity, options);
  const rest = path.slice(exportPath.length).replace(/^\/+/, '');
  const v4path = rest === '' ? resolved.path : `${resolved.path.replace(/\/+$/, '')}/${rest}`;
  return { ...(await handleV4(client, v4path)), pseudoPath: v4path, pseudoVia: resolved.via };
}

/** The export that contains `path`, from the server's EXPORT list; NfsError NOT_EXPORTED when none does. */
export async function findExport(conn: NfsConnection, path: string): Promise<string> {
  const exports = (await (await conn.mount(3)).export()).map((e) => e.dir);
  const within = exportFor(path, exports);
  if (within === undefined) {
    throw new NfsError(
      'NOT_EXPORTED',
      -1,
      `${path} is not below any export of ${conn.host} (${exports.join(', ') || 'none'})`,
    );
  }
  return within;
}
