// ganesha.export-id, ganesha.fsid, ganesha.recovery, ganesha.grace-lease, ganesha.scope, ganesha.nlm: an
// nfs-ganesha node's ganesha.conf (with its %includes).
import { posix } from 'node:path';
import { describeMount, placement } from './context.js';
import { ConfigSyntaxError } from './errors.js';
import { blocksNamed, type GaneshaBlock, type GaneshaStatement, parseGanesha, statement } from './ganesha-parser.js';
import type { NodeFiles } from './node-files.js';
import { type CheckResult, type NodeFacts, result } from './report.js';

export const GANESHA_CONF = '/etc/ganesha/ganesha.conf';
const IDS = [
  'ganesha.export-id',
  'ganesha.fsid',
  'ganesha.recovery',
  'ganesha.grace-lease',
  'ganesha.scope',
  'ganesha.nlm',
] as const;

/** Parse ganesha.conf under the node's root, following %include and %dir (node paths, relative to the includer). */
export function loadGanesha(files: NodeFiles, path = GANESHA_CONF): GaneshaBlock | { reason: string } {
  const r = files.read(path);
  if (!r.ok) return { reason: r.reason };
  return parseGanesha(
    r.text,
    files.evidence(path),
    (include) => {
      const included = files.read(posix.normalize(include));
      return included.ok ? { text: included.text, file: files.evidence(include) } : undefined;
    },
    path,
    (dir) => files.list(posix.normalize(dir)),
  );
}

const at = (s: GaneshaStatement | GaneshaBlock): string => `${s.file}:${s.line}`;
const first = (s: GaneshaStatement | undefined): string | undefined => s?.values[0];

export function ganeshaChecks(
  files: NodeFiles,
  statdPresent: boolean,
): { results: CheckResult[]; facts: NodeFacts['ganesha'] } {
  let conf: GaneshaBlock | { reason: string };
  try {
    conf = loadGanesha(files);
  } catch (error) {
    if (!(error instanceof ConfigSyntaxError)) throw error;
    const evidence = `${error.file}:${error.line}`;
    return {
      results: IDS.map((id) =>
        id === 'ganesha.export-id'
          ? result(
              id,
              'fail',
              GANESHA_CONF,
              `ganesha.conf does not parse: ${error.code}: ${error.message}`,
              evidence,
              'fix the file; ganesha refuses to start on it',
            )
          : result(id, 'skip', GANESHA_CONF, 'ganesha.conf does not parse', evidence),
      ),
      facts: null,
    };
  }
  if ('reason' in conf) {
    const reason = conf.reason;
    return {
      results: IDS.map((id) => result(id, 'skip', GANESHA_CONF, `${reason} (no nfs-ganesha on this node)`)),
      facts: null,
    };
  }
  const results: CheckResult[] = [];
  const exports = blocksNamed(conf, 'EXPORT');
  const nfsv4 = blocksNamed(conf, 'NFSV4').at(-1);
  const core = blocksNamed(conf, 'NFS_CORE_PARAM').at(-1);
  const facts: NonNullable<NodeFacts['ganesha']> = { exports: [], graceSeconds: 90, leaseSeconds: 60 };

  // Export_Id: present and unique.
  const ids = new Map<string, GaneshaBlock>();
  for (const e of exports) {
    const id = statement(e, 'Export_Id');
    const path = first(statement(e, 'Path')) ?? `EXPORT at ${at(e)}`;
    facts.exports.push({
      path,
      exportId: first(id) ?? null,
      filesystemId: first(statement(e, 'Filesystem_id')) ?? null,
      pseudo: first(statement(e, 'Pseudo')) ?? null,
    });
    if (id === undefined || first(id) === '') {
      results.push(
        result(
          'ganesha.export-id',
          'fail',
          path,
          'EXPORT has no Export_Id',
          at(e),
          'give every EXPORT its own Export_Id, the same on every node',
        ),
      );
      continue;
    }
    if (!/^\d+$/.test(first(id) ?? '') || Number(first(id)) > 0xffff) {
      results.push(
        result(
          'ganesha.export-id',
          'fail',
          path,
          `Export_Id ${JSON.stringify(first(id))} is not a number from 0 to 65535`,
          at(id),
          'give every EXPORT its own numeric Export_Id',
        ),
      );
      continue;
    }
    const value = String(Number(first(id)));
    const other = ids.get(value);
    if (other !== undefined) {
      results.push(
        result(
          'ganesha.export-id',
          'fail',
          path,
          `Export_Id ${value} is also used by ${first(statement(other, 'Path')) ?? at(other)}`,
          at(id),
          'give every EXPORT its own Export_Id',
        ),
      );
    } else {
      ids.set(value, e);
      results.push(
        result(
          'ganesha.export-id',
          'pass',
          path,
          `Export_Id ${value} (handles carry it: keep it the same on every node)`,
          at(id),
        ),
      );
    }
  }
  if (exports.length === 0) results.push(result('ganesha.export-id', 'skip', GANESHA_CONF, 'no EXPORT block'));
  for (const url of conf.notFollowed ?? []) {
    const [where, target] = url.split(' ', 2) as [string, string];
    results.push(
      result('ganesha.export-id', 'skip', target, '%url is not followed offline: what it holds is not checked', where),
    );
  }

  // Filesystem_id, or an fsid type derived from the filesystem UUID.
  for (const e of exports) {
    const path = first(statement(e, 'Path')) ?? `EXPORT at ${at(e)}`;
    const fsal = blocksNamed(e, 'FSAL').at(-1);
    if (first(statement(fsal, 'Name'))?.toUpperCase() === 'PSEUDO') continue;
    const fsid = statement(e, 'Filesystem_id');
    const fsidType = [statement(e, 'fsid_type'), statement(fsal, 'fsid_type')].find((s) => s !== undefined);
    if (fsid !== undefined)
      results.push(result('ganesha.fsid', 'pass', path, `Filesystem_id = ${fsid.values.join(',')}`, at(fsid)));
    else if (fsidType !== undefined && /uuid/i.test(fsidType.values.join(','))) {
      results.push(
        result(
          'ganesha.fsid',
          'pass',
          path,
          `fsid_type ${fsidType.values.join(',')} (from the filesystem UUID)`,
          at(fsidType),
        ),
      );
    } else {
      results.push(
        result(
          'ganesha.fsid',
          'fail',
          path,
          'no Filesystem_id: clients see the fsid of the local device, which differs between nodes',
          at(e),
          'set Filesystem_id = MAJOR.MINOR in the EXPORT block, the same on every node',
        ),
      );
    }
  }
  if (!results.some((r) => r.id === 'ganesha.fsid'))
    results.push(result('ganesha.fsid', 'skip', GANESHA_CONF, 'no EXPORT block with a real FSAL'));

  // NFSv4 recovery store.
  const backendStatement = statement(nfsv4, 'RecoveryBackend');
  const backend = (first(backendStatement) ?? 'fs').toLowerCase();
  const rootStatement = statement(nfsv4, 'RecoveryRoot');
  const recoveryRoot = first(rootStatement) ?? '/var/lib/nfs/ganesha';
  if (backend.startsWith('rados')) {
    results.push(
      result(
        'ganesha.recovery',
        'pass',
        backend,
        `RecoveryBackend ${backend} keeps client records in the Ceph cluster`,
        backendStatement === undefined ? '' : at(backendStatement),
      ),
    );
  } else {
    const place = placement(files, recoveryRoot);
    const evidence = rootStatement === undefined ? (nfsv4 === undefined ? '' : at(nfsv4)) : at(rootStatement);
    if (place.kind === 'unknown')
      results.push(
        result('ganesha.recovery', 'skip', recoveryRoot, `RecoveryBackend ${backend}: ${place.reason}`, evidence),
      );
    else if (place.kind === 'other')
      results.push(
        result(
          'ganesha.recovery',
          'pass',
          recoveryRoot,
          `RecoveryBackend ${backend} on ${describeMount(place.mount)}`,
          evidence,
        ),
      );
    else {
      results.push(
        result(
          'ganesha.recovery',
          'fail',
          recoveryRoot,
          `RecoveryBackend ${backend}: RecoveryRoot is on the ${place.kind} filesystem (${describeMount(place.mount)}); after a failover clients cannot reclaim`,
          evidence,
          'set NFSV4 { RecoveryRoot = DIR; } to a directory on the shared filesystem, or use a rados backend',
        ),
      );
    }
  }

  // Grace_Period >= Lease_Lifetime (ganesha's defaults: 90 and 60).
  const graceStatement = statement(nfsv4, 'Grace_Period');
  const leaseStatement = statement(nfsv4, 'Lease_Lifetime');
  const grace = Number(first(graceStatement) ?? 90);
  const lease = Number(first(leaseStatement) ?? 60);
  const graceEvidence =
    graceStatement === undefined
      ? nfsv4 === undefined
        ? files.evidence(GANESHA_CONF)
        : at(nfsv4)
      : at(graceStatement);
  if (!Number.isInteger(grace) || !Number.isInteger(lease) || grace <= 0 || lease <= 0) {
    results.push(
      result(
        'ganesha.grace-lease',
        'fail',
        'NFSV4',
        `Grace_Period ${first(graceStatement)} / Lease_Lifetime ${first(leaseStatement)} are not numbers of seconds`,
        graceEvidence,
        'set both to whole seconds',
      ),
    );
  } else {
    facts.graceSeconds = grace;
    facts.leaseSeconds = lease;
    if (grace < lease) {
      results.push(
        result(
          'ganesha.grace-lease',
          'fail',
          'NFSV4',
          `Grace_Period ${grace}s is shorter than Lease_Lifetime ${lease}s`,
          graceEvidence,
          `set NFSV4 { Grace_Period = ${lease}; } or more`,
        ),
      );
    } else
      results.push(
        result(
          'ganesha.grace-lease',
          'pass',
          'NFSV4',
          `Grace_Period ${grace}s >= Lease_Lifetime ${lease}s`,
          graceEvidence,
        ),
      );
  }

  // Server_Scope: the same on every node, or NFSv4.1 clients may not reclaim on the new one.
  const scope = statement(nfsv4, 'Server_Scope') ?? statement(core, 'Server_Scope');
  if (scope === undefined || first(scope) === '') {
    results.push(
      result(
        'ganesha.scope',
        'fail',
        'Server_Scope',
        'no Server_Scope: each node uses its own, and NFSv4.1 clients cannot reclaim across scopes',
        nfsv4 === undefined ? files.evidence(GANESHA_CONF) : at(nfsv4),
        'set Server_Scope to the same value (e.g. the floating name) on every node',
      ),
    );
  } else results.push(result('ganesha.scope', 'pass', 'Server_Scope', `Server_Scope = ${first(scope)}`, at(scope)));

  // NLM needs rpc.statd on the node.
  const nlmStatement = statement(core, 'Enable_NLM');
  const nlm = !/^(false|no|0|off)$/i.test(first(nlmStatement) ?? 'true');
  const nlmEvidence =
    nlmStatement === undefined ? (core === undefined ? files.evidence(GANESHA_CONF) : at(core)) : at(nlmStatement);
  if (!nlm)
    results.push(
      result(
        'ganesha.nlm',
        'pass',
        'Enable_NLM',
        'NLM disabled (NFSv3 clients cannot lock; statd not needed)',
        nlmEvidence,
      ),
    );
  else if (statdPresent)
    results.push(result('ganesha.nlm', 'pass', 'Enable_NLM', 'NLM enabled and rpc.statd is installed', nlmEvidence));
  else {
    results.push(
      result(
        'ganesha.nlm',
        'fail',
        'Enable_NLM',
        'NLM enabled but no rpc.statd on this node: NFSv3 locks are not recovered after a failover',
        nlmEvidence,
        'install nfs-utils (rpc.statd) or set NFS_CORE_PARAM { Enable_NLM = false; }',
      ),
    );
  }
  return { results, facts };
}
