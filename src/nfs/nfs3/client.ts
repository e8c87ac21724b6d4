// RFC 1813 section 3 — an NFSv3 client: one method per procedure; a non-OK nfsstat3 throws NfsError named by the RFC.
import { type XdrType, xdrVoid } from '../../xdr/index.js';
import { callAndDecode, type RpcCaller, type RpcCallOptions } from '../caller.js';
import { NfsError } from '../errors.js';
import { CREATEMODE3, NFS_PROGRAM, NFS_V3, NFSPROC3, nfsstat3Name, type StableHow } from './constants.js';
import {
  ACCESS3args,
  ACCESS3res,
  COMMIT3args,
  COMMIT3res,
  CREATE3args,
  CREATE3res,
  type CreateHow3,
  FSINFO3args,
  FSINFO3res,
  FSSTAT3args,
  FSSTAT3res,
  GETATTR3args,
  GETATTR3res,
  LINK3args,
  LINK3res,
  LOOKUP3args,
  LOOKUP3res,
  MKDIR3args,
  MKDIR3res,
  MKNOD3args,
  MKNOD3res,
  type MknodData3,
  type Nfs3Result,
  PATHCONF3args,
  PATHCONF3res,
  READ3args,
  READ3res,
  READDIR3args,
  READDIR3res,
  READDIRPLUS3args,
  READDIRPLUS3res,
  READLINK3args,
  READLINK3res,
  REMOVE3args,
  REMOVE3res,
  RENAME3args,
  RENAME3res,
  RMDIR3args,
  RMDIR3res,
  SETATTR3args,
  SETATTR3res,
  SYMLINK3args,
  SYMLINK3res,
  WRITE3args,
  WRITE3res,
} from './procedures.js';
import type { Fattr3, NfsTime3, Sattr3 } from './types.js';

type OkOf<R> = R extends XdrType<Nfs3Result<infer OK, unknown>> ? OK : never;

const ZERO_VERIFIER = new Uint8Array(8);

/** Handles and data returned by the client are views into the reply buffer unless a method says otherwise. */
export class Nfs3Client {
  private readonly caller: RpcCaller;
  private readonly options: RpcCallOptions | undefined;

  constructor(caller: RpcCaller, options?: RpcCallOptions) {
    this.caller = caller;
    this.options = options;
  }

  private async call<A, R extends XdrType<Nfs3Result<unknown, unknown>>>(
    procedure: number,
    name: string,
    argsCodec: XdrType<A>,
    args: A,
    resCodec: R,
  ): Promise<OkOf<R>> {
    const res = (await callAndDecode(
      this.caller,
      NFS_PROGRAM,
      NFS_V3,
      procedure,
      name,
      argsCodec,
      args,
      resCodec,
      this.options,
    )) as Nfs3Result<unknown, unknown>;
    if ('resok' in res) return res.resok as OkOf<R>;
    throw new NfsError(nfsstat3Name(res.status), res.status, 'the server refused the call', name, res.resfail);
  }

  async null(): Promise<void> {
    await callAndDecode(
      this.caller,
      NFS_PROGRAM,
      NFS_V3,
      NFSPROC3.NULL,
      'NULL',
      xdrVoid,
      undefined,
      xdrVoid,
      this.options,
    );
  }

  async getattr(object: Uint8Array): Promise<Fattr3> {
    return (await this.call(NFSPROC3.GETATTR, 'GETATTR', GETATTR3args, { object }, GETATTR3res)).objAttributes;
  }

  setattr(object: Uint8Array, newAttributes: Sattr3, guard?: NfsTime3) {
    return this.call(NFSPROC3.SETATTR, 'SETATTR', SETATTR3args, { object, newAttributes, guard }, SETATTR3res);
  }

  lookup(dir: Uint8Array, name: string) {
    return this.call(NFSPROC3.LOOKUP, 'LOOKUP', LOOKUP3args, { what: { dir, name } }, LOOKUP3res);
  }

  /** LOOKUP each component of `path` (`a/b/c`, slashes at either end ignored) from `dir`; returns the last handle. */
  async lookupPath(dir: Uint8Array, path: string): Promise<{ handle: Uint8Array; attributes: Fattr3 | undefined }> {
    let handle = dir;
    let attributes: Fattr3 | undefined;
    for (const name of path.split('/').filter((c) => c !== '')) {
      const res = await this.lookup(handle, name);
      handle = res.object.slice();
      attributes = res.objAttributes;
    }
    return { handle, attributes };
  }

  access(object: Uint8Array, access: number) {
    return this.call(NFSPROC3.ACCESS, 'ACCESS', ACCESS3args, { object, access }, ACCESS3res);
  }

  readlink(symlink: Uint8Array) {
    return this.call(NFSPROC3.READLINK, 'READLINK', READLINK3args, { symlink }, READLINK3res);
  }

  read(file: Uint8Array, offset: bigint, count: number) {
    return this.call(NFSPROC3.READ, 'READ', READ3args, { file, offset, count }, READ3res);
  }

  /** WRITE `data` at `offset` with the requested stability; the reply says what the server `committed` and its `verf`. */
  write(file: Uint8Array, offset: bigint, data: Uint8Array, stable: StableHow) {
    return this.call(
      NFSPROC3.WRITE,
      'WRITE',
      WRITE3args,
      { file, offset, count: data.length, stable, data },
      WRITE3res,
    );
  }

  /** CREATE; `how` defaults to UNCHECKED with no attributes. */
  create(dir: Uint8Array, name: string, how: CreateHow3 = { mode: CREATEMODE3.UNCHECKED, objAttributes: {} }) {
    return this.call(NFSPROC3.CREATE, 'CREATE', CREATE3args, { where: { dir, name }, how }, CREATE3res);
  }

  mkdir(dir: Uint8Array, name: string, attributes: Sattr3 = {}) {
    return this.call(NFSPROC3.MKDIR, 'MKDIR', MKDIR3args, { where: { dir, name }, attributes }, MKDIR3res);
  }

  symlink(dir: Uint8Array, name: string, target: string, attributes: Sattr3 = {}) {
    return this.call(
      NFSPROC3.SYMLINK,
      'SYMLINK',
      SYMLINK3args,
      { where: { dir, name }, symlink: { symlinkAttributes: attributes, symlinkData: target } },
      SYMLINK3res,
    );
  }

  mknod(dir: Uint8Array, name: string, what: MknodData3) {
    return this.call(NFSPROC3.MKNOD, 'MKNOD', MKNOD3args, { where: { dir, name }, what }, MKNOD3res);
  }

  remove(dir: Uint8Array, name: string) {
    return this.call(NFSPROC3.REMOVE, 'REMOVE', REMOVE3args, { object: { dir, name } }, REMOVE3res);
  }

  rmdir(dir: Uint8Array, name: string) {
    return this.call(NFSPROC3.RMDIR, 'RMDIR', RMDIR3args, { object: { dir, name } }, RMDIR3res);
  }

  rename(fromDir: Uint8Array, fromName: string, toDir: Uint8Array, toName: string) {
    return this.call(
      NFSPROC3.RENAME,
      'RENAME',
      RENAME3args,
      { from: { dir: fromDir, name: fromName }, to: { dir: toDir, name: toName } },
      RENAME3res,
    );
  }

  link(file: Uint8Array, dir: Uint8Array, name: string) {
    return this.call(NFSPROC3.LINK, 'LINK', LINK3args, { file, link: { dir, name } }, LINK3res);
  }

  readdir(dir: Uint8Array, cookie = 0n, cookieverf: Uint8Array = ZERO_VERIFIER, count = 32768) {
    return this.call(NFSPROC3.READDIR, 'READDIR', READDIR3args, { dir, cookie, cookieverf, count }, READDIR3res);
  }

  readdirplus(dir: Uint8Array, cookie = 0n, cookieverf: Uint8Array = ZERO_VERIFIER, dircount = 8192, maxcount = 65536) {
    return this.call(
      NFSPROC3.READDIRPLUS,
      'READDIRPLUS',
      READDIRPLUS3args,
      { dir, cookie, cookieverf, dircount, maxcount },
      READDIRPLUS3res,
    );
  }

  fsstat(fsroot: Uint8Array) {
    return this.call(NFSPROC3.FSSTAT, 'FSSTAT', FSSTAT3args, { fsroot }, FSSTAT3res);
  }

  fsinfo(fsroot: Uint8Array) {
    return this.call(NFSPROC3.FSINFO, 'FSINFO', FSINFO3args, { fsroot }, FSINFO3res);
  }

  pathconf(object: Uint8Array) {
    return this.call(NFSPROC3.PATHCONF, 'PATHCONF', PATHCONF3args, { object }, PATHCONF3res);
  }

  /** COMMIT `count` bytes from `offset` (0, 0: the whole file); compare `verf` with the WRITE verifiers. */
  commit(file: Uint8Array, offset = 0n, count = 0) {
    return this.call(NFSPROC3.COMMIT, 'COMMIT', COMMIT3args, { file, offset, count }, COMMIT3res);
  }
}
