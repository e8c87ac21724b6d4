// `nfsprobe check`: this node's HA readiness from its own configuration and kernel state. The work is in
// check-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import type { CheckFlags } from './check-run.js';

export function register(program: Command): void {
  program
    .command('check')
    .description(
      "check this node's failover readiness from its configuration: exports (fsid, sync, shared storage), the statd directory and name, rpc_pipefs, NFSv4 recovery, grace and lease, boot services, ganesha.conf",
    )
    .option(
      '--root <dir>',
      'check the tree under DIR instead of / (a copy of a node: DIR/etc, DIR/proc/self/mountinfo, DIR/sys/dev/block)',
    )
    .option('--floating <name>', 'the floating (service) name statd must announce')
    .option('--peer <file>', "the other node's `nfsprobe check --json` output: add the peer.* comparisons")
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      '\nEach check prints pass, warn, fail or skip (a file that could not be read) with its evidence (file:line).\nExit: 0 no check failed, 1 some check failed, 2 bad input (--root not a directory, --peer not a check report).',
    )
    .action(action(async (output, flags: CheckFlags) => (await import('./check-run.js')).checkCommand(output, flags)));
}
