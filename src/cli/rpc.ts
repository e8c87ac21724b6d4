// Shared by the RPC commands (rpcinfo, ping): HOST checks, --transport, and RpcError -> one-line findings.
import { isIP } from 'node:net';
import { RpcError } from '../rpc/errors.js';
import { resolveHost } from '../rpc/udp.js';
import { UsageError } from './errors.js';
import { type HostSpec, parseHost } from './parse.js';

/** parseHost plus the checks that need no network: a bracketed or all-numeric host must be a valid IP literal. */
export function parseRpcHost(text: string): HostSpec {
  const spec = parseHost(text);
  if (text.trim().startsWith('[') && isIP(spec.host) !== 6) {
    throw new UsageError(`'${spec.host}' in '${text}' is not an IPv6 address`);
  }
  if (/^[\d.]+$/.test(spec.host) && isIP(spec.host) !== 4) {
    throw new UsageError(`'${spec.host}' is not an IPv4 address`);
  }
  if (spec.host.includes(':') && isIP(spec.host) !== 6) {
    throw new UsageError(`'${text}' is not HOST, HOST:PORT, [IPv6] or [IPv6]:PORT`);
  }
  return spec;
}

/** `--transport udp|tcp`. */
export function parseTransport(text: string | undefined, fallback: 'udp' | 'tcp'): 'udp' | 'tcp' {
  if (text === undefined) return fallback;
  const value = text.trim().toLowerCase();
  if (value !== 'udp' && value !== 'tcp') throw new UsageError(`--transport '${text}' must be udp or tcp`);
  return value;
}

/** A finding (exit 1) with a machine-readable code. */
export class ProbeFailure extends Error {
  readonly exitCode = 1;
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Resolve HOST once (IP literals pass through); a name that does not resolve is a finding, exit 1. */
export async function resolveRpcHost(host: string): Promise<{ address: string; family: 4 | 6 }> {
  try {
    return await resolveHost(host);
  } catch (error) {
    throw new ProbeFailure('UNRESOLVED', `cannot resolve host '${host}': check the name or use an address`, {
      cause: error,
    });
  }
}

/** "host:port" with brackets for IPv6. */
export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Short text for an RpcError as a user reads it: code plus what it means. */
export function describeRpcError(error: unknown, timeoutMs: number): string {
  if (!(error instanceof RpcError)) return error instanceof Error ? error.message : String(error);
  switch (error.code) {
    case 'TIMEOUT':
      return `no reply within ${timeoutMs} ms (TIMEOUT)`;
    case 'CONNECTION':
      return `connection failed (CONNECTION): ${error.message.replace(/^CONNECTION: /, '')}`;
    case 'REFUSED':
      return 'nothing listens on that port: the host answered port unreachable (REFUSED)';
    case 'PROG_MISMATCH':
      return `version not supported, the server has versions ${error.low}..${error.high} (PROG_MISMATCH)`;
    case 'PROG_UNAVAIL':
      return 'program not available at that port (PROG_UNAVAIL)';
    case 'RPC_MISMATCH':
      return `RPC version refused, the server speaks ${error.low}..${error.high} (RPC_MISMATCH)`;
    case 'AUTH_ERROR':
      return `authentication refused, auth_stat ${error.authStat} (AUTH_ERROR)`;
    default:
      return error.message;
  }
}
