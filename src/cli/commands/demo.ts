// `nfsprobe demo`: the failover checks and the takeover notify on built-in data and simulated loopback clients. The
// work is in demo-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('show what nfsprobe checks and does, on built-in handles and simulated clients (no server needed)')
    .option('--clients <n>', 'simulated NFS clients to notify (every fourth is powered off)', '12')
    .option('--json', 'print one JSON document')
    .action(
      action(async (output, opts: { clients: string }) => (await import('./demo-run.js')).demoCommand(output, opts)),
    );
}
