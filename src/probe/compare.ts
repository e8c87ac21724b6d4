// HA parity of two NFS servers from two snapshots: the checks an operator needs before (or after) a failover, each
// pass/warn/fail with what differs and a concrete remedy. Pure: no network, so snapshots from files work the same.
import { compareFileHandles, decodeFileHandle } from '../nfs/fh/index.js';
import { plural } from './plural.js';
import type { PortabilityProbe } from './portability.js';
import type { Snapshot, SnapshotHandleV3, SnapshotHandleV4, SnapshotTarget } from './snapshot.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly a: unknown;
  readonly b: unknown;
  readonly detail: string;
  readonly remedy: string;
}

export interface Comparison {
  readonly a: string;
  readonly b: string;
  readonly ok: boolean;
  readonly checks: Check[];
}

function check(name: string, status: CheckStatus, a: unknown, b: unknown, detail: string, remedy = ''): Check {
  return { name, status, a, b, detail, remedy };
}

/** Client-visible registrations: program, version and transport (ports and local-only netids left out). */
function programKeys(s: Snapshot): string[] | null {
  if (s.programs === null) return null;
  const keys = new Set<string>();
  for (const p of s.programs) {
    if (!/^(udp|tcp)6?$/.test(p.netid)) continue;
    keys.add(`${p.name ?? p.program} v${p.version} ${p.netid}`);
  }
  return [...keys].sort();
}

function setDifference(x: readonly string[], y: readonly string[]): string[] {
  const ys = new Set(y);
  return x.filter((v) => !ys.has(v));
}

function comparePrograms(a: Snapshot, b: Snapshot): Check[] {
  const ka = programKeys(a);
  const kb = programKeys(b);
  if (ka === null || kb === null) {
    return [
      check(
        'programs',
        'fail',
        ka,
        kb,
        `rpcbind did not answer on ${[ka === null ? a.host : '', kb === null ? b.host : ''].filter(Boolean).join(' and ')}`,
        'Start rpcbind on that server (systemctl start rpcbind) and make sure port 111 is reachable.',
      ),
    ];
  }
  const onlyA = setDifference(ka, kb);
  const onlyB = setDifference(kb, ka);
  const checks: Check[] = [];
  if (onlyA.length === 0 && onlyB.length === 0) {
    checks.push(
      check('programs', 'pass', ka.length, kb.length, `the same ${ka.length} program/version/transport registrations`),
    );
  } else {
    checks.push(
      check(
        'programs',
        'fail',
        onlyA,
        onlyB,
        onlyOn(a.host, onlyA, b.host, onlyB),
        'Enable the same NFS versions, transports and services on both servers (nfs.conf [nfsd] vers*/udp/tcp, ganesha NFS_CORE_PARAM Protocols), and start the missing daemons.',
      ),
    );
  }
  const nfsPort = (s: Snapshot) =>
    [...new Set((s.programs ?? []).filter((p) => p.program === 100003).map((p) => p.port))].sort((x, y) => x - y);
  const pa = nfsPort(a);
  const pb = nfsPort(b);
  if (pa.join() !== pb.join()) {
    checks.push(
      check(
        'nfs-port',
        'warn',
        pa,
        pb,
        `NFS listens on port ${pa.join(',') || 'none'} on ${a.host} and ${pb.join(',') || 'none'} on ${b.host}`,
        'Use the same NFS port on both servers (2049): clients that mounted with port= or through a firewall keep the old one.',
      ),
    );
  }
  return checks;
}

function compareExports(a: Snapshot, b: Snapshot): Check[] {
  if (a.exports === null || b.exports === null) {
    return [
      check(
        'exports',
        'fail',
        a.exports,
        b.exports,
        `MOUNT EXPORT failed on ${[a.exports === null ? a.host : '', b.exports === null ? b.host : ''].filter(Boolean).join(' and ')}`,
        'Check that mountd (or ganesha with NFSv3 enabled) runs and answers `showmount -e`.',
      ),
    ];
  }
  const ea = a.exports.map((e) => e.path).sort();
  const eb = b.exports.map((e) => e.path).sort();
  const onlyA = setDifference(ea, eb);
  const onlyB = setDifference(eb, ea);
  const checks: Check[] = [];
  if (onlyA.length === 0 && onlyB.length === 0) {
    checks.push(check('exports', 'pass', ea, eb, `the same ${plural(ea.length, 'export')}`));
  } else {
    checks.push(
      check(
        'exports',
        'fail',
        onlyA,
        onlyB,
        onlyOn(a.host, onlyA, b.host, onlyB),
        'Export the same paths on both servers (same /etc/exports or ganesha EXPORT blocks); clients of a missing export lose it after failover.',
      ),
    );
  }
  for (const path of ea.filter((p) => eb.includes(p))) {
    const ga = [...(a.exports.find((e) => e.path === path)?.groups ?? [])].sort();
    const gb = [...(b.exports.find((e) => e.path === path)?.groups ?? [])].sort();
    if (ga.join('\n') === gb.join('\n')) {
      checks.push(check(`groups ${path}`, 'pass', ga, gb, `the same client list (${ga.join(', ') || 'none'})`));
    } else {
      checks.push(
        check(
          `groups ${path}`,
          'fail',
          ga,
          gb,
          `clients allowed differ: ${ga.join(', ') || 'none'} vs ${gb.join(', ') || 'none'}`,
          'Give the export the same client list and options on both servers; a client missing on the standby gets EACCES after failover.',
        ),
      );
    }
  }
  return checks;
}

type Side<T> = T | { readonly error: { code: string; message: string } } | null;

function hexOf(h: { handle: Record<string, unknown> }): string {
  return String(h.handle.hex ?? '');
}

function compareHandle(
  name: string,
  a: Snapshot,
  b: Snapshot,
  ha: Side<SnapshotHandleV3 | SnapshotHandleV4>,
  hb: Side<SnapshotHandleV3 | SnapshotHandleV4>,
): Check | undefined {
  if (ha === null && hb === null) return undefined;
  if (ha === null || hb === null || 'error' in ha || 'error' in hb) {
    const reason = (s: Snapshot, h: typeof ha) =>
      h === null ? `not taken on ${s.host}` : 'error' in h ? `${s.host}: ${h.error.code} (${h.error.message})` : 'ok';
    // Both failed alike (NFSv4 off on both, say) is a warning; an NFSv4 path not found is a finding, and fails.
    const pseudoFailed = [ha, hb].some((h) => h !== null && 'error' in h && h.error.code.startsWith('PSEUDO_'));
    const bothFailed = ha !== null && hb !== null && 'error' in ha && 'error' in hb && !pseudoFailed;
    return check(
      name,
      bothFailed ? 'warn' : 'fail',
      ha === null || 'error' in ha ? null : hexOf(ha),
      hb === null || 'error' in hb ? null : hexOf(hb),
      `no handle to compare: ${reason(a, ha)}; ${reason(b, hb)}`,
      'Make the export reachable with this NFS version on both servers (exports, Protocols, pseudo path).',
    );
  }
  const xa = hexOf(ha);
  const xb = hexOf(hb);
  if (xa === xb) return check(name, 'pass', xa, xb, 'byte-identical handles');
  const comparison = compareFileHandles(
    decodeFileHandle(Uint8Array.from(Buffer.from(xa, 'hex'))),
    decodeFileHandle(Uint8Array.from(Buffer.from(xb, 'hex'))),
  );
  const diffs = comparison.differences;
  const fields = diffs.map((d) => `${d.field} ${String(d.a)} vs ${String(d.b)}`);
  const failing = diffs.filter((d) => d.severity === 'fail');
  const remedies = [...new Set((failing.length ? failing : diffs).map((d) => d.consequence))];
  return check(
    name,
    comparison.compatible ? 'warn' : 'fail',
    xa,
    xb,
    fields.length ? `handles differ: ${fields.join('; ')}` : 'handles differ in bytes the decoder does not name',
    remedies.join(' ') ||
      'Clients holding handles from one server get ESTALE on the other: serve the same filesystem with the same fsid and export id.',
  );
}

function compareAttributes(name: string, ta: SnapshotTarget, tb: SnapshotTarget): Check[] {
  const out: Check[] = [];
  const v3a = ta.v3 !== null && !('error' in ta.v3) ? ta.v3.attributes : null;
  const v3b = tb.v3 !== null && !('error' in tb.v3) ? tb.v3.attributes : null;
  const v4a = ta.v4 !== null && !('error' in ta.v4) ? ta.v4.attributes : null;
  const v4b = tb.v4 !== null && !('error' in tb.v4) ? tb.v4.attributes : null;
  const pairs: [string, unknown, unknown][] = [];
  if (v3a && v3b) {
    pairs.push([`fsid (v3) ${name}`, v3a.fsid, v3b.fsid], [`fileid (v3) ${name}`, v3a.fileid, v3b.fileid]);
  }
  if (v4a && v4b) {
    const f = (x: typeof v4a) => (x.fsid ? `${x.fsid.major}:${x.fsid.minor}` : null);
    pairs.push([`fsid (v4) ${name}`, f(v4a), f(v4b)], [`fileid (v4) ${name}`, v4a.fileid, v4b.fileid]);
  }
  for (const [label, x, y] of pairs) {
    const isFsid = label.startsWith('fsid');
    if (x === y) {
      out.push(
        check(`getattr ${label}`, 'pass', x, y, `the same ${isFsid ? 'filesystem id' : 'inode number'} (${String(x)})`),
      );
      continue;
    }
    out.push(
      check(
        `getattr ${label}`,
        'fail',
        x,
        y,
        isFsid
          ? `GETATTR fsid differs (${String(x)} vs ${String(y)}): clients see a different filesystem after failover`
          : `GETATTR fileid differs (${String(x)} vs ${String(y)}): the exported object has another inode number, so this is not the same filesystem`,
        isFsid
          ? 'Pin the filesystem id on both servers (knfsd: fsid=N in /etc/exports; ganesha: Filesystem_id) and export the same shared or block-replicated filesystem.'
          : 'Serve the same filesystem (shared storage or block-level replication such as DRBD), not a file-level copy: copies get new inode numbers and every client handle goes stale.',
      ),
    );
  }
  return out;
}

function compareTargets(a: Snapshot, b: Snapshot): Check[] {
  const out: Check[] = [];
  const byPath = new Map(b.targets.map((t) => [t.path, t]));
  for (const ta of a.targets) {
    const tb = byPath.get(ta.path);
    if (tb === undefined) {
      out.push(
        check(
          `handles ${ta.path}`,
          'fail',
          ta.path,
          null,
          `${ta.path} was probed on ${a.host} but not on ${b.host}`,
          'Take both snapshots with the same --export/--path options, or export the path on both servers.',
        ),
      );
      continue;
    }
    const v3 = compareHandle(`handle v3 ${ta.path}`, a, b, ta.v3, tb.v3);
    if (v3) out.push(v3);
    const v4 = compareHandle(`handle v4 ${ta.path}`, a, b, ta.v4, tb.v4);
    if (v4) out.push(v4);
    out.push(...compareAttributes(ta.path, ta, tb));
  }
  for (const tb of b.targets) {
    if (!a.targets.some((t) => t.path === tb.path)) {
      out.push(
        check(
          `handles ${tb.path}`,
          'fail',
          null,
          tb.path,
          `${tb.path} was probed on ${b.host} but not on ${a.host}`,
          'Take both snapshots with the same --export/--path options, or export the path on both servers.',
        ),
      );
    }
  }
  return out;
}

function compareNsm(a: Snapshot, b: Snapshot): Check[] {
  const ra = a.nsm.registered;
  const rb = b.nsm.registered;
  const checks: Check[] = [];
  if (ra === true && rb === true) checks.push(check('nsm', 'pass', true, true, 'status (NSM) is registered on both'));
  else {
    const missing = [ra === false ? a.host : '', rb === false ? b.host : ''].filter((h) => h !== '');
    const unknown = [ra === null ? a.host : '', rb === null ? b.host : ''].filter((h) => h !== '');
    const parts = [];
    if (missing.length) parts.push(`status (NSM, 100024) is not registered on ${missing.join(' and ')}`);
    if (unknown.length) parts.push(`NSM could not be checked on ${unknown.join(' and ')} (rpcbind did not answer)`);
    checks.push(
      check(
        'nsm',
        'fail',
        ra,
        rb,
        `${parts.join('; ')}: NFSv3 lock recovery after failover is not assured`,
        'Start rpc.statd on the server (Debian: nfs-common; systemctl start rpc-statd) and make sure it registers with rpcbind.',
      ),
    );
  }
  return checks;
}

/**
 * How `a` and `b` relate. `failover`: `a` is the server before a failover (usually a snapshot file), `b` the server
 * after it (the new active). `parity`: two servers live at the same time (active and standby).
 */
export type CompareMode = 'failover' | 'parity';

export interface CompareOptions {
  /** Default `parity`. */
  mode?: CompareMode;
  /** A's export-root handles presented to B (probePortability): adds the `portability PATH` checks. */
  portability?: readonly PortabilityProbe[];
}

/** RPC-level answers meaning "this server does not offer that program, version or procedure". */
const NOT_SERVED = new Set(['PROG_MISMATCH', 'PROG_UNAVAIL', 'PROC_UNAVAIL', 'NO_PORT']);

type Recorded<T> = T | { readonly error: { readonly code: string; readonly message: string } } | null | undefined;

/**
 * Why a field recorded in both snapshots cannot be compared, as a warning check; undefined when both have values.
 * `null` (not asked for, e.g. a v3-only snapshot) on either side, or neither server offering it: no check at all
 * (returns null).
 */
function unrecorded<T>(
  name: string,
  a: Snapshot,
  b: Snapshot,
  xa: Recorded<T>,
  xb: Recorded<T>,
  what: string,
  remedy: string,
): Check | null | undefined {
  if (xa === null || xb === null) return null;
  // Neither server offers the protocol or procedure at all (a v3-only pair): nothing to compare, and the handle
  // checks already say so.
  const notServed = (x: Recorded<T>) =>
    x !== undefined && typeof x === 'object' && x !== null && 'error' in x && NOT_SERVED.has(x.error.code);
  if (notServed(xa) && notServed(xb)) return null;
  const why = (s: Snapshot, x: Recorded<T>) =>
    x === undefined
      ? `${s.host}'s snapshot has no ${what} (taken by an older nfsprobe)`
      : x !== null && typeof x === 'object' && 'error' in x
        ? `${s.host}: ${x.error.code} (${x.error.message})`
        : '';
  const reasons = [why(a, xa), why(b, xb)].filter((r) => r !== '');
  if (reasons.length === 0) return undefined;
  const value = (x: Recorded<T>) =>
    x === undefined || (x !== null && typeof x === 'object' && 'error' in x) ? null : x;
  return check(name, 'warn', value(xa), value(xb), `not checked: ${reasons.join('; ')}`, remedy);
}

type Identity = NonNullable<Exclude<Snapshot['nfs4'], { error: unknown }>>;

/**
 * EXCHANGE_ID identity (RFC 8881 section 2.10.4): a client reclaims its state on another server only when the
 * server_scope is the same; server_owner tells it whether two addresses are one server (trunking); the lease time
 * decides how long state lives. After a failover behind one address all three should look unchanged.
 */
function compareIdentity(a: Snapshot, b: Snapshot): Check[] {
  const again =
    'Take the snapshots again with NFSv4.1 enabled on both servers (ganesha NFSV4 Minor_Versions, knfsd nfs.conf [nfsd] vers4.1).';
  const missing = unrecorded('v4 server scope', a, b, a.nfs4, b.nfs4, 'NFSv4 identity', again);
  if (missing === null) return [];
  if (missing !== undefined) {
    return [missing, { ...missing, name: 'v4 server owner' }, { ...missing, name: 'v4 lease time' }];
  }
  const ia = a.nfs4 as Identity;
  const ib = b.nfs4 as Identity;
  const out: Check[] = [];
  out.push(
    ia.serverScope === ib.serverScope
      ? check('v4 server scope', 'pass', ia.serverScope, ib.serverScope, `the same server scope '${ia.serverScope}'`)
      : check(
          'v4 server scope',
          'fail',
          ia.serverScope,
          ib.serverScope,
          `server scopes differ ('${ia.serverScope}' vs '${ib.serverScope}'): NFSv4.1 clients cannot reclaim opens and locks on the other server after a failover`,
          `Give both servers one scope: ganesha NFSV4 { Server_Scope = "<floating name>"; } on every node; knfsd takes the scope from the host name of nfsd's UTS namespace, so run nfsd with the same (floating) host name on both.`,
        ),
  );
  const oa = ia.serverOwner;
  const ob = ib.serverOwner;
  const owner = (o: typeof oa) => `${o.majorId}/${o.minorId}`;
  if (oa.majorId === ob.majorId && oa.minorId === ob.minorId) {
    out.push(check('v4 server owner', 'pass', owner(oa), owner(ob), `the same server owner ${owner(oa)}`));
  } else {
    out.push(
      check(
        'v4 server owner',
        'warn',
        owner(oa),
        owner(ob),
        oa.majorId === ob.majorId
          ? `server owner minor ids differ (${oa.minorId} vs ${ob.minorId}): clients will not trunk sessions across the two`
          : `server owner major ids differ ('${oa.majorId}' vs '${ob.majorId}'): after a failover clients see another server behind the address and rebuild their client ID`,
        "Both knfsd and ganesha take the server owner from the node's host name: give the NFS service the same (floating) host name on both nodes; the server scope matters more (see v4 server scope).",
      ),
    );
  }
  const la = ia.leaseTime;
  const lb = ib.leaseTime;
  if (la === lb) {
    out.push(
      check('v4 lease time', 'pass', la, lb, la === null ? 'no lease time on either' : `the same lease time ${la} s`),
    );
  } else {
    out.push(
      check(
        'v4 lease time',
        'warn',
        la,
        lb,
        `lease times differ (${la ?? '?'} s vs ${lb ?? '?'} s): clients renew on the old server's timing, and the new server's grace period may not cover the longer lease`,
        'Set one lease time on both (ganesha NFSV4 Lease_Lifetime; knfsd nfs.conf [nfsd] lease-time or /proc/fs/nfsd/nfsv4leasetime), with a grace period at least as long.',
      ),
    );
  }
  return out;
}

/**
 * The write verifier (RFC 1813 section 3.3.7): a client resends its UNSTABLE writes that were not yet committed when
 * the verifier changes. Two servers with one verifier would hide a failover's lost writes from clients.
 */
function compareVerifier(a: Snapshot, b: Snapshot): Check[] {
  const missing = unrecorded(
    'write verifier',
    a,
    b,
    a.writeVerifier,
    b.writeVerifier,
    'write verifier',
    "The verifier is read by an NFSv3 COMMIT of a regular file in the first export's root (nothing is written): make sure there is one and that COMMIT is allowed, then snapshot again.",
  );
  if (missing === null) return [];
  if (missing !== undefined) return [missing];
  const va = (a.writeVerifier as { verifier: string }).verifier;
  const vb = (b.writeVerifier as { verifier: string }).verifier;
  if (va !== vb) {
    return [
      check(
        'write verifier',
        'pass',
        va,
        vb,
        'the servers give different write verifiers: clients notice a failover and resend uncommitted writes',
      ),
    ];
  }
  return [
    check(
      'write verifier',
      'warn',
      va,
      vb,
      `both give write verifier ${va}: after a failover clients cannot tell that uncommitted UNSTABLE writes were lost, and do not resend them`,
      'Servers derive the verifier from their start time (knfsd: per boot and network namespace; ganesha: per start): check that these are really two servers, or restart one; a copied verifier (a cloned VM snapshot) must not be reused.',
    ),
  ];
}

/**
 * Handle portability: did B accept A's export-root handles and name the same object? One check per export; it
 * fails when any version's handle is refused (NFS3ERR_STALE, NFS4ERR_BADHANDLE, ...) or names another fileid.
 */
export function comparePortability(a: Snapshot, b: Snapshot, probes: readonly PortabilityProbe[]): Check[] {
  const out: Check[] = [];
  const paths = [...new Set(probes.map((p) => p.path))];
  for (const path of paths) {
    const mine = probes.filter((p) => p.path === path);
    const failures: string[] = [];
    let stale = false;
    const seen: Record<string, string> = {};
    for (const p of mine) {
      const v = `v${p.version}`;
      if (p.outcome.status === 'error') {
        seen[v] = p.outcome.code;
        if (/STALE|BADHANDLE|FHEXPIRED/.test(p.outcome.code)) stale = true;
        failures.push(`${b.host} refuses ${a.host}'s ${v} handle: ${p.outcome.code}`);
      } else {
        seen[v] = `fileid ${p.outcome.fileid ?? '?'}`;
        if (p.outcome.fileid !== p.expectedFileid) {
          failures.push(
            `${b.host} takes ${a.host}'s ${v} handle but it names fileid ${p.outcome.fileid ?? '?'}, not ${p.expectedFileid ?? '?'}: another object`,
          );
        }
      }
    }
    const expected = mine.find((p) => p.expectedFileid !== null)?.expectedFileid ?? null;
    if (failures.length === 0) {
      out.push(
        check(
          `portability ${path}`,
          'pass',
          expected,
          seen,
          `${b.host} accepts ${a.host}'s handles (${mine.map((p) => `v${p.version}`).join(', ')}) and names the same fileid ${expected ?? '?'}`,
        ),
      );
      continue;
    }
    out.push(
      check(
        `portability ${path}`,
        'fail',
        expected,
        seen,
        failures.join('; '),
        stale
          ? 'Clients holding handles from one server get ESTALE on the other: serve the same filesystem (shared storage or a block-level replica) with the same identity: knfsd fsid=N in /etc/exports, ganesha the same Export_Id and Filesystem_id, or the same device numbers on both nodes.'
          : 'The handle resolves to another object on the other server: export the same filesystem (not a file-level copy) at the same path with the same Export_Id/fsid.',
      ),
    );
  }
  return out;
}

/**
 * NSM state numbers (spec/nsm.md). Clients' statd records the state each server announced and a lock manager acts
 * only on a state that differs — a reused number is ignored (known problem 5), so after a failover the new server
 * must announce a higher odd number than the old one did. Two live servers that share /var/lib/nfs read the same
 * state file and report the same number; different numbers mean separate state files.
 */
function compareNsmState(a: Snapshot, b: Snapshot, mode: CompareMode): Check[] {
  if (a.nsm.registered !== true || b.nsm.registered !== true) return []; // the nsm check already failed
  const sa = a.nsm.state;
  const sb = b.nsm.state;
  const name = 'nsm state';
  if (sa === null || sb === null) {
    const unknown = [sa === null ? a.host : '', sb === null ? b.host : ''].filter((h) => h !== '');
    return [
      check(
        name,
        'warn',
        sa,
        sb,
        `the NSM state number is not known for ${unknown.join(' and ')} (SM_STAT failed, or an older snapshot)`,
        'Check that rpc.statd answers SM_STAT (rpcinfo -u HOST status) and take the snapshot again.',
      ),
    ];
  }
  const bump =
    'Announce a new state after takeover: run `nfsprobe notify` (bumps the state file; not with -n), or `nfsprobe notify --state N` with N odd and higher than';
  if (mode === 'failover') {
    if ((sb & 1) === 0) {
      return [
        check(name, 'fail', sa, sb, `${b.host} reports an even NSM state ${sb} (even means down)`, `${bump} ${sa}.`),
      ];
    }
    if (sb > sa) {
      return [check(name, 'pass', sa, sb, `the NSM state went up from ${sa} to ${sb}: clients see a restart`)];
    }
    if (sb === sa) {
      return [
        check(
          name,
          'fail',
          sa,
          sb,
          `the NSM state is still ${sa}: clients ignore a state number they already saw and will not reclaim locks`,
          `${bump} ${sa} (the state was not bumped: sm-notify -n, or a state file copied from the old server).`,
        ),
      ];
    }
    return [
      check(
        name,
        'fail',
        sa,
        sb,
        `the NSM state went down from ${sa} to ${sb}: the new server keeps its own state file, and a number clients already saw may come back`,
        `${bump} ${sa}, or share the statd directory between the servers (/var/lib/nfs on shared storage).`,
      ),
    ];
  }
  if (sa === sb) {
    return [
      check(
        name,
        'pass',
        sa,
        sb,
        `the same NSM state ${sa} on both (a shared /var/lib/nfs): the takeover's bump to ${(sa + 2) | 0} is new to clients`,
      ),
    ];
  }
  const high = Math.max(sa, sb);
  return [
    check(
      name,
      'warn',
      sa,
      sb,
      `NSM states differ (${sa} vs ${sb}): the servers keep separate state files, so a takeover by the lower one may announce a number clients already saw from the other`,
      `Share the statd directory (/var/lib/nfs on shared storage), or on takeover run \`nfsprobe notify --state N\` with N odd and higher than ${high}.`,
    ),
  ];
}

/** All parity checks of `a` against `b`. `ok` is false when any check failed (warnings do not fail). */
export function compareSnapshots(
  a: Snapshot,
  b: Snapshot,
  labelA = a.host,
  labelB = b.host,
  options: CompareOptions = {},
): Comparison {
  const checks = [
    ...comparePrograms(a, b),
    ...compareExports(a, b),
    ...compareTargets(a, b),
    ...compareNsm(a, b),
    ...compareNsmState(a, b, options.mode ?? 'parity'),
    ...compareIdentity(a, b),
    ...compareVerifier(a, b),
    ...(options.portability === undefined ? [] : comparePortability(a, b, options.portability)),
  ];
  return { a: labelA, b: labelB, ok: !checks.some((c) => c.status === 'fail'), checks };
}

/** "only on A: x, y; only on B: z" for the two sides of a set difference. */
function onlyOn(hostA: string, onlyA: readonly string[], hostB: string, onlyB: readonly string[]): string {
  const parts: string[] = [];
  if (onlyA.length) parts.push(`only on ${hostA}: ${onlyA.join(', ')}`);
  if (onlyB.length) parts.push(`only on ${hostB}: ${onlyB.join(', ')}`);
  return parts.join('; ');
}
