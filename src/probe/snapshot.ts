// One server's failover-relevant state as a JSON-able document: rpcbind registrations, MOUNT exports, per export the
// NFSv3 (MOUNT + LOOKUP) and NFSv4 (PUTROOTFH + LOOKUP + GETFH) handles with their decodings and GETATTR identity,
// and NSM presence. `compare` works on two of these, whether just taken or loaded from files.
import { type ConnectOptions, connect } from '../nfs/connect.js';
import type { Nfs4Client } from '../nfs/nfs4/client.js';
import { NsmClient } from '../nsm/client.js';
import { NsmError } from '../nsm/errors.js';
import { PROGRAMS, programName, RpcClient } from '../rpc/index.js';
import { exportFor, type HandleV3, type HandleV4, handleV3, handleV4, nfs4Client } from './handles.js';

export const SNAPSHOT_FORMAT = 1;

export interface SnapshotProgram {
  readonly program: number;
  readonly name: string | null;
  readonly version: number;
  readonly netid: string;
  readonly protocol: string;
  readonly port: number;
}

export interface SnapshotExport {
  readonly path: string;
  readonly groups: string[];
}

export interface SnapshotError {
  readonly code: string;
  readonly message: string;
}

export type SnapshotHandleV3 = HandleV3;
export type SnapshotHandleV4 = HandleV4;

export interface SnapshotTarget {
  /** The export (MOUNT path) the handle belongs to. */
  readonly export: string;
  /** The path whose handle this is: the export itself, or a path below it (`--path`). */
  readonly path: string;
  readonly v3: SnapshotHandleV3 | { readonly error: SnapshotError } | null;
  readonly v4: SnapshotHandleV4 | { readonly error: SnapshotError } | null;
}

export interface Snapshot {
  readonly snapshot: typeof SNAPSHOT_FORMAT;
  readonly host: string;
  readonly takenAt: string;
  /** rpcbind registrations (null when rpcbind did not answer; see `errors`). */
  readonly programs: SnapshotProgram[] | null;
  readonly exports: SnapshotExport[] | null;
  readonly targets: SnapshotTarget[];
  /**
   * NSM: is `status` (100024) registered; `state` is the server's NSM state number from SM_STAT (null when statd is
   * not registered or did not answer; see `errors`, step `nsm`).
   */
  readonly nsm: { readonly registered: boolean | null; readonly state: number | null };
  readonly errors: { readonly step: string; readonly code: string; readonly message: string }[];
}

export interface SnapshotOptions extends ConnectOptions {
  /** Only these exports (default: every export the server lists). */
  exports?: readonly string[];
  /** Also take handles of these paths below an export. */
  paths?: readonly string[];
  /** Which protocol versions to take handles with (default both). */
  versions?: readonly (3 | 4)[];
}

function errorOf(error: unknown): SnapshotError {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' ? code : 'ERROR',
    message: error instanceof Error ? error.message : String(error),
  };
}

/**
 * The server's NSM state number: SM_STAT (statd answers it with its own state whatever the name; we ask about the
 * server's own name, which costs statd at most one lookup) to the statd port rpcbind listed, UDP first.
 */
async function nsmState(host: string, programs: readonly SnapshotProgram[], timeoutMs: number): Promise<number> {
  const entry =
    programs.find((p) => p.program === PROGRAMS.status && p.version === 1 && p.netid === 'udp') ??
    programs.find((p) => p.program === PROGRAMS.status && p.version === 1 && p.netid === 'tcp');
  if (entry === undefined) throw new NsmError('NOT_FOUND', 'status v1 is not registered over udp or tcp');
  const client = new NsmClient(
    new RpcClient({ host, port: entry.port, transport: entry.netid === 'udp' ? 'udp' : 'tcp', timeoutMs }),
  );
  try {
    return (await client.stat(host.slice(0, 1024))).state;
  } finally {
    await client.close();
  }
}

/** Take a snapshot of `host`. Failures of single steps are recorded in the document, not thrown. */
export async function takeSnapshot(host: string, options: SnapshotOptions = {}): Promise<Snapshot> {
  const conn = connect(host, options);
  const errors: Snapshot['errors'] = [];
  const versions = options.versions ?? [3, 4];
  try {
    let programs: SnapshotProgram[] | null = null;
    try {
      const dump = await conn.rpcbindClient().dump();
      programs = dump.entries
        .map((e) => ({
          program: e.program,
          name: programName(e.program) ?? null,
          version: e.version,
          netid: e.netid,
          protocol: e.protocol,
          port: e.port,
        }))
        .sort(
          (x, y) => x.program - y.program || x.version - y.version || x.netid.localeCompare(y.netid) || x.port - y.port,
        );
    } catch (error) {
      errors.push({ step: 'rpcbind', ...errorOf(error) });
    }

    // rpcbind timed out and no ports were given: everything else would wait for the same dead host, step by step.
    const unreachable =
      programs === null &&
      errors.some((e) => e.code === 'TIMEOUT' || e.code === 'CONNECTION') &&
      options.mountPort === undefined &&
      options.nfsPort === undefined;
    if (unreachable) {
      return {
        snapshot: SNAPSHOT_FORMAT,
        host,
        takenAt: new Date().toISOString(),
        programs: null,
        exports: null,
        targets: [],
        nsm: { registered: null, state: null },
        errors,
      };
    }

    let exports: SnapshotExport[] | null = null;
    try {
      const mount = await conn.mount(3);
      exports = (await mount.export()).map((e) => ({ path: e.dir, groups: [...e.groups] }));
    } catch (error) {
      errors.push({ step: 'exports', ...errorOf(error) });
    }

    const exportPaths = options.exports?.length ? [...options.exports] : (exports ?? []).map((e) => e.path);
    const wanted: { export: string; path: string }[] = exportPaths.map((e) => ({ export: e, path: e }));
    for (const p of options.paths ?? []) {
      const within = exportFor(p, [...exportPaths, ...(exports ?? []).map((e) => e.path)]);
      if (within === undefined) {
        errors.push({ step: `path ${p}`, code: 'NOT_EXPORTED', message: `${p} is not below any export` });
        continue;
      }
      wanted.push({ export: within, path: p });
    }

    let v4client: Promise<Nfs4Client> | undefined;
    const targets: SnapshotTarget[] = [];
    for (const w of wanted) {
      let v3: SnapshotTarget['v3'] = null;
      let v4: SnapshotTarget['v4'] = null;
      if (versions.includes(3)) {
        try {
          v3 = await handleV3(conn, w.export, w.path);
        } catch (error) {
          v3 = { error: errorOf(error) };
        }
      }
      if (versions.includes(4)) {
        try {
          v4client ??= nfs4Client(conn);
          v4 = await handleV4(await v4client, w.path);
        } catch (error) {
          v4 = { error: errorOf(error) };
        }
      }
      targets.push({ export: w.export, path: w.path, v3, v4 });
    }
    if (v4client !== undefined) {
      await v4client.then((c) => c.destroySession()).catch(() => {});
    }

    const registered = programs === null ? null : programs.some((p) => p.program === PROGRAMS.status);
    let state: number | null = null;
    if (registered === true) {
      try {
        state = await nsmState(host, programs ?? [], conn.timeoutMs);
      } catch (error) {
        errors.push({ step: 'nsm', ...errorOf(error) });
      }
    }
    return {
      snapshot: SNAPSHOT_FORMAT,
      host,
      takenAt: new Date().toISOString(),
      programs,
      exports,
      targets,
      nsm: { registered, state },
      errors,
    };
  } finally {
    await conn.close();
  }
}

/** Parse and sanity-check a snapshot document read from a file. Throws Error with a one-line reason. */
export function parseSnapshot(text: string, source: string): Snapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON: ${(error as Error).message}`);
  }
  const s = value as Partial<Snapshot> | null;
  if (s === null || typeof s !== 'object' || s.snapshot !== SNAPSHOT_FORMAT || !Array.isArray(s.targets)) {
    throw new Error(
      `${source} is not an nfsprobe snapshot (format ${SNAPSHOT_FORMAT}); make one with 'nfsprobe snapshot HOST --json'`,
    );
  }
  return s as Snapshot;
}
