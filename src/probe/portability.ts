// RFC 1813 section 3.3.1 (GETATTR), RFC 7530 section 16.20 (PUTFH) — handle portability: present the export-root
// handles that server A gave out to server B, as a client does after a failover, and see whether B takes them and
// names the same object. The strongest test short of a real failover; works from a snapshot file of A.
import type { NfsConnection } from '../nfs/connect.js';
import { FATTR4 } from '../nfs/nfs4/attributes.js';
import type { Nfs4Client } from '../nfs/nfs4/client.js';
import { nfsstat4Name } from '../nfs/nfs4/constants.js';
import { codeOf } from './error-code.js';
import { nfs4Client } from './handles.js';
import type { Snapshot } from './snapshot.js';

export type PortabilityOutcome =
  | { readonly status: 'ok'; readonly fileid: string | null; readonly fsid: string | null }
  | { readonly status: 'error'; readonly code: string; readonly message: string };

export interface PortabilityProbe {
  /** The export (MOUNT path) whose root handle was presented. */
  readonly path: string;
  readonly version: 3 | 4;
  /** A's handle, hex. */
  readonly handle: string;
  /** The fileid A gave for it. */
  readonly expectedFileid: string | null;
  readonly outcome: PortabilityOutcome;
}

function errorOutcome(error: unknown): PortabilityOutcome {
  return {
    status: 'error',
    code: codeOf(error),
    message: (error instanceof Error ? error.message : String(error)).split('\n')[0]!,
  };
}

const bytesOf = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

/**
 * For every export root of snapshot `a` with a handle: NFSv3 GETATTR of A's v3 handle on `b`, and NFSv4 PUTFH of
 * A's v4 handle + GETATTR fsid, fileid. Never throws for the server's answers: each is recorded as an outcome.
 */
export async function probePortability(b: NfsConnection, a: Snapshot): Promise<PortabilityProbe[]> {
  const probes: PortabilityProbe[] = [];
  let v4: Promise<Nfs4Client> | undefined;
  try {
    for (const t of a.targets) {
      if (t.path !== t.export) continue;
      if (t.v3 !== null && !('error' in t.v3)) {
        const handle = String(t.v3.handle.hex ?? '');
        let outcome: PortabilityOutcome;
        try {
          const attrs = await (await b.nfs3()).getattr(bytesOf(handle));
          outcome = { status: 'ok', fileid: attrs.fileid.toString(), fsid: attrs.fsid.toString() };
        } catch (error) {
          outcome = errorOutcome(error);
        }
        probes.push({ path: t.path, version: 3, handle, expectedFileid: t.v3.attributes?.fileid ?? null, outcome });
      }
      if (t.v4 !== null && !('error' in t.v4)) {
        const handle = String(t.v4.handle.hex ?? '');
        let outcome: PortabilityOutcome;
        try {
          v4 ??= nfs4Client(b);
          const client = await v4;
          const res = await client
            .build('portability')
            .putfh(bytesOf(handle))
            .getattr([FATTR4.fsid, FATTR4.fileid])
            .send();
          const failed = res.results.find((r) => r.status !== 0);
          if (res.status !== 0 || failed !== undefined) {
            const code = nfsstat4Name(failed?.status ?? res.status);
            outcome = { status: 'error', code, message: `${failed?.op ?? 'COMPOUND'}: ${code}` };
          } else {
            const entry = res.results[1];
            const values = entry?.op === 'GETATTR' && entry.result !== undefined ? entry.result.values : {};
            outcome = {
              status: 'ok',
              fileid: values.fileid?.toString() ?? null,
              fsid: values.fsid === undefined ? null : `${values.fsid.major}:${values.fsid.minor}`,
            };
          }
        } catch (error) {
          outcome = errorOutcome(error);
        }
        probes.push({ path: t.path, version: 4, handle, expectedFileid: t.v4.attributes.fileid, outcome });
      }
    }
  } finally {
    if (v4 !== undefined) await v4.then((c) => c.destroySession()).catch(() => {});
  }
  return probes;
}
