// nfs-utils support/nsm/file.c — the statd state directory: sm/ (monitor list), sm.bak/ (notify list), state.
//
// Same on-disk results as rpc.statd and sm-notify, written more carefully: every rewrite is temp file + fsync +
// rename + directory fsync, files stay owned by the owner of the list directory (statd runs as that user), and a
// leftover temp file is never taken for a host.

import { type Dirent, fchownSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { lstat, mkdir, stat } from 'node:fs/promises';
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
import {
  errnoOf,
  MAX_RECORD_FILE_BYTES,
  OpenedDirectory,
  type Owner,
  SmallFileReader,
  UnsafeFileError,
  writeFileAtomicIn,
} from './safe-fs.js';

export type MonitorListName = 'sm' | 'sm.bak';

/** Why an entry of a list directory was not loaded as a host. */
export type SkipReason =
  | 'dot-file'
  | 'temp-file'
  | 'not-regular'
  | 'bad-name'
  | 'malformed-line'
  | 'unreadable'
  | 'too-large';

/** Skip reasons that are a monitored client we cannot notify (the others are statd's own temp and dot files). */
export const CLIENT_SKIP_REASONS: ReadonlySet<SkipReason> = new Set([
  'not-regular',
  'bad-name',
  'malformed-line',
  'unreadable',
  'too-large',
]);

export interface SkippedEntry {
  readonly list: MonitorListName;
  readonly file: string;
  readonly reason: SkipReason;
  /** 1-based line number of the first malformed line. */
  readonly lineNumber?: number;
  /** Malformed lines in the file (one entry per file, however many). */
  readonly count?: number;
  readonly detail?: string;
}

/** One line about a record file that was not loaded (one per file, however many lines were bad). */
export function describeSkipped(s: SkippedEntry): string {
  const where = `${s.list}/${s.file}`;
  if (s.reason === 'malformed-line') {
    const n = s.count ?? 1;
    return `${where}: ${n} malformed line${n === 1 ? '' : 's'} skipped (line ${s.lineNumber}: ${s.detail})`;
  }
  return `${where}: skipped (${s.detail ?? s.reason})`;
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
export { MAX_RECORD_FILE_BYTES };

const LITTLE_ENDIAN = endianness() === 'LE';

function ioError(what: string, path: string, error: unknown): NsmError {
  if (error instanceof NsmError) return error;
  if (errnoOf(error) === 'ENOENT')
    return new NsmError('NOT_FOUND', `${what} ${path}: no such file or directory`, { subject: path, cause: error });
  return new NsmError('IO', `${what} ${path}: ${(error as Error).message}`, { subject: path, cause: error });
}

/** fsync a directory so that renames and unlinks in it are durable. */
export async function syncDirectory(path: string): Promise<void> {
  const dir = OpenedDirectory.open(path, true);
  try {
    await dir.sync();
  } finally {
    dir.close();
  }
}

/** What a directory entry that is not a regular file is, from its type: for messages. */
function direntKind(entry: Dirent): string {
  if (entry.isSymbolicLink()) return 'a symbolic link';
  if (entry.isFIFO()) return 'a FIFO';
  if (entry.isDirectory()) return 'a directory';
  if (entry.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The lines of a record file's text (latin1), without the empty tail after the last newline. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A record file's lines with the file's owner and mode (kept when it is rewritten). */
interface RecordFile {
  lines: string[];
  owner: Owner;
  mode: number;
}

/**
 * The statd state directory at `path`. Methods are independent; `lock()` guards multi-step work. Everything inside
 * the directory is treated as written by another user (see safe-fs.ts): links and FIFOs are never followed or opened,
 * record files are bounded in size, and temp files are created exclusively.
 */
export class StatdDirectory {
  readonly path: string;
  /** Told about things that were worked around (a leftover temp file removed); nothing when unset. */
  onWarning: ((message: string) => void) | undefined;

  constructor(path: string, options: { onWarning?: (message: string) => void } = {}) {
    this.path = path;
    this.onWarning = options.onWarning;
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

  /** Throws NsmError NO_DIRECTORY unless the directory exists. The directory's own path may be a link (the admin's). */
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

  /**
   * Open a list directory (sm/ or sm.bak/) for work relative to it; close it when done. A symbolic link or a
   * non-directory is refused with NsmError UNSAFE, a missing one is NsmError NOT_FOUND.
   */
  openList(list: MonitorListName): OpenedDirectory {
    return OpenedDirectory.open(this.listPath(list));
  }

  /** Owner of a list directory (falls back to the state directory): whom new files belong to. Links are not followed. */
  async owner(list: MonitorListName = 'sm'): Promise<Owner> {
    for (const path of [this.listPath(list), this.listPath('sm'), this.path]) {
      try {
        const s = path === this.path ? await stat(path) : await lstat(path);
        if (s.isDirectory()) return { uid: s.uid, gid: s.gid };
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
   * Load a list as statd/sm-notify do: skip dot files (which covers temp files `.name.new`), non-regular files (links
   * are not followed, FIFOs not opened), names statd could not have written, files over MAX_RECORD_FILE_BYTES, and
   * legacy temp files `name.new` whose `name` also exists (the 2024 nfs-utils leak: such a file was loaded as host
   * `name.new`). Malformed lines are skipped and reported, one entry per file; a missing list directory is an empty
   * list; a list that is a link is refused (NsmError UNSAFE).
   */
  async scanList(list: MonitorListName): Promise<MonitorListScan> {
    await this.check();
    let dir: OpenedDirectory;
    try {
      dir = this.openList(list);
    } catch (error) {
      if (error instanceof NsmError && error.code === 'NOT_FOUND') return { records: [], skipped: [] };
      throw ioError('cannot read', this.listPath(list), error);
    }
    try {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir.self(), { withFileTypes: true });
      } catch (error) {
        throw ioError('cannot read', dir.path, error);
      }
      const names = new Set(entries.map((e) => e.name));
      const skipped: SkippedEntry[] = [];
      const files: string[] = [];
      for (const entry of entries) {
        const name = entry.name;
        if (name.startsWith('.')) {
          skipped.push({ list, file: name, reason: name.endsWith('.new') ? 'temp-file' : 'dot-file' });
        } else if (!entry.isFile()) {
          skipped.push({ list, file: name, reason: 'not-regular', detail: `${direntKind(entry)}: not followed` });
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
      // Synchronous reads: on a busy directory (10,000 records) a loop of synchronous reads is several times faster
      // than 10,000 thread-pool round trips, and this runs before any network work starts.
      const records: MonitorRecord[] = [];
      const reader = new SmallFileReader();
      for (const file of files) {
        let text: string;
        try {
          text = reader.read(dir.at(file), dir.shown(file));
        } catch (error) {
          if (error instanceof UnsafeFileError) {
            skipped.push({ list, file, reason: error.reason, detail: error.message });
          } else if (errnoOf(error) !== 'ENOENT') {
            // ENOENT: gone between readdir and open (statd unmonitored it): not a host any more.
            skipped.push({ list, file, reason: 'unreadable', detail: (error as Error).message });
          }
          continue;
        }
        this.parseFile(list, file, text, records, skipped);
      }
      return { records, skipped };
    } finally {
      dir.close();
    }
  }

  /** Parse a record file's lines into `records`; malformed lines become one skipped entry for the file. */
  private parseFile(
    list: MonitorListName,
    file: string,
    text: string,
    records: MonitorRecord[],
    skipped: SkippedEntry[],
  ): void {
    let bad = 0;
    let first: { lineNumber: number; detail: string } | undefined;
    splitLines(text).forEach((raw, i) => {
      // Names are bytes on disk; latin1 keeps every byte, we turn valid UTF-8 back into text.
      const line = Buffer.from(raw, 'latin1').toString('utf8');
      try {
        records.push(parseRecordLine(line.includes('\ufffd') ? raw : line, file));
      } catch (error) {
        bad++;
        first ??= { lineNumber: i + 1, detail: (error as Error).message };
      }
    });
    if (first !== undefined) {
      skipped.push({
        list,
        file,
        reason: 'malformed-line',
        lineNumber: first.lineNumber,
        count: bad,
        detail: first.detail,
      });
    }
  }

  /** One record file, read safely (undefined when it does not exist). Not a regular file or too large: BAD_RECORD. */
  private readRecordFile(dir: OpenedDirectory, host: string, reader = new SmallFileReader()): RecordFile | undefined {
    let text: string;
    try {
      text = reader.read(dir.at(host), dir.shown(host));
    } catch (error) {
      if (error instanceof UnsafeFileError) {
        throw new NsmError('BAD_RECORD', error.message, { subject: dir.shown(host) });
      }
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw ioError('cannot read', dir.shown(host), error);
    }
    const s = reader.lastStats!;
    return { lines: splitLines(text), owner: { uid: s.uid, gid: s.gid }, mode: s.mode & 0o7777 };
  }

  /** Run `work` with a list directory opened (see openList); errors name the list. */
  private async inList<T>(list: MonitorListName, work: (dir: OpenedDirectory) => Promise<T>): Promise<T> {
    let dir: OpenedDirectory;
    try {
      dir = this.openList(list);
    } catch (error) {
      throw ioError('cannot open', this.listPath(list), error);
    }
    try {
      return await work(dir);
    } finally {
      dir.close();
    }
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
    return this.inList(list, async (dir) => {
      const existing = this.readRecordFile(dir, host);
      const write = { syncDirectory: true, onWarning: this.onWarning };
      if (existing === undefined) {
        await writeFileAtomicIn(dir, host, line, { ...write, mode: NEW_RECORD_MODE, owner: dir.owner });
        return true;
      }
      for (const old of existing.lines) {
        try {
          if (sameMonitor(parseRecordLine(old, host), fields)) return false;
        } catch {}
      }
      await writeFileAtomicIn(dir, host, `${existing.lines.map((l) => `${l}\n`).join('')}${line}`, {
        ...write,
        mode: existing.mode,
        owner: existing.owner,
      });
      return true;
    });
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
    return this.inList(list, async (dir) => {
      const file = this.readRecordFile(dir, host);
      if (file === undefined) return 0;
      const keep: string[] = [];
      let removed = 0;
      for (const line of file.lines) {
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
          unlinkSync(dir.at(host));
        } catch (error) {
          if (errnoOf(error) !== 'ENOENT') throw ioError('cannot remove', dir.shown(host), error);
        }
        if (sync) await dir.sync();
      } else if (removed > 0) {
        await writeFileAtomicIn(dir, host, keep.map((l) => `${l}\n`).join(''), {
          mode: REWRITE_MODE,
          owner: file.owner,
          syncDirectory: sync,
          onWarning: this.onWarning,
        });
      }
      return removed;
    });
  }

  /**
   * sm-notify's first step: move every record file from sm/ to sm.bak/ (rename, as nsm_retire_monitored_hosts).
   * Unlike sm-notify, a file that already exists in sm.bak/ (left from an earlier, unfinished notify) is merged with,
   * not overwritten: the union of lines is written to sm.bak/ first, then the sm/ file is unlinked, so a crash at any
   * point leaves every line in sm/ or sm.bak/. Both directories are fsynced once at the end. What is not moved (links,
   * FIFOs, bad names, files that cannot be merged) stays in sm/ and is returned in `left`.
   */
  async moveAllToNotifyList(): Promise<{ moved: number; merged: number; left: SkippedEntry[] }> {
    await this.ensureList('sm.bak');
    let sm: OpenedDirectory;
    try {
      sm = this.openList('sm');
    } catch (error) {
      if (error instanceof NsmError && error.code === 'NOT_FOUND') return { moved: 0, merged: 0, left: [] };
      throw ioError('cannot open', this.listPath('sm'), error);
    }
    let bak: OpenedDirectory | undefined;
    try {
      bak = this.openList('sm.bak');
      const { names, left } = this.listFiles(sm, 'sm');
      const existing = new Set(readdirSync(bak.self()));
      let moved = 0;
      let merged = 0;
      const reader = new SmallFileReader();
      // Synchronous renames, for the same reason as in scanList: this is a tight loop before any network work.
      for (const name of names) {
        if (!existing.has(name)) {
          try {
            renameSync(sm.at(name), bak.at(name));
            moved++;
          } catch (error) {
            if (errnoOf(error) !== 'ENOENT') throw ioError('cannot move', sm.shown(name), error);
          }
          continue;
        }
        let incoming: RecordFile | undefined;
        let old: RecordFile | undefined;
        try {
          incoming = this.readRecordFile(sm, name, reader);
          old = this.readRecordFile(bak, name, reader);
        } catch (error) {
          // One of the two is not a record file we may read: leave the sm/ one where it is, and say so.
          left.push({ list: 'sm', file: name, reason: 'not-regular', detail: (error as Error).message });
          continue;
        }
        if (incoming === undefined) continue;
        const union = old?.lines ?? [];
        const seen = new Set(union);
        for (const line of incoming.lines) {
          if (!seen.has(line)) {
            seen.add(line);
            union.push(line);
          }
        }
        await writeFileAtomicIn(bak, name, union.map((l) => `${l}\n`).join(''), {
          mode: old?.mode ?? NEW_RECORD_MODE,
          owner: old?.owner ?? bak.owner,
          onWarning: this.onWarning,
        });
        try {
          unlinkSync(sm.at(name));
        } catch {}
        merged++;
      }
      await bak.sync();
      await sm.sync().catch(() => {});
      return { moved, merged, left };
    } finally {
      sm.close();
      bak?.close();
    }
  }

  /**
   * Remove a whole record file that is known to hold only lines that were dealt with (no malformed lines, nobody
   * else writes sm.bak/ while we hold the lock). One unlink, no read: the notifier's fast path. Synchronous: measured
   * here, a thread-pool unlink costs the event loop as much as the system call itself, plus a promise and a thread
   * hop (notify of 1,000 hosts: 30 ms slower). No directory fsync (see removeRecord). Pass the opened list (openList)
   * when removing many.
   */
  removeFileNow(list: MonitorListName, host: string, opened?: OpenedDirectory): void {
    checkRecordName(host);
    const dir = opened ?? this.openList(list);
    try {
      unlinkSync(dir.at(host));
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw ioError('cannot remove', dir.shown(host), error);
    } finally {
      if (opened === undefined) dir.close();
    }
  }

  /** Names in an opened list that statd would load (see scanList), without reading them; and what it would not. */
  private listFiles(dir: OpenedDirectory, list: MonitorListName): { names: string[]; left: SkippedEntry[] } {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir.self(), { withFileTypes: true });
    } catch (error) {
      throw ioError('cannot read', dir.path, error);
    }
    const all = new Set(entries.map((e) => e.name));
    const names: string[] = [];
    const left: SkippedEntry[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      if (!e.isFile()) {
        left.push({ list, file: e.name, reason: 'not-regular', detail: `${direntKind(e)}: not followed` });
        continue;
      }
      if (e.name.endsWith('.new') && all.has(e.name.slice(0, -4))) continue;
      try {
        checkRecordName(e.name);
        names.push(e.name);
      } catch (error) {
        left.push({ list, file: e.name, reason: 'bad-name', detail: (error as Error).message });
      }
    }
    return { names: names.sort(), left };
  }

  /** Create a list directory if missing (0755, owned like sm/; chown through the descriptor, never by path). */
  private async ensureList(list: MonitorListName): Promise<void> {
    const path = this.listPath(list);
    try {
      await mkdir(path, { mode: 0o755 });
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') return;
      throw ioError('cannot create', path, error);
    }
    const owner = await this.owner('sm');
    const dir = this.openList(list);
    try {
      if (process.getuid?.() === 0) fchownSync(dir.fd, owner.uid, owner.gid);
    } finally {
      dir.close();
    }
    await syncDirectory(this.path);
  }

  /** fsync a list directory (after a batch of removals made with `syncDirectory: false`). */
  async syncList(list: MonitorListName): Promise<void> {
    await this.inList(list, (dir) => dir.sync());
  }

  // ---- state

  /**
   * The raw state number, or undefined when `state` is missing or not exactly 4 bytes. Native byte order. A `state`
   * that is a link, FIFO or anything but a regular file is refused with NsmError UNSAFE (never read through).
   */
  async readState(): Promise<number | undefined> {
    let bytes: Buffer;
    try {
      bytes = new SmallFileReader(64).readBytes(this.statePath);
    } catch (error) {
      if (error instanceof UnsafeFileError) {
        if (error.reason === 'too-large') return undefined;
        throw new NsmError('UNSAFE', `${error.message}; refusing it (remove it: the state is then rewritten)`, {
          subject: this.statePath,
        });
      }
      if (errnoOf(error) === 'ENOENT') return undefined;
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
    const owner = await this.owner('sm');
    const dir = OpenedDirectory.open(this.path, true);
    try {
      await writeFileAtomicIn(dir, 'state', bytes, { mode: STATE_MODE, owner, onWarning: this.onWarning });
    } finally {
      dir.close();
    }
  }

  // ---- locking

  /** Take the directory's exclusive lock (see lock.ts); waits up to `waitMs`, then NsmError LOCKED. */
  async lock(waitMs = 0): Promise<DirectoryLock> {
    await this.check();
    return lockDirectory(this.path, waitMs);
  }
}
