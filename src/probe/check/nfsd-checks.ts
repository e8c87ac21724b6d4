// nfsd.v4-recovery, nfsd.grace-lease, boot.services: knfsd's NFSv4 state and who starts the services.
import { type ConfValue, describeMount, placement } from './context.js';
import type { NodeFiles } from './node-files.js';
import { type CheckResult, result } from './report.js';

/** The NFSv4 client-tracking stores knfsd may use: nfsdcld, nfsdcltrack, the legacy v4recovery directory. */
export function v4RecoveryChecks(files: NodeFiles, conf: Map<string, ConfValue>): CheckResult[] {
  const stores: { path: string; evidence: string; what: string }[] = [];
  const add = (key: string, fallback: string, what: string): void => {
    const c = conf.get(key);
    stores.push(
      c !== undefined && c.value !== ''
        ? { path: c.value, evidence: c.evidence, what }
        : { path: fallback, evidence: '', what },
    );
  };
  add('nfsdcld.storagedir', '/var/lib/nfs/nfsdcld', 'nfsdcld storagedir');
  add('nfsdcltrack.storagedir', '/var/lib/nfs/nfsdcltrack', 'nfsdcltrack storagedir');
  const proc = files.read('/proc/fs/nfsd/nfsv4recoverydir');
  stores.push(
    proc.ok && proc.text.trim() !== ''
      ? { path: proc.text.trim(), evidence: files.evidence('/proc/fs/nfsd/nfsv4recoverydir'), what: 'v4recovery' }
      : { path: '/var/lib/nfs/v4recovery', evidence: '', what: 'v4recovery' },
  );
  const present = stores.filter((s) => files.isDirectory(s.path));
  if (present.length === 0) {
    return [
      result(
        'nfsd.v4-recovery',
        'skip',
        'v4 client tracking',
        `none of ${stores.map((s) => s.path).join(', ')} exists (NFSv4 not in use, or nfsdcld not started yet)`,
      ),
    ];
  }
  return present.map((s) => {
    const place = placement(files, s.path);
    const evidence = s.evidence !== '' ? s.evidence : files.evidence(s.path);
    if (place.kind === 'unknown')
      return result('nfsd.v4-recovery', 'skip', s.path, `${s.what}: ${place.reason}`, evidence);
    if (place.kind === 'other')
      return result('nfsd.v4-recovery', 'pass', s.path, `${s.what} on ${describeMount(place.mount)}`, place.evidence);
    return result(
      'nfsd.v4-recovery',
      'fail',
      s.path,
      `${s.what} is on the ${place.kind === 'root' ? 'root' : 'memory'} filesystem (${describeMount(place.mount)}): after a failover the new node does not know the clients, and their reclaims fail`,
      evidence,
      `keep ${s.path} on the shared filesystem (under a shared /var/lib/nfs)`,
    );
  });
}

/** knfsd's defaults: 90 s each (nfs.conf [nfsd] grace-time/lease-time, /proc/fs/nfsd/nfsv4gracetime and leasetime). */
export function graceLeaseCheck(
  files: NodeFiles,
  conf: Map<string, ConfValue>,
  configured: boolean,
): { result: CheckResult; facts: { graceSeconds: number; leaseSeconds: number } | null } {
  if (!configured) {
    return {
      result: result(
        'nfsd.grace-lease',
        'skip',
        'nfsd',
        'no knfsd configuration (no exports, nfs.conf or /proc/fs/nfsd)',
      ),
      facts: null,
    };
  }
  const value = (procFile: string, key: string): { seconds: number; evidence: string; raw: string } => {
    const proc = files.read(procFile);
    if (proc.ok)
      return { seconds: Number(proc.text.trim()), evidence: files.evidence(procFile), raw: proc.text.trim() };
    const c = conf.get(key);
    if (c !== undefined && c.value !== '') return { seconds: Number(c.value), evidence: c.evidence, raw: c.value };
    return { seconds: 90, evidence: '', raw: '90 (default)' };
  };
  const grace = value('/proc/fs/nfsd/nfsv4gracetime', 'nfsd.grace-time');
  const lease = value('/proc/fs/nfsd/nfsv4leasetime', 'nfsd.lease-time');
  for (const [name, v] of [
    ['grace', grace],
    ['lease', lease],
  ] as const) {
    if (!Number.isInteger(v.seconds) || v.seconds <= 0) {
      return {
        result: result(
          'nfsd.grace-lease',
          'fail',
          'nfsd',
          `${name} time ${JSON.stringify(v.raw)} is not a number of seconds`,
          v.evidence,
          `set [nfsd] ${name}-time to a whole number of seconds`,
        ),
        facts: null,
      };
    }
  }
  const facts = { graceSeconds: grace.seconds, leaseSeconds: lease.seconds };
  if (grace.seconds < lease.seconds) {
    return {
      result: result(
        'nfsd.grace-lease',
        'fail',
        'nfsd',
        `grace ${grace.seconds}s is shorter than lease ${lease.seconds}s: clients may not get to reclaim before the grace period ends`,
        grace.evidence,
        `set [nfsd] grace-time >= lease-time (${lease.seconds}) in /etc/nfs.conf`,
      ),
      facts,
    };
  }
  return {
    result: result(
      'nfsd.grace-lease',
      'pass',
      'nfsd',
      `grace ${grace.seconds}s >= lease ${lease.seconds}s`,
      grace.evidence || lease.evidence,
    ),
    facts,
  };
}

export const CLUSTER_SERVICES = ['nfs-server', 'nfs-kernel-server', 'rpc-statd', 'nfs-ganesha'] as const;

/** Services enabled at boot (systemd `.wants` links in /etc/systemd/system) that the cluster manager should start. */
export function bootServicesCheck(files: NodeFiles): CheckResult[] {
  const dir = '/etc/systemd/system';
  const wants = files.list(dir);
  if (wants === undefined) return [result('boot.services', 'skip', dir, `${dir} does not exist (not systemd)`)];
  const results: CheckResult[] = [];
  for (const target of wants.filter((n) => n.endsWith('.wants'))) {
    for (const unit of files.list(`${dir}/${target}`) ?? []) {
      const service = CLUSTER_SERVICES.find((s) => unit === `${s}.service`);
      if (service === undefined) continue;
      results.push(
        result(
          'boot.services',
          'warn',
          service,
          `${service} is enabled at boot (${target}): it starts before the cluster decides which node serves`,
          files.evidence(`${dir}/${target}/${unit}`),
          `systemctl disable ${service} and let the cluster manager start it`,
        ),
      );
    }
  }
  if (results.length === 0)
    results.push(
      result('boot.services', 'pass', CLUSTER_SERVICES.join(', '), 'none is enabled at boot', files.evidence(dir)),
    );
  return results;
}
