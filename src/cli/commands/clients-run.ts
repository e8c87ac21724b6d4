// The body of `nfsprobe clients` (see clients.ts for its flags): list the statd directory's clients and probe them.
import { type ClientReport, probeClients } from '../../nsm/client-probe.js';
import { CLIENT_SKIP_REASONS, describeSkipped, StatdDirectory } from '../../nsm/statd-directory.js';
import { plural } from '../../probe/plural.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../errors.js';
import { type Output, paint, printable, printJson, table } from '../output.js';
import { parseCount } from '../parse.js';
import { progressBar } from '../progress.js';

export interface ClientsFlags {
  P?: string;
  stateDir?: string;
  concurrency?: string;
  source?: string;
  probe?: boolean;
  nfsConf?: string;
  json?: boolean;
}

export async function clientsCommand(output: Output, flags: ClientsFlags): Promise<number> {
  if (flags.stateDir !== undefined && flags.stateDir.trim() === '') {
    throw new UsageError('--state-dir is empty: name the statd directory');
  }
  const located = StatdDirectory.locate({
    ...(flags.stateDir === undefined ? {} : { directory: flags.stateDir }),
    nfsConfPath: flags.nfsConf ?? '/etc/nfs.conf',
  });
  const directory = new StatdDirectory(located.path);
  await directory.check().catch((error: Error) => {
    throw new UsageError(error.message);
  });
  // Record files that cannot be loaded are clients a takeover would not notify: list them with the reason.
  const skipped = [];
  for (const list of ['sm', 'sm.bak'] as const) {
    for (const s of (await directory.scanList(list)).skipped) if (CLIENT_SKIP_REASONS.has(s.reason)) skipped.push(s);
  }
  const concurrency =
    flags.concurrency === undefined ? undefined : parseCount(flags.concurrency, '--concurrency', 1, 65536);
  let bar: ReturnType<typeof progressBar> | undefined;
  let clients: ClientReport[];
  if (flags.probe === false) {
    clients = [];
    for (const list of ['sm', 'sm.bak'] as const) {
      const seen = new Set<string>();
      for (const r of await directory.readMonitorList(list)) {
        if (seen.has(r.host)) continue;
        seen.add(r.host);
        clients.push({ name: r.host, list, status: 'unresolved', monNames: [r.monName], myNames: [r.myName] });
      }
    }
  } else {
    clients = await probeClients({
      directory,
      timeoutMs: output.timeoutMs,
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(flags.source === undefined ? {} : { sourceAddress: flags.source }),
      onStart: (total) => {
        bar = progressBar(output, 'probing', total);
      },
      onClient: () => bar?.tick(),
    });
    bar?.done();
  }
  const probed = flags.probe !== false;
  if (output.json) {
    printJson(output, {
      stateDir: directory.path,
      clients: clients.map((c) => ({
        name: c.name,
        ...(c.address === undefined ? {} : { address: c.address }),
        ...(c.statdPort === undefined ? {} : { statdPort: c.statdPort }),
        ...(probed ? { status: c.status } : {}),
        ...(c.rttMs === undefined ? {} : { rttMs: c.rttMs }),
        ...(c.repliedFrom === undefined ? {} : { repliedFrom: c.repliedFrom }),
        list: c.list,
        monNames: c.monNames,
        myNames: c.myNames,
        ...(c.error === undefined ? {} : { error: c.error }),
      })),
      skipped: skipped.map((s) => ({
        list: s.list,
        file: s.file,
        reason: s.reason,
        ...(s.lineNumber === undefined ? {} : { lineNumber: s.lineNumber, count: s.count ?? 1 }),
        detail: describeSkipped(s),
      })),
    });
  } else {
    const out = output.out;
    out.write(`${directory.path}: ${plural(clients.length, 'monitored client')}\n`);
    if (clients.length > 0) {
      const rows = [['LIST', 'CLIENT', ...(probed ? ['STATUS', 'ADDRESS', 'STATD', 'RTT'] : []), 'MONITORED AS']];
      for (const c of clients) {
        rows.push([
          c.list,
          printable(c.name),
          ...(probed
            ? [
                c.status,
                printable(c.address ?? '-'),
                c.statdPort === undefined ? '-' : String(c.statdPort),
                c.rttMs === undefined ? '-' : `${c.rttMs.toFixed(2)}ms`,
              ]
            : []),
          printable(c.myNames.join(',')),
        ]);
      }
      const lines = table(rows).split('\n');
      out.write(`${lines[0]}\n`);
      clients.forEach((c, i) => {
        const line = lines[i + 1]!;
        out.write(`${probed ? paint(out, c.status === 'up' ? 'green' : 'red', line) : line}\n`);
      });
    }
    for (const s of skipped) out.write(`${paint(out, 'red', `not loaded: ${printable(describeSkipped(s))}`)}\n`);
  }
  if (skipped.length > 0) return EXIT_PROBLEM;
  return !probed || clients.every((c) => c.status === 'up') ? EXIT_OK : EXIT_PROBLEM;
}
