// The body of `nfsprobe demo` (see demo.ts for its flags): run the demo and tell what it shows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../probe/demo.js';
import { EXIT_OK } from '../errors.js';
import { type Output, paint, printJson } from '../output.js';
import { parseCount } from '../parse.js';
import { notifyReportJson } from './notify-json.js';

/**
 * A scratch directory that is removed on every way out: the normal end, an error, Ctrl-C (SIGINT), SIGTERM, and the
 * process.exit() that the launcher makes when stdout is closed early (`nfsprobe demo | head`, EPIPE).
 */
function scratchDirectory(): { path: string; release: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'nfsprobe-demo-'));
  const remove = () => rmSync(path, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  };
  process.once('exit', remove);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    path,
    release: () => {
      process.off('exit', remove);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      remove();
    },
  };
}

export async function demoCommand(output: Output, opts: { clients: string }): Promise<number> {
  const clients = parseCount(opts.clients, '--clients', 1, 200);
  const scratch = scratchDirectory();
  try {
    return await demo(output, clients, scratch.path);
  } finally {
    scratch.release();
  }
}

async function demo(output: Output, clients: number, directory: string): Promise<number> {
  const say = (line = '') => {
    if (!output.json) output.out.write(`${line}\n`);
  };
  say('Simulated HA pair and clients on loopback; no NFS server, rpcbind or root needed.');
  const result = await runDemo({ clients, directory, onProgress: (line) => say(`   ${line}`) });
  say();
  say(paint(output.out, 'bold', '1. Filehandles: what a client holds, and whether the standby will accept it'));
  if (output.json) {
    printJson(output, { ...result, notify: notifyReportJson(result.notify) });
    return EXIT_OK;
  }
  const { primary, standby, withFsid, comparison } = result.handles;
  for (const [label, h] of [
    ['primary', primary],
    ['standby', standby],
    ['fsid=1 ', withFsid],
  ] as const) {
    const fsid = h.fsid;
    const where =
      fsid?.major !== undefined
        ? `device ${fsid.major}:${fsid.minor}, export-root inode ${fsid.exportInode}`
        : `fsid=${fsid?.number}`;
    say(`   ${label}  ${h.hex}  ${h.format} ${fsid?.name}: ${where}; file inode ${h.fileid?.inode}`);
  }
  say(
    `   primary vs standby: ${comparison.compatible ? paint(output.out, 'green', 'compatible') : paint(output.out, 'red', 'NOT compatible')}`,
  );
  for (const d of comparison.differences) say(`     - ${d.field}: ${String(d.a)} -> ${String(d.b)}: ${d.consequence}`);
  for (const note of withFsid.notes) say(`   fsid=1: ${note}`);
  say();
  say(paint(output.out, 'bold', '2. Takeover: SM_NOTIFY to every client in the statd directory, reported per client'));
  const n = result.notify;
  for (const host of n.hosts) {
    const client = result.clients.find((c) => c.name === host.name);
    const got = client?.received.at(-1);
    const status =
      host.status === 'notified' ? paint(output.out, 'green', host.status) : paint(output.out, 'red', host.status);
    say(
      `   ${host.name.padEnd(18)} ${String(host.address ?? '-').padEnd(12)} ${status.padEnd(12)} attempts ${host.attempts}` +
        (got ? `  client saw: ${got.monName} state ${got.state}` : host.error ? `  (${host.error})` : ''),
    );
  }
  say(
    `   state ${n.state} announced as ${n.monName ?? '-'}: ${n.notified} notified, ${n.failed} not, in ${Math.round(n.durationMs)} ms` +
      ' (records of the clients that did not answer stay in sm.bak/ for the next run)',
  );
  say();
  say('Against real servers: nfsprobe compare HOST-A HOST-B; at takeover: nfsprobe notify -P DIR -v FLOATING-NAME');
  // The powered-off clients are part of the demo: their failure is expected, so the demo itself succeeds.
  return EXIT_OK;
}
