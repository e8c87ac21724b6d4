// The body of `nfsprobe lock HOST:/export/path` (see lock.ts for its flags): one lock taken or tested through NLM v4
// (MOUNT + LOOKUP + NLM) or NFSv4.1 (OPEN + LOCK/LOCKT + LOCKU + CLOSE), held, released; the holder of a conflict.
import { hostname } from 'node:os';
import { connect, type NfsConnection } from '../../nfs/connect.js';
import { NfsError } from '../../nfs/errors.js';
import { type Lock4Denied, NFS_LOCK_TYPE4, type Nfs4Client } from '../../nfs/nfs4/index.js';
import { LCK_DENIED, LCK_GRANTED, NlmClient, type NlmHolderInfo } from '../../nlm/index.js';
import { findExport } from '../../probe/handles.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../errors.js';
import { type Output, printable, printJson, table, toHex } from '../output.js';
import { parseDuration, parseExportSpec } from '../parse.js';
import { checkPath, connectOptions, type NfsFlags } from './nfs-options.js';

export interface LockFlags extends NfsFlags {
  test?: boolean;
  hold?: string;
  nfsVersion?: string;
  callerName?: string;
  offset?: string;
  length?: string;
  shared?: boolean;
  reclaim?: boolean;
  nlmPort?: string;
  nlmTransport?: string;
  json?: boolean;
}

const NFS4_LENGTH_TO_EOF = 0xffffffffffffffffn;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The holder of a conflicting lock, in one shape for NLM and NFSv4. */
interface Holder {
  exclusive: boolean;
  offset: bigint;
  length: bigint;
  svid?: number;
  oh?: Uint8Array;
  clientId?: bigint;
  owner?: Uint8Array;
}

interface Outcome {
  /** granted | denied | free (test) | the status name otherwise */
  result: string;
  status: string;
  holder?: Holder;
  rttMs?: number;
  heldMs?: number;
  released?: boolean;
  releaseStatus?: string;
  interrupted?: boolean;
  /** NFSv4: the operation that got the status, when it is not LOCK/LOCKT. */
  operation?: string;
}

function parseRange(text: string | undefined, what: string): bigint {
  const s = (text ?? '0').trim();
  if (!/^\d+$/.test(s)) throw new UsageError(`${what} '${text}' is not a whole number`);
  const value = BigInt(s);
  if (value > 0xffffffffffffffffn) throw new UsageError(`${what} ${s} does not fit in 64 bits`);
  return value;
}

/** Text of a byte string when it is printable ASCII (Linux oh: "pid@host"), else undefined. */
function asText(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined || bytes.length === 0) return undefined;
  for (const b of bytes) if (b < 0x20 || b > 0x7e) return undefined;
  return Buffer.from(bytes).toString('latin1');
}

function rangeText(offset: bigint, length: bigint, toEof: bigint): string {
  return length === toEof ? `${offset}- (to end of file)` : `${offset}-${offset + length - 1n} (${length} bytes)`;
}

/** Waits `ms`, or less when a signal arrives; `signalled` says which. */
class Interrupt {
  signalled: string | undefined;
  private wake: (() => void) | undefined;
  private readonly handler = (signal: string) => {
    this.signalled = signal;
    this.wake?.();
  };
  constructor() {
    for (const s of SIGNALS) process.on(s, this.handler);
  }
  sleep(ms: number): Promise<void> {
    if (this.signalled !== undefined || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }
  dispose(): void {
    for (const s of SIGNALS) process.off(s, this.handler);
  }
}

export async function lockCommand(output: Output, spec: string, flags: LockFlags): Promise<number> {
  const version = flags.nfsVersion ?? '3';
  if (version !== '3' && version !== '4') throw new UsageError(`--nfs-version must be 3 or 4, not '${version}'`);
  const parsed = parseExportSpec(spec);
  const path = checkPath(parsed.path, 'path');
  if (path === '/') throw new UsageError('lock needs the path of a file, not /');
  const holdMs = parseDuration(flags.hold ?? '0', '--hold');
  const offset = parseRange(flags.offset, '--offset');
  const length = parseRange(flags.length, '--length');
  const exclusive = flags.shared !== true;
  const nlmTransport = flags.nlmTransport ?? 'udp';
  if (nlmTransport !== 'udp' && nlmTransport !== 'tcp') {
    throw new UsageError(`--nlm-transport must be udp or tcp, not '${nlmTransport}'`);
  }
  const nlmPort = flags.nlmPort === undefined ? undefined : parseRange(flags.nlmPort, '--nlm-port');
  if (nlmPort !== undefined && (nlmPort < 1n || nlmPort > 65535n)) throw new UsageError('--nlm-port must be 1-65535');
  const callerName = flags.callerName ?? hostname();
  if (callerName === '' || Buffer.byteLength(callerName) > 1024) {
    throw new UsageError('--caller-name must be 1 to 1024 bytes');
  }
  if (flags.reclaim && (version === '4' || flags.test)) {
    throw new UsageError('--reclaim applies to an NLM LOCK (--nfs-version 3, without --test)');
  }
  const hostText = parsed.port === undefined ? parsed.host : `[${parsed.host}]:${parsed.port}`;
  const { host, ...options } = connectOptions(hostText, flags, output.timeoutMs);
  const target = `${host}:${path}`;
  const interrupt = new Interrupt();
  const conn = connect(host, options);
  const report = (line: string) => {
    if (!output.json) output.out.write(`${line}\n`);
  };
  try {
    let outcome: Outcome;
    let who: Record<string, unknown>;
    if (version === '3') {
      const nlm = await openNlm(conn, host, path, {
        ...options,
        callerName,
        nlmTransport,
        nlmPort,
        timeoutMs: output.timeoutMs,
      });
      try {
        who = {
          protocol: 'nlm4',
          transport: nlmTransport,
          callerName,
          svid: nlm.client.svid,
          oh: toHex(nlm.client.oh),
        };
        outcome = await runNlm(
          nlm.client,
          nlm.fh,
          { offset, length, exclusive, holdMs, test: flags.test === true, reclaim: flags.reclaim === true },
          interrupt,
          report,
        );
      } finally {
        await nlm.client.close();
      }
    } else {
      const client = await conn.nfs4(1);
      try {
        await client.createSession();
        await client.reclaimComplete().catch(() => {});
        who = { protocol: 'nfs4.1', clientId: client.currentSession?.clientId.toString() };
        outcome = await runNfs4(
          client,
          path,
          { offset, length, exclusive, holdMs, test: flags.test === true },
          interrupt,
          report,
        );
      } finally {
        await client.destroySession().catch(() => {});
      }
    }
    const ok = outcome.result === 'granted' || outcome.result === 'free';
    if (output.json) {
      printJson(output, {
        target,
        nfsVersion: Number(version),
        mode: flags.test ? 'test' : 'lock',
        exclusive,
        offset: offset.toString(),
        length: length.toString(),
        ...who,
        ok,
        result: outcome.result,
        status: outcome.status,
        ...(outcome.rttMs === undefined ? {} : { rttMs: Math.round(outcome.rttMs * 1000) / 1000 }),
        ...(outcome.holder === undefined ? {} : { holder: holderJson(outcome.holder) }),
        ...(outcome.heldMs === undefined ? {} : { heldMs: outcome.heldMs }),
        ...(outcome.released === undefined ? {} : { released: outcome.released, releaseStatus: outcome.releaseStatus }),
        ...(outcome.interrupted ? { interrupted: true } : {}),
        ...(outcome.operation === undefined ? {} : { operation: outcome.operation }),
      });
    } else if (outcome.holder !== undefined) {
      output.out.write(`${table(holderRows(outcome.holder, version === '3' ? 0n : NFS4_LENGTH_TO_EOF))}\n`);
    }
    return ok ? EXIT_OK : EXIT_PROBLEM;
  } finally {
    interrupt.dispose();
    await conn.close();
  }
}

async function openNlm(
  conn: NfsConnection,
  host: string,
  path: string,
  o: {
    callerName: string;
    nlmTransport: 'udp' | 'tcp';
    nlmPort: bigint | undefined;
    timeoutMs: number;
    rpcbindPort?: number;
  },
): Promise<{ client: NlmClient; fh: Uint8Array }> {
  const exportPath = await findExport(conn, path);
  const mount = await conn.mount(3);
  const mounted = await mount.mnt(exportPath);
  await mount.umnt(exportPath).catch(() => {});
  const rest = path.slice(exportPath.length);
  const fh = rest === '' ? mounted.fhandle : (await (await conn.nfs3()).lookupPath(mounted.fhandle, rest)).handle;
  const client = await NlmClient.connect({
    host,
    transport: o.nlmTransport,
    timeoutMs: o.timeoutMs,
    callerName: o.callerName,
    ...(o.nlmPort === undefined ? {} : { port: Number(o.nlmPort) }),
    ...(o.rpcbindPort === undefined ? {} : { rpcbindPort: o.rpcbindPort }),
  });
  return { client, fh };
}

interface RunOptions {
  offset: bigint;
  length: bigint;
  exclusive: boolean;
  holdMs: number;
  test: boolean;
}

async function runNlm(
  client: NlmClient,
  fh: Uint8Array,
  o: RunOptions & { reclaim: boolean },
  interrupt: Interrupt,
  report: (line: string) => void,
): Promise<Outcome> {
  const lock = { fh, offset: o.offset, length: o.length, exclusive: o.exclusive };
  const what = `${o.exclusive ? 'exclusive' : 'shared'} lock on bytes ${rangeText(o.offset, o.length, 0n)}`;
  if (o.test) {
    const r = await client.test(lock);
    const result = r.stat === LCK_GRANTED ? 'free' : r.stat === LCK_DENIED ? 'denied' : r.statName;
    report(
      `test ${what}: ${result === 'free' ? 'free, it could be taken' : result} (${r.statName}, ${r.rttMs.toFixed(1)} ms)`,
    );
    return { result, status: r.statName, rttMs: r.rttMs, ...(r.holder ? { holder: nlmHolder(r.holder) } : {}) };
  }
  const r = await client.lock(lock, { reclaim: o.reclaim });
  if (r.stat !== LCK_GRANTED) {
    report(
      `lock ${what}: ${r.statName === 'LCK_DENIED' ? 'denied' : r.statName} (${r.statName}, ${r.rttMs.toFixed(1)} ms)`,
    );
    // Who holds it: LOCK's answer does not say, TEST does.
    let holder: Holder | undefined;
    if (r.stat === LCK_DENIED) {
      const t = await client.test(lock).catch(() => undefined);
      if (t?.holder !== undefined) holder = nlmHolder(t.holder);
    }
    return {
      result: r.stat === LCK_DENIED ? 'denied' : r.statName,
      status: r.statName,
      rttMs: r.rttMs,
      ...(holder ? { holder } : {}),
    };
  }
  report(`lock ${what}: granted (${r.statName}, ${r.rttMs.toFixed(1)} ms)`);
  const started = Date.now();
  if (o.holdMs > 0) report(`holding for ${o.holdMs} ms (Ctrl-C releases now)`);
  await interrupt.sleep(o.holdMs);
  const heldMs = Date.now() - started;
  const u = await client.unlock(lock);
  report(`released after ${heldMs} ms: ${u.statName}${interrupt.signalled ? ` (${interrupt.signalled})` : ''}`);
  return {
    result: u.stat === LCK_GRANTED ? 'granted' : `release-${u.statName}`,
    status: r.statName,
    rttMs: r.rttMs,
    heldMs,
    released: u.stat === LCK_GRANTED,
    releaseStatus: u.statName,
    ...(interrupt.signalled ? { interrupted: true } : {}),
  };
}

function nlmHolder(h: NlmHolderInfo): Holder {
  return { exclusive: h.exclusive, offset: h.offset, length: h.length, svid: h.svid, oh: h.oh };
}

async function runNfs4(
  client: Nfs4Client,
  path: string,
  o: RunOptions,
  interrupt: Interrupt,
  report: (line: string) => void,
): Promise<Outcome> {
  const slash = path.lastIndexOf('/');
  const dir = (await client.lookupPath(path.slice(0, slash) || '/')).handle;
  const name = path.slice(slash + 1);
  const type = o.exclusive ? NFS_LOCK_TYPE4.WRITE_LT : NFS_LOCK_TYPE4.READ_LT;
  const length = o.length === 0n ? NFS4_LENGTH_TO_EOF : o.length;
  const range = { type, offset: o.offset, length };
  const what = `${o.exclusive ? 'exclusive' : 'shared'} lock on bytes ${rangeText(o.offset, length, NFS4_LENGTH_TO_EOF)}`;
  let opened: Awaited<ReturnType<Nfs4Client['openFile']>>;
  try {
    opened = await client.openFile(dir, name, {});
  } catch (error) {
    // During grace a new OPEN is refused too (NFS4ERR_GRACE): that is the server's answer, reported like a denial.
    if (!(error instanceof NfsError) || error.code !== 'NFS4ERR_GRACE') throw error;
    report(`open ${name}: ${error.code} (the server is in its grace period)`);
    return { result: error.code, status: error.code, operation: 'OPEN' };
  }
  try {
    if (o.test) {
      const started = performance.now();
      const denied = await client.lockt(opened.fh, range);
      const rttMs = performance.now() - started;
      report(
        `test ${what}: ${denied === undefined ? 'free, it could be taken' : 'denied'} (LOCKT, ${rttMs.toFixed(1)} ms)`,
      );
      return denied === undefined
        ? { result: 'free', status: 'NFS4_OK', rttMs }
        : { result: 'denied', status: 'NFS4ERR_DENIED', rttMs, holder: nfs4Holder(denied) };
    }
    const started = performance.now();
    let lockStateid: Awaited<ReturnType<Nfs4Client['lock']>>;
    try {
      lockStateid = await client.lock(opened.fh, { ...range, openStateid: opened.stateid });
    } catch (error) {
      if (!(error instanceof NfsError) || !error.code.startsWith('NFS4ERR_')) throw error;
      const rttMs = performance.now() - started;
      const denied = error.result as Lock4Denied | undefined;
      report(
        `lock ${what}: ${error.code === 'NFS4ERR_DENIED' ? 'denied' : error.code} (${error.code}, ${rttMs.toFixed(1)} ms)`,
      );
      return {
        result: error.code === 'NFS4ERR_DENIED' ? 'denied' : error.code,
        status: error.code,
        rttMs,
        ...(denied?.owner !== undefined ? { holder: nfs4Holder(denied) } : {}),
      };
    }
    const rttMs = performance.now() - started;
    report(`lock ${what}: granted (NFS4_OK, ${rttMs.toFixed(1)} ms)`);
    const heldFrom = Date.now();
    if (o.holdMs > 0) report(`holding for ${o.holdMs} ms (Ctrl-C releases now)`);
    await interrupt.sleep(o.holdMs);
    const heldMs = Date.now() - heldFrom;
    await client.locku(opened.fh, lockStateid, range);
    report(`released after ${heldMs} ms: NFS4_OK${interrupt.signalled ? ` (${interrupt.signalled})` : ''}`);
    return {
      result: 'granted',
      status: 'NFS4_OK',
      rttMs,
      heldMs,
      released: true,
      releaseStatus: 'NFS4_OK',
      ...(interrupt.signalled ? { interrupted: true } : {}),
    };
  } finally {
    await client.close(opened.fh, opened.stateid).catch(() => {});
  }
}

function nfs4Holder(d: Lock4Denied): Holder {
  return {
    exclusive: d.locktype === NFS_LOCK_TYPE4.WRITE_LT || d.locktype === NFS_LOCK_TYPE4.WRITEW_LT,
    offset: d.offset,
    length: d.length,
    clientId: d.owner.clientId,
    owner: d.owner.owner,
  };
}

function holderJson(h: Holder): Record<string, unknown> {
  const out: Record<string, unknown> = {
    exclusive: h.exclusive,
    offset: h.offset.toString(),
    length: h.length.toString(),
  };
  if (h.svid !== undefined) out.svid = h.svid;
  if (h.oh !== undefined) {
    out.oh = toHex(h.oh);
    const text = asText(h.oh);
    if (text !== undefined) out.ohText = text;
  }
  if (h.clientId !== undefined) out.clientId = h.clientId.toString();
  if (h.owner !== undefined) {
    out.owner = toHex(h.owner);
    const text = asText(h.owner);
    if (text !== undefined) out.ownerText = text;
  }
  return out;
}

function holderRows(h: Holder, toEof: bigint): string[][] {
  const rows = [
    ['held by', `${h.exclusive ? 'an exclusive' : 'a shared'} lock on bytes ${rangeText(h.offset, h.length, toEof)}`],
  ];
  if (h.svid !== undefined) rows.push(['svid', String(h.svid)]);
  if (h.oh !== undefined) {
    const text = asText(h.oh);
    rows.push(['oh', `${toHex(h.oh)}${text === undefined ? '' : ` ("${printable(text)}")`}`]);
  }
  if (h.clientId !== undefined) rows.push(['client id', `0x${h.clientId.toString(16)}`]);
  if (h.owner !== undefined) {
    const text = asText(h.owner);
    rows.push(['lock owner', `${toHex(h.owner)}${text === undefined ? '' : ` ("${printable(text)}")`}`]);
  }
  return rows;
}
