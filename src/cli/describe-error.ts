// The one place where an error from any layer becomes the one line a user reads: `<what went wrong> (<CODE>): <what
// to do>`. Every command reports through run.ts's reportError, which calls describeError.
import { UsageError } from './errors.js';

/** What to do about a library error, by its machine-readable `code` (RpcError, NfsError, NsmError, XdrError). */
const ADVICE: Readonly<Record<string, string>> = {
  // rpc
  TIMEOUT: 'check that the host is up and reachable (firewall?) and the port is right, or give a longer --timeout',
  CONNECTION: 'check that the service runs and listens on that port',
  REFUSED: 'nothing listens on that port: check that the service runs, or give the right port',
  BAD_ADDRESS: 'check the host name, or give an IP address',
  PROG_UNAVAIL: 'the program is not served at that port: check the port (`nfsprobe rpcinfo HOST` lists them)',
  PROG_MISMATCH: 'ask for a version the server offers',
  PROC_UNAVAIL: 'the server does not implement this procedure',
  GARBAGE_ARGS: 'the server could not decode our call: report this as a bug with a packet capture',
  SYSTEM_ERR: 'the server failed the call: check its logs',
  RPC_MISMATCH: 'the peer does not speak ONC-RPC version 2',
  AUTH_ERROR:
    'the server refused our credentials: check the export options (`secure` wants a source port below 1024: run as root)',
  BAD_REPLY: 'the peer sent a reply that does not decode: is this port really the service you meant?',
  BAD_MESSAGE: 'the peer sent a message that does not decode: is this port really the service you meant?',
  RECORD_TOO_LARGE: 'the peer sent an oversized record: is this port really the service you meant?',
  TOO_MANY_FRAGMENTS: 'the peer split a record into too many fragments: is this port really the service you meant?',
  PRIVILEGED_PORT: 'a source port below 1024 needs root: run as root',
  BIND_FAILED: 'check the local address and port (in use? not an address of this host?)',
  ABORTED: 'interrupted before it finished',
  // nfs (MOUNT, NFSv3, NFSv4)
  NO_PORT: 'the server does not register it with rpcbind: start it, or pass its port (--mount-port, --nfs-port)',
  NOT_EXPORTED: '`nfsprobe exports HOST` lists the exports',
  MNT3ERR_ACCES:
    'the path is not exported to this host (`nfsprobe exports HOST` lists the exports and who may mount them); an ' +
    'export marked `secure` also wants a source port below 1024: run as root',
  MNT3ERR_PERM: 'the server does not let this host mount the path: check its exports for this client',
  MNT3ERR_NOENT: 'no such directory on the server: check the path (`nfsprobe exports HOST` lists the exports)',
  MNT3ERR_NOTDIR: 'the path is not a directory on the server: give an exported directory',
  MNT3ERR_INVAL: 'the server rejected the path: give an exported directory as an absolute path',
  NFS3ERR_ACCES: 'permission denied on the server: check the export options (root_squash?) and the permissions',
  NFS4ERR_ACCESS: 'permission denied on the server: check the export options (root_squash?) and the permissions',
  NFS3ERR_NOENT: 'no such file or directory on the server: check the path',
  NFS4ERR_NOENT: 'no such file or directory on the server: check the path (NFSv4 paths start at the pseudo-root)',
  NFS3ERR_STALE: 'the server no longer knows this filehandle: the export or filesystem changed under it',
  NFS4ERR_STALE: 'the server no longer knows this filehandle: the export or filesystem changed under it',
  NFS4ERR_WRONGSEC: 'the export wants another security flavour (krb5?) than AUTH_SYS',
  // nsm
  LOCKED: 'another notifier runs on this state directory: wait for it to finish, or stop it',
  BAD_STATE: 'give an odd state number (odd means up)',
  // xdr: a peer's message that does not follow its own protocol
  SHORT_BUFFER: 'the peer sent a truncated message: is this port really the service you meant?',
  LIMIT_EXCEEDED: 'the peer sent a list or string over the protocol limit',
};

/** The words a person reads for the errno codes a command meets on files. */
const ERRNO: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'it exists already',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only filesystem',
  EMFILE: 'too many open files',
  EXDEV: 'not on the same filesystem',
};

/**
 * `<what> (<CODE>): <what to do>` for a machine-readable code and the library's message (which may start with
 * `CODE: ` or `PROCEDURE: CODE: `). The snapshot's recorded errors go through here too.
 */
export function describeProblem(code: string | undefined, message: string): string {
  const first = message.split('\n')[0] ?? '';
  if (code === undefined || code === '') return first;
  let what = first;
  let where = '';
  const at = first.indexOf(`${code}: `);
  if (at >= 0) {
    where = first.slice(0, at).replace(/: $/, '');
    what = first.slice(at + code.length + 2);
  } else if (first === code) {
    what = '';
  }
  const label = where === '' ? code : `${where} ${code}`;
  const advice = ADVICE[code];
  const head = what === '' ? label : `${what} (${label})`;
  return advice === undefined ? head : `${head}: ${advice}`;
}

interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
}

function isSystemError(error: unknown): error is SystemError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && code in ERRNO;
}

const VERB: Readonly<Record<string, string>> = {
  open: 'open',
  read: 'read',
  write: 'write',
  rename: 'write',
  mkdir: 'create',
  unlink: 'remove',
  rmdir: 'remove',
  stat: 'read',
  scandir: 'read',
};

/** One line for any thrown value: our own errors as they are, library and system errors with what to do. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split('\n')[0] ?? '';
  if (error instanceof UsageError || typeof (error as { exitCode?: unknown }).exitCode === 'number') {
    // A library error a command turned into bad input keeps its code, after the words.
    const wrapped = /^([A-Z][A-Z0-9_]{2,}): /.exec(error.message);
    return wrapped === null ? (error.message.split('\n')[0] ?? '') : describeProblem(wrapped[1], error.message);
  }
  if (isSystemError(error)) {
    const words = ERRNO[error.code]!;
    const verb = VERB[error.syscall ?? ''] ?? 'use';
    return error.path === undefined
      ? `${words} (${error.code}, ${error.syscall ?? 'system call'})`
      : `cannot ${verb} ${error.path}: ${words} (${error.code}): check the path and its permissions`;
  }
  const code = (error as { code?: unknown }).code;
  return describeProblem(typeof code === 'string' ? code : undefined, error.message);
}
