// An exclusive lock on a statd state directory, so two notifiers never work on one directory at once.
//
// Design: flock(2) on the directory itself, held by a child `flock(1)` process whose command is `cat` reading a pipe
// from us. Why not an O_EXCL lock file with a pid in it: a pid file survives a SIGKILL and then needs stale-pid
// detection, which is racy (two breakers), wrong across pid namespaces/containers sharing the directory, and fooled
// by pid reuse; it also leaves a file behind in a directory other tools own. A kernel lock has none of these
// problems: when we die for any reason our end of the pipe closes, `cat` sees EOF and exits, and the kernel drops the
// lock. Node has no flock() binding, hence the helper process (util-linux flock, present wherever nfs-utils is).
// Locking the directory (not a file in it) creates nothing and changes no owner or mode.

import { spawn } from 'node:child_process';
import { NsmError } from './errors.js';

const CONFLICT_EXIT = 75;

export interface DirectoryLock {
  readonly path: string;
  /** Release the lock; resolves when the kernel has dropped it. Idempotent. */
  release(): Promise<void>;
}

/**
 * Take the exclusive lock on `path` (a directory). `waitMs` 0 fails at once with NsmError LOCKED when another holder
 * has it; otherwise waits up to that long.
 */
export function lockDirectory(path: string, waitMs = 0): Promise<DirectoryLock> {
  const mode = waitMs > 0 ? ['--wait', String(Math.max(0.001, waitMs / 1000))] : ['--nonblock'];
  const child = spawn(
    'flock',
    [
      '--exclusive',
      ...mode,
      '--conflict-exit-code',
      String(CONFLICT_EXIT),
      '--close',
      path,
      '-c',
      'echo locked; exec cat',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  return new Promise<DirectoryLock>((resolve, reject) => {
    let settled = false;
    let stderr = '';
    let stdout = '';
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      const why = error.code === 'ENOENT' ? 'flock(1) (util-linux) is not installed' : error.message;
      reject(new NsmError('LOCK_FAILED', `cannot lock ${path}: ${why}`, { subject: path, cause: error }));
    });
    child.once('exit', (code) => {
      if (settled) return;
      settled = true;
      if (code === CONFLICT_EXIT || code === 1) {
        reject(new NsmError('LOCKED', `${path} is locked by another notifier`, { subject: path }));
      } else {
        reject(
          new NsmError('LOCK_FAILED', `cannot lock ${path}: ${stderr.trim() || `flock exited ${code}`}`, {
            subject: path,
          }),
        );
      }
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (settled || !stdout.includes('locked')) return;
      settled = true;
      // The lock must not keep our event loop alive; the pipe still closes when we exit.
      const streams = [child.stdout, child.stderr, child.stdin] as unknown as {
        ref?: () => void;
        unref?: () => void;
      }[];
      child.unref();
      for (const stream of streams) stream.unref?.();
      let released = false;
      resolve({
        path,
        async release() {
          if (released) return exited;
          released = true;
          // Keep the loop alive until the helper has exited and the kernel has dropped the lock.
          child.ref();
          for (const stream of streams) stream.ref?.();
          child.stdin.end();
          await exited;
        },
      });
    });
  });
}
