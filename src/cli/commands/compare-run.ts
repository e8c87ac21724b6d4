// The body of `nfsprobe compare A B` (see compare.ts for its flags): load both sides, compare, print the checks.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type Comparison, compareSnapshots } from '../../probe/compare.js';
import { plural } from '../../probe/plural.js';
import { parseSnapshot, type Snapshot, selectTargets, takeSnapshot } from '../../probe/snapshot.js';
import { describeError } from '../describe-error.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../errors.js';
import { type Output, paint, printable, printJson, table } from '../output.js';
import { checkPath, connectOptions, type NfsFlags } from './nfs-options.js';

export interface CompareFlags extends NfsFlags {
  export?: string[];
  path?: string[];
  failover?: boolean;
}

async function load(
  side: string,
  flags: CompareFlags,
  output: Output,
  exports: string[],
  paths: string[],
): Promise<Snapshot> {
  if (existsSync(side)) {
    if (statSync(side).isDirectory()) {
      throw new UsageError(`'${side}' is a directory: give a snapshot file (nfsprobe snapshot HOST --out FILE)`);
    }
    let text: string;
    try {
      text = readFileSync(side, 'utf8');
    } catch (error) {
      throw new UsageError(describeError(error));
    }
    try {
      // --export/--path narrow a snapshot file as they narrow a host's probe.
      return selectTargets(parseSnapshot(text, side), exports, paths);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (side.includes('/') && !side.includes(':')) throw new UsageError(`snapshot file '${side}' does not exist`);
  const { host, ...options } = connectOptions(side, flags, output.timeoutMs);
  return selectTargets(await takeSnapshot(host, { ...options, exports, paths }), exports, paths);
}

function print(output: Output, result: Comparison): void {
  const mark = (s: string) =>
    s === 'pass'
      ? paint(output.out, 'green', 'PASS')
      : s === 'warn'
        ? paint(output.out, 'yellow', 'WARN')
        : paint(output.out, 'red', 'FAIL');
  output.out.write(`compare ${result.a} with ${result.b}\n`);
  output.out.write(`${table(result.checks.map((c) => [mark(c.status), printable(c.name), printable(c.detail)]))}\n`);
  const problems = result.checks.filter((c) => c.status !== 'pass' && c.remedy !== '');
  for (const c of problems) output.out.write(`\n${printable(c.name)}: ${printable(c.remedy)}\n`);
  const failed = result.checks.filter((c) => c.status === 'fail').length;
  const warned = result.checks.filter((c) => c.status === 'warn').length;
  output.out.write(`\n${plural(result.checks.length, 'check')}: ${failed} failed, ${plural(warned, 'warning')}\n`);
}

export async function compareCommand(output: Output, a: string, b: string, flags: CompareFlags): Promise<number> {
  const exports = (flags.export ?? []).map((p) => checkPath(p, '--export'));
  const paths = (flags.path ?? []).map((p) => checkPath(p, '--path'));
  const [sa, sb] = await Promise.all([load(a, flags, output, exports, paths), load(b, flags, output, exports, paths)]);
  const failover = flags.failover === true || (existsSync(a) && !existsSync(b));
  const result = compareSnapshots(sa, sb, a, b, { mode: failover ? 'failover' : 'parity' });
  if (output.json) printJson(output, result);
  else print(output, result);
  return result.ok ? EXIT_OK : EXIT_PROBLEM;
}
