// RFC 1813 section 5 — a MOUNT v3 (or v1) client over any RpcCaller.
import { xdrVoid } from '../xdr/index.js';
import { callAndDecode, type RpcCaller, type RpcCallOptions } from './caller.js';
import { NfsError } from './errors.js';
import {
  dirpath,
  type ExportNode,
  exportList,
  fhstatus,
  MOUNT_PROGRAM,
  MOUNT_V1,
  MOUNT_V3,
  MOUNTPROC,
  type MountBody,
  mountList,
  mountres3,
  mountstat3Name,
} from './mount.js';

export interface MountResult {
  /** The export root's filehandle (NFSv3 handle for MOUNT v3; the fixed 32-byte NFSv2 handle for v1). A copy. */
  readonly fhandle: Uint8Array;
  /** Auth flavors the server accepts for this export (MOUNT v3 only; empty for v1). */
  readonly authFlavors: number[];
}

export class MountClient {
  readonly version: 1 | 3;
  private readonly caller: RpcCaller;
  private readonly options: RpcCallOptions | undefined;

  constructor(caller: RpcCaller, version: 1 | 3 = MOUNT_V3, options?: RpcCallOptions) {
    this.caller = caller;
    this.version = version;
    this.options = options;
  }

  async null(): Promise<void> {
    await this.call(MOUNTPROC.NULL, 'NULL', xdrVoid, undefined, xdrVoid);
  }

  /** MNT: the handle of an exported directory. A non-OK mountstat3 throws NfsError with its RFC name. */
  async mnt(path: string): Promise<MountResult> {
    if (this.version === MOUNT_V1) {
      const res = await this.call(MOUNTPROC.MNT, 'MNT', dirpath, path, fhstatus);
      if (!('fhandle' in res)) {
        throw new NfsError(mountstat3Name(res.status), res.status, `the server refused to mount ${path}`, 'MNT');
      }
      return { fhandle: res.fhandle.slice(), authFlavors: [] };
    }
    const res = await this.call(MOUNTPROC.MNT, 'MNT', dirpath, path, mountres3);
    if (!('fhandle' in res)) {
      throw new NfsError(mountstat3Name(res.status), res.status, `the server refused to mount ${path}`, 'MNT');
    }
    return { fhandle: res.fhandle.slice(), authFlavors: res.authFlavors };
  }

  /** DUMP: the (advisory) list of clients that mounted something. */
  async dump(): Promise<MountBody[]> {
    return this.call(MOUNTPROC.DUMP, 'DUMP', xdrVoid, undefined, mountList);
  }

  async umnt(path: string): Promise<void> {
    await this.call(MOUNTPROC.UMNT, 'UMNT', dirpath, path, xdrVoid);
  }

  async umntall(): Promise<void> {
    await this.call(MOUNTPROC.UMNTALL, 'UMNTALL', xdrVoid, undefined, xdrVoid);
  }

  /** EXPORT: exported directories and the client groups allowed to mount each (`showmount -e`). */
  async export(): Promise<ExportNode[]> {
    return this.call(MOUNTPROC.EXPORT, 'EXPORT', xdrVoid, undefined, exportList);
  }

  private call<A, R>(
    procedure: number,
    name: string,
    argsCodec: Parameters<typeof callAndDecode<A, R>>[5],
    args: A,
    resCodec: Parameters<typeof callAndDecode<A, R>>[7],
  ): Promise<R> {
    return callAndDecode(
      this.caller,
      MOUNT_PROGRAM,
      this.version,
      procedure,
      `MOUNT ${name}`,
      argsCodec,
      args,
      resCodec,
      this.options,
    );
  }
}
