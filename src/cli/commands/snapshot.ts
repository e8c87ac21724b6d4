// `nfsprobe snapshot HOST [--export PATH ...] [--path PATH ...] [--out FILE]` — everything `compare` needs, as JSON.
// The work is in snapshot-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import { addNfsOptions, collect } from './nfs-options.js';
import type { SnapshotFlags } from './snapshot-run.js';

export function register(program: Command): void {
  addNfsOptions(
    program
      .command('snapshot')
      .description(
        'record registered programs, exports, v3/v4 handles, GETATTR and NFSv4 identity and the write verifier of one server as JSON',
      )
      .argument('<host>', 'HOST or HOST:PORT (PORT: rpcbind)')
      .option('--export <path>', 'only this export (repeatable; default: every export)', collect)
      .option(
        '--pseudo <path>',
        'the NFSv4 path of the --export, or EXPORT=PSEUDO (repeatable; default: found by searching the pseudo filesystem)',
        collect,
      )
      .option('--path <path>', 'also record the handle of this path below an export (repeatable)', collect)
      .option('--out <file>', 'write the JSON document to FILE (atomically) instead of stdout')
      .option(
        '--json',
        'with --out: print {"out", "host", "written", "exports", "targets", "failedTargets", "errors"} (docs/cli.md)',
      )
      .addHelpText(
        'after',
        '\nThe snapshot is one JSON document (on stdout, or in --out FILE); docs/cli.md describes it.\n' +
          'Exit status 1 when any part failed (a step, or a path no NFS version gave a handle for); --out FILE is then\n' +
          'left as it was.',
      ),
  ).action(
    action(async (output, hostText: string, flags: SnapshotFlags) =>
      (await import('./snapshot-run.js')).snapshotCommand(output, hostText, flags),
    ),
  );
}
