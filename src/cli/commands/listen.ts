// `nfsprobe listen`: an NSM listener that prints every SM_NOTIFY it receives (for a client operator). The work is in
// listen-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import type { ListenFlags } from './listen-run.js';

export function register(program: Command): void {
  program
    .command('listen')
    .description('run an NSM (status, 100024 v1) listener and print every SM_NOTIFY that arrives; stop with Ctrl-C')
    .option('--address <address>', 'local address to listen on', '0.0.0.0')
    .option('--port <port>', 'UDP/TCP port (default: any free port)')
    .option(
      '--register',
      'register as status 100024 v1 with the local rpcbind (replaces the registration of a running statd until exit)',
    )
    .option('--count <n>', 'exit after N notifications')
    .option('--json', 'one JSON object per line per notification')
    .addHelpText('after', '\nExit: 0 when stopped (Ctrl-C, SIGTERM or --count reached), 2 bad input.')
    .action(
      action(async (output, flags: ListenFlags) => (await import('./listen-run.js')).listenCommand(output, flags)),
    );
}
