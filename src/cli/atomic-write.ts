// Write a file atomically: temp file in the same directory, fsync, rename over the target.
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors.js';

/** The failure names the file the user asked for, never the temp file (`cannot write FILE: ... (ENOENT)`). */
function aboutTarget(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  return Object.assign(new Error(`${code}: cannot write ${file}`, { cause: error }), {
    code,
    syscall: 'write',
    path: file,
  });
}

/**
 * Before any work: FILE can be written by writeFileAtomic (its directory exists, and FILE is not a directory).
 * Throws UsageError, so a command with a bad `--out` does nothing and exits 2.
 */
export function checkWritable(file: string, what: string): void {
  const directory = dirname(file);
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    // missing: reported below
  }
  if (!isDirectory) throw new UsageError(`${what} ${file}: the directory ${directory} does not exist`);
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`${what} ${file} is a directory: give a file name`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
  }
}

export function writeFileAtomic(file: string, text: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, 'w', 0o644);
  } catch (error) {
    throw aboutTarget(error, file);
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw aboutTarget(error, file);
  }
  closeSync(fd);
  try {
    renameSync(temp, file);
  } catch (error) {
    unlinkSync(temp);
    throw aboutTarget(error, file);
  }
}
