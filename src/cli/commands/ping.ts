// `nfsprobe ping HOST PROGRAM [VERSION]`: NULL-procedure pings (rpcinfo -u / -t), round-trip statistics. The work is
// in ping-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import type { PingFlags } from './ping-run.js';

export const DEFAULT_COUNT = 3;
export const DEFAULT_INTERVAL_MS = 200;

const HELP = `
HOST is HOST or [IPv6]: the program's port is asked from rpcbind (port 111) over the same transport (GETPORT, or
GETADDR for IPv6; rpcbind DUMP when no VERSION is given). HOST:PORT / [IPv6]:PORT ping the program at PORT
directly, without rpcbind (rpcinfo -n); with no VERSION the versions then come from the PROG_MISMATCH range the
program reports for version 0.
PROGRAM is a name (portmapper, rpcbind, nfs, mountd, nlockmgr, status, rquotad, nfs_acl, ...) or a number.
No VERSION: every version registered for PROGRAM on the transport. Each version gets --count NULL calls (default
${DEFAULT_COUNT}), --interval apart (default ${DEFAULT_INTERVAL_MS}ms); versions are pinged concurrently. Each call
has the global --timeout (default 5s) as its deadline; over UDP it is retransmitted from 500ms on, doubling.
A version that answers PROG_MISMATCH, PROG_UNAVAIL, PROC_UNAVAIL or an auth/RPC error is not pinged again.
Round trips: min/avg/max/p50/p99 in ms (p = nearest rank) over the replies received. A UDP port nobody listens on
fails at once with REFUSED (the ICMP port unreachable), not after --timeout. Ctrl-C stops and prints the
statistics gathered so far (the ping in flight is not counted).
JSON: {"host", "program", "results": [{"version", "transport", "port", "sent", "received",
"rttMs": {"min", "avg", "max", "p50", "p99"}, "status", "error"}]}; "host" is HOST as given;
"rttMs" is null when a version got no reply; "status" is ok, timeout, refused (nothing listens on the port),
rejected (the program answered with an RPC error), error or interrupted; "error" (absent when ok) is the last
failure's code, such as TIMEOUT, REFUSED or PROG_MISMATCH. Why a version failed is one line on stderr. When
nothing could be pinged (program not registered, rpcbind unreachable) there is no JSON, only that line.
Exit: 0 every ping of every version got a reply; 1 any ping got none (timeout, refused, PROG_MISMATCH, ...), the
program is not registered, rpcbind did not answer, HOST does not resolve, or Ctrl-C came before any reply; 2 bad
HOST, PROGRAM, VERSION or flags.`;

export function register(program: Command): void {
  program
    .command('ping')
    .description('NULL-procedure ping of an RPC program (rpcinfo -u / -t) with round-trip statistics')
    .argument('<host>', 'HOST or [IPv6] (via rpcbind), HOST:PORT or [IPv6]:PORT (the program at PORT)')
    .argument('<program>', 'program name or number (nfs, mountd, nlockmgr, status, 100003, ...)')
    .argument('[version]', 'program version (default: every registered version)')
    .option('--transport <udp|tcp>', 'transport (default udp)')
    .option('--count <n>', `pings per version (default ${DEFAULT_COUNT})`)
    .option('--interval <duration>', `pause between pings of one version (default ${DEFAULT_INTERVAL_MS}ms)`)
    .option('--json', 'print one JSON document')
    .addHelpText('after', HELP)
    .action(
      action(async (output, hostText: string, programText: string, versionText: string | undefined, flags: PingFlags) =>
        (await import('./ping-run.js')).pingCommand(output, hostText, programText, versionText, flags),
      ),
    );
}
