// `nfsprobe rpcinfo HOST`: rpcbind/portmap registrations (DUMP v4 -> v3 -> v2), like `rpcinfo -p` plus netid,
// universal address and owner. The work is in rpcinfo-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import type { RpcinfoFlags } from './rpcinfo-run.js';

const HELP = `
HOST is HOST, HOST:PORT, [IPv6] or [IPv6]:PORT; PORT is rpcbind's port (default 111).
DUMP is asked over TCP by default, as rpcinfo -p does (a long list does not fit every UDP path); --transport udp
asks over UDP. Versions: rpcbind v4 DUMP, else v3, else portmap v2 (--rpcbind-version forces one). Only v3/v4 carry
netid, universal address and owner; with v2 those are "" in JSON and absent from the table.
JSON: {"host", "version", "entries": [{"program", "version", "netid", "protocol", "port", "address", "owner",
"name"}]} — "host" is HOST as given; "name" is null for programs without a well-known name; "port" is 0 for netid "local".
Exit: 0 listed; 1 rpcbind unreachable, timed out or refused DUMP, or HOST does not resolve; 2 bad HOST or flags.`;

export function register(program: Command): void {
  program
    .command('rpcinfo')
    .description('list rpcbind/portmap registrations (rpcinfo -p, plus netid, address and owner from v3/v4)')
    .argument('<host>', 'HOST, HOST:PORT, [IPv6] or [IPv6]:PORT (PORT: rpcbind, default 111)')
    .option('--transport <udp|tcp>', 'transport to rpcbind (default tcp, like rpcinfo -p)')
    .option('--rpcbind-version <2|3|4>', 'ask this rpcbind version only (default: 4, falling back to 3, then 2)')
    .option('--json', 'print one JSON document')
    .addHelpText('after', HELP)
    .action(
      action(async (output, hostText: string, flags: RpcinfoFlags) =>
        (await import('./rpcinfo-run.js')).rpcinfoCommand(output, hostText, flags),
      ),
    );
}
