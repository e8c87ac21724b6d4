// `nfsprobe exporter`: Prometheus /metrics for HA parity, health and clients. The work is in exporter-run.ts, loaded
// only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import type { ExporterFlags } from './exporter-run.js';
import { collect } from './nfs-options.js';

const HELP = `
Every --interval (default 15s; cycles never overlap) it runs, concurrently and each under its own deadline (the
interval, at least the global --timeout): health of both servers and of the floating address (as \`nfsprobe health\`,
with MOUNT + GETATTR of the first --export), a live compare of the pair, and with --state-dir the clients probe of
the statd directory. /metrics serves the last completed results at once, even while a probe hangs.
Metrics: nfsprobe_up{target,program,transport}, nfsprobe_rpc_rtt_seconds{target,program,transport} (histogram),
nfsprobe_compare_check{pair,check,status}, nfsprobe_nsm_state{target}, nfsprobe_clients{status},
nfsprobe_probe_duration_seconds{probe}, nfsprobe_last_probe_timestamp_seconds{probe}.
Paths: /metrics, / (an HTML page of the current checks), /healthz; anything else is 404.
--config FILE instead of --pair, for several pairs:
  {"pairs": [{"name": "ha1", "a": "nfs1", "b": "nfs2", "floating": "nfs-ha", "exports": ["/srv/export"]}],
   "stateDir": "/var/lib/nfs", "interval": "15s"}
--listen 0 (or ADDR:0) takes a free port; the address is printed on stdout (--json: one JSON line).
SIGTERM or SIGINT stops it: the server closes, the running cycle is aborted, exit 0.
Exit: 0 stopped by a signal; 2 bad input or the listen address is in use or not local (nothing was done).`;

export function register(program: Command): void {
  program
    .command('exporter')
    .description('Prometheus /metrics for HA parity, health and clients')
    .requiredOption('--listen <[addr:]port>', 'HTTP listen address: PORT, ADDR:PORT or [IPv6]:PORT')
    .option('--pair <hosts...>', 'the two servers A B (HOST or HOST:PORT, PORT being rpcbind)')
    .option('--floating <host>', 'the floating (service) address of the pair')
    .option('--export <path>', 'export to compare and to mount in health (repeatable; default all, no mount)', collect)
    .option('-P, --state-dir <dir>', 'statd directory whose clients to probe')
    .option('--interval <duration>', 'time between cycle starts (default 15s)')
    .option('--config <file>', 'JSON config for several pairs (instead of --pair)')
    .option('--json', 'print the listening address as one JSON line')
    .addHelpText('after', HELP)
    .action(
      action(async (output, flags: ExporterFlags) =>
        (await import('./exporter-run.js')).exporterCommand(output, flags),
      ),
    );
}
