// `nfsprobe check`: is this node ready for a failover? Every check reads the node's own configuration and kernel
// state (or a copy of its tree, --root); nothing touches the network, and a file that cannot be read is a skip.
import { hostname } from 'node:os';
import { readNodeNfsConf, statdDirectory } from './context.js';
import { exportsChecks } from './exports-checks.js';
import { ganeshaChecks } from './ganesha-checks.js';
import { bootServicesCheck, graceLeaseCheck, v4RecoveryChecks } from './nfsd-checks.js';
import { NodeFiles } from './node-files.js';
import { peerChecks } from './peer.js';
import { type CheckReport, type NodeFacts, result } from './report.js';
import { rpcPipefsCheck, statdNameCheck, statdSharedDirCheck } from './statd-checks.js';

export interface CheckOptions {
  /** The node's tree; default `/`. */
  root?: string;
  /** The floating (service) name statd must announce. */
  floating?: string;
  /** The other node's facts (from its `check --json`). */
  peer?: { host: string; facts: NodeFacts };
}

const STATD_BINARIES = ['/usr/sbin/rpc.statd', '/sbin/rpc.statd', '/usr/bin/rpc.statd'];

export function runChecks(options: CheckOptions = {}): CheckReport {
  const root = options.root ?? '/';
  const files = new NodeFiles(root);
  const conf = readNodeNfsConf(files);
  const statdDir = statdDirectory(files, conf);
  const exportsPart = exportsChecks(files);
  // Without a statd directory there is no statd to name and no directory rpc_pipefs could sit in.
  const statdSetUp = files.lstat(statdDir.path) !== undefined;
  const noStatd = `${statdDir.path} does not exist (statd not installed or not set up)`;
  const statdName = statdSetUp
    ? statdNameCheck(files, conf, options.floating)
    : { result: result('statd.name', 'skip', options.floating ?? 'statd', noStatd), name: null };
  const knfsdConfigured =
    exportsPart.facts !== null ||
    files.lstat('/etc/nfs.conf') !== undefined ||
    files.lstat('/proc/fs/nfsd/nfsv4leasetime') !== undefined;
  const grace = graceLeaseCheck(files, conf, knfsdConfigured);
  const statdPresent = STATD_BINARIES.some((p) => files.lstat(p) !== undefined);
  const ganesha = ganeshaChecks(files, statdPresent);
  const checks = [
    ...exportsPart.results,
    statdSharedDirCheck(files, statdDir),
    statdName.result,
    ...(statdSetUp
      ? rpcPipefsCheck(files, conf, statdDir)
      : [result('rpc-pipefs.local', 'skip', statdDir.path, noStatd)]),
    ...v4RecoveryChecks(files, conf),
    grace.result,
    ...bootServicesCheck(files),
    ...ganesha.results,
  ];
  const facts: NodeFacts = {
    exports: exportsPart.facts,
    statdName: statdName.name,
    nfsd: grace.facts,
    ganesha: ganesha.facts,
  };
  if (options.peer !== undefined) checks.push(...peerChecks(facts, options.peer.facts, options.peer.host));
  return { host: nodeName(files), root, ok: !checks.some((c) => c.status === 'fail'), checks, facts };
}

function nodeName(files: NodeFiles): string {
  if (files.root === '/') return hostname();
  const r = files.read('/etc/hostname');
  const name = r.ok ? r.text.trim().split('\n')[0]?.trim() : undefined;
  return name !== undefined && name !== '' ? name : files.root;
}
