// File operations inside a directory that a less privileged user can write: the statd directory belongs to the statd
// user (rpc.statd runs as it) while the notifier may run as root. Such a user can plant symlinks, FIFOs, huge files
// and leftover temp files, and swap directories, between any two of our system calls. So, in here:
// - every file is opened with O_NOFOLLOW (a planted symlink fails with ELOOP instead of redirecting a root write) and
//   O_NONBLOCK (a planted FIFO does not block the open), then checked with fstat on the descriptor: only regular files
//   of a bounded size are read;
// - temp files are created with O_CREAT|O_EXCL (a leftover, whatever it is, is unlinked — which removes a symlink
//   itself, never its target — and the create retried), and chmod/chown go through the descriptor;
// - directories are opened once (O_DIRECTORY|O_NOFOLLOW) and every later name is resolved relative to that
//   descriptor, through /proc/self/fd/N/NAME: Node has no openat(2), and this path walks from the opened directory
//   itself, so renaming or replacing the directory afterwards changes nothing for us.

import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { NsmError } from './errors.js';

/** A record file is one line per monitor, each at most ~2.1 KB (two 1,024-byte names); 16 KiB is plenty. */
export const MAX_RECORD_FILE_BYTES = 16 * 1024;

const PROC_FD = existsSync('/proc/self/fd');
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** What a non-regular or unopenable entry is, in words, for warnings: "a symbolic link", "a FIFO", ... */
export function kindOf(s: Stats): string {
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isDirectory()) return 'a directory';
  if (s.isSocket()) return 'a socket';
  if (s.isBlockDevice() || s.isCharacterDevice()) return 'a device';
  return s.isFile() ? 'a regular file' : 'not a regular file';
}

/**
 * A directory opened once; names inside it are resolved relative to the descriptor. Close it when done (it holds a
 * file descriptor).
 */
export class OpenedDirectory {
  /** The path it was opened by (for messages). */
  readonly path: string;
  readonly fd: number;
  readonly owner: Owner;
  readonly mode: number;
  private closed = false;

  private constructor(path: string, fd: number, stats: Stats) {
    this.path = path;
    this.fd = fd;
    this.owner = { uid: stats.uid, gid: stats.gid };
    this.mode = stats.mode & 0o7777;
  }

  /**
   * Open `path` as a directory. `followLink` false (the default) refuses a symbolic link in the last component with
   * NsmError UNSAFE (the caller decides whether the parent is trusted; the statd directory's own path is the admin's
   * and may be a link, the lists inside it may not). A missing directory is NsmError NOT_FOUND.
   */
  static open(path: string, followLink = false): OpenedDirectory {
    let fd: number;
    try {
      fd = openSync(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | (followLink ? 0 : O_NOFOLLOW));
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT') throw new NsmError('NOT_FOUND', `${path}: no such directory`, { subject: path });
      if (code === 'ELOOP' || code === 'ENOTDIR') {
        // O_DIRECTORY|O_NOFOLLOW on a link says ENOTDIR; lstat tells a link from a file.
        let what = 'not a directory';
        try {
          what = kindOf(lstatSync(path));
        } catch {}
        throw new NsmError(
          'UNSAFE',
          `${path} is ${what}: refusing to use it (it must be a real directory owned by the statd user)`,
          { subject: path, cause: error },
        );
      }
      throw new NsmError('IO', `cannot open ${path}: ${(error as Error).message}`, { subject: path, cause: error });
    }
    return new OpenedDirectory(path, fd, fstatSync(fd));
  }

  /** A path for `name` that resolves inside this very directory (see the file comment). */
  at(name: string): string {
    return PROC_FD ? `/proc/self/fd/${this.fd}/${name}` : join(this.path, name);
  }

  /** This directory itself, as a path that names the opened descriptor (for readdir). */
  self(): string {
    return PROC_FD ? `/proc/self/fd/${this.fd}` : this.path;
  }

  /** The path to show a person. */
  shown(name: string): string {
    return join(this.path, name);
  }

  /** fsync the directory (renames and unlinks in it become durable). */
  async sync(): Promise<void> {
    const handle = await open(this.at('.'), O_RDONLY | O_DIRECTORY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Why a file was not read: not regular, too large, a link, gone. `kind` is for messages. */
export class UnsafeFileError extends Error {
  readonly reason: 'not-regular' | 'too-large' | 'unreadable';
  constructor(reason: 'not-regular' | 'too-large' | 'unreadable', message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * Reads small regular files into one reused buffer: open (O_NOFOLLOW|O_NONBLOCK), fstat, read up to `maxBytes`,
 * close. Returns latin1 text (every byte kept). Throws UnsafeFileError for a link, FIFO, device or a file over
 * `maxBytes`, and the system error (ENOENT, ...) otherwise.
 */
export class SmallFileReader {
  private buffer = Buffer.allocUnsafe(4096);
  readonly maxBytes: number;
  /** fstat of the file last read (owner and mode, to keep them on a rewrite). */
  lastStats: Stats | undefined;

  constructor(maxBytes = MAX_RECORD_FILE_BYTES) {
    this.maxBytes = maxBytes;
  }

  read(path: string, shown = path): string {
    let fd: number;
    try {
      fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (error) {
      if (errnoOf(error) === 'ELOOP') {
        throw new UnsafeFileError('not-regular', `${shown} is a symbolic link: not followed`);
      }
      throw error;
    }
    try {
      const s = fstatSync(fd);
      this.lastStats = s;
      if (!s.isFile()) throw new UnsafeFileError('not-regular', `${shown} is ${kindOf(s)}: not read`);
      if (s.size > this.maxBytes) {
        throw new UnsafeFileError('too-large', `${shown} is ${s.size} bytes, over the ${this.maxBytes}-byte limit`);
      }
      if (this.buffer.length < this.maxBytes + 1) this.buffer = Buffer.allocUnsafe(this.maxBytes + 1);
      // Read at most one byte past the limit: a file that grew after fstat is caught too.
      let length = 0;
      for (;;) {
        const n = readSync(fd, this.buffer, length, this.maxBytes + 1 - length, null);
        if (n === 0) break;
        length += n;
        if (length > this.maxBytes) {
          throw new UnsafeFileError('too-large', `${shown} is over the ${this.maxBytes}-byte limit`);
        }
      }
      return this.buffer.toString('latin1', 0, length);
    } finally {
      closeSync(fd);
    }
  }

  /** Like read, but the raw bytes (a copy). */
  readBytes(path: string, shown = path): Buffer {
    return Buffer.from(this.read(path, shown), 'latin1');
  }
}

export interface AtomicWriteOptions {
  mode: number;
  /** chown the new file to this owner (only when running as root). */
  owner?: Owner | undefined;
  /** fsync the directory after the rename (default true). */
  syncDirectory?: boolean;
  /** Told when a leftover temp file was removed first. */
  onWarning?: ((message: string) => void) | undefined;
}

const isRoot = (): boolean => process.getuid?.() === 0;

async function createExclusive(dir: OpenedDirectory, temp: string, mode: number, warn?: (m: string) => void) {
  const flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
  try {
    return await open(dir.at(temp), flags, mode);
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw error;
  }
  // A leftover (a crash of ours or statd's, or something planted): never reuse it. unlink removes a link itself.
  await unlink(dir.at(temp));
  warn?.(`${dir.shown(temp)}: removed a leftover temp file before writing`);
  return open(dir.at(temp), flags, mode);
}

/**
 * Write `data` to `name` in `dir` crash-safely: a new temp file `.name.new` (statd's name; a dot file nobody loads)
 * created exclusively, written, fchmod to `mode`, fchown to `owner` when root, fsync, rename over `name`, fsync the
 * directory. Throws NsmError IO naming the target (never the temp file).
 */
export async function writeFileAtomicIn(
  dir: OpenedDirectory,
  name: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions,
): Promise<void> {
  const temp = `.${name}.new`;
  let handle: FileHandle | undefined;
  try {
    handle = await createExclusive(dir, temp, options.mode, options.onWarning);
    await handle.writeFile(data);
    await handle.chmod(options.mode);
    if (options.owner !== undefined && isRoot()) await handle.chown(options.owner.uid, options.owner.gid);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(dir.at(temp), dir.at(name));
  } catch (error) {
    await handle?.close().catch(() => {});
    await unlink(dir.at(temp)).catch(() => {});
    const why = errnoOf(error) === 'EISDIR' ? 'a directory is in the way' : (error as Error).message;
    throw new NsmError('IO', `cannot write ${dir.shown(name)}: ${why}`, { subject: dir.shown(name), cause: error });
  }
  if (options.syncDirectory !== false) await dir.sync();
}
