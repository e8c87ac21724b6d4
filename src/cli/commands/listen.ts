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
      'register as status 100024 v1 with the local rpcbind (refused if something, e.g. rpc.statd, is)',
    )
    .option(
      '--replace',
      "with --register: take over an existing status registration (a running rpc.statd's) and restore it on exit",
    )
    .option('--count <n>', 'exit after N notifications (those matching --from, when given)')
    .option('--from <address>', 'show only notifications from this address (or the addresses of this name)')
    .option(
      '--rate-limit <n>',
      'print at most N notifications a second, then one line counting the rest (0 = no limit)',
      '100',
    )
    .option('--max-monitors <n>', 'keep at most N SM_MON entries from local privileged callers (default 1024)')
    .option('--json', 'one JSON object per line: first {"event":"listening",...}, then one per notification')
    .addHelpText(
      'after',
      `
Text lines escape control characters in names (\\n, \\x1b, \\u009b). Over --rate-limit, text prints
"... K more notifications suppressed" and JSON {"event":"suppressed","count":K,"at":...} once a second.
With --register --replace the replaced registration is restored on every exit (end, --count, SIGINT, SIGTERM,
SIGHUP, stdout closed, error) but not after SIGKILL.

Exit: 0 when stopped (Ctrl-C, SIGTERM, SIGHUP or --count reached), 1 stdout closed or an error,
2 bad input or status already registered without --replace.`,
    )
    .action(
      action(async (output, flags: ListenFlags) => (await import('./listen-run.js')).listenCommand(output, flags)),
    );
}
