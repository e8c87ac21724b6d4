// Flags shared by the NFS commands (exports, fh get, snapshot, compare): explicit ports and transports.
import type { Command } from 'commander';
import type { ConnectOptions } from '../../nfs/connect.js';
import { UsageError } from '../errors.js';
import { parseCount, parseHost } from '../parse.js';

export function addNfsOptions(command: Command): Command {
  return command
    .option('--mount-port <port>', 'mountd port (skip rpcbind for MOUNT)')
    .option('--nfs-port <port>', 'NFS port (skip rpcbind for NFS)')
    .option('--transport <udp|tcp>', 'MOUNT transport (default udp, then tcp)');
}

export interface NfsFlags {
  mountPort?: string;
  nfsPort?: string;
  transport?: string;
}

/** HOST[:PORT] (PORT is rpcbind's) plus the shared flags -> connect() options. */
export function connectOptions(
  hostText: string,
  flags: NfsFlags,
  timeoutMs: number,
): { host: string } & ConnectOptions {
  const { host, port } = parseHost(hostText);
  const options: { host: string } & ConnectOptions = { host, timeoutMs };
  if (port !== undefined) options.rpcbindPort = port;
  if (flags.mountPort !== undefined) options.mountPort = parseCount(flags.mountPort, '--mount-port', 1, 65535);
  if (flags.nfsPort !== undefined) options.nfsPort = parseCount(flags.nfsPort, '--nfs-port', 1, 65535);
  if (flags.transport !== undefined) {
    if (flags.transport !== 'udp' && flags.transport !== 'tcp') {
      throw new UsageError(`--transport must be udp or tcp, not '${flags.transport}'`);
    }
    options.mountTransport = flags.transport;
  }
  return options;
}

/** For repeatable options: commander's collector. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** An absolute path given on the command line. */
export function checkPath(path: string, what: string): string {
  if (!path.startsWith('/')) throw new UsageError(`${what} '${path}' must be an absolute path`);
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/**
 * `--pseudo` values (repeatable) as export -> NFSv4 path: `EXPORT=PSEUDO`, or a bare `PSEUDO` for the one
 * `--export` given.
 */
export function pseudoPaths(values: readonly string[] | undefined, exports: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values ?? []) {
    const eq = value.indexOf('=');
    if (eq >= 0) {
      out[checkPath(value.slice(0, eq), '--pseudo EXPORT')] = checkPath(value.slice(eq + 1), '--pseudo PATH');
      continue;
    }
    if (exports.length !== 1) {
      throw new UsageError(
        `--pseudo '${value}' needs exactly one --export to apply to (or give it as --pseudo EXPORT=PSEUDO)`,
      );
    }
    out[exports[0]!] = checkPath(value, '--pseudo');
  }
  return out;
}
