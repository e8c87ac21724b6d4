// exports.syntax, exports.fsid, exports.fsid-unique, exports.sync, exports.shared: the knfsd exports of a node.
import { plural } from '../plural.js';
import { describeMount, placement } from './context.js';
import { ConfigSyntaxError } from './errors.js';
import {
  type ExportClient,
  type ExportEntry,
  flagState,
  KNOWN_EXPORT_OPTIONS,
  optionValue,
  parseExports,
} from './exports-parser.js';
import { classifyDevice, UNSTABLE_DEVICES, UUID_FILESYSTEMS } from './mountinfo.js';
import type { NodeFiles } from './node-files.js';
import { type CheckResult, type NodeFacts, result } from './report.js';

/** One exported path with every client line that exports it (several lines or files may name the same path). */
export interface ExportedPath {
  readonly path: string;
  readonly clients: { client: ExportClient; entry: ExportEntry }[];
}

const ALL_IDS = ['exports.syntax', 'exports.fsid', 'exports.fsid-unique', 'exports.sync', 'exports.shared'] as const;

export function exportsChecks(files: NodeFiles): { results: CheckResult[]; facts: NodeFacts['exports'] } {
  const results: CheckResult[] = [];
  const exportFiles = [
    '/etc/exports',
    ...(files.list('/etc/exports.d') ?? []).filter((n) => n.endsWith('.exports')).map((n) => `/etc/exports.d/${n}`),
  ];
  const entries: ExportEntry[] = [];
  let readAny = false;
  for (const file of exportFiles) {
    const r = files.read(file);
    if (!r.ok) {
      if (file !== '/etc/exports' || files.lstat(file) !== undefined) {
        results.push(result('exports.syntax', 'skip', file, r.reason, files.evidence(file)));
      }
      continue;
    }
    readAny = true;
    const evidenceName = files.evidence(file);
    try {
      const parsed = parseExports(r.text, evidenceName);
      const unknown = parsed.flatMap((e) =>
        e.clients.flatMap((c) => c.options.filter((o) => !KNOWN_EXPORT_OPTIONS.has(o.name)).map((o) => ({ o, c }))),
      );
      if (unknown.length > 0) {
        const first = unknown[0]!;
        results.push(
          result(
            'exports.syntax',
            'fail',
            file,
            `unknown option ${first.o.name} (exportfs refuses the line)`,
            `${evidenceName}:${first.c.line}`,
            `fix the option list; see exports(5)`,
          ),
        );
      } else {
        results.push(result('exports.syntax', 'pass', file, plural(parsed.length, 'export'), evidenceName));
      }
      entries.push(...parsed);
    } catch (error) {
      if (!(error instanceof ConfigSyntaxError)) throw error;
      results.push(
        result(
          'exports.syntax',
          'fail',
          file,
          `${error.code}: ${error.message}`,
          `${error.file}:${error.line}`,
          'fix the line; `exportfs -ra` reports the same',
        ),
      );
    }
  }
  if (!readAny) {
    const reason = 'no /etc/exports and no /etc/exports.d/*.exports (no knfsd exports on this node)';
    for (const id of ALL_IDS)
      if (id !== 'exports.syntax' || results.length === 0) results.push(result(id, 'skip', '/etc/exports', reason));
    return { results, facts: null };
  }
  const paths = groupByPath(entries);
  for (const p of paths) results.push(fsidCheck(files, p));
  results.push(...fsidUniqueChecks(paths));
  for (const p of paths) results.push(syncCheck(p));
  for (const p of paths) results.push(sharedCheck(files, p));
  return { results, facts: paths.map(exportFacts) };
}

export function groupByPath(entries: readonly ExportEntry[]): ExportedPath[] {
  const byPath = new Map<string, ExportedPath>();
  for (const entry of entries) {
    let p = byPath.get(entry.path);
    if (p === undefined) {
      p = { path: entry.path, clients: [] };
      byPath.set(entry.path, p);
    }
    // An entry without clients exports to every host with the default options.
    const clients =
      entry.clients.length > 0 ? entry.clients : [{ host: '*', options: entry.defaults, line: entry.line }];
    for (const client of clients) p.clients.push({ client, entry });
  }
  return [...byPath.values()];
}

function where(c: { client: ExportClient; entry: ExportEntry }): string {
  return `${c.entry.file}:${c.client.line}`;
}

/** The fsid= values of a path, normalised: `root` is `0`, UUIDs lower-case without separators. */
function fsids(p: ExportedPath): Map<string, string> {
  const values = new Map<string, string>();
  for (const c of p.clients) {
    const v = optionValue(c.client.options, 'fsid');
    if (v !== undefined && !values.has(normaliseFsid(v))) values.set(normaliseFsid(v), where(c));
  }
  return values;
}

export function normaliseFsid(value: string): string {
  const v = value.trim().toLowerCase();
  if (v === 'root') return '0';
  if (/^\d+$/.test(v)) return String(Number(v));
  return v.replace(/[-:]/g, '');
}

function fsidCheck(files: NodeFiles, p: ExportedPath): CheckResult {
  const values = fsids(p);
  if (values.size > 0) {
    const [value, evidence] = [...values.entries()][0]!;
    return result(
      'exports.fsid',
      'pass',
      p.path,
      `fsid=${value}: the identity does not depend on the device`,
      evidence,
    );
  }
  const first = where(p.clients[0]!);
  const place = placement(files, p.path);
  if (place.kind === 'unknown') return result('exports.fsid', 'skip', p.path, `no fsid=; ${place.reason}`, first);
  const mount = place.mount;
  const remedy = `add fsid=N (the same N on every node, unique per export) to ${first}`;
  if (UUID_FILESYSTEMS.has(mount.fsType)) {
    return result(
      'exports.fsid',
      'pass',
      p.path,
      `no fsid=, but ${mount.fsType} gives knfsd its UUID (same on every node that mounts it)`,
      place.evidence,
    );
  }
  const kind = classifyDevice(mount.major, files.deviceName(mount.major, mount.minor) ?? mount.source);
  const on = describeMount(mount);
  if (kind === 'none') {
    return result(
      'exports.fsid',
      'fail',
      p.path,
      `no fsid= on ${on}: no device and no UUID, knfsd needs fsid= to export it`,
      first,
      remedy,
    );
  }
  if (UNSTABLE_DEVICES.has(kind)) {
    return result(
      'exports.fsid',
      'fail',
      p.path,
      `no fsid= on ${on}: handles carry ${kind} device numbers, which differ between nodes (stale handles after failover)`,
      first,
      remedy,
    );
  }
  if (kind === 'drbd') {
    return result(
      'exports.fsid',
      'warn',
      p.path,
      `no fsid= on ${on}: handles carry the DRBD device number; only the same minor on every node keeps them valid`,
      first,
      remedy,
    );
  }
  return result(
    'exports.fsid',
    'warn',
    p.path,
    `no fsid= on ${on}: handles carry its device number, stable only if every node numbers the disk the same`,
    first,
    remedy,
  );
}

function fsidUniqueChecks(paths: readonly ExportedPath[]): CheckResult[] {
  const out: CheckResult[] = [];
  const owners = new Map<string, { path: string; evidence: string }[]>();
  for (const p of paths) {
    const values = fsids(p);
    if (values.size > 1) {
      out.push(
        result(
          'exports.fsid-unique',
          'fail',
          p.path,
          `the path is exported with different fsids (${[...values.keys()].join(', ')})`,
          [...values.values()][1]!,
          'use one fsid= for every client of the path',
        ),
      );
    }
    for (const [value, evidence] of values) {
      const list = owners.get(value) ?? [];
      list.push({ path: p.path, evidence });
      owners.set(value, list);
    }
  }
  for (const [value, list] of owners) {
    if (list.length < 2) continue;
    const names = list.map((l) => l.path).join(', ');
    const detail =
      value === '0' ? `more than one NFSv4 root (fsid=0/root): ${names}` : `fsid=${value} is used by ${names}`;
    out.push(
      result(
        'exports.fsid-unique',
        'fail',
        value === '0' ? 'fsid=0' : `fsid=${value}`,
        detail,
        list[1]!.evidence,
        'give every export its own fsid=; only the NFSv4 root has fsid=0 (or root)',
      ),
    );
  }
  if (out.length === 0)
    out.push(result('exports.fsid-unique', 'pass', 'exports', `${plural(owners.size, 'fsid value')}, none shared`));
  return out;
}

function syncCheck(p: ExportedPath): CheckResult {
  const async = p.clients.filter((c) => flagState(c.client.options, 'sync', 'async', 'sync') === 'async');
  if (async.length > 0) {
    const c = async[0]!;
    return result(
      'exports.sync',
      'fail',
      p.path,
      `async export to ${c.client.host}: the server acknowledges writes it has not stored; a failover loses them`,
      where(c),
      `replace async with sync at ${where(c)}`,
    );
  }
  return result('exports.sync', 'pass', p.path, 'sync', where(p.clients[0]!));
}

function sharedCheck(files: NodeFiles, p: ExportedPath): CheckResult {
  const place = placement(files, p.path);
  if (place.kind === 'unknown') return result('exports.shared', 'skip', p.path, place.reason);
  const on = describeMount(place.mount);
  if (place.kind === 'root') {
    return result(
      'exports.shared',
      'warn',
      p.path,
      `on the root filesystem (${on}): the other node does not see this data`,
      place.evidence,
      'export a directory of the shared or replicated filesystem',
    );
  }
  if (place.kind === 'memory') {
    return result(
      'exports.shared',
      'warn',
      p.path,
      `on a memory filesystem (${on}): its data is neither shared nor kept`,
      place.evidence,
      'export a directory of the shared or replicated filesystem',
    );
  }
  return result('exports.shared', 'pass', p.path, `on ${on}`, place.evidence);
}

function exportFacts(p: ExportedPath): { path: string; clients: string[]; fsid: string | null } {
  const clients = p.clients.map(({ client }) => {
    const options = client.options
      .filter((o) => o.name !== 'fsid')
      .map((o) => (o.value === undefined ? o.name : `${o.name}=${o.value}`));
    return `${client.host}(${[...new Set(options)].sort().join(',')})`;
  });
  const values = [...fsids(p).keys()];
  return { path: p.path, clients: [...new Set(clients)].sort(), fsid: values.length === 0 ? null : values.join(',') };
}
