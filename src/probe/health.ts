// One-shot health of an NFS server as a client sees it, for cluster monitors: rpcbind, NULL of every service over UDP
// and TCP, MOUNT + GETATTR of an export, an NFSv4.1 EXCHANGE_ID (server identity), an optional canary READ. All
// probes run concurrently under one deadline; a probe that has not finished by then fails with TIMEOUT.
import { setMaxListeners } from 'node:events';
import { defaultCredential } from '../nfs/connect.js';
import { MOUNT_PROGRAM } from '../nfs/mount.js';
import { MountClient } from '../nfs/mount-client.js';
import { Nfs3Client } from '../nfs/nfs3/client.js';
import { FATTR4 } from '../nfs/nfs4/attributes.js';
import { Nfs4Client, resultOf } from '../nfs/nfs4/client.js';
import { PROGRAMS, RpcbindClient, type RpcbindEntry, RpcClient } from '../rpc/index.js';
import { codeOf } from './error-code.js';

/** The services whose NULL procedure is probed: name, program, version, transports. NFSv4 is TCP only (RFC 7530). */
export const HEALTH_SERVICES = [
  { service: 'nfs3', program: PROGRAMS.nfs, version: 3, transports: ['udp', 'tcp'] },
  { service: 'nfs4', program: PROGRAMS.nfs, version: 4, transports: ['tcp'] },
  { service: 'mountd', program: MOUNT_PROGRAM, version: 3, transports: ['udp', 'tcp'] },
  { service: 'nlockmgr', program: PROGRAMS.nlockmgr, version: 4, transports: ['udp', 'tcp'] },
  { service: 'status', program: PROGRAMS.status, version: 1, transports: ['udp', 'tcp'] },
] as const;

export type HealthService = (typeof HEALTH_SERVICES)[number]['service'];
export const HEALTH_SERVICE_NAMES: readonly HealthService[] = HEALTH_SERVICES.map((s) => s.service);

/** NFSv4 servers need not register with rpcbind (RFC 7530 section 3.1). */
const NFS4_PORT = 2049;
const CANARY_BYTES = 4096;

export interface HealthOptions {
  /** Export to MOUNT and GETATTR (and read the canary below). */
  exportPath?: string;
  /** rpcbind's port (default 111). */
  rpcbindPort?: number;
  /** The one deadline for everything (default 5000 ms). */
  timeoutMs?: number;
  /** A file below the export (relative path) to LOOKUP and READ. */
  canary?: string;
  /** EXCHANGE_ID's server scope must be this. */
  expectScope?: string;
  /** The export root's fsid (GETATTR, NFSv3) must be this: decimal, or hex with 0x. */
  expectFsid?: string;
  /** Services that may be missing from rpcbind: their NULL probes are skipped rather than failed when unregistered. */
  optional?: readonly HealthService[];
  /** Send from a reserved port (default: when running as root), as kernel clients do. */
  privilegedPort?: boolean;
  /** Abort everything early (the probes still waiting fail with TIMEOUT, as at the deadline). */
  signal?: AbortSignal;
}

export interface HealthProbe {
  /** `rpcbind-udp`, `nfs3-null-tcp`, `mount`, `nfs3-getattr`, `nfs4-exchange-id`, `canary-read`, `expect-scope`, ... */
  readonly name: string;
  readonly ok: boolean;
  readonly rttMs?: number;
  /** Machine-readable reason of a failure (TIMEOUT, CONNECTION, NOT_REGISTERED, SCOPE_MISMATCH, NFS3ERR_NOENT, ...). */
  readonly code?: string;
  /** One line a user can act on, on failure. */
  readonly error?: string;
  /** An optional service that is not registered: not probed, not a failure. */
  readonly skipped?: boolean;
  /** What was found, when it helps (the fsid, the bytes read). */
  readonly detail?: string;
}

export interface HealthIdentity {
  readonly serverScope: string;
  readonly serverOwner: string;
  readonly leaseTime: number | null;
}

export interface HealthReport {
  readonly target: string;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly probes: HealthProbe[];
  readonly identity: HealthIdentity | null;
  /** The export root's fsid from NFSv3 GETATTR (decimal string), when it was read. */
  readonly fsid: string | null;
}

/** A failure with a code, thrown inside a probe body. */
class ProbeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Opaque bytes as text when they are printable ASCII (ganesha and knfsd send host names; ganesha adds the C string's
 * NUL, dropped here), else lowercase hex.
 */
export function identityText(bytes: Uint8Array): string {
  if (bytes.length > 0 && bytes[bytes.length - 1] === 0) bytes = bytes.subarray(0, -1);
  const text = Buffer.from(bytes).toString('utf8');
  if (/^[\x20-\x7e]*$/.test(text) && Buffer.byteLength(text) === bytes.length) return text;
  return Buffer.from(bytes).toString('hex');
}

/** `--expect-fsid`: decimal or 0x-hex, as a bigint; undefined when it is neither. */
export function parseFsid(text: string): bigint | undefined {
  const s = text.trim();
  if (/^\d+$/.test(s) || /^0x[0-9a-f]+$/i.test(s)) {
    const value = BigInt(s);
    return value < 1n << 64n ? value : undefined;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** Run every probe against `host` (a name or address) concurrently, within one deadline. Never throws for findings. */
export async function checkHealth(host: string, target: string, options: HealthOptions = {}): Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const started = performance.now();
  const deadline = new AbortController();
  // Every call in flight listens on the one deadline signal.
  setMaxListeners(0, deadline.signal);
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const expired = new Promise<never>((_, reject) => {
    deadline.signal.addEventListener('abort', () =>
      reject(new ProbeError('TIMEOUT', `no answer within the ${timeoutMs} ms deadline`)),
    );
  });
  expired.catch(() => {});
  const stop = () => deadline.abort();
  if (options.signal?.aborted) deadline.abort();
  else options.signal?.addEventListener('abort', stop, { once: true });
  const signal = deadline.signal;
  const cred = defaultCredential();
  const privilegedPort = options.privilegedPort ?? process.getuid?.() === 0;
  const clients: { close(): Promise<void> }[] = [];
  const rpc = (port: number, transport: 'udp' | 'tcp') => {
    const client = new RpcClient({ host, port, transport, timeoutMs, cred, privilegedPort });
    clients.push(client);
    return client;
  };
  const probes: HealthProbe[] = [];
  const optional = new Set(options.optional ?? []);

  /** Run `body` against the deadline; record its probe. Resolves with the body's value or undefined. */
  const probe = async <T>(
    name: string,
    body: () => Promise<T>,
    detail?: (value: T) => string | undefined,
  ): Promise<T | undefined> => {
    const t0 = performance.now();
    try {
      const value = await Promise.race([body(), expired]);
      const d = detail?.(value);
      probes.push({ name, ok: true, rttMs: round(performance.now() - t0), ...(d === undefined ? {} : { detail: d }) });
      return value;
    } catch (error) {
      // At the deadline every waiting probe fails as TIMEOUT, except one that already knows a better reason.
      const late = signal.aborted && !(error instanceof ProbeError && error.code !== 'TIMEOUT');
      const code = late ? 'TIMEOUT' : codeOf(error);
      const message = late ? `no answer within the ${timeoutMs} ms deadline` : messageOf(error);
      probes.push({ name, ok: false, code, error: message });
      return undefined;
    }
  };

  const rpcbindPort = options.rpcbindPort ?? 111;
  const rpcbindUdp = new RpcbindClient({ host, port: rpcbindPort, transport: 'udp', timeoutMs });
  const rpcbindTcp = new RpcbindClient({ host, port: rpcbindPort, transport: 'tcp', timeoutMs });
  clients.push(rpcbindUdp, rpcbindTcp);

  // rpcbind over UDP gives the registrations (DUMP); over TCP a NULL shows the TCP side answers too.
  let rpcbindSettled = false;
  const dump = probe('rpcbind-udp', async () => (await rpcbindUdp.dump()).entries).finally(() => {
    rpcbindSettled = true;
  });
  const tcpPing = probe('rpcbind-tcp', () => rpcbindTcp.ping(2));

  const registered = async (program: number, version: number, transport: 'udp' | 'tcp') => {
    const entries = await dump;
    if (entries === undefined) throw new ProbeError('NO_RPCBIND', 'rpcbind did not answer: the port is unknown');
    const entry = entries.find(
      (e: RpcbindEntry) =>
        e.program === program && e.version === version && (e.netid === transport || e.netid === `${transport}6`),
    );
    return entry?.port;
  };

  const nulls = HEALTH_SERVICES.flatMap((s) =>
    s.transports.map(async (transport) => {
      const name = `${s.service}-null-${transport}`;
      // An optional service's absence is known only once rpcbind answered; decided before the probe is recorded.
      let port: number | undefined;
      let lookupError: unknown;
      try {
        port = await Promise.race([registered(s.program, s.version, transport), expired]);
      } catch (error) {
        lookupError = rpcbindSettled
          ? error
          : new ProbeError(
              'NO_RPCBIND',
              `rpcbind gave no port list before the deadline: where ${s.service} listens is unknown`,
            );
      }
      if (lookupError === undefined && port === undefined && s.service === 'nfs4') port = NFS4_PORT;
      if (lookupError === undefined && port === undefined && optional.has(s.service)) {
        probes.push({
          name,
          ok: true,
          skipped: true,
          detail: `${s.service} v${s.version} is not registered for ${transport} (optional)`,
        });
        return;
      }
      await probe(name, async () => {
        if (lookupError !== undefined) throw lookupError;
        if (port === undefined) {
          throw new ProbeError(
            'NOT_REGISTERED',
            `${s.service} v${s.version} is not registered with rpcbind for ${transport} (--optional ${s.service} if the server need not run it)`,
          );
        }
        await rpc(port, transport).ping(s.program, s.version, { signal });
      });
    }),
  );

  let fsid: bigint | undefined;
  const exportChain = (async () => {
    if (options.exportPath === undefined) return;
    const exportPath = options.exportPath;
    const mountd = await probe('mount', async () => {
      const port = (await registered(MOUNT_PROGRAM, 3, 'udp')) ?? (await registered(MOUNT_PROGRAM, 3, 'tcp'));
      if (port === undefined) throw new ProbeError('NOT_REGISTERED', 'mountd v3 is not registered with rpcbind');
      const udp = (await registered(MOUNT_PROGRAM, 3, 'udp')) !== undefined;
      const mount = new MountClient(rpc(port, udp ? 'udp' : 'tcp'), 3, { signal });
      const mounted = await mount.mnt(exportPath);
      mount.umnt(exportPath).catch(() => {});
      return mounted.fhandle;
    });
    if (mountd === undefined) return;
    const nfs = await probe(
      'nfs3-getattr',
      async () => {
        const port = (await registered(PROGRAMS.nfs, 3, 'tcp')) ?? (await registered(PROGRAMS.nfs, 3, 'udp'));
        if (port === undefined) throw new ProbeError('NOT_REGISTERED', 'nfs v3 is not registered with rpcbind');
        const tcp = (await registered(PROGRAMS.nfs, 3, 'tcp')) !== undefined;
        const client = new Nfs3Client(rpc(port, tcp ? 'tcp' : 'udp'), { signal });
        const attrs = await client.getattr(mountd);
        fsid = attrs.fsid;
        return client;
      },
      () => `fsid ${fsid}`,
    );
    if (nfs === undefined) return;
    if (options.expectFsid !== undefined) {
      const want = parseFsid(options.expectFsid);
      await probe(
        'expect-fsid',
        async () => {
          if (want !== fsid) {
            throw new ProbeError(
              'FSID_MISMATCH',
              `the export's fsid is ${fsid} (0x${fsid?.toString(16)}), expected ${options.expectFsid}: another filesystem is exported (clients get ESTALE)`,
            );
          }
        },
        () => `fsid ${fsid}`,
      );
    }
    if (options.canary !== undefined) {
      const canary = options.canary;
      await probe(
        'canary-read',
        async () => {
          const { handle } = await nfs.lookupPath(mountd, canary);
          const read = await nfs.read(handle, 0n, CANARY_BYTES);
          return read.count;
        },
        (count) => `${count} bytes of ${canary}`,
      );
    }
  })();

  let identity: HealthIdentity | null = null;
  const v4 = probe('nfs4-exchange-id', async () => {
    // NFSv4 does not need rpcbind: wait for its answer at most half the deadline, then use port 2049.
    const half = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs / 2).unref());
    const listed = await Promise.race([registered(PROGRAMS.nfs, 4, 'tcp').catch(() => undefined), half]);
    const port = listed ?? NFS4_PORT;
    const client = new Nfs4Client(rpc(port, 'tcp'), { minorVersion: 1, signal });
    const session = await client.createSession();
    const x = session.exchangeId;
    identity = {
      serverScope: identityText(x.serverScope),
      serverOwner: identityText(x.serverOwner.majorId),
      leaseTime: null,
    };
    try {
      const res = await client.build('health').putrootfh().getattr([FATTR4.lease_time]).send();
      const lease = resultOf(res, 1, 'GETATTR').values.leaseTime;
      identity = { ...identity, leaseTime: lease ?? null };
    } finally {
      await client.destroySession().catch(() => {});
    }
    return identity;
  });
  const scopeCheck = (async () => {
    if (options.expectScope === undefined) return;
    const got = await v4;
    if (got === undefined) {
      probes.push({
        name: 'expect-scope',
        ok: false,
        code: 'NO_IDENTITY',
        error: 'EXCHANGE_ID failed: the server scope is unknown',
      });
      return;
    }
    await probe('expect-scope', async () => {
      if (got.serverScope !== options.expectScope) {
        throw new ProbeError(
          'SCOPE_MISMATCH',
          `server scope is '${got.serverScope}', expected '${options.expectScope}': another server answers (NFSv4.1 clients cannot reclaim state)`,
        );
      }
    });
  })();

  try {
    await Promise.all([dump, tcpPing, ...nulls, exportChain, v4, scopeCheck]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stop);
    deadline.abort();
    await Promise.allSettled(clients.map((c) => c.close()));
  }
  const order = (name: string) => {
    const fixed = ['rpcbind-udp', 'rpcbind-tcp'];
    const i = fixed.indexOf(name);
    if (i >= 0) return i;
    const n = HEALTH_SERVICES.flatMap((s) => s.transports.map((t) => `${s.service}-null-${t}`)).indexOf(name);
    if (n >= 0) return 10 + n;
    return (
      100 + ['mount', 'nfs3-getattr', 'expect-fsid', 'canary-read', 'nfs4-exchange-id', 'expect-scope'].indexOf(name)
    );
  };
  probes.sort((a, b) => order(a.name) - order(b.name));
  return {
    target,
    ok: probes.every((p) => p.ok),
    durationMs: Math.round(performance.now() - started),
    probes,
    identity,
    fsid: fsid === undefined ? null : fsid.toString(),
  };
}
