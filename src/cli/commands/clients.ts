// `nfsprobe clients`: the monitored clients of a statd directory (sm/ and sm.bak/), each probed over UDP. The work
// is in clients-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import type { ClientsFlags } from './clients-run.js';

export function register(program: Command): void {
  program
    .command('clients')
    .description(
      'list the monitored clients in the statd directory (sm/ and sm.bak/) and probe each over UDP (rpcbind GETPORT for status, then SM_NULL)',
    )
    .option('-P, --state-dir <dir>', 'statd state directory (default: nfs.conf, /var/lib/nfs/statd, /var/lib/nfs)')
    .option('--concurrency <n>', 'RPC calls in flight at once (default 1024)')
    .option('--source <address>', 'send the probes from this local address')
    .option('--no-probe', 'only list, do not probe')
    .option('--nfs-conf <path>', 'nfs.conf to read [statd] state-directory-path from', '/etc/nfs.conf')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExit: 0 every client answered, 1 some did not (down, no statd, unresolved), 2 bad input.')
    .action(
      action(async (output, flags: ClientsFlags) => (await import('./clients-run.js')).clientsCommand(output, flags)),
    );
}
