// `nfsprobe watch HOST:/export`: the failover probe. The work is in watch-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import type { WatchFlags } from './watch-run.js';

export function register(program: Command): void {
  program
    .command('watch')
    .description(
      'watch a floating address through a failover: outages per probe path, stale handles, lost acknowledged ' +
        'writes, write verifier and identity changes; stop with Ctrl-C or --duration',
    )
    .argument('<export>', 'HOST:/export ([IPv6]:/export); HOST:PORT names the rpcbind port')
    .option('--duration <duration>', 'stop after this long (default: run until Ctrl-C or SIGTERM)')
    .option('--interval <duration>', 'probe interval of every path', '100ms')
    .option('--nfs-version <3|4|all>', 'NFSv3 paths (3), NFSv4.1 session heartbeat (4), or both (all)', '3')
    .option('--transport <udp|tcp|both>', 'transport of the NFSv3 GETATTR and data paths', 'tcp')
    .option('--file <name>', 'probe file name in the export root (default .nfsprobe-watch-HOSTNAME-PID)')
    .option('--read-only', 'no data path: write nothing')
    .option('--keep', 'keep the probe file at the end')
    .option('--max-outage <duration>', 'an outage longer than this is a problem (exit 1)')
    .option(
      '--until-recovered <duration>',
      'stop this long after every path that failed has recovered (and none failed again meanwhile)',
    )
    .option('--log <file>', 'append every acknowledged write to this local file (JSON lines, fsync each)')
    .option('--report <file>', 'at the end, write the HTML drill report of this run to FILE (as `nfsprobe report`)')
    .option(
      '--locks',
      'hold an NLM lock (and with --nfs-version all|4 an NFSv4.1 OPEN + LOCK) on the probe file through the ' +
        'failover: SM_NOTIFY (source, name, state), reclaim, grace, and that a second owner cannot take the lock ' +
        '(needs a host without its own rpc.statd)',
    )
    .option(
      '--caller-name <name>',
      "--locks: caller_name of the canary's locks, the name the server notifies (default: host name)",
    )
    .option('--floating-name <name>', '--locks: the name SM_NOTIFY must announce (default: HOST)')
    .option(
      '--notify-port <port>',
      '--locks: listen for SM_NOTIFY on this port (default: a free port registered with rpcbind)',
    )
    .option(
      '--notify-timeout <duration>',
      '--locks: SM_NOTIFY must arrive this long after recovery (default: grace + 30s)',
    )
    .option('--json', 'one JSON object per line per event; the last line is the summary')
    .addHelpText(
      'after',
      '\nExit: 0 healthy; 1 a problem (stale handle, lost acknowledged write, outage longer than --max-outage, a ' +
        'path that never came back, setup failed; with --locks: no or a wrong SM_NOTIFY, a refused reclaim, a lock ' +
        'another owner could take); 2 bad input.',
    )
    .action(
      action(async (output, spec: string, flags: WatchFlags) =>
        (await import('./watch-run.js')).watchCommand(output, spec, flags),
      ),
    );
}
