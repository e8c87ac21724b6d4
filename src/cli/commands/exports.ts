// `nfsprobe exports HOST` — the MOUNT EXPORT list (showmount -e). The work is in exports-run.ts, loaded only when the
// command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import { addNfsOptions, type NfsFlags } from './nfs-options.js';

export function register(program: Command): void {
  addNfsOptions(
    program
      .command('exports')
      .description('list the exported directories and allowed clients (MOUNT EXPORT, like showmount -e)')
      .argument('<host>', 'HOST or HOST:PORT (PORT: rpcbind)')
      .option('--json', 'print {"host": ..., "exports": [{"path": ..., "groups": [...]}]} (docs/cli.md)'),
  ).action(
    action(async (output, hostText: string, flags: NfsFlags) =>
      (await import('./exports-run.js')).exportsCommand(output, hostText, flags),
    ),
  );
}
