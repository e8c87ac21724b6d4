// The body of `nfsprobe exporter` (see exporter.ts for its flags): parse the flags or the JSON config, start the probe
// cycle and the HTTP server, run until SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Exporter, type ExporterOptions, type ExporterPair, type ExporterTarget } from '../../probe/exporter/index.js';
import { describeError } from '../describe-error.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { type Output, printJsonLine } from '../output.js';
import { HOUR_MS, parseDuration } from '../parse.js';
import { parseRpcHost } from '../rpc.js';
import { exporterServer } from './exporter-http.js';
import { checkPath } from './nfs-options.js';

export interface ExporterFlags {
  listen: string;
  pair?: string[];
  floating?: string;
  export?: string[];
  stateDir?: string;
  interval?: string;
  config?: string;
  json?: boolean;
}

const DEFAULT_INTERVAL_MS = 15_000;
const INTERVAL_RANGE = { min: 1000, max: HOUR_MS };

/** `--listen`: PORT, ADDR:PORT, [IPv6]:PORT; port 0 takes a free one. Default address: every interface. */
export function parseListen(text: string): { host?: string; port: number } {
  const s = text.trim();
  const bad = () =>
    new UsageError(`--listen '${text}' is not [ADDR:]PORT (BAD_LISTEN): give 9100, 127.0.0.1:9100 or [::1]:9100`);
  const portOf = (p: string) => {
    if (!/^\d{1,5}$/.test(p) || Number(p) > 65535) throw bad();
    return Number(p);
  };
  if (/^\d+$/.test(s)) return { port: portOf(s) };
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(s);
  if (m === null) throw bad();
  const host = m[1] ?? m[2]!;
  parseRpcHost(m[1] === undefined ? host : `[${host}]`);
  return { host, port: portOf(m[3]!) };
}

function target(text: unknown, what: string): ExporterTarget {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new UsageError(`${what} must be a host (BAD_CONFIG): give HOST or HOST:PORT`);
  }
  const { host, port } = parseRpcHost(text);
  return port === undefined ? { label: text.trim(), host } : { label: text.trim(), host, rpcbindPort: port };
}

function pairOf(
  a: unknown,
  b: unknown,
  floating: unknown,
  exports: unknown,
  name: unknown,
  what: string,
): ExporterPair {
  const ta = target(a, `${what} a`);
  const tb = target(b, `${what} b`);
  if (ta.label === tb.label)
    throw new UsageError(`${what}: A and B are both '${ta.label}' (BAD_PAIR): give two servers`);
  if (exports !== undefined && !(Array.isArray(exports) && exports.every((e) => typeof e === 'string'))) {
    throw new UsageError(`${what} exports must be a list of paths (BAD_CONFIG): give ["/srv/export"]`);
  }
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) {
    throw new UsageError(`${what} name must be a non-empty string (BAD_CONFIG): give a name or leave it out`);
  }
  const paths = ((exports as string[] | undefined) ?? []).map((p) => checkPath(p, `${what} export`));
  return {
    name: (name as string | undefined)?.trim() ?? `${ta.label},${tb.label}`,
    a: ta,
    b: tb,
    ...(floating === undefined || floating === null ? {} : { floating: target(floating, `${what} floating`) }),
    ...(paths.length === 0 ? {} : { exports: paths }),
  };
}

const CONFIG_KEYS = ['pairs', 'stateDir', 'interval'];
const PAIR_KEYS = ['name', 'a', 'b', 'floating', 'exports'];

/** The JSON config: `{"pairs": [{"name", "a", "b", "floating", "exports"}], "stateDir", "interval"}`. */
export function parseExporterConfig(text: string, source: string): Omit<ExporterOptions, 'timeoutMs'> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not JSON (BAD_CONFIG): ${(error as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new UsageError(`${source} must hold a JSON object (BAD_CONFIG): see nfsprobe exporter --help`);
  }
  const config = doc as Record<string, unknown>;
  const unknownKey = Object.keys(config).find((k) => !CONFIG_KEYS.includes(k));
  if (unknownKey !== undefined) {
    throw new UsageError(`${source}: unknown key '${unknownKey}' (BAD_CONFIG): use ${CONFIG_KEYS.join(', ')}`);
  }
  if (!Array.isArray(config.pairs) || config.pairs.length === 0) {
    throw new UsageError(`${source}: "pairs" must be a non-empty list (BAD_CONFIG): give {"pairs": [{"a", "b"}]}`);
  }
  const pairs = config.pairs.map((p: unknown, i: number) => {
    const what = `${source} pairs[${i}]`;
    if (typeof p !== 'object' || p === null) throw new UsageError(`${what} must be an object (BAD_CONFIG)`);
    const pair = p as Record<string, unknown>;
    const bad = Object.keys(pair).find((k) => !PAIR_KEYS.includes(k));
    if (bad !== undefined)
      throw new UsageError(`${what}: unknown key '${bad}' (BAD_CONFIG): use ${PAIR_KEYS.join(', ')}`);
    return pairOf(pair.a, pair.b, pair.floating, pair.exports, pair.name, what);
  });
  const names = pairs.map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new UsageError(`${source}: two pairs are named '${dup}' (BAD_CONFIG): name them apart`);
  const options: { -readonly [K in keyof ExporterOptions]: ExporterOptions[K] } = { pairs };
  if (config.stateDir !== undefined) {
    if (typeof config.stateDir !== 'string' || !config.stateDir.startsWith('/')) {
      throw new UsageError(`${source}: "stateDir" must be an absolute path (BAD_CONFIG)`);
    }
    options.stateDir = config.stateDir;
  }
  if (config.interval !== undefined) {
    if (typeof config.interval !== 'string' && typeof config.interval !== 'number') {
      throw new UsageError(`${source}: "interval" must be a duration such as "15s" (BAD_CONFIG)`);
    }
    options.intervalMs = parseDuration(String(config.interval), `${source} interval`, INTERVAL_RANGE);
  }
  return options;
}

function readConfig(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(describeError(error));
  }
}

/** The flags (or the config file plus --state-dir/--interval overrides) as the library's options. */
export function exporterOptions(flags: ExporterFlags, timeoutMs: number): ExporterOptions {
  let options: Omit<ExporterOptions, 'timeoutMs'>;
  if (flags.config !== undefined) {
    const extra = ['pair', 'floating', 'export'].find((k) => flags[k as keyof ExporterFlags] !== undefined);
    if (extra !== undefined) {
      throw new UsageError(`--${extra} and --config exclude each other (USAGE): put the pair into the config file`);
    }
    options = parseExporterConfig(readConfig(flags.config), flags.config);
  } else {
    if (flags.pair === undefined) {
      throw new UsageError('no servers to watch (USAGE): give --pair A B, or --config FILE');
    }
    if (flags.pair.length !== 2) {
      throw new UsageError(`--pair takes two servers, got ${flags.pair.length} (USAGE): give --pair A B`);
    }
    options = { pairs: [pairOf(flags.pair[0], flags.pair[1], flags.floating, flags.export, undefined, '--pair')] };
  }
  const result: { -readonly [K in keyof ExporterOptions]: ExporterOptions[K] } = { ...options, timeoutMs };
  if (flags.stateDir !== undefined) result.stateDir = checkPath(flags.stateDir, '--state-dir');
  if (flags.interval !== undefined) result.intervalMs = parseDuration(flags.interval, '--interval', INTERVAL_RANGE);
  result.intervalMs ??= DEFAULT_INTERVAL_MS;
  return result;
}

export async function exporterCommand(output: Output, flags: ExporterFlags): Promise<number> {
  const listen = parseListen(flags.listen);
  const exporter = new Exporter(exporterOptions(flags, output.timeoutMs));
  const server = exporterServer(exporter);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${listen.host ?? '*'}:${listen.port}`;
      if (error.code === 'EADDRINUSE') {
        reject(
          new UsageError(`cannot listen on ${where}: the port is in use (EADDRINUSE): give another --listen port`),
        );
      } else if (error.code === 'EADDRNOTAVAIL') {
        reject(new UsageError(`cannot listen on ${where}: not an address of this host (EADDRNOTAVAIL): fix --listen`));
      } else if (error.code === 'EACCES') {
        reject(new UsageError(`cannot listen on ${where}: permission denied (EACCES): use a port above 1023`));
      } else reject(error);
    });
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/metrics`;
  if (output.json) {
    printJsonLine(output, { event: 'listening', address: address.address, port: address.port, url });
  } else {
    output.out.write(`nfsprobe exporter: serving ${url}\n`);
  }
  exporter.start();
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      server.close();
      server.closeAllConnections();
      void exporter.stop().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  return EXIT_OK;
}
