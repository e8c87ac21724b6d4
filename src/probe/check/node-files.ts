// A node's files seen from `nfsprobe check`: `/` itself or a copy of its tree (--root DIR). Paths in the node's own
// namespace (/etc/exports) map to DIR/etc/exports; evidence names them relative to the root (etc/exports:3).
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { type Mount, parseMountinfo } from './mountinfo.js';

/** Larger files are not read (no configuration file is this large). */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const MAX_SYMLINKS = 40;

export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

export class NodeFiles {
  readonly root: string;
  private mounts: { mounts: Mount[]; file: string } | { reason: string } | undefined;

  constructor(root = '/') {
    this.root = root;
  }

  /** Where a node path lives on this machine. */
  local(path: string): string {
    return this.root === '/' ? path : join(this.root, path);
  }

  /** `etc/exports:3` — a node path relative to the root, with an optional line. */
  evidence(path: string, line?: number): string {
    const relative = path.replace(/^\/+/, '');
    return line === undefined ? relative : `${relative}:${line}`;
  }

  /** A file's text, or why it could not be read (missing, a directory, too large, permission). */
  read(path: string): ReadResult {
    let fd: number;
    try {
      fd = openSync(this.local(path), 'r');
    } catch (error) {
      return { ok: false, reason: describe(error, path) };
    }
    try {
      const s = fstatSync(fd);
      if (!s.isFile()) return { ok: false, reason: `${path} is not a regular file` };
      // proc and sysfs files report size 0 or 4096: read to the end, up to the cap.
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const chunk = Buffer.alloc(Math.max(65536, Math.min(s.size + 1, MAX_CONFIG_BYTES + 1)));
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        chunks.push(chunk.subarray(0, n));
        total += n;
        if (total > MAX_CONFIG_BYTES) return { ok: false, reason: `${path} is larger than ${MAX_CONFIG_BYTES} bytes` };
      }
      return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
    } catch (error) {
      return { ok: false, reason: describe(error, path) };
    } finally {
      closeSync(fd);
    }
  }

  /** lstat of a node path, or undefined. */
  lstat(path: string): Stats | undefined {
    try {
      return lstatSync(this.local(path));
    } catch {
      return undefined;
    }
  }

  isDirectory(path: string): boolean {
    try {
      return lstatSync(this.local(this.resolve(path))).isDirectory();
    } catch {
      return false;
    }
  }

  /** Names in a directory (sorted), or undefined when it cannot be listed. */
  list(path: string): string[] | undefined {
    try {
      return (lstatSync(this.local(path)).isDirectory() ? readdirSync(this.local(path)) : undefined)?.sort();
    } catch {
      return undefined;
    }
  }

  /**
   * The node path with every symbolic link resolved inside the node's tree (an absolute link target is a node path,
   * not one of this machine). Missing components are kept as written. At most 40 links, as the kernel.
   */
  resolve(path: string): string {
    const pending = posix
      .normalize(path)
      .split('/')
      .filter((c) => c !== '');
    const done: string[] = [];
    let links = 0;
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '.') continue;
      if (name === '..') {
        done.pop();
        continue;
      }
      const candidate = `/${[...done, name].join('/')}`;
      let target: string | undefined;
      try {
        if (lstatSync(this.local(candidate)).isSymbolicLink()) target = readlinkSync(this.local(candidate));
      } catch {
        target = undefined;
      }
      if (target === undefined || ++links > MAX_SYMLINKS) {
        done.push(name);
        continue;
      }
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter((c) => c !== ''));
    }
    return `/${done.join('/')}`;
  }

  /** The node's mount table: /proc/self/mountinfo (DIR/proc/self/mountinfo under --root), or why there is none. */
  mountTable(): { mounts: Mount[]; file: string } | { reason: string } {
    if (this.mounts === undefined) {
      const file = '/proc/self/mountinfo';
      const r = this.read(file);
      const mounts = r.ok ? parseMountinfo(r.text) : [];
      if (!r.ok) this.mounts = { reason: r.reason };
      else this.mounts = mounts.length > 0 ? { mounts, file } : { reason: `${file} lists no mounts` };
    }
    return this.mounts;
  }

  /** The kernel name of a block device (sys/dev/block/MAJ:MIN/uevent DEVNAME), when the tree has it. */
  deviceName(major: number, minor: number): string | undefined {
    const r = this.read(`/sys/dev/block/${major}:${minor}/uevent`);
    if (!r.ok) return undefined;
    const m = /^DEVNAME=(.*)$/m.exec(r.text);
    return m?.[1]?.trim();
  }
}

function describe(error: unknown, path: string): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `${path} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return `${path} cannot be read (permission denied; run as root)`;
  if (code === 'EISDIR') return `${path} is a directory`;
  return `${path} cannot be read (${code ?? String(error)})`;
}
