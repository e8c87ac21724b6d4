// The body of `nfsprobe notify` (see notify.ts for its flags): read nfs.conf and the statd directory, notify, report.
import { isIP } from 'node:net';
import { readNfsConf } from '../../nsm/locate.js';
import { type HostReport, notifyAll } from '../../nsm/notifier.js';
import { StatdDirectory } from '../../nsm/statd-directory.js';
import { plural } from '../../probe/plural.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../errors.js';
import { type Output, paint, printable, printJson, table } from '../output.js';
import { parseCount } from '../parse.js';
import { progressBar } from '../progress.js';
import { notifyReportJson } from './notify-json.js';

export interface NotifyFlags {
  d?: boolean;
  f?: boolean;
  m?: string;
  n?: boolean;
  p?: string;
  P?: string;
  v?: string[];
  name?: string[];
  source?: string;
  stateDir?: string;
  state?: string;
  concurrency?: string;
  dryRun?: boolean;
  liftGrace?: boolean;
  shortName?: boolean;
  nfsConf?: string;
  json?: boolean;
}

const STATUS_COLOR = { notified: 'green', skipped: 'dim' } as const;

function yes(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return /^(1|y|yes|t|true|on)$/i.test(value.trim());
}

export async function notifyCommand(output: Output, flags: NotifyFlags): Promise<number> {
  const conf = readNfsConf(flags.nfsConf ?? '/etc/nfs.conf');
  const smNotify = conf.get('sm-notify');
  const dirFlag = flags.P ?? flags.stateDir;
  // An unset shell variable (-P "$DIR") must not fall back to the real /var/lib/nfs and run a real takeover there.
  if (dirFlag !== undefined && dirFlag.trim() === '')
    throw new UsageError('-P/--state-dir is empty: name the statd directory');
  if (flags.P !== undefined && flags.stateDir !== undefined && flags.P !== flags.stateDir) {
    throw new UsageError('-P and --state-dir name different directories');
  }
  const located = StatdDirectory.locate({
    ...(dirFlag === undefined ? {} : { directory: dirFlag }),
    nfsConfPath: flags.nfsConf ?? '/etc/nfs.conf',
  });
  const retryText = flags.m ?? smNotify?.get('retry-time');
  if (retryText !== undefined && !/^\d+(\.\d+)?$/.test(retryText.trim())) {
    throw new UsageError(`-m '${retryText}' is not a number of minutes`);
  }
  const retryMinutes = retryText === undefined ? 15 : Number(retryText);
  // 0 retries until killed, as sm-notify; more than a week is a typo, not a plan.
  if (retryMinutes > 7 * 24 * 60) throw new UsageError(`-m ${retryText}: at most ${7 * 24 * 60} minutes (a week)`);
  const portText = flags.p ?? smNotify?.get('outgoing-port');
  const sourcePort = portText === undefined ? undefined : parseCount(portText, '-p PORT', 1, 65535);
  const names = [...(flags.v ?? []), ...(flags.name ?? [])];
  for (const name of names) {
    if (name === '' || /\s/.test(name)) throw new UsageError(`'${name}' is not a host name to announce`);
    if (Buffer.byteLength(name) > 1024) throw new UsageError('an announced name is longer than 1024 bytes');
  }
  let source = flags.source ?? smNotify?.get('outgoing-addr');
  if (source !== undefined && isIP(source) === 0) throw new UsageError(`--source '${source}' is not an IP address`);
  if (source === undefined && flags.v?.[0] !== undefined) {
    // sm-notify binds to the -v address; an IP literal is used as is, a name is resolved.
    const v = flags.v[0];
    if (isIP(v) !== 0) source = v;
    else {
      const { lookup } = await import('node:dns/promises');
      source = await lookup(v).then(
        (a) => a.address,
        () => {
          throw new UsageError(`-v ${v}: cannot resolve the name to find the address to send from (use --source)`);
        },
      );
    }
  }
  let state: number | undefined;
  if (flags.state !== undefined) {
    if (!/^-?\d+$/.test(flags.state)) throw new UsageError(`--state '${flags.state}' is not a number`);
    state = Number(flags.state);
    if (state % 2 === 0 || state > 0x7fffffff || state < -0x80000000) {
      throw new UsageError(`--state ${state} must be an odd 32-bit number (odd means up)`);
    }
  }
  const concurrency =
    flags.concurrency === undefined ? undefined : parseCount(flags.concurrency, '--concurrency', 1, 65536);
  const updateState = flags.n === true ? false : yes(smNotify?.get('update-state')) !== false;
  const liftGrace = flags.liftGrace === false ? false : yes(smNotify?.get('lift-grace')) !== false;

  const directory = new StatdDirectory(located.path);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let bar: ReturnType<typeof progressBar> | undefined;
  try {
    const report = await notifyAll({
      directory,
      ...(names.length > 0 ? { monNames: names } : {}),
      ...(state === undefined ? {} : { state }),
      updateState,
      ...(source === undefined ? {} : { sourceAddress: source }),
      ...(sourcePort === undefined ? {} : { sourcePort }),
      retryDeadlineMs: retryMinutes * 60_000,
      ...(concurrency === undefined ? {} : { concurrency }),
      dryRun: flags.dryRun === true,
      // Work in the directory as its owner (the statd user), as sm-notify does: what that user planted there cannot
      // make a root notifier write, read or delete anything outside it.
      dropPrivileges: true,
      alsoShortName: flags.shortName === true,
      liftGrace,
      signal: controller.signal,
      onStart: (total) => {
        bar = progressBar(output, 'notifying', total);
      },
      onHost: () => bar?.tick(),
      onWarning: (message) => output.err.write(`nfsprobe: warning: ${printable(message)}\n`),
    }).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code === 'NO_DIRECTORY' || code === 'BAD_STATE' || code === 'BAD_ADDRESS' || code === 'UNSAFE') {
        throw new UsageError((error as Error).message);
      }
      throw error;
    });
    bar?.done();
    if (output.json) printJson(output, notifyReportJson(report));
    else printReport(output, report.hosts, report);
    return report.failed === 0 ? EXIT_OK : EXIT_PROBLEM;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function printReport(
  output: Output,
  hosts: HostReport[],
  report: {
    stateDir: string;
    state: number;
    monName?: string;
    notified: number;
    failed: number;
    graceLifted: boolean;
    dryRun: boolean;
    durationMs: number;
  },
): void {
  const out = output.out;
  const as = report.monName === undefined ? "each record's my_name" : report.monName;
  const verb = report.dryRun ? 'would announce' : 'announced';
  out.write(
    `${report.stateDir}: ${verb} state ${report.state} as ${as} to ${plural(hosts.length, 'client')} in ${report.durationMs} ms\n`,
  );
  if (hosts.length === 0) {
    out.write(`nobody to notify${report.graceLifted ? "; lockd's grace period ended" : ''}\n`);
    return;
  }
  const rows: string[][] = [['STATUS', 'CLIENT', 'ADDRESS', 'PORT', 'ATTEMPTS', 'RTT', 'NOTE']];
  for (const h of hosts) {
    rows.push([
      h.status,
      printable(h.name),
      printable(h.address ?? '-'),
      h.port === undefined ? '-' : String(h.port),
      String(h.attempts),
      h.rttMs === undefined ? '-' : `${h.rttMs.toFixed(2)}ms`,
      printable(h.error ?? ''),
    ]);
  }
  const lines = table(rows).split('\n');
  out.write(`${lines[0]}\n`);
  hosts.forEach((h, i) => {
    const color = STATUS_COLOR[h.status as keyof typeof STATUS_COLOR] ?? 'red';
    out.write(`${paint(out, color, lines[i + 1]!)}\n`);
  });
  const bad = hosts.filter((h) => h.status === 'bad-record').length;
  if (report.dryRun) {
    if (bad > 0) out.write(`${plural(bad, 'record file')} cannot be used: those clients would not be notified\n`);
    return;
  }
  const failed = hosts.filter((h) => h.status !== 'notified').map((h) => printable(h.name));
  out.write(
    `${report.notified} notified, ${report.failed} not notified${failed.length ? `: ${failed.join(', ')}` : ''}\n`,
  );
}
