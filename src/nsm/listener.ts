// NSM listener, program 100024 version 1 (Open Group XNFS 3W ch. 11): an RpcServer answering every procedure,
// emitting an event for each SM_NOTIFY. Policy as rpc.statd's: SM_NOTIFY, SM_STAT and SM_NULL from anywhere;
// SM_MON, SM_UNMON, SM_UNMON_ALL and SM_SIMU_CRASH only from loopback.

import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { type RpcCallContext, RpcServer } from '../rpc/index.js';
import type { XdrWriter } from '../xdr/index.js';
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

/** A monitor request accepted from loopback (kept in memory; this listener does not call back). */
export interface NsmMonitorEvent {
  readonly procedure: 'SM_MON' | 'SM_UNMON' | 'SM_UNMON_ALL' | 'SM_SIMU_CRASH';
  readonly from: string;
  readonly allowed: boolean;
  readonly mon?: Mon;
  readonly monId?: MonId;
  readonly myId?: MyId;
}

export interface NsmListenerOptions {
  /** The state this listener reports in SM_STAT, SM_MON and SM_UNMON results (default 1). */
  state?: number;
  /** Accept SM_MON/UNMON/UNMON_ALL/SIMU_CRASH from any address (default false: loopback only). */
  allowRemoteMonitor?: boolean;
}

export function isLoopback(address: string): boolean {
  if (address.startsWith('::ffff:')) address = address.slice(7);
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1';
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
 * events. The monitor list it keeps for SM_MON is only in memory.
 */
export class NsmListener extends EventEmitter<NsmListenerEvents> {
  readonly server: RpcServer;
  state: number;
  readonly monitors: Mon[] = [];
  private readonly allowRemote: boolean;
  private registered = false;

  constructor(options: NsmListenerOptions = {}) {
    super();
    this.state = options.state ?? 1;
    this.allowRemote = options.allowRemoteMonitor === true;
    this.server = new RpcServer({ maxRecordSize: 8192 }); // SM_MON, the largest NSM call, is under 3 KB
    const statResult = (ok: boolean) => (w: XdrWriter) =>
      procedures[SM_STAT].result.encode(w, { resStat: ok ? STAT_SUCC : STAT_FAIL, state: this.state });
    const smStat = (w: XdrWriter) => procedures[SM_UNMON].result.encode(w, { state: this.state });
    const allowed = (call: RpcCallContext) => this.allowRemote || isLoopback(call.peer.address);
    const from = (call: RpcCallContext) => formatPeer(call.peer.address, call.peer.port);
    this.server.addProgram(NSM_PROGRAM, NSM_VERSION, {
      [SM_STAT]: (args) => {
        procedures[SM_STAT].args.decode(args);
        return statResult(true);
      },
      [SM_MON]: (args, call) => {
        const mon = procedures[SM_MON].args.decode(args);
        const ok = allowed(call);
        // priv aliases the request buffer: keep a copy.
        const kept = { monId: mon.monId, priv: mon.priv.slice() };
        if (ok) this.monitors.push(kept);
        this.emit('monitor', { procedure: 'SM_MON', from: from(call), allowed: ok, mon: kept });
        return statResult(ok);
      },
      [SM_UNMON]: (args, call) => {
        const monId = procedures[SM_UNMON].args.decode(args);
        const ok = allowed(call);
        if (ok) this.removeMonitors((m) => m.monId.monName === monId.monName && sameId(m.monId.myId, monId.myId));
        this.emit('monitor', { procedure: 'SM_UNMON', from: from(call), allowed: ok, monId });
        return smStat;
      },
      [SM_UNMON_ALL]: (args, call) => {
        const myId = procedures[SM_UNMON_ALL].args.decode(args);
        const ok = allowed(call);
        if (ok) this.removeMonitors((m) => sameId(m.monId.myId, myId));
        this.emit('monitor', { procedure: 'SM_UNMON_ALL', from: from(call), allowed: ok, myId });
        return smStat;
      },
      [SM_SIMU_CRASH]: (_args, call) => {
        const ok = allowed(call);
        if (ok) this.state = (this.state + 2) | 0; // as if we had rebooted: a new odd state
        this.emit('monitor', { procedure: 'SM_SIMU_CRASH', from: from(call), allowed: ok });
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

  private removeMonitors(match: (m: Mon) => boolean): void {
    for (let i = this.monitors.length - 1; i >= 0; i--) if (match(this.monitors[i]!)) this.monitors.splice(i, 1);
  }

  /** Start serving (default 127.0.0.1, a free port, UDP and TCP). */
  listen(options: { address?: string; port?: number; transports?: ('udp' | 'tcp')[] } = {}) {
    return this.server.listen({ transports: ['udp', 'tcp'], ...options });
  }

  /** Register program 100024 v1 with the local rpcbind (replacing a stale registration). */
  async register(rpcbindHost?: string): Promise<void> {
    await this.server.register(rpcbindHost);
    this.registered = true;
  }

  /** Unregister (if registered) and stop serving. */
  async close(): Promise<void> {
    if (this.registered) {
      this.registered = false;
      await this.server.unregister().catch(() => {});
    }
    await this.server.close();
  }
}

function sameId(a: MyId, b: MyId): boolean {
  return a.myName === b.myName && a.myProg === b.myProg && a.myVers === b.myVers && a.myProc === b.myProc;
}
