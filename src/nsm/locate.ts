// nfs-utils statd — where the state directory is: -P, then nfs.conf [statd] state-directory-path, then
// /var/lib/nfs/statd if it exists, else /var/lib/nfs.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LocateOptions {
  /** An explicit directory (sm-notify -P / rpc.statd -P); wins over everything. */
  directory?: string;
  /** nfs.conf to read; its `<path>.d/*.conf` files are read after it. Default /etc/nfs.conf. */
  nfsConfPath?: string;
  /** The fallbacks, in order: the first that exists is used, else the last. Default /var/lib/nfs/statd, /var/lib/nfs. */
  roots?: readonly string[];
}

export interface Located {
  path: string;
  /** Where the answer came from. */
  source: 'option' | 'nfs.conf' | 'default';
}

/** Find the statd state directory the way nfs-utils does. */
export function locateStatdDirectory(options: LocateOptions = {}): Located {
  if (options.directory !== undefined && options.directory !== '') return { path: options.directory, source: 'option' };
  const conf = readNfsConf(options.nfsConfPath ?? '/etc/nfs.conf');
  const configured = conf.get('statd')?.get('state-directory-path');
  if (configured !== undefined && configured !== '') return { path: configured, source: 'nfs.conf' };
  const roots = options.roots ?? ['/var/lib/nfs/statd', '/var/lib/nfs'];
  for (const root of roots.slice(0, -1)) {
    if (isDirectory(root)) return { path: root, source: 'default' };
  }
  return { path: roots[roots.length - 1] ?? '/var/lib/nfs', source: 'default' };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** section -> key -> value, section and key names lower-cased (nfs-utils' conffile is case-insensitive). */
export type NfsConf = Map<string, Map<string, string>>;

/** Read nfs.conf and then `<path>.d/*.conf` in name order (later values win). Missing files are empty. */
export function readNfsConf(path: string): NfsConf {
  const conf: NfsConf = new Map();
  const files = [path];
  const dropIns = `${path}.d`;
  if (existsSync(dropIns) && isDirectory(dropIns)) {
    for (const name of readdirSync(dropIns).sort()) if (name.endsWith('.conf')) files.push(join(dropIns, name));
  }
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    parseNfsConf(text, conf);
  }
  return conf;
}

/**
 * The INI dialect of nfs-utils conffile.c (and libnfsidmap's idmapd.conf): [section], key = value, '#' or ';'
 * comments, optional quotes. Calls `set` for each key with its lower-cased section and key and its 1-based line.
 */
export function scanNfsConf(
  text: string,
  set: (section: string, key: string, value: string, line: number) => void,
): void {
  let section: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[\s*([^\]\s]+)(?:\s+"[^"]*")?\s*\]/.exec(line);
    if (header !== null) {
      section = header[1]!.toLowerCase();
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || section === undefined) return;
    const key = line.slice(0, eq).trim().toLowerCase();
    let value = line.slice(eq + 1).trim();
    if (value.startsWith('"')) {
      const close = value.indexOf('"', 1);
      value = close > 0 ? value.slice(1, close) : value.slice(1);
    } else {
      value = value.replace(/\s+[#;].*$/, '').trim();
    }
    set(section, key, value, index + 1);
  });
}

/** nfs.conf as section -> key -> value (see scanNfsConf); later files and lines win. */
export function parseNfsConf(text: string, into: NfsConf = new Map()): NfsConf {
  scanNfsConf(text, (name, key, value) => {
    let section = into.get(name);
    if (section === undefined) {
      section = new Map();
      into.set(name, section);
    }
    section.set(key, value);
  });
  return into;
}
