// peer.exports, peer.fsid, peer.statd-name, peer.grace-lease, peer.ganesha: this node against the other node's
// `check --json` (its `facts`).
import { ConfigSyntaxError } from './errors.js';
import { type CheckReport, type CheckResult, type NodeFacts, result } from './report.js';

/** Validate a peer's `check --json` document enough to compare with it. Throws ConfigSyntaxError BAD_PEER_REPORT. */
export function parsePeerReport(text: string, file = 'peer'): Pick<CheckReport, 'host' | 'facts'> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ConfigSyntaxError(
      'BAD_PEER_REPORT',
      file,
      1,
      `not JSON (${(error as Error).message.replace(/\s+/g, ' ')})`,
    );
  }
  const d = doc as { host?: unknown; facts?: unknown; checks?: unknown } | null;
  if (
    d === null ||
    typeof d !== 'object' ||
    !Array.isArray(d.checks) ||
    d.facts === null ||
    typeof d.facts !== 'object'
  ) {
    throw new ConfigSyntaxError(
      'BAD_PEER_REPORT',
      file,
      1,
      'not the output of `nfsprobe check --json` (no checks and facts)',
    );
  }
  const f = d.facts as Partial<NodeFacts>;
  const facts: NodeFacts = {
    exports: Array.isArray(f.exports) ? f.exports : null,
    statdName: typeof f.statdName === 'string' ? f.statdName : null,
    nfsd: f.nfsd !== null && typeof f.nfsd === 'object' ? f.nfsd : null,
    ganesha:
      f.ganesha !== null && typeof f.ganesha === 'object' && Array.isArray(f.ganesha?.exports) ? f.ganesha : null,
  };
  return { host: typeof d.host === 'string' ? d.host : 'peer', facts };
}

export function peerChecks(mine: NodeFacts, peer: NodeFacts, peerHost: string): CheckResult[] {
  const results: CheckResult[] = [];
  const label = `this node and ${peerHost}`;
  // Exports and their fsids.
  if (mine.exports === null && peer.exports === null) {
    results.push(result('peer.exports', 'skip', 'exports', 'neither node has knfsd exports'));
    results.push(result('peer.fsid', 'skip', 'exports', 'neither node has knfsd exports'));
  } else {
    const a = new Map((mine.exports ?? []).map((e) => [e.path, e]));
    const b = new Map((peer.exports ?? []).map((e) => [e.path, e]));
    for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const x = a.get(path);
      const y = b.get(path);
      if (x === undefined || y === undefined) {
        results.push(
          result(
            'peer.exports',
            'fail',
            path,
            `exported only on ${x === undefined ? peerHost : 'this node'}`,
            '',
            'export the same paths on both nodes',
          ),
        );
        continue;
      }
      const same = x.clients.join(' ') === y.clients.join(' ');
      results.push(
        same
          ? result('peer.exports', 'pass', path, 'same clients and options')
          : result(
              'peer.exports',
              'fail',
              path,
              `clients differ: here ${x.clients.join(' ')}; on ${peerHost} ${y.clients.join(' ')}`,
              '',
              'use the same export line on both nodes',
            ),
      );
      if (x.fsid === y.fsid) {
        results.push(
          x.fsid === null
            ? result(
                'peer.fsid',
                'warn',
                path,
                'no fsid= on either node: handles survive only if the filesystem identity (UUID or device) is the same',
                '',
                'set the same fsid= on both nodes',
              )
            : result('peer.fsid', 'pass', path, `fsid=${x.fsid} on both nodes`),
        );
      } else {
        results.push(
          result(
            'peer.fsid',
            'fail',
            path,
            `fsid ${x.fsid ?? '(none)'} here, ${y.fsid ?? '(none)'} on ${peerHost}: handles go stale on failover`,
            '',
            'use the same fsid= on both nodes',
          ),
        );
      }
    }
  }
  // statd name.
  if (mine.statdName === null && peer.statdName === null) {
    results.push(
      result(
        'peer.statd-name',
        'fail',
        'statd',
        `no statd name on ${label}`,
        '',
        'set [statd] name=FLOATING-NAME on both nodes',
      ),
    );
  } else if (mine.statdName?.toLowerCase() === peer.statdName?.toLowerCase()) {
    results.push(result('peer.statd-name', 'pass', mine.statdName!, 'the same statd name on both nodes'));
  } else {
    results.push(
      result(
        'peer.statd-name',
        'fail',
        'statd',
        `statd name ${mine.statdName ?? '(none)'} here, ${peer.statdName ?? '(none)'} on ${peerHost}`,
        '',
        'set the same [statd] name= on both nodes',
      ),
    );
  }
  // Grace and lease, knfsd and ganesha.
  const pairs: [
    string,
    { graceSeconds: number; leaseSeconds: number } | null,
    { graceSeconds: number; leaseSeconds: number } | null,
  ][] = [
    ['nfsd', mine.nfsd, peer.nfsd],
    ['ganesha', mine.ganesha, peer.ganesha],
  ];
  for (const [what, x, y] of pairs) {
    if (x === null && y === null) continue;
    if (x === null || y === null) {
      results.push(
        result(
          'peer.grace-lease',
          'fail',
          what,
          `${what} configured only on ${x === null ? peerHost : 'this node'}`,
          '',
          `configure ${what} on both nodes`,
        ),
      );
    } else if (x.graceSeconds !== y.graceSeconds || x.leaseSeconds !== y.leaseSeconds) {
      results.push(
        result(
          'peer.grace-lease',
          'fail',
          what,
          `grace/lease ${x.graceSeconds}/${x.leaseSeconds}s here, ${y.graceSeconds}/${y.leaseSeconds}s on ${peerHost}`,
          '',
          'use the same grace and lease times on both nodes',
        ),
      );
    } else
      results.push(
        result('peer.grace-lease', 'pass', what, `grace ${x.graceSeconds}s, lease ${x.leaseSeconds}s on both nodes`),
      );
  }
  if (!results.some((r) => r.id === 'peer.grace-lease'))
    results.push(result('peer.grace-lease', 'skip', 'nfsd', 'no grace or lease time on either node'));
  // Ganesha exports.
  if (mine.ganesha === null && peer.ganesha === null)
    results.push(result('peer.ganesha', 'skip', 'ganesha', 'neither node has ganesha.conf'));
  else {
    const a = new Map((mine.ganesha?.exports ?? []).map((e) => [e.path, e]));
    const b = new Map((peer.ganesha?.exports ?? []).map((e) => [e.path, e]));
    for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const x = a.get(path);
      const y = b.get(path);
      if (x === undefined || y === undefined) {
        results.push(
          result(
            'peer.ganesha',
            'fail',
            path,
            `ganesha exports it only on ${x === undefined ? peerHost : 'this node'}`,
            '',
            'use the same EXPORT blocks on both nodes',
          ),
        );
      } else if (x.exportId !== y.exportId || x.filesystemId !== y.filesystemId || x.pseudo !== y.pseudo) {
        results.push(
          result(
            'peer.ganesha',
            'fail',
            path,
            `Export_Id/Filesystem_id/Pseudo ${x.exportId}/${x.filesystemId}/${x.pseudo} here, ${y.exportId}/${y.filesystemId}/${y.pseudo} on ${peerHost}`,
            '',
            'use the same Export_Id, Filesystem_id and Pseudo on both nodes',
          ),
        );
      } else
        results.push(
          result(
            'peer.ganesha',
            'pass',
            path,
            `Export_Id ${x.exportId}, Filesystem_id ${x.filesystemId} on both nodes`,
          ),
        );
    }
  }
  return results;
}
