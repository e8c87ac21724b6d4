// `nfsprobe compare A B` — HA parity of two servers; A and B are hosts or snapshot files (mixing is fine).
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type Comparison, compareSnapshots } from '../../probe/compare.js';
import { parseSnapshot, type Snapshot, takeSnapshot } from '../../probe/snapshot.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../errors.js';
import { type Output, paint, printJson, table } from '../output.js';
import { action } from '../run.js';
import { addNfsOptions, checkPath, collect, connectOptions, type NfsFlags } from './nfs-options.js';

interface Flags extends NfsFlags {
  export?: string[];
  path?: string[];
  failover?: boolean;
}

async function load(side: string, flags: Flags, output: Output, exports: string[], paths: string[]): Promise<Snapshot> {
  if (existsSync(side)) {
    try {
      return parseSnapshot(readFileSync(side, 'utf8'), side);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (side.includes('/') && !side.includes(':')) throw new UsageError(`snapshot file '${side}' does not exist`);
  const { host, ...options } = connectOptions(side, flags, output.timeoutMs);
  return takeSnapshot(host, { ...options, exports, paths });
}

function print(output: Output, result: Comparison): void {
  const mark = (s: string) =>
    s === 'pass'
      ? paint(output.out, 'green', 'PASS')
      : s === 'warn'
        ? paint(output.out, 'yellow', 'WARN')
        : paint(output.out, 'red', 'FAIL');
  output.out.write(`compare ${result.a} with ${result.b}\n`);
  output.out.write(`${table(result.checks.map((c) => [mark(c.status), c.name, c.detail]))}\n`);
  const problems = result.checks.filter((c) => c.status !== 'pass' && c.remedy !== '');
  for (const c of problems) output.out.write(`\n${c.name}: ${c.remedy}\n`);
  const failed = result.checks.filter((c) => c.status === 'fail').length;
  const warned = result.checks.filter((c) => c.status === 'warn').length;
  output.out.write(`\n${result.checks.length} checks: ${failed} failed, ${warned} warnings\n`);
}

export function register(program: Command): void {
  addNfsOptions(
    program
      .command('compare')
      .description('check HA parity of two servers (hosts or snapshot files): programs, exports, handles, fsid, NSM')
      .argument('<a>', 'HOST[:PORT] or a snapshot file')
      .argument('<b>', 'HOST[:PORT] or a snapshot file')
      .option('--export <path>', 'only this export (repeatable; default: every export)', collect)
      .option('--path <path>', 'also compare the handle of this path below an export (repeatable)', collect)
      .option(
        '--failover',
        'A is the server before a failover, B after it (the default when A is a snapshot file and B a host): the NSM state must have gone up',
      )
      .addHelpText('after', '\nExit status 1 when any check fails (warnings do not fail).'),
  ).action(
    action(async (output, a: string, b: string, flags: Flags) => {
      const exports = (flags.export ?? []).map((p) => checkPath(p, '--export'));
      const paths = (flags.path ?? []).map((p) => checkPath(p, '--path'));
      const [sa, sb] = await Promise.all([
        load(a, flags, output, exports, paths),
        load(b, flags, output, exports, paths),
      ]);
      const failover = flags.failover === true || (existsSync(a) && !existsSync(b));
      const result = compareSnapshots(sa, sb, a, b, { mode: failover ? 'failover' : 'parity' });
      if (output.json) printJson(output, result);
      else print(output, result);
      return result.ok ? EXIT_OK : EXIT_PROBLEM;
    }),
  );
}
