// `nfsprobe notify`: the takeover hook — SM_NOTIFY to every monitored client, sm-notify compatible flags. The work is
// in notify-run.ts, loaded only when the command runs (the hook is started anew at every failover).
import type { Command } from 'commander';
import { action } from '../run.js';
import type { NotifyFlags } from './notify-run.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  program
    .command('notify')
    .description(
      'takeover hook: tell every client in the statd directory that this server restarted (SM_NOTIFY), concurrently, with a per-client report; accepts sm-notify flags',
    )
    .option('-d', 'run in the foreground (sm-notify compatibility; nfsprobe always does)')
    .option('-f', 'force (sm-notify compatibility; nfsprobe keeps no run-once pid file)')
    .option('-m <minutes>', 'give up on unanswered clients after MINUTES (may be fractional; 0 = never; default 15)')
    .option('-n', 'do not update the NSM state number')
    .option(
      '-p <port>',
      'send from this UDP source port (default: nfs.conf [sm-notify] outgoing-port, else a reserved port as root)',
    )
    .option(
      '-P <dir>',
      'statd state directory (default: nfs.conf [statd] state-directory-path, /var/lib/nfs/statd, /var/lib/nfs)',
    )
    .option('-v <name>', 'announce NAME (and send from its address unless --source); repeatable', collect)
    .option('--name <name>', "announce NAME to every client (repeatable; default: each record's my_name)", collect)
    .option('--source <address>', 'send from this local address (the floating IP)')
    .option('--state-dir <dir>', 'same as -P')
    .option('--state <n>', 'announce this odd state number and write it, instead of bumping')
    .option(
      '--concurrency <n>',
      'RPC calls in flight at once, not counting those already waiting for a retransmission (default 512)',
    )
    .option('--dry-run', 'change nothing, send nothing: show who would be notified with which state')
    .option('--no-lift-grace', "do not end lockd's grace period when there is nobody to notify")
    .option('--short-name', 'also announce the short form of dotted names (sm-notify does; off by default)')
    .option('--nfs-conf <path>', 'nfs.conf to read [sm-notify] and [statd] settings from', '/etc/nfs.conf')
    .option('--json', 'print the report as one JSON document')
    .addHelpText(
      'after',
      `
Exit: 0 every client notified (or nobody to notify), 1 some were not (listed; their records stay in sm.bak/),
2 bad input. Records leave sm.bak/ only when the client acknowledged; a killed run loses nothing.`,
    )
    .action(
      action(async (output, flags: NotifyFlags) => (await import('./notify-run.js')).notifyCommand(output, flags)),
    );
}
