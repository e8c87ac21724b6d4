// RFC 8881 sections 2.10.4 and 18.35 (server owner and scope), RFC 1813 section 3.3.21 (COMMIT) — the identity a
// client keeps across a failover: the NFSv4.1 EXCHANGE_ID server_owner and server_scope, the lease time, and the
// write verifier that tells a client whether its unstable writes survived.
import type { NfsConnection } from '../nfs/connect.js';
import { NfsError } from '../nfs/errors.js';
import { FTYPE3 } from '../nfs/nfs3/constants.js';
import { FATTR4 } from '../nfs/nfs4/attributes.js';
import { type Nfs4Client, resultOf } from '../nfs/nfs4/client.js';
import { identityText } from './health.js';

export interface Nfs4Identity {
  /** server_scope as text (printable) or hex; servers that share a scope let clients reclaim across them. */
  readonly serverScope: string;
  readonly serverOwner: { readonly majorId: string; readonly minorId: string };
  /** lease_time of the pseudo root, seconds (null when GETATTR did not give it). */
  readonly leaseTime: number | null;
  /** The server's implementation id (nii_name), when it sent one. */
  readonly implementation: string | null;
}

/**
 * GETATTR lease_time of the pseudo root over `client`'s session; null when the server refuses it (a server that
 * refuses GETATTR on its root still told us who it is).
 */
export async function rootLeaseTime(client: Nfs4Client, tag: string): Promise<number | null> {
  try {
    const res = await client.build(tag).putrootfh().getattr([FATTR4.lease_time]).send();
    return resultOf(res, 1, 'GETATTR').values.leaseTime ?? null;
  } catch {
    return null;
  }
}

/** EXCHANGE_ID + CREATE_SESSION (NFSv4.1), GETATTR lease_time of the root, DESTROY_SESSION. Throws NfsError/RpcError. */
export async function nfs4Identity(conn: NfsConnection): Promise<Nfs4Identity> {
  const client = await conn.nfs4(1);
  const session = await client.createSession();
  try {
    const x = session.exchangeId;
    const leaseTime = await rootLeaseTime(client, 'identity');
    return {
      serverScope: identityText(x.serverScope),
      serverOwner: { majorId: identityText(x.serverOwner.majorId), minorId: x.serverOwner.minorId.toString() },
      leaseTime,
      implementation: x.serverImplId === undefined ? null : x.serverImplId.name,
    };
  } finally {
    await client.destroySession().catch(() => {});
  }
}

export interface WriteVerifier {
  /** writeverf3, lowercase hex. */
  readonly verifier: string;
  /** How it was read: always `nfs3-commit` (COMMIT of a regular file below the export root). */
  readonly method: 'nfs3-commit';
  /** The file COMMITted, relative to the export (its data and attributes are not changed). */
  readonly file: string;
}

/** READDIRPLUS calls spent looking for a regular file: the export root, then its subdirectories, breadth first. */
const VERIFIER_READDIR_CALLS = 8;
/** Subdirectories queued for that search. */
const VERIFIER_DIRECTORIES = 16;

/**
 * The server's write verifier without changing anything: a WRITE, even of 0 bytes, may touch the file's mtime on
 * some servers, and COMMIT of a directory fails (NFS3ERR_ISDIR, measured on ganesha 4.3). So: READDIRPLUS the export
 * root, then its subdirectories (breadth first, at most 8 calls), for the first regular file and COMMIT it (offset 0,
 * count 0). COMMIT only makes data already written stable; it changes neither data nor attributes, and its reply
 * carries the verifier the server gives every WRITE (ganesha and knfsd: one per server instance). Throws NfsError
 * NO_REGULAR_FILE when the search finds no regular file, and the COMMIT's error (NFS3ERR_ACCES, NFS3ERR_ROFS...) when
 * it is refused.
 */
export async function writeVerifier(conn: NfsConnection, exportPath: string): Promise<WriteVerifier> {
  const mount = await conn.mount(3);
  const mounted = await mount.mnt(exportPath);
  await mount.umnt(exportPath).catch(() => {});
  const nfs = await conn.nfs3();
  const queue: { handle: Uint8Array; path: string }[] = [{ handle: mounted.fhandle, path: '' }];
  let calls = 0;
  for (let next = 0; next < queue.length && calls < VERIFIER_READDIR_CALLS; next++) {
    const dir = queue[next]!;
    let cookie = 0n;
    let cookieverf = new Uint8Array(8);
    while (calls < VERIFIER_READDIR_CALLS) {
      calls++;
      const res = await nfs.readdirplus(dir.handle, cookie, cookieverf);
      for (const e of res.reply.entries) {
        cookie = e.cookie;
        if (e.nameHandle === undefined || e.name === '.' || e.name === '..') continue;
        const type = e.nameAttributes?.type;
        const path = dir.path === '' ? e.name : `${dir.path}/${e.name}`;
        if (type === FTYPE3.NF3DIR && queue.length < VERIFIER_DIRECTORIES) {
          queue.push({ handle: e.nameHandle.slice(), path });
        }
        if (type !== FTYPE3.NF3REG) continue;
        const committed = await nfs.commit(e.nameHandle.slice(), 0n, 0);
        return { verifier: Buffer.from(committed.verf).toString('hex'), method: 'nfs3-commit', file: path };
      }
      if (res.reply.eof || res.reply.entries.length === 0) break;
      cookieverf = res.cookieverf.slice();
    }
  }
  throw new NfsError(
    'NO_REGULAR_FILE',
    -1,
    `no regular file to COMMIT in ${exportPath} or the directories below it that were searched (the write verifier is read without writing): put one in the export root`,
    'READDIRPLUS',
  );
}
