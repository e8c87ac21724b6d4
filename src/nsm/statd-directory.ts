// nfs-utils support/nsm/file.c — the statd state directory: sm/ (monitor list), sm.bak/ (notify list), state.
//
// Same on-disk results as rpc.statd and sm-notify, written more carefully: every rewrite is temp file + fsync +
// rename + directory fsync, files stay owned by the owner of the list directory (statd runs as that user), and a
// leftover temp file is never taken for a host.

import { closeSync, constants, type Dirent, openSync, readdirSync, readSync, renameSync, unlinkSync } from 'node:fs';
import { chown, lstat, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { NsmError } from './errors.js';
import { type Located, type LocateOptions, locateStatdDirectory } from './locate.js';
import { type DirectoryLock, lockDirectory } from './lock.js';
import {
  checkRecordName,
  formatRecordLine,
  type MonitorFields,
  type MonitorRecord,
  parseRecordLine,
  sameMonitor,
} from './record.js';

export type MonitorListName = 'sm' | 'sm.bak';

/** Why an entry of a list directory was not loaded as a host. */
export type SkipReason = 'dot-file' | 'temp-file' | 'not-regular' | 'bad-name' | 'malformed-line' | 'unreadable';

export interface SkippedEntry {
  readonly list: MonitorListName;
  readonly file: string;
  readonly reason: SkipReason;
  /** 1-based line number for malformed lines. */
  readonly lineNumber?: number;
  readonly detail?: string;
}

export interface MonitorListScan {
  readonly records: MonitorRecord[];
  readonly skipped: SkippedEntry[];
}

export interface NewRecord extends Partial<Pick<MonitorFields, 'myProg' | 'myVers' | 'myProc' | 'callerAddress'>> {
  /** Record file name (canonical host name); defaults to monName. */
  host?: string;
  monName: string;
  myName: string;
  priv?: Uint8Array;
}

/** Modes statd uses: new record files O_CREAT 0600; rewritten ones (temp + rename) 0644; state 0644. */
export const NEW_RECORD_MODE = 0o600;
export const REWRITE_MODE = 0o644;
export const STATE_MODE = 0o644;

const LITTLE_ENDIAN = endianness() === 'LE';
const isRoot = (): boolean => process.getuid?.() === 0;

function ioError(what: string, path: string, error: unknown): NsmError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return new NsmError('NOT_FOUND', `${what} ${path}: no such file or directory`, { subject: path, cause: error });
  return new NsmError('IO', `${what} ${path}: ${(error as Error).message}`, { subject: path, cause: error });
}

/** fsync a directory so that renames and unlinks in it are durable. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Reads many small files into one reused buffer: open, read until end, close — no fstat and no buffer per file
 * (readFileSync does both), which matters over 10,000 record files. Returns latin1 text (every byte kept).
 */
class SmallFileReader {
  private buffer = Buffer.allocUnsafe(4096);

  read(path: string): string {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      let length = 0;
      for (;;) {
        if (length === this.buffer.length) {
          const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
          this.buffer.copy(bigger, 0, 0, length);
          this.buffer = bigger;
        }
        const n = readSync(fd, this.buffer, length, this.buffer.length - length, null);
        if (n === 0) break;
        length += n;
      }
      return this.buffer.toString('latin1', 0, length);
    } finally {
      closeSync(fd);
    }
  }
}

interface Owner {
  uid: number;
  gid: number;
}

/**
 * Write `data` to `dir/name` crash-safely: temp file `.name.new` (statd's name; a dot file nobody loads), fsync,
 * exact mode, owner when root, rename over the target, fsync the directory.
 */
export async function writeFileAtomic(
  dir: string,
  name: string,
  data: string | Uint8Array,
  mode: number,
  owner: Owner | undefined,
  syncDir = true,
): Promise<void> {
  const temp = join(dir, `.${name}.new`);
  const target = join(dir, name);
  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
    try {
      await handle.writeFile(data);
      await handle.chmod(mode);
      if (owner !== undefined && isRoot()) await handle.chown(owner.uid, owner.gid);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw ioError('cannot write', target, error);
  }
  if (syncDir) await syncDirectory(dir);
}

/** The statd state directory at `path`. Methods are independent; `lock()` guards multi-step work. */
export class StatdDirectory {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Find the directory the nfs-utils way (-P, nfs.conf [statd] state-directory-path, /var/lib/nfs/statd, /var/lib/nfs). */
  static locate(options: LocateOptions = {}): Located {
    return locateStatdDirectory(options);
  }

  listPath(list: MonitorListName): string {
    return join(this.path, list);
  }

  get statePath(): string {
    return join(this.path, 'state');
  }

  /** Throws NsmError NO_DIRECTORY unless the directory exists. */
  async check(): Promise<void> {
    try {
      if (!(await stat(this.path)).isDirectory()) throw new Error('not a directory');
    } catch (error) {
      throw new NsmError(
        'NO_DIRECTORY',
        `statd directory ${this.path} does not exist or is not a directory (use -P DIR)`,
        {
          subject: this.path,
          cause: error,
        },
      );
    }
  }

  /** Owner of a list directory (falls back to the state directory): whom new files belong to. */
  async owner(list: MonitorListName = 'sm'): Promise<Owner> {
    for (const path of [this.listPath(list), this.listPath('sm'), this.path]) {
      try {
        const s = await stat(path);
        return { uid: s.uid, gid: s.gid };
      } catch {}
    }
    return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  }

  // ---- lists

  /** The hosts of a list (one record per line of every loaded file); entries statd would not load are left out. */
  async readMonitorList(list: MonitorListName): Promise<MonitorRecord[]> {
    return (await this.scanList(list)).records;
  }

  /**
   * Load a list as statd/sm-notify do: skip dot files (which covers temp files `.name.new`), non-regular files, names
   * statd could not have written, and legacy temp files `name.new` whose `name` also exists (the 2024 nfs-utils
   * leak: such a file was loaded as host `name.new`). Malformed lines are skipped and reported; a missing list
   * directory is an empty list.
   */
  async scanList(list: MonitorListName): Promise<MonitorListScan> {
    await this.check();
    const dir = this.listPath(list);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skipped: [] };
      throw ioError('cannot read', dir, error);
    }
    const names = new Set(entries.map((e) => e.name));
    const skipped: SkippedEntry[] = [];
    const files: string[] = [];
    for (const entry of entries) {
      const name = entry.name;
      if (name.startsWith('.')) {
        skipped.push({ list, file: name, reason: name.endsWith('.new') ? 'temp-file' : 'dot-file' });
      } else if (!entry.isFile()) {
        skipped.push({ list, file: name, reason: 'not-regular' });
      } else if (name.endsWith('.new') && names.has(name.slice(0, -4))) {
        skipped.push({ list, file: name, reason: 'temp-file' });
      } else {
        try {
          checkRecordName(name);
          files.push(name);
        } catch (error) {
          skipped.push({ list, file: name, reason: 'bad-name', detail: (error as Error).message });
        }
      }
    }
    files.sort();
    // Synchronous reads: on a busy directory (10,000 records) a loop of synchronous reads is several times faster than
    // 10,000 thread-pool round trips, and this runs before any network work starts.
    const records: MonitorRecord[] = [];
    const reader = new SmallFileReader();
    for (const file of files) {
      let text: string;
      try {
        text = reader.read(`${dir}/${file}`);
      } catch (error) {
        // Gone between readdir and open (statd unmonitored it): not a host any more.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          skipped.push({ list, file, reason: 'unreadable', detail: (error as Error).message });
        }
        continue;
      }
      for (const r of this.parseFile(list, file, text, skipped)) records.push(r);
    }
    return { records, skipped };
  }

  private parseFile(list: MonitorListName, file: string, text: string, skipped: SkippedEntry[]): MonitorRecord[] {
    const records: MonitorRecord[] = [];
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    lines.forEach((raw, i) => {
      // Names are bytes on disk; latin1 keeps every byte, we turn valid UTF-8 back into text.
      const line = Buffer.from(raw, 'latin1').toString('utf8');
      try {
        records.push(parseRecordLine(line.includes('\ufffd') ? raw : line, file));
      } catch (error) {
        skipped.push({ list, file, reason: 'malformed-line', lineNumber: i + 1, detail: (error as Error).message });
      }
    });
    return records;
  }

  /** The raw lines of one record file (undefined when the file does not exist). */
  private async readLines(list: MonitorListName, host: string): Promise<string[] | undefined> {
    const path = join(this.listPath(list), host);
    let text: string;
    try {
      const s = await lstat(path);
      if (!s.isFile()) throw new NsmError('BAD_RECORD', `${path} is not a regular file`, { subject: path });
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (error instanceof NsmError) throw error;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError('cannot read', path, error);
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  /**
   * Add a monitor as statd's SM_MON does: file `host` (default monName) in `list` (default sm/), one line; a monitor
   * that is already there (same mon_name, my_name, prog, vers, proc) is left alone and `false` returned. New files
   * get mode 0600, appended ones keep their mode; all are owned by the list directory's owner.
   */
  async addRecord(record: NewRecord, list: MonitorListName = 'sm'): Promise<boolean> {
    const host = checkRecordName(record.host ?? record.monName);
    const fields: MonitorFields = {
      monName: record.monName,
      myName: record.myName,
      myProg: record.myProg ?? 100021,
      myVers: record.myVers ?? 3,
      myProc: record.myProc ?? 16,
      priv: record.priv ?? new Uint8Array(16),
      callerAddress: record.callerAddress ?? '127.0.0.1',
    };
    const line = formatRecordLine(fields);
    const dir = this.listPath(list);
    const existing = await this.readLines(list, host);
    const owner = await this.owner(list);
    if (existing === undefined) {
      await writeFileAtomic(dir, host, line, NEW_RECORD_MODE, owner);
      return true;
    }
    for (const old of existing) {
      try {
        if (sameMonitor(parseRecordLine(old, host), fields)) return false;
      } catch {}
    }
    const s = await stat(join(dir, host));
    await writeFileAtomic(dir, host, `${existing.map((l) => `${l}\n`).join('')}${line}`, s.mode & 0o7777, {
      uid: s.uid,
      gid: s.gid,
    });
    return true;
  }

  /**
   * Remove monitors of `host` from `list`: all of them, or those `match` accepts (statd's SM_UNMON matches mon_name
   * and my_name). The file is rewritten crash-safely with mode 0644, or unlinked when no line is left. Returns the
   * number of lines removed. `syncDirectory: false` skips the directory fsync (the caller syncs once for a batch;
   * an unlink that is lost in a crash only means the host is notified again).
   */
  async removeRecord(
    list: MonitorListName,
    host: string,
    match?: (record: MonitorRecord) => boolean,
    options: { syncDirectory?: boolean } = {},
  ): Promise<number> {
    checkRecordName(host);
    const dir = this.listPath(list);
    const path = join(dir, host);
    const lines = await this.readLines(list, host);
    if (lines === undefined) return 0;
    const keep: string[] = [];
    let removed = 0;
    for (const line of lines) {
      let record: MonitorRecord | undefined;
      try {
        record = parseRecordLine(line, host);
      } catch {}
      // Unparseable lines are kept on a selective removal (never destroy what we cannot read).
      if (record !== undefined && (match === undefined || match(record))) removed++;
      else if (match !== undefined) keep.push(line);
      else removed++;
    }
    const sync = options.syncDirectory !== false;
    if (keep.length === 0) {
      try {
        await unlink(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('cannot remove', path, error);
      }
      if (sync) await syncDirectory(dir);
    } else if (removed > 0) {
      const s = await stat(path);
      await writeFileAtomic(
        dir,
        host,
        keep.map((l) => `${l}\n`).join(''),
        REWRITE_MODE,
        { uid: s.uid, gid: s.gid },
        sync,
      );
    }
    return removed;
  }

  /**
   * sm-notify's first step: move every record file from sm/ to sm.bak/ (rename, as nsm_retire_monitored_hosts).
   * Unlike sm-notify, a file that already exists in sm.bak/ (left from an earlier, unfinished notify) is merged with,
   * not overwritten: the union of lines is written to sm.bak/ first, then the sm/ file is unlinked, so a crash at any
   * point leaves every line in sm/ or sm.bak/. Both directories are fsynced once at the end.
   */
  async moveAllToNotifyList(): Promise<{ moved: number; merged: number }> {
    const names = await this.listFiles('sm');
    const bak = this.listPath('sm.bak');
    await this.ensureList('sm.bak');
    const existing = new Set(readdirSync(bak));
    let moved = 0;
    let merged = 0;
    // Synchronous renames, for the same reason as in scanList: this is a tight loop before any network work.
    for (const name of names) {
      const from = join(this.listPath('sm'), name);
      const to = join(bak, name);
      if (!existing.has(name)) {
        try {
          renameSync(from, to);
          moved++;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('cannot move', from, error);
        }
        continue;
      }
      const old = (await this.readLines('sm.bak', name).catch(() => undefined)) ?? [];
      const incoming = (await this.readLines('sm', name)) ?? [];
      const union = [...old];
      for (const line of incoming) if (!union.includes(line)) union.push(line);
      const s = await stat(to).catch(() => undefined);
      const owner = s === undefined ? await this.owner('sm.bak') : { uid: s.uid, gid: s.gid };
      await writeFileAtomic(
        bak,
        name,
        union.map((l) => `${l}\n`).join(''),
        s === undefined ? NEW_RECORD_MODE : s.mode & 0o7777,
        owner,
      );
      await unlink(from).catch(() => {});
      merged++;
    }
    await syncDirectory(bak);
    await syncDirectory(this.listPath('sm')).catch(() => {});
    return { moved, merged };
  }

  /**
   * Remove a whole record file that is known to hold only lines that were dealt with (no malformed lines, nobody
   * else writes sm.bak/ while we hold the lock). One unlink, no read: the notifier's fast path. Synchronous: measured
   * here, a thread-pool unlink costs the event loop as much as the system call itself, plus a promise and a thread
   * hop (notify of 1,000 hosts: 30 ms slower). No directory fsync (see removeRecord).
   */
  removeFileNow(list: MonitorListName, host: string): void {
    checkRecordName(host);
    try {
      unlinkSync(`${this.listPath(list)}/${host}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('cannot remove', host, error);
    }
  }

  /** Names in a list that statd would load (see scanList), without reading them. */
  private async listFiles(list: MonitorListName): Promise<string[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.listPath(list), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError('cannot read', this.listPath(list), error);
    }
    const names = new Set(entries.map((e) => e.name));
    return entries
      .filter((e) => !e.name.startsWith('.') && e.isFile())
      .filter((e) => !(e.name.endsWith('.new') && names.has(e.name.slice(0, -4))))
      .filter((e) => {
        try {
          checkRecordName(e.name);
          return true;
        } catch {
          return false;
        }
      })
      .map((e) => e.name)
      .sort();
  }

  /** Create a list directory if missing (0755, owned like sm/). */
  private async ensureList(list: MonitorListName): Promise<void> {
    const path = this.listPath(list);
    try {
      await mkdir(path, { mode: 0o755 });
      const owner = await this.owner('sm');
      if (isRoot()) await chown(path, owner.uid, owner.gid);
      await syncDirectory(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('cannot create', path, error);
    }
  }

  /** fsync a list directory (after a batch of removals made with `syncDirectory: false`). */
  async syncList(list: MonitorListName): Promise<void> {
    await syncDirectory(this.listPath(list));
  }

  // ---- state

  /** The raw state number, or undefined when `state` is missing or not exactly 4 bytes. Native byte order. */
  async readState(): Promise<number | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.statePath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError('cannot read', this.statePath, error);
    }
    if (bytes.length !== 4) return undefined;
    return LITTLE_ENDIAN ? bytes.readInt32LE(0) : bytes.readInt32BE(0);
  }

  /**
   * nsm_get_state(): missing or short file -> 1 and an update is forced; an even number -> +1; `update` -> +2 and the
   * file is rewritten. The result is always odd. 32-bit wrap-around as in C.
   */
  async getState(update: boolean): Promise<number> {
    let state = await this.readState();
    if (state === undefined) {
      state = 1;
      update = true;
    } else if ((state & 1) === 0) {
      state = (state + 1) | 0;
    }
    if (update) {
      state = (state + 2) | 0;
      await this.writeState(state);
    }
    return state;
  }

  /** Bump the state for a reboot/takeover: nsm_get_state(true). Returns the new (odd) state. */
  bumpState(): Promise<number> {
    return this.getState(true);
  }

  /** Write `state` (an odd 32-bit integer) crash-safely, 0644, owned by the owner of sm/. */
  async writeState(state: number): Promise<void> {
    if (!Number.isInteger(state) || state < -0x80000000 || state > 0x7fffffff || (state & 1) === 0) {
      throw new NsmError('BAD_STATE', `state ${state} is not an odd 32-bit integer`);
    }
    const bytes = Buffer.alloc(4);
    if (LITTLE_ENDIAN) bytes.writeInt32LE(state);
    else bytes.writeInt32BE(state);
    await writeFileAtomic(this.path, 'state', bytes, STATE_MODE, await this.owner('sm'));
  }

  // ---- locking

  /** Take the directory's exclusive lock (see lock.ts); waits up to `waitMs`, then NsmError LOCKED. */
  async lock(waitMs = 0): Promise<DirectoryLock> {
    await this.check();
    return lockDirectory(this.path, waitMs);
  }
}
