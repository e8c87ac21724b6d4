// NSM listener, program 100024 version 1 (Open Group XNFS 3W ch. 11): an RpcServer answering every procedure,
// emitting an event for each SM_NOTIFY. Policy as rpc.statd's: SM_NOTIFY, SM_STAT and SM_NULL from anywhere;
// SM_MON, SM_UNMON, SM_UNMON_ALL and SM_SIMU_CRASH only from 127.0.0.1 / ::1 and a privileged port.

import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  formatUniversalAddress,
  RPCBIND_SOCKET,
  RpcbindClient,
  type RpcbindEntry,
  type RpcCallContext,
  RpcError,
  RpcServer,
} from '../rpc/index.js';
import type { XdrWriter } from '../xdr/index.js';
import { NsmError } from './errors.js';
import {
  type Mon,
  type MonId,
  type MyId,
  NSM_PROGRAM,
  NSM_VERSION,
  procedures,
  SM_MON,
  SM_NOTIFY,
  SM_SIMU_CRASH,
  SM_STAT,
  SM_UNMON,
  SM_UNMON_ALL,
  STAT_FAIL,
  STAT_SUCC,
} from './protocol.js';

/** One SM_NOTIFY received. */
export interface NsmNotifyEvent {
  readonly event: 'SM_NOTIFY';
  /** Sender, `address:port` (IPv6 in brackets). */
  readonly from: string;
  readonly address: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp';
  readonly monName: string;
  readonly state: number;
  readonly at: Date;
}

/** A monitor request (kept in memory when allowed; this listener does not call back). */
export interface NsmMonitorEvent {
  readonly procedure: 'SM_MON' | 'SM_UNMON' | 'SM_UNMON_ALL' | 'SM_SIMU_CRASH';
  readonly from: string;
  readonly allowed: boolean;
  /** Why it was refused: not from 127.0.0.1 / ::1, not from a privileged port, or the monitor list is full. */
  readonly refused?: 'not-local' | 'unprivileged-port' | 'full';
  readonly mon?: Mon;
  readonly monId?: MonId;
  readonly myId?: MyId;
}

/**
 * Who may call SM_MON, SM_UNMON, SM_UNMON_ALL and SM_SIMU_CRASH: `local-privileged` (rpc.statd's rule: 127.0.0.1
 * or ::1, from a port below 1024, i.e. a root process such as lockd or ganesha), `local` (any local port: for tests
 * that do not run as root), or `any`.
 */
export type MonitorCallers = 'local-privileged' | 'local' | 'any';

export const DEFAULT_MAX_MONITORS = 1024;

export interface NsmListenerOptions {
  /** The state this listener reports in SM_STAT, SM_MON and SM_UNMON results (default 1). */
  state?: number;
  /** Who may change the monitor list (default `local-privileged`). */
  monitorCallers?: MonitorCallers;
  /** Most monitor entries kept (default 1,024); an SM_MON for a new entry beyond it is answered STAT_FAIL. */
  maxMonitors?: number;
}

export interface NsmRegisterOptions {
  /** rpcbind's host (default this one: its Unix socket when present, else 127.0.0.1 over UDP). */
  rpcbindHost?: string;
  /**
   * Take over an existing registration of program 100024 (a running rpc.statd's). `close()` (and `unregister()`)
   * put it back. Without it an existing registration is NsmError REGISTERED and nothing is changed.
   */
  replace?: boolean;
}

/** What `unregister()` did: our registrations removed, the replaced ones put back, and any that failed. */
export interface NsmUnregisterReport {
  removed: number;
  restored: RpcbindEntry[];
  failed: { entry: RpcbindEntry; error: string }[];
}

/** Any address in 127/8, ::1, or an IPv4-mapped 127/8 address. */
export function isLoopback(address: string): boolean {
  if (address.startsWith('::ffff:')) address = address.slice(7);
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1';
}

/** Whether `caller` may change the monitor list under `policy` (undefined: allowed). */
export function monitorRefusal(
  policy: MonitorCallers,
  caller: { address: string; port: number },
): 'not-local' | 'unprivileged-port' | undefined {
  if (policy === 'any') return undefined;
  const address = caller.address.startsWith('::ffff:') ? caller.address.slice(7) : caller.address;
  if (address !== '127.0.0.1' && address !== '::1') return 'not-local';
  if (policy === 'local-privileged' && !(caller.port > 0 && caller.port < 1024)) return 'unprivileged-port';
  return undefined;
}

/** "v1 udp port 612, v1 tcp port 615 (owner superuser)" */
export function describeRegistrations(entries: readonly RpcbindEntry[]): string {
  const where = entries.map((e) => `v${e.version} ${e.netid} ${e.port === 0 ? e.address || '-' : `port ${e.port}`}`);
  const owners = [...new Set(entries.map((e) => e.owner).filter((o) => o !== ''))];
  return `${where.join(', ')}${owners.length > 0 ? ` (owner ${owners.join(', ')})` : ''}`;
}

function formatPeer(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

export interface NsmListenerEvents {
  notify: [NsmNotifyEvent];
  monitor: [NsmMonitorEvent];
}

/**
 * An NSM server. `listen()`, optionally `register()` with the local rpcbind (as `status`), then receive `notify`
 * events. The monitor list it keeps for SM_MON is only in memory, de-duplicated and capped.
 */
export class NsmListener extends EventEmitter<NsmListenerEvents> {
  readonly server: RpcServer;
  state: number;
  readonly maxMonitors: number;
  private readonly monitorCallers: MonitorCallers;
  /** Keyed by (mon_name, my_name, my_prog, my_vers, my_proc), as rpc.statd matches duplicates. */
  private readonly monitorTable = new Map<string, Mon>();
  private registration:
    | { host: string | undefined; ours: { program: number; version: number; netid: string; address: string }[] }
    | undefined;
  private replaced: RpcbindEntry[] = [];
  private unregistering: Promise<NsmUnregisterReport> | undefined;

  constructor(options: NsmListenerOptions = {}) {
    super();
    this.state = options.state ?? 1;
    this.monitorCallers = options.monitorCallers ?? 'local-privileged';
    this.maxMonitors = options.maxMonitors ?? DEFAULT_MAX_MONITORS;
    this.server = new RpcServer({ maxRecordSize: 8192 }); // SM_MON, the largest NSM call, is under 3 KB
    const statResult = (ok: boolean) => (w: XdrWriter) =>
      procedures[SM_STAT].result.encode(w, { resStat: ok ? STAT_SUCC : STAT_FAIL, state: this.state });
    const smStat = (w: XdrWriter) => procedures[SM_UNMON].result.encode(w, { state: this.state });
    const refusal = (call: RpcCallContext) => monitorRefusal(this.monitorCallers, call.peer);
    const from = (call: RpcCallContext) => formatPeer(call.peer.address, call.peer.port);
    this.server.addProgram(NSM_PROGRAM, NSM_VERSION, {
      [SM_STAT]: (args) => {
        procedures[SM_STAT].args.decode(args);
        return statResult(true);
      },
      [SM_MON]: (args, call) => {
        const mon = procedures[SM_MON].args.decode(args);
        let refused: NsmMonitorEvent['refused'] = refusal(call);
        const key = monitorKey(mon.monId.monName, mon.monId.myId);
        // A duplicate is a success that changes nothing (rpc.statd keeps the first entry and its priv).
        let kept = this.monitorTable.get(key);
        if (refused === undefined && kept === undefined) {
          if (this.monitorTable.size >= this.maxMonitors) refused = 'full';
          else {
            // priv aliases the request buffer: keep a copy.
            kept = { monId: mon.monId, priv: mon.priv.slice() };
            this.monitorTable.set(key, kept);
          }
        }
        const ok = refused === undefined;
        this.emit('monitor', {
          procedure: 'SM_MON',
          from: from(call),
          allowed: ok,
          ...(ok ? {} : { refused }),
          mon: kept ?? mon,
        });
        return statResult(ok);
      },
      [SM_UNMON]: (args, call) => {
        const monId = procedures[SM_UNMON].args.decode(args);
        const refused = refusal(call);
        if (refused === undefined) this.monitorTable.delete(monitorKey(monId.monName, monId.myId));
        this.emit('monitor', {
          procedure: 'SM_UNMON',
          from: from(call),
          allowed: refused === undefined,
          ...(refused === undefined ? {} : { refused }),
          monId,
        });
        return smStat;
      },
      [SM_UNMON_ALL]: (args, call) => {
        const myId = procedures[SM_UNMON_ALL].args.decode(args);
        const refused = refusal(call);
        if (refused === undefined) {
          for (const [key, m] of this.monitorTable) if (sameId(m.monId.myId, myId)) this.monitorTable.delete(key);
        }
        this.emit('monitor', {
          procedure: 'SM_UNMON_ALL',
          from: from(call),
          allowed: refused === undefined,
          ...(refused === undefined ? {} : { refused }),
          myId,
        });
        return smStat;
      },
      [SM_SIMU_CRASH]: (_args, call) => {
        const refused = refusal(call);
        if (refused === undefined) this.state = (this.state + 2) | 0; // as if we had rebooted: a new odd state
        this.emit('monitor', {
          procedure: 'SM_SIMU_CRASH',
          from: from(call),
          allowed: refused === undefined,
          ...(refused === undefined ? {} : { refused }),
        });
        return undefined;
      },
      [SM_NOTIFY]: (args, call) => {
        const change = procedures[SM_NOTIFY].args.decode(args);
        this.emit('notify', {
          event: 'SM_NOTIFY',
          from: from(call),
          address: call.peer.address,
          port: call.peer.port,
          transport: call.peer.transport,
          monName: change.monName,
          state: change.state,
          at: new Date(),
        });
        return undefined;
      },
    });
  }

  /** The monitor list, oldest first (a copy). */
  get monitors(): Mon[] {
    return [...this.monitorTable.values()];
  }

  get monitorCount(): number {
    return this.monitorTable.size;
  }

  /** The registrations of program 100024 that `register({ replace: true })` took over (restored on close). */
  get replacedRegistrations(): readonly RpcbindEntry[] {
    return this.replaced;
  }

  /** Start serving (default 127.0.0.1, a free port, UDP and TCP). */
  listen(options: { address?: string; port?: number; transports?: ('udp' | 'tcp')[] } = {}) {
    this.listenAddress = options.address ?? '127.0.0.1';
    return this.server.listen({ transports: ['udp', 'tcp'], ...options });
  }

  private listenAddress = '127.0.0.1';

  /**
   * Register program 100024 v1 on each listening transport with rpcbind. An existing registration of 100024 (any
   * version or netid, from rpcbind's DUMP) is NsmError REGISTERED unless `replace`; with `replace` it is removed and
   * remembered, and `unregister()`/`close()` put it back. RpcError REGISTRATION_FAILED when rpcbind refuses us (the
   * replaced registration is then restored at once).
   */
  async register(options: NsmRegisterOptions = {}): Promise<void> {
    if (this.registration !== undefined) return;
    const client = rpcbindClientFor(options.rpcbindHost, 5000);
    try {
      const existing = (await client.dump()).entries
        .filter((e) => e.program === NSM_PROGRAM)
        .map((e) => (e.address === '' ? { ...e, address: formatUniversalAddress('0.0.0.0', e.port) } : e));
      if (existing.length > 0 && options.replace !== true) {
        throw new NsmError(
          'REGISTERED',
          `program ${NSM_PROGRAM} (status) is already registered with rpcbind: ${describeRegistrations(existing)}`,
        );
      }
      const six = isIP(this.listenAddress) === 6;
      const ours: { program: number; version: number; netid: string; address: string }[] = [];
      const { udpPort, tcpPort } = this.server;
      if (udpPort !== undefined) {
        ours.push({ program: NSM_PROGRAM, version: NSM_VERSION, netid: six ? 'udp6' : 'udp', address: '' });
      }
      if (tcpPort !== undefined) {
        ours.push({ program: NSM_PROGRAM, version: NSM_VERSION, netid: six ? 'tcp6' : 'tcp', address: '' });
      }
      for (const e of ours) {
        e.address = formatUniversalAddress(this.listenAddress, e.netid.startsWith('udp') ? udpPort! : tcpPort!);
      }
      // Remember before changing anything: whatever happens next, unregister() restores these.
      this.replaced = existing;
      this.registration = { host: options.rpcbindHost, ours: [] };
      for (const e of existing) await client.unset(e);
      for (const e of ours) {
        if (!(await client.set(e))) {
          throw new RpcError(
            'REGISTRATION_FAILED',
            `rpcbind refused to register program ${e.program} version ${e.version} on ${e.netid}`,
          );
        }
        this.registration.ours.push(e);
      }
    } catch (error) {
      await client.close();
      if (this.registration !== undefined) await this.unregister();
      throw error;
    }
    await client.close();
  }

  /**
   * Undo `register()`: remove our registrations (only those still pointing at us) and put back what we replaced
   * (where nothing has registered 100024 on that netid meanwhile, e.g. a restarted statd). Never throws; what
   * failed is in the report. Calling it again while it runs returns the same report.
   */
  unregister(): Promise<NsmUnregisterReport> {
    this.unregistering ??= this.restore().finally(() => {
      this.unregistering = undefined;
    });
    return this.unregistering;
  }

  private async restore(): Promise<NsmUnregisterReport> {
    const report: NsmUnregisterReport = { removed: 0, restored: [], failed: [] };
    const registration = this.registration;
    if (registration === undefined) return report;
    const previous = this.replaced;
    this.registration = undefined;
    this.replaced = [];
    const client = rpcbindClientFor(registration.host, 2000);
    try {
      let current: RpcbindEntry[] = [];
      try {
        current = (await client.dump()).entries.filter((e) => e.program === NSM_PROGRAM);
      } catch {
        // rpcbind is gone or mute: try the UNSETs and SETs anyway, each reports its own failure.
      }
      for (const e of registration.ours) {
        const now = current.find((c) => c.version === e.version && c.netid === e.netid);
        if (now !== undefined && now.address !== e.address) continue; // someone else's by now
        try {
          if (await client.unset(e)) report.removed++;
        } catch (error) {
          report.failed.push({ entry: asEntry(e), error: (error as Error).message });
        }
      }
      const missing = previous.filter(
        (e) =>
          // Re-registered meanwhile (a restarted statd): leave it.
          !current.some(
            (c) =>
              c.version === e.version &&
              c.netid === e.netid &&
              !registration.ours.some((o) => o.address === c.address && o.netid === c.netid),
          ),
      );
      for (const owner of new Set(missing.map((e) => e.owner))) {
        await asOwner(registration.host, owner, async (ownerClient) => {
          for (const e of missing.filter((m) => m.owner === owner)) {
            try {
              const set = { ...e, ...(e.owner === '' ? {} : { owner: e.owner }) };
              if (await (ownerClient ?? client).set(set)) report.restored.push(e);
              else report.failed.push({ entry: e, error: 'rpcbind refused the SET' });
            } catch (error) {
              report.failed.push({ entry: e, error: (error as Error).message });
            }
          }
        });
      }
    } finally {
      await client.close().catch(() => {});
    }
    return report;
  }

  /** Unregister (restoring what was replaced), stop serving, and return what `unregister()` reported. */
  async close(): Promise<NsmUnregisterReport> {
    const report = await this.unregister();
    await this.server.close();
    return report;
  }
}

function sameId(a: MyId, b: MyId): boolean {
  return a.myName === b.myName && a.myProg === b.myProg && a.myVers === b.myVers && a.myProc === b.myProc;
}

function monitorKey(monName: string, id: MyId): string {
  return JSON.stringify([monName, id.myName, id.myProg, id.myVers, id.myProc]);
}

function asEntry(e: { program: number; version: number; netid: string; address: string }): RpcbindEntry {
  return { ...e, protocol: e.netid.replace(/6$/, ''), port: 0, owner: '' };
}

/**
 * rpcbind takes a registration's owner from the credentials of the Unix socket it came over (a numeric uid, or
 * "superuser"), and lets only that owner or root UNSET it. rpc.statd registers as its own user and unregisters as
 * it when it stops, so a registration we put back as root would outlive it. As root, put a numeric owner's entries
 * back over a connection opened with that effective uid (the process runs with it for those few calls; the real
 * uid stays 0, so seteuid(0) takes root back). Otherwise `body` gets no client and uses the shared one.
 */
async function asOwner(
  host: string | undefined,
  owner: string,
  body: (client: RpcbindClient | undefined) => Promise<void>,
): Promise<void> {
  const local = host === undefined || host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const uid = /^\d+$/.test(owner) ? Number(owner) : undefined;
  const euid = process.geteuid?.();
  if (!local || uid === undefined || euid !== 0 || uid === 0 || !existsSync(RPCBIND_SOCKET)) {
    await body(undefined);
    return;
  }
  process.seteuid!(uid);
  const client = new RpcbindClient({ host: 'localhost', path: RPCBIND_SOCKET, timeoutMs: 2000 });
  try {
    await body(client);
  } finally {
    process.seteuid!(0);
    await client.close().catch(() => {});
  }
}

/** rpcbind's Unix socket when local (rpcbind then knows we are root), else UDP from a reserved port as root. */
function rpcbindClientFor(host: string | undefined, timeoutMs: number): RpcbindClient {
  const local = host === undefined || host === '127.0.0.1' || host === 'localhost' || host === '::1';
  if (local && existsSync(RPCBIND_SOCKET))
    return new RpcbindClient({ host: 'localhost', path: RPCBIND_SOCKET, timeoutMs });
  return new RpcbindClient({ host: host ?? '127.0.0.1', timeoutMs, privilegedPort: process.getuid?.() === 0 });
}
