// `nfsprobe health HOST[:/export]`: one-shot client-view health of a server or floating address, for cluster monitors.
// The work is in health-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import type { HealthFlags } from './health-run.js';

const HELP = `
Probes, all at once under one deadline (the global --timeout, default 5s; a probe still waiting then fails with
TIMEOUT): rpcbind-udp (DUMP: where everything listens), rpcbind-tcp (NULL); NULL of nfs v3 (udp, tcp), nfs v4 (tcp;
port 2049 when not registered), mountd v3, nlockmgr v4 and status v1 (udp, tcp) at the ports rpcbind lists
(NO_RPCBIND when rpcbind gave no list); nfs4-exchange-id (NFSv4.1 EXCHANGE_ID + CREATE_SESSION + GETATTR lease_time,
then DESTROY_SESSION/CLIENTID; port 2049 when rpcbind lists none or is silent for half the deadline): the server's
identity. With :/export also mount (MOUNT v3 MNT, then UMNT) and nfs3-getattr of the export root, and with
--canary NAME canary-read (LOOKUP NAME below the export + READ of its first 4 KiB).
A service that is not registered with rpcbind fails its probes (NOT_REGISTERED), unless --optional names it: an
NFSv4-only server runs without nlockmgr and status (--optional nlockmgr,status). A registered optional service that
does not answer still fails.
--expect-scope S: the EXCHANGE_ID server scope must be S; --expect-fsid F: the export root's fsid (NFSv3 GETATTR,
decimal or 0x-hex) must be F. A different value means another server or filesystem answers: clients of a failover
pair cannot reclaim their state or get ESTALE.
JSON: {"target", "ok", "durationMs", "probes": [{"name", "ok", "rttMs", "code", "error", "skipped", "detail"}],
"identity": {"serverScope", "serverOwner", "leaseTime"} | null, "fsid"}.
Exit: 0 every probe passed; 1 any probe failed; 2 bad input.`;

export function register(program: Command): void {
  program
    .command('health')
    .description('one-shot client-view health of a server or floating address, for cluster monitors')
    .argument('<target>', 'HOST, HOST:PORT (rpcbind port), HOST:/export or [IPv6]:/export')
    .option('--canary <name>', 'also LOOKUP and READ this file below the export')
    .option('--expect-scope <scope>', 'fail unless the NFSv4.1 server scope is SCOPE')
    .option('--expect-fsid <fsid>', 'fail unless the export root has this fsid (decimal or 0x-hex)')
    .option('--optional <services>', 'services that need not be registered: nfs3,mountd,nlockmgr,status (comma list)')
    .option('--json', 'print one JSON document')
    .addHelpText('after', HELP)
    .action(
      action(async (output, target: string, flags: HealthFlags) =>
        (await import('./health-run.js')).healthCommand(output, target, flags),
      ),
    );
}
