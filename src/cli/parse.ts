// Parsers for the command-line conventions of the CLI contract (durations, hosts, programs).
import { UsageError } from './errors.js';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface DurationRange {
  /** Smallest accepted value, ms (0 where "no pause" makes sense). */
  readonly min: number;
  /** Largest accepted value, ms (always far below the 2^31-1 ms a Node timer can hold). */
  readonly max: number;
}

/**
 * The accepted range of every duration option (docs/cli.md lists them). A value outside is bad input, exit 2: a 0 ms
 * timeout could only ever time out, and a timer beyond 2^31-1 ms fires at once in Node.
 */
export const DURATION_RANGES: Readonly<Record<string, DurationRange>> = {
  '--timeout': { min: 1, max: DAY_MS },
  '--interval': { min: 0, max: HOUR_MS },
  // lock: 0 releases at once.
  '--hold': { min: 0, max: DAY_MS },
};

/** Options not in DURATION_RANGES: 1 ms to 24 h. */
export const DEFAULT_DURATION_RANGE: DurationRange = { min: 1, max: DAY_MS };

/** `1500` -> "1.5s"; the units a user types. */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * `500ms`, `2s`, `1m`, `15m`, `1h`; a bare number is seconds. Returns milliseconds, rounded; throws UsageError when
 * the text is not a duration or the value is outside `range` (by default the option's DURATION_RANGES entry).
 */
export function parseDuration(
  text: string,
  what = 'duration',
  range: DurationRange = DURATION_RANGES[what] ?? DEFAULT_DURATION_RANGE,
): number {
  const match = DURATION.exec(text.trim());
  if (match === null)
    throw new UsageError(`${what} '${text}' is not a duration (use 500ms, 2s, 1m or a number of seconds)`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : HOUR_MS;
  const ms = Math.round(value * factor);
  if (!(ms >= range.min && ms <= range.max)) {
    throw new UsageError(
      `${what} '${text}' is out of range: give ${formatDuration(range.min)} to ${formatDuration(range.max)}`,
    );
  }
  return ms;
}

/** A positive integer flag value. */
export function parseCount(text: string, what: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${what} '${text}' is not a whole number`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${what} must be between ${min} and ${max}, got ${value}`);
  return value;
}

export interface HostSpec {
  host: string;
  port?: number;
}

/** `HOST`, `HOST:PORT`, `[IPv6]`, `[IPv6]:PORT` (a bare IPv6 literal without brackets is accepted too). */
export function parseHost(text: string): HostSpec {
  const s = text.trim();
  if (s === '') throw new UsageError('empty host name');
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new UsageError(`host '${text}' has '[' without ']'`);
    const host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest === '') return { host };
    if (!rest.startsWith(':')) throw new UsageError(`host '${text}': expected ':PORT' after ']'`);
    return { host, port: parsePort(rest.slice(1), text) };
  }
  const colons = s.split(':').length - 1;
  if (colons === 0) return { host: checkHostName(s) };
  if (colons === 1) {
    const [host, port] = s.split(':') as [string, string];
    return { host: checkHostName(host), port: parsePort(port, text) };
  }
  return { host: s }; // bare IPv6 literal
}

function checkHostName(host: string): string {
  if (host === '' || /[\s/]/.test(host)) throw new UsageError(`'${host}' is not a host name or address`);
  return host;
}

function parsePort(text: string, whole: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`port in '${whole}' is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new UsageError(`port ${port} in '${whole}' is out of range 1-65535`);
  return port;
}

/** `HOST:/path` or `[IPv6]:/path`. */
export function parseExportSpec(text: string): { host: string; port?: number; path: string } {
  const s = text.trim();
  const at = s.startsWith('[') ? s.indexOf(']:/') + 1 : s.indexOf(':/');
  if (at <= 0) throw new UsageError(`'${text}' is not HOST:/path`);
  const { host, port } = parseHost(s.slice(0, at));
  return port === undefined ? { host, path: s.slice(at + 1) } : { host, port, path: s.slice(at + 1) };
}
