// The body of `nfsprobe health HOST[:/export]` (see health.ts for its flags): parse, run the probes, report.
import {
  checkHealth,
  HEALTH_SERVICE_NAMES,
  type HealthReport,
  type HealthService,
  parseFsid,
} from '../../probe/health.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../errors.js';
import { type Output, paint, printJson, table } from '../output.js';
import { parseExportSpec } from '../parse.js';
import { parseRpcHost, resolveRpcHost } from '../rpc.js';
import { checkPath } from './nfs-options.js';

export interface HealthFlags {
  canary?: string;
  expectScope?: string;
  expectFsid?: string;
  optional?: string;
  json?: boolean;
}

export async function healthCommand(output: Output, targetText: string, flags: HealthFlags): Promise<number> {
  const text = targetText.trim();
  const hasExport = text.startsWith('[') ? text.includes(']:/') : text.includes(':/');
  let hostText = text;
  let exportPath: string | undefined;
  if (hasExport) {
    const spec = parseExportSpec(text);
    exportPath = checkPath(spec.path, 'export');
    hostText = text.slice(0, text.length - spec.path.length - 1);
  }
  const { host, port } = parseRpcHost(hostText);
  if (flags.canary !== undefined) {
    if (exportPath === undefined) throw new UsageError('--canary needs an export: give HOST:/export');
    if (flags.canary.trim() === '' || flags.canary.split('/').includes('..')) {
      throw new UsageError(`--canary '${flags.canary}' must name a file below the export (no '..')`);
    }
  }
  if (flags.expectFsid !== undefined) {
    if (exportPath === undefined) throw new UsageError('--expect-fsid needs an export: give HOST:/export');
    if (parseFsid(flags.expectFsid) === undefined) {
      throw new UsageError(`--expect-fsid '${flags.expectFsid}' is not a 64-bit number (decimal or 0x-hex)`);
    }
  }
  if (flags.expectScope !== undefined && flags.expectScope === '') {
    throw new UsageError('--expect-scope is empty: give the server scope the server should have');
  }
  const optional: HealthService[] = [];
  for (const name of (flags.optional ?? '').split(',').map((s) => s.trim())) {
    if (name === '') continue;
    if (!HEALTH_SERVICE_NAMES.includes(name as HealthService) || name === 'nfs4') {
      throw new UsageError(`--optional '${name}' is not one of nfs3, mountd, nlockmgr, status`);
    }
    optional.push(name as HealthService);
  }
  const { address } = await resolveRpcHost(host);
  const report = await checkHealth(address, text, {
    ...(exportPath === undefined ? {} : { exportPath }),
    ...(port === undefined ? {} : { rpcbindPort: port }),
    timeoutMs: output.timeoutMs,
    ...(flags.canary === undefined ? {} : { canary: flags.canary }),
    ...(flags.expectScope === undefined ? {} : { expectScope: flags.expectScope }),
    ...(flags.expectFsid === undefined ? {} : { expectFsid: flags.expectFsid }),
    optional,
  });
  if (output.json) printJson(output, report);
  else printReport(output, report);
  return report.ok ? EXIT_OK : EXIT_PROBLEM;
}

function printReport(output: Output, report: HealthReport): void {
  const out = output.out;
  const rows = report.probes.map((p) => [
    p.ok ? (p.skipped ? 'skip' : 'ok') : 'FAIL',
    p.name,
    p.rttMs === undefined ? '-' : `${p.rttMs.toFixed(2)}ms`,
    p.ok ? (p.detail ?? '') : `${p.error ?? ''}${p.code === undefined ? '' : ` (${p.code})`}`,
  ]);
  const lines = table(rows).split('\n');
  report.probes.forEach((p, i) => {
    out.write(`${paint(out, p.ok ? (p.skipped ? 'dim' : 'green') : 'red', lines[i]!)}\n`);
  });
  const id = report.identity;
  if (id !== null) {
    out.write(
      `identity: server scope '${id.serverScope}', server owner '${id.serverOwner}', lease ${id.leaseTime ?? '-'}s\n`,
    );
  }
  const failed = report.probes.filter((p) => !p.ok).length;
  const verdict = report.ok ? 'healthy' : `UNHEALTHY: ${failed} of ${report.probes.length} probes failed`;
  out.write(`${report.target}: ${verdict} (${report.durationMs} ms)\n`);
}
