// What every check reads once: the node's files, nfs.conf (with the line of each value, for evidence), the statd
// directory, and where a path is stored (the root filesystem, a memory filesystem, or another one).
import { scanNfsConf } from '../../nsm/locate.js';
import { isUnder, type Mount, mountFor, rootMount, sameDevice } from './mountinfo.js';
import type { NodeFiles } from './node-files.js';

export interface ConfValue {
  readonly value: string;
  /** file:line */
  readonly evidence: string;
}

/**
 * nfs.conf and its nfs.conf.d/*.conf drop-ins (in name order, later wins), in nfs-utils conffile's INI dialect:
 * `[section]`, `key = value`, `#`/`;` comments, optional double quotes. Section and key names are case-insensitive.
 */
export function readNodeNfsConf(files: NodeFiles, path = '/etc/nfs.conf'): Map<string, ConfValue> {
  const values = new Map<string, ConfValue>();
  const paths = [
    path,
    ...(files.list(`${path}.d`) ?? []).filter((n) => n.endsWith('.conf')).map((n) => `${path}.d/${n}`),
  ];
  for (const file of paths) {
    const r = files.read(file);
    if (r.ok)
      parseIni(r.text, (section, key, value, line) =>
        values.set(`${section}.${key}`, { value, evidence: files.evidence(file, line) }),
      );
  }
  return values;
}

/** The INI dialect of nfs-utils conffile.c and libnfsidmap (idmapd.conf): the nsm layer's parser, with lines. */
export const parseIni = scanNfsConf;

/** `KEY=value` assignments of a shell-sourced file (/etc/default/nfs-common, /etc/sysconfig/nfs), quotes removed. */
export function readShellVariables(text: string): Map<string, { value: string; line: number }> {
  const vars = new Map<string, { value: string; line: number }>();
  text.split('\n').forEach((raw, index) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (m === null) return;
    let value = m[2]!.trim();
    const quote = value[0];
    if (quote === '"' || quote === "'") {
      const close = value.indexOf(quote, 1);
      value = close > 0 ? value.slice(1, close) : value.slice(1);
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    vars.set(m[1]!, { value, line: index + 1 });
  });
  return vars;
}

export type Placement =
  | { kind: 'root'; mount: Mount; resolved: string; evidence: string }
  | { kind: 'memory'; mount: Mount; resolved: string; evidence: string }
  | { kind: 'other'; mount: Mount; resolved: string; evidence: string }
  | { kind: 'unknown'; resolved: string; reason: string };

const MEMORY_FILESYSTEMS = new Set(['tmpfs', 'ramfs']);

/** Which filesystem holds a node path (symlinks resolved inside the tree), from the node's mountinfo. */
export function placement(files: NodeFiles, path: string): Placement {
  const resolved = files.resolve(path);
  const table = files.mountTable();
  if ('reason' in table) return { kind: 'unknown', resolved, reason: `no mount table: ${table.reason}` };
  const mount = mountFor(table.mounts, resolved);
  const root = rootMount(table.mounts);
  if (mount === undefined || root === undefined) {
    return { kind: 'unknown', resolved, reason: `${table.file} has no mount for ${resolved}` };
  }
  const evidence = files.evidence(table.file, mount.line);
  if (MEMORY_FILESYSTEMS.has(mount.fsType)) return { kind: 'memory', mount, resolved, evidence };
  if (sameDevice(mount, root)) return { kind: 'root', mount, resolved, evidence };
  return { kind: 'other', mount, resolved, evidence };
}

/** `on ext4 /dev/sdb1 (mounted at /srv)` */
export function describeMount(mount: Mount): string {
  return `${mount.fsType} ${mount.source} ${mount.major}:${mount.minor} mounted at ${mount.mountPoint}`;
}

/** The statd directory the nfs-utils way: nfs.conf [statd] state-directory-path, /var/lib/nfs/statd, /var/lib/nfs. */
export function statdDirectory(files: NodeFiles, conf: Map<string, ConfValue>): { path: string; evidence: string } {
  const configured = conf.get('statd.state-directory-path');
  if (configured !== undefined && configured.value !== '')
    return { path: configured.value, evidence: configured.evidence };
  if (files.isDirectory('/var/lib/nfs/statd')) return { path: '/var/lib/nfs/statd', evidence: 'var/lib/nfs/statd' };
  return { path: '/var/lib/nfs', evidence: 'var/lib/nfs' };
}

export { isUnder };
