// One server's failover-relevant state as a JSON-able document: rpcbind registrations, MOUNT exports, per export the
// NFSv3 (MOUNT + LOOKUP) and NFSv4 (PUTROOTFH + LOOKUP + GETFH) handles with their decodings and GETATTR identity,
// and NSM presence. `compare` works on two of these, whether just taken or loaded from files.
import { isIP } from 'node:net';
import { type ConnectOptions, connect, type NfsConnection } from '../nfs/connect.js';
import type { Nfs4Client } from '../nfs/nfs4/client.js';
import { NsmClient } from '../nsm/client.js';
import { NsmError } from '../nsm/errors.js';
import { PROGRAMS, parseUniversalAddress, programName, RpcClient, RpcError, resolveHost } from '../rpc/index.js';
import { codeOf } from './error-code.js';
import {
  exportFor,
  exportRootIdentity,
  type HandleV3,
  type HandleV4,
  handleV3,
  handleV4Export,
  nfs4Client,
} from './handles.js';
import { type Nfs4Identity, nfs4Identity, type WriteVerifier, writeVerifier } from './identity.js';
import { cachedPseudoFs, type ExportRootIdentity, type PseudoFs, type PseudoWalkLimits, pseudoFsOf } from './pseudo.js';

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
  /** The host as given, with the rpcbind port when one was given (`hostLabel`). */
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
  /**
   * NFSv4.1 EXCHANGE_ID identity and lease time (null when NFSv4 was not asked for; absent in snapshots of older
   * nfsprobe versions, whose compare skips the identity checks).
   */
  readonly nfs4?: Nfs4Identity | { readonly error: SnapshotError } | null;
  /** The write verifier, read by COMMIT of a file in the first export (null: no export or NFSv3 not asked for). */
  readonly writeVerifier?: WriteVerifier | { readonly error: SnapshotError } | null;
}

export interface SnapshotOptions extends ConnectOptions {
  /** Only these exports (default: every export the server lists). */
  exports?: readonly string[];
  /** Also take handles of these paths below an export. */
  paths?: readonly string[];
  /** Which protocol versions to take handles with (default both). */
  versions?: readonly (3 | 4)[];
  /** The NFSv4 path of an export (`--pseudo`), by MOUNT path; other exports' NFSv4 paths are searched for. */
  pseudo?: Readonly<Record<string, string>>;
  /** Caps of the pseudo filesystem walk. */
  pseudoLimits?: PseudoWalkLimits;
}

function errorOf(error: unknown): SnapshotError {
  return {
    code: codeOf(error),
    message: error instanceof Error ? error.message : String(error),
  };
}

/**
 * statd's port and transport as a client of `host` reaches it, UDP first. IPv6 peers: rpcbind GETADDR with netid
 * udp6/tcp6, as sm-notify does; the `udp`/`tcp` entries of the dump are statd's IPv4 sockets, which an IPv6 peer may
 * not reach (or reaches at another port). IPv4 peers: the dump's udp/tcp entries.
 */
async function statdAddress(
  conn: NfsConnection,
  programs: readonly SnapshotProgram[],
): Promise<{ port: number; transport: 'udp' | 'tcp' }> {
  let family: 4 | 6 = 4;
  try {
    const resolved = await resolveHost(conn.host);
    if (resolved.family === 6 && !resolved.address.toLowerCase().startsWith('::ffff:')) family = 6;
  } catch {
    // unresolvable: the RPC call below reports it
  }
  if (family === 6) {
    for (const netid of ['udp6', 'tcp6'] as const) {
      let uaddr = '';
      try {
        uaddr = await conn.rpcbindClient().getAddr(PROGRAMS.status, 1, netid);
      } catch (error) {
        // portmap-only rpcbind (no v3/v4) knows no IPv6 registrations
        if (error instanceof RpcError && (error.code === 'PROG_MISMATCH' || error.code === 'PROG_UNAVAIL')) break;
        throw error;
      }
      if (uaddr !== '') return { port: parseUniversalAddress(uaddr).port, transport: netid === 'udp6' ? 'udp' : 'tcp' };
    }
    throw new NsmError('NOT_FOUND', 'status v1 is not registered over udp6 or tcp6 (statd does not listen on IPv6)');
  }
  const entry =
    programs.find((p) => p.program === PROGRAMS.status && p.version === 1 && p.netid === 'udp') ??
    programs.find((p) => p.program === PROGRAMS.status && p.version === 1 && p.netid === 'tcp');
  if (entry === undefined) throw new NsmError('NOT_FOUND', 'status v1 is not registered over udp or tcp');
  return { port: entry.port, transport: entry.netid === 'udp' ? 'udp' : 'tcp' };
}

/**
 * The server's NSM state number: SM_STAT (statd answers it with its own state whatever the name; we ask about the
 * server's own name, which costs statd at most one lookup) to the statd port rpcbind gives, UDP first.
 */
async function nsmState(conn: NfsConnection, programs: readonly SnapshotProgram[]): Promise<number> {
  const { port, transport } = await statdAddress(conn, programs);
  const client = new NsmClient(new RpcClient({ host: conn.host, port, transport, timeoutMs: conn.timeoutMs }));
  try {
    return (await client.stat(conn.host.slice(0, 1024))).state;
  } finally {
    await client.close();
  }
}

/** HOST, or HOST:PORT when an rpcbind port was given (`[IPv6]:PORT`): the name a snapshot and its messages use. */
export function hostLabel(host: string, rpcbindPort?: number): string {
  if (rpcbindPort === undefined) return host;
  return isIP(host) === 6 ? `[${host}]:${rpcbindPort}` : `${host}:${rpcbindPort}`;
}

/** Take a snapshot of `host`. Failures of single steps are recorded in the document, not thrown. */
export async function takeSnapshot(host: string, options: SnapshotOptions = {}): Promise<Snapshot> {
  const conn = connect(host, options);
  const label = hostLabel(host, options.rpcbindPort);
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
        host: label,
        takenAt: new Date().toISOString(),
        programs: null,
        exports: null,
        targets: [],
        nsm: { registered: null, state: null },
        errors,
        nfs4: null,
        writeVerifier: null,
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
    // One cache of the pseudo filesystem for every export searched for: each directory is read once.
    let pseudoFs: PseudoFs | undefined;
    const targets: SnapshotTarget[] = [];
    // Each export's root identity (NFSv3), asked for once: its NFSv4 path must lead to the same object.
    const roots = new Map<string, Promise<ExportRootIdentity>>();
    const rootOf = (exportPath: string, v3: SnapshotTarget['v3'], path: string) => () => {
      let root = roots.get(exportPath);
      if (root === undefined) {
        const attrs = v3 !== null && !('error' in v3) && path === exportPath ? v3.attributes : null;
        root =
          attrs === null
            ? exportRootIdentity(conn, exportPath)
            : Promise.resolve({ fileid: BigInt(attrs.fileid), fsid: BigInt(attrs.fsid) });
        roots.set(exportPath, root);
      }
      return root;
    };
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
          const pseudo = options.pseudo?.[w.export];
          const client = await v4client;
          pseudoFs ??= cachedPseudoFs(pseudoFsOf(client));
          v4 = await handleV4Export(client, w.export, w.path, rootOf(w.export, v3, w.path), {
            fs: pseudoFs,
            ...(pseudo === undefined ? {} : { pseudo }),
            ...(options.pseudoLimits === undefined ? {} : { limits: options.pseudoLimits }),
          });
        } catch (error) {
          v4 = { error: errorOf(error) };
          // A --pseudo that does not work is the user's request failing: the snapshot fails (exit 1), not just v4.
          if (options.pseudo?.[w.export] !== undefined && w.path === w.export) {
            errors.push({ step: `pseudo ${w.export}`, ...v4.error });
          }
        }
      }
      targets.push({ export: w.export, path: w.path, v3, v4 });
    }
    if (v4client !== undefined) {
      await v4client.then((c) => c.destroySession()).catch(() => {});
    }

    let nfs4: Snapshot['nfs4'] = null;
    if (versions.includes(4)) {
      try {
        nfs4 = await nfs4Identity(conn);
      } catch (error) {
        nfs4 = { error: errorOf(error) };
      }
    }
    let verifier: Snapshot['writeVerifier'] = null;
    const firstExport = wanted[0]?.export;
    if (versions.includes(3) && firstExport !== undefined) {
      try {
        verifier = await writeVerifier(conn, firstExport);
      } catch (error) {
        verifier = { error: errorOf(error) };
      }
    }

    const registered = programs === null ? null : programs.some((p) => p.program === PROGRAMS.status);
    let state: number | null = null;
    if (registered === true) {
      try {
        state = await nsmState(conn, programs ?? []);
      } catch (error) {
        errors.push({ step: 'nsm', ...errorOf(error) });
      }
    }
    return {
      snapshot: SNAPSHOT_FORMAT,
      host: label,
      takenAt: new Date().toISOString(),
      programs,
      exports,
      targets,
      nsm: { registered, state },
      errors,
      nfs4,
      writeVerifier: verifier,
    };
  } finally {
    await conn.close();
  }
}

/** What failed in a snapshot: the failed steps (`errors`) and the paths that no NFS version gave a handle for. */
export interface SnapshotFailures {
  readonly steps: number;
  readonly targets: number;
}

/**
 * Count what failed. A path counts when every version asked for failed; one version failing while the other works
 * (a v3-only server answers v4 with PROG_MISMATCH) is a fact about the server, recorded in the target, not a failure.
 */
export function snapshotFailures(s: Snapshot): SnapshotFailures {
  const failed = (h: SnapshotTarget['v3'] | SnapshotTarget['v4']) => h !== null && 'error' in h;
  const noHandle = s.targets.filter(
    (t) => (t.v3 !== null || t.v4 !== null) && (t.v3 === null || failed(t.v3)) && (t.v4 === null || failed(t.v4)),
  );
  return { steps: s.errors.length, targets: noHandle.length };
}

/**
 * The part of `s` that a snapshot taken with `--export`/`--path` would hold: the listed exports (all when none are
 * listed) with their root handles, and the listed paths below them. Lets a snapshot file taken of every export be
 * compared with a host probed for some. Without either list, `s` itself.
 */
export function selectTargets(s: Snapshot, exports: readonly string[], paths: readonly string[]): Snapshot {
  if (exports.length === 0 && paths.length === 0) return s;
  const exported = (path: string) => exports.length === 0 || exports.includes(path);
  return {
    ...s,
    exports: s.exports === null ? null : s.exports.filter((e) => exported(e.path)),
    targets: s.targets.filter((t) => (t.path === t.export && exported(t.export)) || paths.includes(t.path)),
  };
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
