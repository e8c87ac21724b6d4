// The body of `nfsprobe ping HOST PROGRAM [VERSION]` (see ping.ts for its flags): find the ports, ping, report.
import { setTimeout as sleep } from 'node:timers/promises';
import { RpcClient } from '../../rpc/client.js';
import { RpcError } from '../../rpc/errors.js';
import { programName, programNumber } from '../../rpc/programs.js';
import { PMAP_PORT, parseUniversalAddress, RpcbindClient } from '../../rpc/rpcbind.js';
import { UsageError } from '../errors.js';
import { type Output, paint, printJson, table } from '../output.js';
import { parseCount, parseDuration } from '../parse.js';
import { describeRpcError, hostPort, ProbeFailure, parseRpcHost, parseTransport, resolveRpcHost } from '../rpc.js';
import { DEFAULT_COUNT, DEFAULT_INTERVAL_MS } from './ping.js';

export interface PingFlags {
  transport?: string;
  count?: string;
  interval?: string;
  json?: boolean;
}

/** More versions than this in a PROG_MISMATCH range are not all pinged (a server claiming 0..2^32-1 exists). */
const MAX_VERSIONS = 64;

export interface Target {
  version: number;
  port: number;
}

export interface Result {
  version: number;
  transport: 'udp' | 'tcp';
  port: number;
  sent: number;
  received: number;
  rtts: number[];
  error?: unknown;
}

export async function pingCommand(
  output: Output,
  hostText: string,
  programText: string,
  versionText: string | undefined,
  flags: PingFlags,
): Promise<number> {
  const spec = parseRpcHost(hostText);
  const program = programNumber(programText);
  if (program === undefined) {
    throw new UsageError(
      `unknown program '${programText}': give a number or a name such as nfs, mountd, nlockmgr, status, rquotad, nfs_acl, portmapper`,
    );
  }
  const version = versionText === undefined ? undefined : parseCount(versionText, 'VERSION', 0, 0xffffffff);
  const transport = parseTransport(flags.transport, 'udp');
  const count = flags.count === undefined ? DEFAULT_COUNT : parseCount(flags.count, '--count', 1, 1_000_000);
  const intervalMs = flags.interval === undefined ? DEFAULT_INTERVAL_MS : parseDuration(flags.interval, '--interval');
  const { address, family } = await resolveRpcHost(spec.host);
  const label = `${programName(program) ?? 'program'} (${program})`;

  const clients = new Map<number, RpcClient>();
  const clientFor = (port: number) => {
    let client = clients.get(port);
    if (client === undefined) {
      client = new RpcClient({ host: address, port, transport, timeoutMs: output.timeoutMs });
      clients.set(port, client);
    }
    return client;
  };
  try {
    const targets =
      spec.port !== undefined
        ? await directTargets(clientFor(spec.port), spec.port, program, version, label, output.timeoutMs)
        : await rpcbindTargets(address, family, transport, program, version, label, output.timeoutMs);
    // Ctrl-C stops the pings and reports what was gathered: closing the clients fails the calls in flight at once
    // (no AbortSignal listener per call), and the loops do not count those calls as sent. A second Ctrl-C kills.
    const interrupt = new AbortController();
    const onInterrupt = () => {
      interrupt.abort();
      for (const client of clients.values()) void client.close();
    };
    process.once('SIGINT', onInterrupt);
    let results: Result[];
    try {
      results = await Promise.all(
        targets.map((target) =>
          pingVersion(clientFor(target.port), program, target, transport, count, intervalMs, interrupt.signal),
        ),
      );
    } finally {
      process.off('SIGINT', onInterrupt);
    }
    report(output, hostText.trim(), program, label, address, results);
    const failed = results.filter((r) => r.received < r.sent);
    if (interrupt.signal.aborted && results.every((r) => r.received === 0)) {
      output.err.write(`nfsprobe: ${label} on ${address}: interrupted before any reply\n`);
      return 1;
    }
    if (failed.length === 0) return 0;
    const why = failed.map(
      (r) =>
        `v${r.version} ${r.transport} port ${r.port}: ${r.received === 0 ? '' : `${r.sent - r.received} of ${r.sent} pings unanswered, `}${describeRpcError(r.error, output.timeoutMs)}`,
    );
    output.err.write(`nfsprobe: ${label} on ${address}: ${why.join('; ')}\n`);
    return 1;
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
}

/** Ask rpcbind (port 111, same transport) where the program listens. */
async function rpcbindTargets(
  address: string,
  family: 4 | 6,
  transport: 'udp' | 'tcp',
  program: number,
  version: number | undefined,
  label: string,
  timeoutMs: number,
): Promise<Target[]> {
  const netid = family === 6 ? `${transport}6` : transport;
  const where = `rpcbind on ${hostPort(address, PMAP_PORT)} (${transport})`;
  const rpcbind = new RpcbindClient({ host: address, transport, timeoutMs });
  const notRegistered = (what: string, others: string[]) =>
    new ProbeFailure(
      'PROG_UNAVAIL',
      `${what} is not registered with rpcbind on ${hostPort(address, PMAP_PORT)} for ${netid}${others.length > 0 ? ` (registered for ${others.join(', ')}; try --transport)` : ''}`,
    );
  try {
    if (version !== undefined) {
      // GETPORT / GETADDR, as rpcinfo -u / -t do: rpcbind answers with any version's port when this one is not
      // registered, so the ping itself then tells the versions the server has (PROG_MISMATCH).
      const port =
        family === 4
          ? await rpcbind.getPort(program, version, transport)
          : portOf(await rpcbind.getAddr(program, version, netid));
      if (port === 0) throw notRegistered(`${label} version ${version}`, []);
      return [{ version, port }];
    }
    const dump = await rpcbind.dump();
    const mine = dump.entries.filter((e) => e.program === program);
    const wanted = mine.filter((e) => (dump.version === 2 ? e.protocol === transport : e.netid === netid));
    if (wanted.length === 0) throw notRegistered(label, [...new Set(mine.map((e) => e.netid))]);
    const byVersion = new Map<number, number>();
    for (const e of wanted) if (!byVersion.has(e.version)) byVersion.set(e.version, e.port);
    return [...byVersion].sort((a, b) => a[0] - b[0]).map(([v, port]) => ({ version: v, port }));
  } catch (error) {
    if (error instanceof ProbeFailure) throw error;
    const code = (error as { code?: string }).code ?? 'ERROR';
    throw new ProbeFailure(code, `${where}: ${describeRpcError(error, timeoutMs)}`, { cause: error });
  } finally {
    await rpcbind.close();
  }
}

function portOf(uaddr: string): number {
  if (uaddr === '') return 0;
  try {
    return parseUniversalAddress(uaddr).port;
  } catch {
    return 0;
  }
}

/** HOST:PORT: no rpcbind. Without VERSION, the program's PROG_MISMATCH range for version 0 (then 2^32-1). */
async function directTargets(
  client: RpcClient,
  port: number,
  program: number,
  version: number | undefined,
  label: string,
  timeoutMs: number,
): Promise<Target[]> {
  if (version !== undefined) return [{ version, port }];
  const where = `${label} at ${hostPort(client.options.host, port)} (${client.options.transport})`;
  for (const probe of [0, 0xffffffff]) {
    try {
      await client.ping(program, probe);
    } catch (error) {
      if (error instanceof RpcError && error.code === 'PROG_MISMATCH') {
        const low = error.low ?? 0;
        const high = Math.min(error.high ?? low, low + MAX_VERSIONS - 1);
        return Array.from({ length: high - low + 1 }, (_, i) => ({ version: low + i, port }));
      }
      const code = (error as { code?: string }).code ?? 'ERROR';
      throw new ProbeFailure(code, `${where}: ${describeRpcError(error, timeoutMs)}`, { cause: error });
    }
  }
  return [
    { version: 0, port },
    { version: 0xffffffff, port },
  ];
}

/** Codes after which pinging the same version again cannot succeed. */
const FINAL = new Set(['PROG_MISMATCH', 'PROG_UNAVAIL', 'PROC_UNAVAIL', 'RPC_MISMATCH', 'AUTH_ERROR', 'GARBAGE_ARGS']);

/**
 * `count` NULL calls to one version in turn, `intervalMs` apart: the loop of `nfsprobe ping` (benchmarked against a
 * raw dgram ping-pong in bench/rpc). Once `stop` fires it sends no more; a call then failing (its client closed) is
 * not counted as sent.
 */
export async function pingVersion(
  client: RpcClient,
  program: number,
  target: Target,
  transport: 'udp' | 'tcp',
  count: number,
  intervalMs: number,
  stop?: AbortSignal,
): Promise<Result> {
  const result: Result = { ...target, transport, sent: 0, received: 0, rtts: [] };
  const version = target.version;
  for (let i = 0; i < count && stop?.aborted !== true; i++) {
    if (i > 0 && intervalMs > 0) {
      const woken = await sleep(intervalMs, false, stop === undefined ? {} : { signal: stop }).catch(() => true);
      if (woken) break;
    }
    result.sent++;
    try {
      const reply = await client.ping(program, version);
      result.received++;
      result.rtts.push(reply.rttMs);
    } catch (error) {
      if (stop?.aborted) {
        result.sent--;
        break;
      }
      result.error = error;
      if (error instanceof RpcError && FINAL.has(error.code)) break;
    }
  }
  return result;
}

/** Codes with which the program itself answered: pinging reached it, it refused the call. */
const REJECTED = new Set([...FINAL, 'SYSTEM_ERR']);

/**
 * A version's outcome for --json: `ok` (every ping answered), `timeout`, `refused` (ICMP port unreachable),
 * `rejected` (the program answered with an RPC error), `error` (anything else), `interrupted` (Ctrl-C before a ping
 * completed); `error` is the code of the last failure.
 */
export function pingStatus(r: Result): { status: string; error?: string } {
  if (r.sent === 0) return { status: 'interrupted' };
  if (r.received === r.sent) return { status: 'ok' };
  const code = (r.error as { code?: unknown } | undefined)?.code;
  const error = typeof code === 'string' ? code : 'ERROR';
  const status =
    error === 'TIMEOUT' ? 'timeout' : error === 'REFUSED' ? 'refused' : REJECTED.has(error) ? 'rejected' : 'error';
  return { status, error };
}

export interface RttStats {
  min: number;
  avg: number;
  max: number;
  p50: number;
  p99: number;
}

/** min/avg/max and nearest-rank p50/p99 in ms, rounded to microseconds; null for no samples. */
export function rttStats(samples: readonly number[]): RttStats | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    min: round(sorted[0]!),
    avg: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
    max: round(sorted[sorted.length - 1]!),
    p50: round(rank(0.5)),
    p99: round(rank(0.99)),
  };
}

function report(output: Output, host: string, program: number, label: string, address: string, results: Result[]) {
  if (output.json) {
    printJson(output, {
      host,
      program,
      results: results.map((r) => ({
        version: r.version,
        transport: r.transport,
        port: r.port,
        sent: r.sent,
        received: r.received,
        rttMs: rttStats(r.rtts),
        ...pingStatus(r),
      })),
    });
    return;
  }
  const ms = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(3));
  const rows = results.map((r) => {
    const s = rttStats(r.rtts);
    const status =
      r.sent === 0
        ? 'interrupted'
        : r.received === r.sent
          ? paint(output.out, 'green', 'ok')
          : paint(output.out, 'red', r.error instanceof RpcError ? errorLabel(r.error) : 'no reply');
    return [
      String(r.version),
      r.transport,
      String(r.port),
      String(r.sent),
      String(r.received),
      ms(s?.min),
      ms(s?.avg),
      ms(s?.max),
      ms(s?.p50),
      ms(s?.p99),
      status,
    ];
  });
  const target = host === address ? address : `${address} (${host})`;
  const title = paint(output.out, 'bold', `${label} on ${target}: NULL pings, round trips in ms`);
  const header = ['version', 'transport', 'port', 'sent', 'received', 'min', 'avg', 'max', 'p50', 'p99', 'status'];
  output.out.write(`${title}\n${table([header, ...rows])}\n`);
}

function errorLabel(error: RpcError): string {
  if (error.code === 'PROG_MISMATCH' || error.code === 'RPC_MISMATCH')
    return `${error.code} ${error.low}..${error.high}`;
  return error.code;
}
