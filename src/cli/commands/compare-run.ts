// The body of `nfsprobe compare A B` (see compare.ts for its flags): load both sides, compare, print the checks.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { connect } from '../../nfs/connect.js';
import { type Comparison, compareSnapshots } from '../../probe/compare.js';
import { plural } from '../../probe/plural.js';
import { type PortabilityProbe, probePortability } from '../../probe/portability.js';
import { parseSnapshot, type Snapshot, selectTargets, takeSnapshot } from '../../probe/snapshot.js';
import { describeError } from '../describe-error.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../errors.js';
import { type Output, paint, printable, printJson, table } from '../output.js';
import { checkPath, connectOptions, type NfsFlags, pseudoPaths } from './nfs-options.js';

export interface CompareFlags extends NfsFlags {
  export?: string[];
  path?: string[];
  pseudo?: string[];
  failover?: boolean;
}

async function load(
  side: string,
  flags: CompareFlags,
  output: Output,
  exports: string[],
  paths: string[],
  pseudo: Record<string, string>,
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
  return selectTargets(await takeSnapshot(host, { ...options, exports, paths, pseudo }), exports, paths);
}

/** Present A's export-root handles to B when B is a host (a snapshot file cannot be asked). */
async function portability(
  b: string,
  flags: CompareFlags,
  output: Output,
  sa: Snapshot,
): Promise<PortabilityProbe[] | undefined> {
  if (existsSync(b)) return undefined;
  const { host, ...options } = connectOptions(b, flags, output.timeoutMs);
  const conn = connect(host, options);
  try {
    return await probePortability(conn, sa);
  } finally {
    await conn.close();
  }
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
  const pseudo = pseudoPaths(flags.pseudo, exports);
  const [sa, sb] = await Promise.all([
    load(a, flags, output, exports, paths, pseudo),
    load(b, flags, output, exports, paths, pseudo),
  ]);
  const failover = flags.failover === true || (existsSync(a) && !existsSync(b));
  // An unreachable B (nothing answered) gets no portability probes: each would wait for its own timeout.
  const reachable = sb.programs !== null || sb.targets.length > 0;
  const probes = reachable ? await portability(b, flags, output, sa) : undefined;
  const result = compareSnapshots(sa, sb, a, b, {
    mode: failover ? 'failover' : 'parity',
    ...(probes === undefined ? {} : { portability: probes }),
  });
  if (output.json) printJson(output, result);
  else print(output, result);
  return result.ok ? EXIT_OK : EXIT_PROBLEM;
}
