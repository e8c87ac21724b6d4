// `nfsprobe lock HOST:/export/path`: take (or test) a byte-range lock through NLM v4 (NFSv3) or NFSv4.1, hold it,
// release it; print who holds a conflicting lock. The work is in lock-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import type { LockFlags } from './lock-run.js';
import { addNfsOptions } from './nfs-options.js';

export function register(program: Command): void {
  addNfsOptions(
    program
      .command('lock')
      .description('take (or --test) an exclusive byte-range lock on an existing file, hold it, release it')
      .argument('<path>', 'HOST:/export/path/to/file ([IPv6]:/path); the file must exist')
      .option('--test', 'only ask whether the lock could be taken (NLM TEST / NFSv4 LOCKT); print the holder if not')
      .option('--hold <duration>', 'keep the lock this long before releasing it (Ctrl-C releases early)', '0')
      .option('--nfs-version <3|4>', '3: MOUNT + LOOKUP + NLM v4; 4: NFSv4.1 OPEN + LOCK/LOCKT + LOCKU + CLOSE', '3')
      .option('--caller-name <name>', 'NLM caller_name: the name the server monitors us under (default: host name)')
      .option('--offset <n>', 'first byte of the range', '0')
      .option('--length <n>', 'bytes in the range (0: to the end of the file)', '0')
      .option('--shared', 'a shared (read) lock instead of an exclusive one')
      .option('--reclaim', 'NLM: send LOCK with reclaim=true (accepted only during the server grace period)')
      .option('--nlm-port <port>', 'NLM port (skip rpcbind for nlockmgr)')
      .option('--nlm-transport <udp|tcp>', 'NLM transport', 'udp')
      .option('--json', 'print one JSON document'),
  )
    .addHelpText(
      'after',
      `
The file is not created: take an existing path. With NFSv3 the export containing the path is mounted (MOUNT v3)
and the rest looked up; the lock goes to the server's nlockmgr (found through its rpcbind). NLM's TEST reply names
the holder by svid and owner handle (oh) only; Linux clients put "pid@host" in oh, shown as text when printable.

Exit: 0 granted (and released) or --test found the range free; 1 denied (a conflicting lock, grace period, ...)
or an error; 2 bad input.`,
    )
    .action(
      action(async (output, spec: string, flags: LockFlags) =>
        (await import('./lock-run.js')).lockCommand(output, spec, flags),
      ),
    );
}
