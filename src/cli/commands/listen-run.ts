// The body of `nfsprobe listen` (see listen.ts for its flags): run an NsmListener and print each notification.
// With --register --replace it holds a running statd's rpcbind registration, so every way out of here (end, --count,
// SIGINT/SIGTERM/SIGHUP, stdout gone, an unexpected error) goes through listener.close(), which puts it back.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { describeRegistrations, NsmError, NsmListener, type NsmNotifyEvent } from '../../nsm/index.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../errors.js';
import { type Output, printable } from '../output.js';
import { parseCount } from '../parse.js';
import { OutputLimiter } from './listen-output.js';

export const DEFAULT_RATE_LIMIT = 100;

export interface ListenFlags {
  address?: string;
  port?: string;
  register?: boolean;
  replace?: boolean;
  count?: string;
  from?: string;
  rateLimit?: string;
  maxMonitors?: string;
  json?: boolean;
}

interface Stop {
  code: number;
  message?: string;
  error?: unknown;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** --from: an IP address, or a name standing for all of its addresses. */
async function resolveFrom(text: string): Promise<Set<string>> {
  if (isIP(text) !== 0) return new Set([unmapped(text)]);
  try {
    const all = await lookup(text, { all: true });
    return new Set(all.map((a) => unmapped(a.address)));
  } catch {
    throw new UsageError(`--from '${printable(text)}': not an IP address and the name does not resolve`);
  }
}

export async function listenCommand(output: Output, flags: ListenFlags): Promise<number> {
  const port = flags.port === undefined ? 0 : parseCount(flags.port, '--port', 1, 65535);
  const count = flags.count === undefined ? undefined : parseCount(flags.count, '--count', 1);
  const rate = flags.rateLimit === undefined ? DEFAULT_RATE_LIMIT : parseCount(flags.rateLimit, '--rate-limit', 0);
  const maxMonitors = flags.maxMonitors === undefined ? undefined : parseCount(flags.maxMonitors, '--max-monitors', 0);
  if (flags.replace && !flags.register) throw new UsageError('--replace goes with --register');
  const from = flags.from === undefined ? undefined : await resolveFrom(flags.from);
  const address = flags.address ?? '0.0.0.0';
  const listener = new NsmListener(maxMonitors === undefined ? {} : { maxMonitors });
  let ports: { udpPort?: number; tcpPort?: number };
  try {
    ports = await listener.listen({ address, port });
  } catch (error) {
    await listener.close();
    throw new UsageError(`cannot listen on ${address}:${port}: ${(error as Error).message}`);
  }

  let stopped = false;
  let finish: (stop: Stop) => void = () => {};
  const done = new Promise<Stop>((resolve) => {
    finish = resolve;
  });
  const stop = (s: Stop) => {
    if (stopped) return;
    stopped = true;
    finish(s);
  };
  const onSignal = () => stop({ code: EXIT_OK });
  const onUncaught = (error: unknown) =>
    stop({ code: EXIT_PROBLEM, message: error instanceof Error ? error.message : String(error), error });
  // While we run, stdout errors are ours: the launcher's EPIPE handler exits at once, before the registration is
  // restored, and with 0.
  const out = output.out;
  const launcherHandlers = out.listeners('error') as ((error: Error) => void)[];
  let outGone = false;
  const onOutError = (error: NodeJS.ErrnoException) => {
    outGone = true;
    stop({
      code: EXIT_PROBLEM,
      message:
        error.code === 'EPIPE'
          ? 'stdout was closed (EPIPE): stopped listening'
          : `cannot write to stdout (${error.code ?? error.message}): stopped listening`,
    });
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  out.removeAllListeners('error');
  out.on('error', onOutError);
  const write = (text: string) => {
    if (!outGone) out.write(text);
  };
  const writeJson = (value: unknown) => write(`${JSON.stringify(value)}\n`);

  let result: Stop;
  try {
    if (flags.register) {
      try {
        await listener.register({ replace: flags.replace === true });
      } catch (error) {
        if (error instanceof NsmError && error.code === 'REGISTERED') {
          // The message names the registered ports and owner (likely a running rpc.statd).
          throw new UsageError(
            `${printable(error.message.replace(/^REGISTERED: /, ''))}; pass --replace to take it over until nfsprobe exits (it is restored then)`,
            'REGISTERED',
          );
        }
        throw error;
      }
    }
    const replaced = listener.replacedRegistrations;
    const mainPort = ports.udpPort ?? ports.tcpPort;
    if (output.json) {
      writeJson({
        event: 'listening',
        address,
        port: mainPort,
        ...ports,
        registered: flags.register === true,
        ...(replaced.length > 0
          ? { replaced: replaced.map((e) => ({ version: e.version, netid: e.netid, port: e.port, owner: e.owner })) }
          : {}),
        at: new Date().toISOString(),
      });
    }
    output.err.write(
      `listening for SM_NOTIFY on ${address} port ${mainPort} (udp ${ports.udpPort ?? '-'}, tcp ${ports.tcpPort ?? '-'})${
        flags.register ? ', registered with rpcbind as status 100024 v1' : ''
      }${replaced.length > 0 ? ` in place of ${printable(describeRegistrations(replaced))} until exit` : ''}\n`,
    );

    const limiter = new OutputLimiter(rate, (suppressed) => {
      if (output.json) writeJson({ event: 'suppressed', count: suppressed, at: new Date().toISOString() });
      else write(`... ${suppressed} more notification${suppressed === 1 ? '' : 's'} suppressed (over ${rate}/s)\n`);
    });
    let seen = 0;
    listener.on('notify', (event: NsmNotifyEvent) => {
      if (stopped) return;
      if (from !== undefined && !from.has(unmapped(event.address))) return;
      try {
        if (limiter.admit()) write(formatNotification(output.json, event));
      } catch (error) {
        onUncaught(error);
        return;
      }
      seen++;
      if (count !== undefined && seen >= count) stop({ code: EXIT_OK });
    });
    result = await done;
    limiter.flush();
  } finally {
    const report = await listener.close();
    for (const e of report.restored) {
      output.err.write(`restored the rpcbind registration of status v${e.version} ${e.netid} port ${e.port}\n`);
    }
    for (const f of report.failed) {
      output.err.write(
        `nfsprobe: warning: status v${f.entry.version} ${f.entry.netid}: could not restore/remove the rpcbind registration: ${f.error}\n`,
      );
    }
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    out.off('error', onOutError);
    for (const handler of launcherHandlers) out.on('error', handler);
    // A stdout that is gone would fail every later write: swallow those rather than exit before our message.
    if (outGone) out.on('error', () => {});
  }
  if (result.message !== undefined) {
    output.err.write(`nfsprobe: ${result.message.split('\n')[0]}\n`);
    if (output.debug && result.error instanceof Error && result.error.stack)
      output.err.write(`${result.error.stack}\n`);
  }
  return result.code;
}

function formatNotification(json: boolean, event: NsmNotifyEvent): string {
  if (json) {
    return `${JSON.stringify({
      event: event.event,
      from: event.from,
      monName: event.monName,
      state: event.state,
      at: event.at.toISOString(),
    })}\n`;
  }
  return `${event.at.toISOString()}  SM_NOTIFY from ${event.from} (${event.transport})  mon_name ${printable(event.monName)}  state ${event.state}\n`;
}
