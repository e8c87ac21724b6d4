// Probe the hosts of a statd directory over UDP: rpcbind GETPORT for status (100024 v1), then SM_NULL — all hosts
// concurrently through one RpcUdpEndpoint. Read-only: the directory is not locked or changed.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { RpcUdpEndpoint, sameAddress } from '../rpc/udp.js';
import { Semaphore } from './concurrency.js';
import { NSM_PROGRAM, NSM_VERSION, SM_NULL } from './protocol.js';
import { type MonitorListName, StatdDirectory } from './statd-directory.js';
import { lookupStatusPort } from './status-port.js';

export type ClientStatus = 'up' | 'down' | 'no-statd' | 'unresolved';

export interface ClientReport {
  name: string;
  list: MonitorListName;
  address?: string;
  statdPort?: number;
  status: ClientStatus;
  rttMs?: number;
  /** The address the client answered from when it was not `address` (replies are matched by xid, as sm-notify). */
  repliedFrom?: string;
  /** The names we are monitored under (my_name of the lines) and the client's own mon_name. */
  monNames: string[];
  myNames: string[];
  error?: string;
}

export interface ProbeClientsOptions {
  directory: string | StatdDirectory;
  timeoutMs?: number;
  retransmitMs?: number;
  concurrency?: number;
  rpcbindPort?: number;
  sourceAddress?: string;
  resolve?: (name: string) => Promise<string[]>;
  signal?: AbortSignal;
  /** Called as each client finishes (progress). Receives the count of clients first via `onStart`. */
  onStart?: (total: number) => void;
  onClient?: (report: ClientReport) => void;
}

async function defaultResolve(name: string): Promise<string[]> {
  if (isIP(name) !== 0) return [name];
  return (await lookup(name, { all: true })).map((a) => a.address);
}

/** List the clients in sm/ and sm.bak/ and probe each. Sorted by list, then name. */
export async function probeClients(options: ProbeClientsOptions): Promise<ClientReport[]> {
  const dir = typeof options.directory === 'string' ? new StatdDirectory(options.directory) : options.directory;
  const reports: ClientReport[] = [];
  for (const list of ['sm', 'sm.bak'] as const) {
    const byHost = new Map<string, ClientReport>();
    for (const r of await dir.readMonitorList(list)) {
      let report = byHost.get(r.host);
      if (report === undefined) {
        report = { name: r.host, list, status: 'unresolved', monNames: [], myNames: [] };
        byHost.set(r.host, report);
        reports.push(report);
      }
      if (!report.monNames.includes(r.monName)) report.monNames.push(r.monName);
      if (!report.myNames.includes(r.myName)) report.myNames.push(r.myName);
    }
  }
  options.onStart?.(reports.length);
  if (reports.length === 0) return reports;
  const timeoutMs = options.timeoutMs ?? 3000;
  const retransmitMs = options.retransmitMs ?? 500;
  const resolve = options.resolve ?? defaultResolve;
  const slots = new Semaphore(options.concurrency ?? 1024);
  const resolveSlots = new Semaphore(64);
  const endpoints = new Map<4 | 6, Promise<RpcUdpEndpoint>>();
  const endpointFor = (address: string) => {
    const family: 4 | 6 = isIP(address) === 6 ? 6 : 4;
    let e = endpoints.get(family);
    if (e === undefined) {
      const source =
        options.sourceAddress !== undefined && isIP(options.sourceAddress) === family
          ? options.sourceAddress
          : undefined;
      e = RpcUdpEndpoint.open({ family, ...(source === undefined ? {} : { sourceAddress: source }) });
      endpoints.set(family, e);
    }
    return e;
  };
  // No signal per call (an EventTarget listener each): an abort closes the endpoints, failing every call at once.
  // Replies are matched by xid alone: a multi-homed client may answer from another of its addresses.
  const callOptions = { timeoutMs, retransmitMs, matchReplyBy: 'xid' as const };
  const closeAll = (): void => {
    for (const e of endpoints.values()) void e.then((x) => x.close()).catch(() => {});
  };
  options.signal?.addEventListener('abort', closeAll, { once: true });
  try {
    await Promise.all(
      reports.map(async (report) => {
        try {
          const addresses = await resolveSlots.run(() => resolve(report.name));
          if (addresses.length === 0) throw Object.assign(new Error('no address'), { code: 'ENOTFOUND' });
          report.address = addresses[0]!;
        } catch (error) {
          report.error = (error as { code?: string }).code ?? 'unresolved';
          options.onClient?.(report);
          return;
        }
        const address = report.address;
        try {
          const endpoint = await endpointFor(address);
          const found = await slots.run(() =>
            lookupStatusPort(endpoint, address, {
              ...callOptions,
              ...(options.rpcbindPort === undefined ? {} : { rpcbindPort: options.rpcbindPort }),
            }),
          );
          if (found.port === 0) {
            report.status = 'no-statd';
            report.error = 'statd is not registered with rpcbind';
          } else {
            report.statdPort = found.port;
            const reply = await slots.run(() =>
              endpoint.call(
                { address, port: found.port },
                NSM_PROGRAM,
                NSM_VERSION,
                SM_NULL,
                new Uint8Array(0),
                callOptions,
              ),
            );
            report.status = 'up';
            report.rttMs = Math.round(reply.rttMs * 1000) / 1000;
            const from =
              reply.fromAddress !== undefined && !sameAddress(reply.fromAddress, address)
                ? reply.fromAddress
                : found.repliedFrom;
            if (from !== undefined) report.repliedFrom = from;
          }
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'ERROR';
          report.status = code === 'PROG_UNAVAIL' || code === 'PROG_MISMATCH' ? 'no-statd' : 'down';
          report.error = options.signal?.aborted ? 'ABORTED' : code;
        }
        options.onClient?.(report);
      }),
    );
  } finally {
    options.signal?.removeEventListener('abort', closeAll);
    for (const e of endpoints.values()) await e.then((x) => x.close()).catch(() => {});
  }
  return reports;
}
