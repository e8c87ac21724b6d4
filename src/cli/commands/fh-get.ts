// `nfsprobe fh get HOST:/path [--nfs-version 3|4]` — the filehandle of an exported path, decoded, with the server's
// GETATTR fsid and fileid for the same object. `addFhGet(fh)` adds `get` to the `fh` command group. The work is in
// fh-get-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import { fhGroup } from './fh.js';
import type { FhGetFlags } from './fh-get-run.js';
import { addNfsOptions } from './nfs-options.js';

/** Register `fh get` in the `fh` group (created by fh.ts's fhGroup). */
export function register(program: Command): void {
  addFhGet(fhGroup(program));
}

/** Add `get` to the `fh` command group. */
export function addFhGet(fh: Command): void {
  addNfsOptions(
    fh
      .command('get')
      .description('obtain the filehandle of an exported path (MOUNT v3 or NFSv4) and decode it')
      .argument('<export>', 'HOST:/path ([IPv6]:/path)')
      .option('--nfs-version <3|4>', 'get the handle with MOUNT+NFSv3 (3) or NFSv4 PUTROOTFH/LOOKUP/GETFH (4)', '3')
      .option('--pseudo <path>', "NFSv4: the export's path in the server's pseudo filesystem (default: searched for)")
      .option(
        '--json',
        'print {"export": ..., "nfsVersion": ..., "handle": H, "attributes": {...}}, H as in fh decode (docs/cli.md)',
      ),
  ).action(
    action(async (output, spec: string, flags: FhGetFlags) =>
      (await import('./fh-get-run.js')).fhGetCommand(output, spec, flags),
    ),
  );
}
