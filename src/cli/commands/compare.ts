// `nfsprobe compare A B` — HA parity of two servers; A and B are hosts or snapshot files (mixing is fine). The work is
// in compare-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import type { CompareFlags } from './compare-run.js';
import { addNfsOptions, collect } from './nfs-options.js';

export function register(program: Command): void {
  addNfsOptions(
    program
      .command('compare')
      .description(
        'check HA parity of two servers (hosts or snapshot files): programs, exports, handles, fsid, NSM, NFSv4 identity, write verifier, handle portability',
      )
      .argument('<a>', 'HOST[:PORT] or a snapshot file')
      .argument('<b>', 'HOST[:PORT] or a snapshot file')
      .option('--export <path>', 'only this export (repeatable; default: every export)', collect)
      .option(
        '--pseudo <path>',
        'the NFSv4 path of the --export on both servers, or EXPORT=PSEUDO (repeatable; default: searched for)',
        collect,
      )
      .option('--path <path>', 'also compare the handle of this path below an export (repeatable)', collect)
      .option(
        '--failover',
        'A is the server before a failover, B after it (the default when A is a snapshot file and B a host): the NSM state must have gone up',
      )
      .option(
        '--json',
        'print {"a": ..., "b": ..., "ok": ..., "checks": [{"name", "status", "a", "b", "detail", "remedy"}]} (docs/cli.md)',
      )
      .addHelpText('after', '\nExit status 1 when any check fails (warnings do not fail).'),
  ).action(
    action(async (output, a: string, b: string, flags: CompareFlags) =>
      (await import('./compare-run.js')).compareCommand(output, a, b, flags),
    ),
  );
}
