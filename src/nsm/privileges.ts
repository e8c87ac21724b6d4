// nfs-utils support/nsm/file.c nsm_drop_privileges(): a notifier started as root works in the statd directory as the
// user who owns it, as sm-notify does — whatever that user planted there can then do no more than that user can.
// Sockets on privileged ports and the kernel's files must be opened before (see notifier.ts).

import { lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NsmError } from './errors.js';

export interface DroppedPrivileges {
  /** The user and group the process now runs as. */
  readonly uid: number;
  readonly gid: number;
  /** false: the directory belongs to root, the process stays root (sm-notify warns the same way). */
  readonly dropped: boolean;
}

/**
 * Switch this process for good to the owner of `directory` (its user and group, no supplementary groups). Does
 * nothing when not running as root. When the directory belongs to root, stays root (and says so through `warn` when
 * sm/ belongs to someone else).
 * Throws NsmError IO when the switch fails (then nothing in the directory may be touched).
 */
export function dropPrivilegesTo(directory: string, warn: (message: string) => void = () => {}): DroppedPrivileges {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid !== 0 || process.setuid === undefined || process.setgid === undefined || process.setgroups === undefined) {
    return { uid: uid ?? -1, gid: gid ?? -1, dropped: false };
  }
  // The directory's own path is the administrator's (it may be a link to the shared storage): follow it.
  const s = statSync(directory);
  if (s.uid === 0) {
    // statd writes `state` here, so this is the user to be; a root-owned directory whose sm/ another user owns is
    // worth a word (the work stays safe: nothing in it is followed), an all-root one is not.
    let listOwner = 0;
    try {
      listOwner = lstatSync(join(directory, 'sm')).uid;
    } catch {}
    if (listOwner !== 0) {
      warn(
        `${directory} belongs to root but its sm/ to uid ${listOwner}: working as root (chown ${directory} to that user, as statd expects)`,
      );
    }
    return { uid: 0, gid: gid ?? 0, dropped: false };
  }
  try {
    process.setgroups([]);
    process.setgid(s.gid);
    process.setuid(s.uid);
  } catch (error) {
    throw new NsmError('IO', `cannot switch to the owner of ${directory} (uid ${s.uid}): ${(error as Error).message}`, {
      subject: directory,
      cause: error,
    });
  }
  if (process.getuid?.() !== s.uid || process.geteuid?.() !== s.uid || process.getgid?.() !== s.gid) {
    throw new NsmError('IO', `switching to the owner of ${directory} (uid ${s.uid}) did not take effect`);
  }
  return { uid: s.uid, gid: s.gid, dropped: true };
}
